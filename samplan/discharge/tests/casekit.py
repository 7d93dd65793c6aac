"""Helpers for the case page tests: a case, and sending on it through the forms."""

from __future__ import annotations

import datetime

from django.urls import reverse
from django.utils import timezone

from samplan.core.actor import Actor
from samplan.core.message_types import MessageType
from samplan.discharge.message_forms import SLUGS
from samplan.discharge.recipients import propose_recipients
from samplan.discharge.services import case_default_recipients, case_open, case_send
from samplan.messaging.services import RecipientChoice

M = MessageType


def local(moment: datetime.datetime) -> str:
    """A time as a datetime-local input sends it."""
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


def open_case(cast, patient, *, hours_ago: float = 2, ward=None, user=None):
    case, _created = case_open(
        actor=Actor(user=user or cast.ward_nurse, unit=ward or cast.ward),
        patient=patient,
        admitted_at=timezone.now() - datetime.timedelta(hours=hours_ago),
        opening_key=f"open-{patient.pk}",
    )
    return case


def send(cast, case, message_type, *, user=None, unit=None, to=None, key=None, content=None):
    """Send on the case through the service (setting up a state for a view test)."""
    user = user or cast.ward_nurse
    unit = unit or cast.ward
    recipients = (
        [RecipientChoice(unit=u, reason_code="chosen", reason_text="Vald") for u in to]
        if to
        else case_default_recipients(case, unit)
    )
    message = case_send(
        case=case,
        actor=Actor(user=user, unit=unit),
        message_type=message_type,
        recipients=recipients,
        idempotency_key=f"{case.pk}-{key or message_type}-{case.messages.count()}",
        content=content,
    )
    case.refresh_from_db()
    return message


def notify(cast, case):
    """The admission notice to the home-care unit and the care centre: both take part."""
    return send(cast, case, M.ADMISSION_NOTICE, to=[cast.home_care, cast.care_centre])


def send_url(case, message_type) -> str:
    return reverse("discharge:case_send", args=[case.pk, SLUGS[message_type]])


def form_post(client, case, message_type, unit, data, *, keep=None, add=(), key="form-key"):
    """Post a message form as the page would, keeping every proposed unit by default."""
    if keep is None:
        keep = [p.unit.pk for p in propose_recipients(case, message_type, unit)]
    payload = {
        "message_type": message_type,
        "key": key,
        "action": "send",
        "keep": [str(pk) for pk in keep],
        "add": [str(pk) for pk in add],
        **data,
    }
    return client.post(send_url(case, message_type), payload)


def now_local() -> str:
    return local(timezone.now())


# Valid form data per message type.
FORM_DATA = {
    M.STATUS_REPORT: {"living": "Eget boende", "services": "Hemtjänst två gånger om dagen"},
    M.ADMISSION_NOTICE: {"ward_phone": "016-10 00 00", "note": "Föll i hemmet"},
    M.PLANNING_INFO: {"needs": "Hjälp med dusch", "adl": "Går med rollator", "risks": "Fall"},
    M.CARE_CONTACT_APPOINTED: {"name": "Anna Ek", "profession": "Sjuksköterska", "phone": "0155-1"},
    M.READY_FOR_DISCHARGE: {"judged_at": None},  # filled in with "now" by the tests
    M.READINESS_WITHDRAWN: {"reason": "Feber igen"},
    M.SIP_SUMMONS: {"meeting_at": "2030-01-10T13:00", "place": "Avd 1, dagrummet"},
    M.DISCHARGE_NOTICE: {"discharged_at": None},
    M.DISCHARGE_INFO: {"text": "Läkemedelslista och ordinationer"},
    M.CARE_REPORT: {
        "text": "Såret läker",
        "author": "Bo Berg",
        "author_profession": "Sjuksköterska",
    },
    M.EXTRA_MESSAGE: {"text": "Anhörig ringer i eftermiddag"},
    M.CASE_WITHDRAWN: {"reason": "deceased", "text": ""},
}


def form_data(message_type) -> dict:
    data = dict(FORM_DATA[message_type])
    for name, value in data.items():
        if value is None:
            data[name] = now_local()
    return data
