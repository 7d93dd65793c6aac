"""Discharge cases as threads of messages, for messaging's pages (samplan.messaging.threads).

Registered in DischargeConfig.ready(): a message on a case (discharge.CaseMessage) belongs to
the case, a unit takes part while it is a participant of the case (CaseParticipant without
left_at), and the message page links to the case page.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Exists, OuterRef, Subquery
from django.urls import reverse
from django.utils.translation import gettext as _

from samplan.discharge.models import CaseMessage, CaseParticipant
from samplan.messaging.threads import ThreadKind


def _linked(ref: str) -> Exists:
    # The link's primary key is the message.
    return Exists(CaseMessage.objects.filter(message_id=OuterRef(ref)))


def _taking_part(unit_id: int, ref: str) -> Exists:
    # caseparticipant_unique (case, unit) per linked case.
    return Exists(
        CaseParticipant.objects.filter(
            case__message_links__message_id=OuterRef(ref), unit_id=unit_id, left_at__isnull=True
        )
    )


def _annotations(ref: str) -> dict[str, Any]:
    return {
        "case_id": Subquery(CaseMessage.objects.filter(message_id=OuterRef(ref)).values("case_id"))
    }


def _link(message: Any, unit: Any) -> tuple[str, str] | None:
    case_id = getattr(message, "case_id", None)
    if case_id is None:
        return None
    return _("Open the case"), reverse("discharge:case_detail", args=[case_id])


def _join(message_id: int, unit: Any, actor: Any) -> None:
    # A stuck message forwarded from the list of stuck messages: the new unit joins the case
    # (as a unit added later, or by its kind) so that it can open it, as a receiver of a
    # message sent on the case does (services.case_send).
    from samplan.discharge.services import case_participant_join

    link = CaseMessage.objects.select_related("case").filter(message_id=message_id).first()
    if link is not None:
        case_participant_join(actor=actor, case=link.case, unit=unit)


CASE_THREADS = ThreadKind(
    name="discharge.case",
    linked=_linked,
    taking_part=_taking_part,
    annotations=_annotations,
    link=_link,
    join=_join,
)
