"""Choice labels (get_FOO_display) without translating every choice on every call."""

from __future__ import annotations

import functools

from django.db import models
from django.utils.encoding import force_str


@functools.cache
def _labels(field: models.Field) -> dict[object, object]:
    # Only the keys are hashed here, so the lazy labels stay lazy.
    return dict(field.flatchoices)


class ChoiceLabels:
    """Mixin for models whose choice labels list pages show row by row.

    Django's Model._get_FIELD_display rebuilds dict(make_hashable(field.flatchoices)) on every
    call, and hashing a lazy label translates it: every get_state_display() translated every
    state (about 600 gettext calls on one inbox page). This looks the value up in a dict made
    once per field; the label is translated when shown, in the language active then.
    """

    def _get_FIELD_display(self, field: models.Field) -> str:
        value = getattr(self, field.attname)
        try:
            label = _labels(field).get(value, value)
        except TypeError:  # an unhashable value (a JSON field's choices): Django's way
            return super()._get_FIELD_display(field)
        return force_str(label, strings_only=True)
