"""Coordinated individual plans as threads of messages, for messaging's pages
(samplan.messaging.threads).

Registered in SipConfig.ready(): a message a plan sent (sip.SipMessage: the summons, reminders,
follow-up reminders) belongs to the plan. A unit takes part while it sees the plan: the
initiator, or a summoned unit that has not declined (SipParticipant.answer in VISIBLE_ANSWERS,
the rule of sip.access.plan_for_unit and of the patient relation in apps.py), so a protected
person's name is shown on the message only to those units (domain.md §3). The message page
links to the plan when the unit sees it. A stuck message forwarded to another unit makes that
unit a summoned unit of the plan (`_join`).
"""

from __future__ import annotations

from typing import Any

from django.db.models import Exists, OuterRef, QuerySet, Subquery
from django.urls import reverse
from django.utils.translation import gettext as _

from samplan.core.prepared import prepared
from samplan.messaging.threads import ThreadKind
from samplan.sip.models import VISIBLE_ANSWERS, SipMessage, SipParticipant


def _linked(ref: str) -> Exists:
    # sip_sipmessage.message_id is unique (one-to-one with the message).
    return Exists(SipMessage.objects.filter(message_id=OuterRef(ref)))


def _taking_part(unit_id: int, ref: str) -> Exists:
    # The message's plan through sip_sipmessage.message_id (unique), then
    # sipparticipant_unique (plan, unit).
    return Exists(
        SipParticipant.objects.filter(
            plan__messages__message_id=OuterRef(ref), unit_id=unit_id, answer__in=VISIBLE_ANSWERS
        )
    )


def _annotations(ref: str) -> dict[str, Any]:
    return {
        "sip_plan_id": Subquery(
            SipMessage.objects.filter(message_id=OuterRef(ref)).values("plan_id")
        )
    }


def _link(message: Any, unit: Any) -> tuple[str, str] | None:
    # The message page only (one message): one read of the unit's place in the plan, so a
    # unit that declined, or got the message without being summoned, gets no dead link.
    plan_id = getattr(message, "sip_plan_id", None)
    if plan_id is None or unit is None:
        return None
    if getattr(message, "takes_part", None) is False:
        # The page read whether the unit takes part in any thread of the message (the OR of
        # every kind's taking_part, _taking_part's among them): not in any, so not in the plan.
        return None
    if not _seen_by(plan_id=plan_id, unit_id=unit.pk):
        return None
    return _("Open the plan"), reverse("sip:detail", args=[plan_id])


@prepared
def _seen_by(*, plan_id: int, unit_id: int) -> QuerySet:
    """The unit's visible row's id in the plan, if any (as .exists(): one row at most)."""
    return SipParticipant.objects.filter(
        plan_id=plan_id, unit_id=unit_id, answer__in=VISIBLE_ANSWERS
    ).values_list("pk", flat=True)[:1]


def _join(message_id: int, unit: Any, actor: Any) -> None:
    # A stuck message forwarded from the list of stuck messages: the new unit becomes a
    # summoned unit of the plan, answering by its delivery's cut-off (services.sip_unit_join).
    from samplan.sip.services import sip_unit_join

    link = SipMessage.objects.filter(message_id=message_id).only("plan_id").first()
    if link is not None:
        sip_unit_join(actor=actor, plan_id=link.plan_id, message_id=message_id, unit=unit)


PLAN_THREADS = ThreadKind(
    name="sip.plan",
    linked=_linked,
    taking_part=_taking_part,
    annotations=_annotations,
    link=_link,
    join=_join,
)
