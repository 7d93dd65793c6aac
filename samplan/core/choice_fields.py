"""Model choice fields that check an id before the database sees it.

Django's ModelChoiceField and ModelMultipleChoiceField pass what was posted straight into a
query: "99999999999999999999" overflows SQLite's integer (a 500), "²" passes isdigit-style
checks elsewhere. These take only what samplan.core.http.parse_id accepts, and answer
anything else with the field's ordinary "not one of the choices" error.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError

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
