"""How a message's own fields (Message.content) are shown on the message page.

The forms of each message type (samplan.discharge) decide the keys; this is the plain table of
their labels. A key without a label is still shown, under its own name, so nothing a sender
wrote is ever hidden; add its label here.
"""

from __future__ import annotations

import datetime

from django.utils import formats, timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

CONTENT_LABELS = {
    # Admission notice
    "admitted_at": gettext_lazy("Admitted"),
    "admission_time": gettext_lazy("Admitted"),
    "services_need_assessed_at": gettext_lazy("Need of services assessed"),
    "ward": gettext_lazy("Ward"),
    "ward_phone": gettext_lazy("Ward phone"),
    "estimated_discharge_date": gettext_lazy("Estimated discharge date"),
    "registered_address": gettext_lazy("Registered address"),
    "care_type": gettext_lazy("Care type"),
    # Planning information
    "needs": gettext_lazy("Needs after discharge"),
    "functional_level": gettext_lazy("Functional level (ADL)"),
    "adl": gettext_lazy("Functional level (ADL)"),
    "aids": gettext_lazy("Aids"),
    "risks": gettext_lazy("Risks"),
    "medication": gettext_lazy("Medication"),
    "services_before": gettext_lazy("Services before admission"),
    "sip_needed": gettext_lazy("SIP needed"),
    "care_contact_needed": gettext_lazy("Care contact needed"),
    # Care contact
    "care_contact_name": gettext_lazy("Care contact"),
    "care_contact_profession": gettext_lazy("Profession"),
    "care_contact_phone": gettext_lazy("Care contact's phone"),
    "name": gettext_lazy("Name"),
    "phone": gettext_lazy("Phone"),
    "profession": gettext_lazy("Profession"),
    # Ready, discharge
    "ready_at": gettext_lazy("Ready for discharge"),
    "assessed_by": gettext_lazy("Assessed by"),
    "discharged_at": gettext_lazy("Discharged"),
    "discharge_time": gettext_lazy("Discharged"),
    "discharged_to": gettext_lazy("Discharged to"),
    "transport": gettext_lazy("Transport"),
    # SIP summons
    "meeting_at": gettext_lazy("Meeting time"),
    "meeting_place": gettext_lazy("Meeting place"),
    "meeting_mode": gettext_lazy("Meeting form"),
    "purpose": gettext_lazy("Purpose"),
    # Reports, withdrawals, free text
    "report": gettext_lazy("Report"),
    "reason": gettext_lazy("Reason"),
    "information": gettext_lazy("Information"),
    "comment": gettext_lazy("Comment"),
    "contact_person": gettext_lazy("Contact person"),
    "contact_phone": gettext_lazy("Contact phone"),
}


def _format(value: object) -> str:
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if value is None or value == "":
        return "–"
    if isinstance(value, list | tuple):
        return ", ".join(_format(item) for item in value)
    if isinstance(value, dict):
        return "; ".join(f"{key}: {_format(item)}" for key, item in value.items())
    if isinstance(value, str):
        return _format_text(value)
    if isinstance(value, datetime.datetime):
        return formats.date_format(timezone.localtime(value), "Y-m-d H:i")
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


def content_items(content: dict) -> list[tuple[str, str]]:
    """(label, value) pairs in the order the sender's form wrote them; Stockholm local time."""
    items = []
    for key, value in (content or {}).items():
        label = CONTENT_LABELS.get(key)
        items.append((str(label) if label else key.replace("_", " ").capitalize(), _format(value)))
    return items
