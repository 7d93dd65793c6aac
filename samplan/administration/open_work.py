"""What stands in the way of closing down units (seed 002: "make sure no message is left
unhandled"): unacknowledged deliveries, open discharge cases and open SIP plans the units take
part in. unit_deactivate refuses while any is open; the providers app lists them and hands
them over (samplan.providers). The lists name no patient: the administrator who closes a unit
does not read patient content because of that role (domain.md §2), and each row links to
where the unit's own users deal with it."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from samplan.discharge.models import CaseParticipant
from samplan.messaging.models import OPEN_STATES as OPEN_DELIVERY_STATES
from samplan.messaging.models import Delivery
from samplan.sip.models import Answer, PlanState, SipParticipant


def open_deliveries(unit_ids: Iterable[int]) -> QuerySet[Delivery]:
    """Served by delivery_unit_state_idx (unit, state, -arrived_at)."""
    return (
        Delivery.objects.filter(unit_id__in=list(unit_ids), state__in=OPEN_DELIVERY_STATES)
        .select_related("unit", "message")
        .only(
            "id",
            "state",
            "arrived_at",
            "due_at",
            "unit__name",
            "message__message_type",
            "message__sent_at",
        )
        .order_by("arrived_at", "pk")
    )


def open_cases(unit_ids: Iterable[int]) -> QuerySet[CaseParticipant]:
    """The units' standing participations in open cases (participant_open_newest_idx)."""
    return (
        CaseParticipant.objects.filter(
            unit_id__in=list(unit_ids),
            left_at__isnull=True,
            case_open=True,  # kept in step with the case's state by the database
        )
        .select_related("unit", "case")
        .only("id", "role", "unit__name", "case__id", "case__state", "case__admitted_at")
        .order_by("case_id", "pk")
    )


def open_plans(unit_ids: Iterable[int]) -> QuerySet[SipParticipant]:
    """The units' participations in plans not closed, not declined (sipparticipant_unit_idx)."""
    return (
        SipParticipant.objects.filter(unit_id__in=list(unit_ids))
        .exclude(answer=Answer.DECLINED)
        .exclude(plan__state=PlanState.CLOSED)
        .select_related("unit", "plan")
        .only("id", "role", "answer", "unit__name", "plan__id", "plan__state")
        .order_by("plan_id", "pk")
    )


@dataclass(frozen=True)
class Blockers:
    deliveries: int
    cases: int
    plans: int

    @property
    def any(self) -> bool:
        return bool(self.deliveries or self.cases or self.plans)


def blockers(unit_ids: Iterable[int]) -> Blockers:
    """How many of each there are (three COUNT queries)."""
    ids = list(unit_ids)
    return Blockers(
        deliveries=open_deliveries(ids).count(),
        cases=open_cases(ids).count(),
        plans=open_plans(ids).count(),
    )


def refuse_while_open(unit_ids: Iterable[int]) -> None:
    """Raises a plain Swedish ValidationError naming what is still open, if anything is."""
    found = blockers(unit_ids)
    if found.any:
        raise ValidationError(
            _(
                "It cannot be closed yet: %(deliveries)d unacknowledged messages, %(cases)d open "
                "cases and %(plans)d open SIP plans. Forward or hand them over first."
            )
            % {"deliveries": found.deliveries, "cases": found.cases, "plans": found.plans}
        )
