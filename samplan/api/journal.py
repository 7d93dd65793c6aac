"""Journal notes: the plain text of a message or a finalised SIP version, to paste into (or
store in) the user's own record system, so a fact is written once ("write once").

Protected identity holds here as everywhere in the API: no address, phone or whereabouts.
"""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _

from samplan.api.presenting import content_out
from samplan.messaging.content import content_items
from samplan.messaging.models import Delivery, Message
from samplan.patients.display import patient_display
from samplan.patients.models import Protection
from samplan.sip.models import SipIntervention, SipPlan, SipVersion


def _when(value) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else "–"


def _person(patient, *, participant: bool) -> str:
    display = patient_display(patient, participant=participant)
    return f"{display.name}, {display.identity}"


def message_note(message: Message, *, participant: bool, delivery: Delivery | None) -> str:
    protected = message.patient.protection != Protection.NONE
    lines = [
        f"samplan: {message.get_message_type_display()}",
        _("Patient: %(person)s") % {"person": _person(message.patient, participant=participant)},
        _("Sent %(when)s by %(unit)s")
        % {"when": _when(message.sent_at), "unit": message.sender_unit.name},
    ]
    if message.occurred_at:
        lines.append(_("Happened %(when)s (entered late)") % {"when": _when(message.occurred_at)})
    if delivery is not None:
        lines.append(
            _("Received %(when)s by %(unit)s")
            % {"when": _when(delivery.arrived_at), "unit": delivery.unit.name}
        )
    if message.cancelled_at:
        lines.append(_("Cancelled %(when)s") % {"when": _when(message.cancelled_at)})
    lines.append("")
    for label, value in content_items(content_out(message.content, protected=protected)):
        lines.append(f"{label}: {value}")
    if message.text and message.text not in message.content.values():
        lines += ["", message.text]
    return "\n".join(lines).strip() + "\n"


def sip_version_note(plan: SipPlan, version: SipVersion) -> str:
    lines = [
        _("samplan: Coordinated individual plan, version %(number)s") % {"number": version.number},
        _("Patient: %(person)s") % {"person": _person(plan.patient, participant=True)},
        _("Finalised %(when)s") % {"when": _when(version.locked_at)},
        "",
        _("The person's goals: %(text)s") % {"text": version.goals or "–"},
    ]
    if version.responsible_principal_id:
        lines.append(
            _("Overall responsibility: %(name)s") % {"name": version.responsible_principal.name}
        )
    if version.coordinator_id:
        lines.append(
            _("Coordinator: %(name)s")
            % {"name": version.coordinator.get_full_name() or version.coordinator.username}
        )
    lines += ["", _("Interventions:")]
    for item in SipIntervention.objects.filter(version=version).select_related("unit", "principal"):
        period = f"{item.starts_on or ''}–{item.ends_on or ''}".strip("–")
        unit = item.unit.name if item.unit_id else item.principal.name
        lines.append(f"- {item.what} ({unit}{', ' + period if period else ''})")
    if version.others_do:
        lines += ["", _("What others do: %(text)s") % {"text": version.others_do}]
    lines += [
        "",
        _("Follow-up: %(date)s, %(how)s")
        % {"date": version.follow_up_date or "–", "how": version.follow_up_how or "–"},
    ]
    return "\n".join(lines).strip() + "\n"
