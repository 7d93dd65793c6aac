"""Filter forms whose instances share their fields.

Form.__init__ deep-copies every field of the class for each instance, so that an instance
may change its own (a queryset, a choice list, a widget attribute). A list's filter form
with fixed choices changes none of them, and the copy (each choice field's widget and its
list of lazily translated labels) was most of making the form: some 0.15 ms of every
Översikt and Mottagna view. `shared_fields` lets a form's instances use the class's own
field objects. Only for forms that set nothing on a field after the class is made (no
`self.fields[...]` changes in __init__, no field-level state): test_filter_forms checks
the forms it is used on.
"""

from __future__ import annotations

from typing import TypeVar

from django import forms

FormClass = TypeVar("FormClass", bound=type[forms.BaseForm])


class _SharedFields(dict):
    """A form class's base_fields whose deep copy (Form.__init__'s) is a plain dict of the
    same field objects."""

    def __deepcopy__(self, memo: dict) -> dict:
        return dict(self)


def shared_fields(form_class: FormClass) -> FormClass:
    """Class decorator: the form's instances share the class's field objects (module doc)."""
    form_class.base_fields = _SharedFields(form_class.base_fields)
    return form_class
