"""Model choice fields that check an id before the database sees it.

Django's ModelChoiceField and ModelMultipleChoiceField pass what was posted straight into a
query: "99999999999999999999" overflows SQLite's integer (a 500), "²" passes isdigit-style
checks elsewhere. These take only what samplan.core.http.parse_id accepts, and answer
anything else with the field's ordinary "not one of the choices" error.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.forms.models import ModelChoiceIterator

from samplan.core.http import parse_id


class IdChoiceField(forms.ModelChoiceField):
    def to_python(self, value: Any) -> Any:
        if value in self.empty_values or self.to_field_name or isinstance(value, int):
            return super().to_python(value)
        if parse_id(str(value)) is None:
            raise ValidationError(
                self.error_messages["invalid_choice"],
                code="invalid_choice",
                params={"value": value},
            )
        return super().to_python(value)


class IdMultipleChoiceField(forms.ModelMultipleChoiceField):
    def _check_values(self, value: Any) -> Any:
        if not self.to_field_name:
            for pk in value:
                if not isinstance(pk, int) and parse_id(str(pk)) is None:
                    raise ValidationError(
                        self.error_messages["invalid_choice"],
                        code="invalid_choice",
                        params={"value": pk},
                    )
        return super()._check_values(value)


class _PkAndNameIterator(ModelChoiceIterator):
    """The choices read as (pk, name) pairs: no model instance per option."""

    def __iter__(self) -> Iterator[tuple[Any, Any]]:
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        yield from self.queryset.values_list("pk", "name")


class NamedIdChoiceField(IdChoiceField):
    """An IdChoiceField of rows whose str() is their `name` (units, organisations): its select
    reads pk and name only, without making a model instance (and a choice value wrapping it)
    per option. A region's unit filter has hundreds of options. The chosen row is still
    fetched and checked as IdChoiceField does it."""

    iterator = _PkAndNameIterator
