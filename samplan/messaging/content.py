"""How a message's own fields (Message.content) are shown: one table of labels and value
formatters per message type, used by the message page, the case page and printouts alike.

The processes that own a message type (samplan.discharge, samplan.sip) decide its keys, so they
register them here from their forms in AppConfig.ready() (messaging sits below them and never
imports them). A key nobody registered is still shown, under the generic label below or its own
name, so nothing a sender wrote is ever hidden; a test walks every message type and fails when a
produced key has no label.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from django import forms
from django.utils import formats, timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

TEXT = "text"
DATE = "date"
DATETIME = "datetime"
BOOLEAN = "boolean"
CHOICE = "choice"
HIDDEN = "hidden"  # kept as evidence or for links, never shown as a line (e.g. a plan's id)


@dataclass(frozen=True)
class ContentField:
    label: str | Promise
    kind: str = TEXT
    choices: Mapping[str, str | Promise] = field(default_factory=dict)
    # Contact data (an address): never shown for a patient with protected identity.
    contact: bool = False


# message type -> key -> field, in the order the sender's form shows them.
_REGISTRY: dict[str, dict[str, ContentField]] = {}


def register_content_fields(message_type: str, fields: Mapping[str, ContentField]) -> None:
    """Adds a message type's keys; a key registered earlier keeps its first definition."""
    known = _REGISTRY.setdefault(str(message_type), {})
    for key, value in fields.items():
        known.setdefault(key, value)


def fields_of_form(
    form_class: type[forms.Form], *, exclude: Iterable[str] = ()
) -> dict[str, ContentField]:
    """A form's fields as content fields: its labels, and a formatter from each field's type."""
    skip = set(exclude)
    result: dict[str, ContentField] = {}
    for name, form_field in form_class.base_fields.items():
        if name in skip or isinstance(form_field.widget, forms.HiddenInput):
            continue
        result[name] = ContentField(form_field.label or name, *_kind_of(form_field))
    return result


def _kind_of(form_field: forms.Field) -> tuple[str, dict]:
    if isinstance(form_field, forms.ChoiceField):
        return CHOICE, {str(key): label for key, label in form_field.choices if key != ""}
    if isinstance(form_field, forms.DateTimeField):
        return DATETIME, {}
    if isinstance(form_field, forms.DateField):
        return DATE, {}
    if isinstance(form_field, forms.BooleanField | forms.NullBooleanField):
        return BOOLEAN, {}
    return TEXT, {}


def registered_fields(message_type: str) -> dict[str, ContentField]:
    return dict(_REGISTRY.get(str(message_type), {}))


# Keys a message of an unregistered type may carry (API and older messages): generic labels.
GENERIC_FIELDS: dict[str, ContentField] = {
    "admitted_at": ContentField(gettext_lazy("Admitted"), DATETIME),
    "ward": ContentField(gettext_lazy("Ward")),
    "ward_phone": ContentField(gettext_lazy("Ward phone")),
    "estimated_discharge_date": ContentField(gettext_lazy("Estimated discharge date"), DATE),
    "registered_address": ContentField(gettext_lazy("Registered address"), contact=True),
    "needs": ContentField(gettext_lazy("Needs after discharge")),
    "adl": ContentField(gettext_lazy("Functional level (ADL)")),
    "aids": ContentField(gettext_lazy("Aids")),
    "risks": ContentField(gettext_lazy("Risks")),
    "name": ContentField(gettext_lazy("Name")),
    "phone": ContentField(gettext_lazy("Phone")),
    "profession": ContentField(gettext_lazy("Profession")),
    "judged_at": ContentField(gettext_lazy("Judged ready for discharge"), DATETIME),
    "discharged_at": ContentField(gettext_lazy("Discharged"), DATETIME),
    "meeting_at": ContentField(gettext_lazy("Meeting time"), DATETIME),
    "place": ContentField(gettext_lazy("Meeting place")),
    "reason": ContentField(gettext_lazy("Reason")),
    "note": ContentField(gettext_lazy("Note")),
    "text": ContentField(gettext_lazy("Text")),
    "comment": ContentField(gettext_lazy("Comment")),
}


def format_value(spec: ContentField | None, value: object) -> str:
    """One stored value as text: choices by their label, times in Stockholm local time,
    booleans as Ja/Nej."""
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if value is None or value == "":
        return "–"
    if isinstance(value, list | tuple):
        return ", ".join(format_value(spec, item) for item in value)
    if isinstance(value, dict):
        return "; ".join(f"{key}: {format_value(None, item)}" for key, item in value.items())
    if spec is not None and spec.kind == CHOICE:
        return str(spec.choices.get(str(value), value))
    if isinstance(value, datetime.datetime):
        return formats.date_format(timezone.localtime(value), "Y-m-d H:i")
    if isinstance(value, str):
        return _format_text(value)
    return str(value)


def _format_text(value: str) -> str:
    """ISO times (as JSON stores them) in Swedish local time; any other text as written."""
    try:
        moment = parse_datetime(value) if len(value) > 10 else None
        day = parse_date(value) if len(value) == 10 else None
    except ValueError:
        return value
    if moment is not None:
        if timezone.is_naive(moment):
            moment = timezone.make_aware(moment)
        return formats.date_format(timezone.localtime(moment), "Y-m-d H:i")
    if day is not None:
        return day.isoformat()
    return value


def content_fields(message_type: str, content: Mapping[str, object]) -> dict[str, ContentField]:
    """The field of each key of `content`: the type's own, else the generic table."""
    own = _REGISTRY.get(str(message_type), {})
    return {key: own.get(key) or GENERIC_FIELDS.get(key) for key in content}


def content_items(
    content: Mapping[str, object] | None, message_type: str = "", *, protected: bool = False
) -> list[tuple[str, str]]:
    """(label, value) pairs in the order of the type's form (unknown keys last), in Stockholm
    local time; hidden keys left out, and contact data for a protected identity."""
    content = content or {}
    own = _REGISTRY.get(str(message_type), {})
    order = [key for key in own if key in content]
    order += [key for key in content if key not in own]
    items = []
    for key in order:
        spec = own.get(key) or GENERIC_FIELDS.get(key)
        if spec is not None and (spec.kind == HIDDEN or (protected and spec.contact)):
            continue
        label = str(spec.label) if spec else key.replace("_", " ").capitalize()
        items.append((label[:1].upper() + label[1:], format_value(spec, content[key])))
    return items
