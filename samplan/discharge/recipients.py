"""Who a message on a case goes to: the proposal the sender sees, and what they make of it.

`propose_recipients` is the one place that decides the proposal (domain.md §4, §5):
- the admission notice, and any message on a case that has no other participant yet, gets
  the register-based proposal (samplan.addressing.router.route, with its reasons);
- every later message goes to the case's participants (cases.case_default_recipients).
The sender then keeps or removes proposed units and adds units from the directory
(`directory_search`); `recipient_choices` turns that into the deliveries' RecipientChoice,
each with the reason it was chosen (stored on the Delivery as evidence).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from samplan.addressing.router import Reason, route
from samplan.core.message_types import MessageType
from samplan.discharge.models import DischargeCase
from samplan.discharge.services import CaseError, case_default_recipients
from samplan.messaging.services import RecipientChoice
from samplan.organizations.models import Unit

# The directory picker shows at most this many units: typing more of the name narrows it.
DIRECTORY_LIMIT = 20
ADDED_BY_SENDER = "added_by_sender"


@dataclass(frozen=True)
class Proposal:
    """A proposed receiving unit and every reason it was proposed, the first first (the
    router's Recipient, or a participant of the case, in one shape for the page)."""

    unit: Unit
    reasons: tuple[Reason, ...]

    @property
    def reason(self) -> Reason:
        return self.reasons[0]

    def choice(self) -> RecipientChoice:
        """Stored on the Delivery: the first reason's code, and every reason's text."""
        return RecipientChoice(
            unit=self.unit,
            reason_code=self.reasons[0].code,
            reason_text="; ".join(reason.text for reason in self.reasons),
        )


def _register_proposal(
    case: DischargeCase, message_type: str, sender_unit: Unit, at: datetime.datetime
) -> list[Proposal]:
    """The register-based proposal for the patient: the router (domain.md §4), with every
    reason it gives. Raises the router's NoRecipientError when not even a fallback inbox
    can take the message (a configuration error the sender must see)."""
    return [
        Proposal(unit=recipient.unit, reasons=tuple(recipient.reasons))
        for recipient in route(
            patient=case.patient, message_type=message_type, sender_unit=sender_unit, at=at
        )
    ]


def propose_recipients(
    case: DischargeCase, message_type: str, sender_unit: Unit, at: datetime.datetime | None = None
) -> list[Proposal]:
    """The units a message of `message_type` from `sender_unit` on the case is proposed to."""
    at = at or timezone.now()
    participants = [
        Proposal(unit=choice.unit, reasons=(Reason(choice.reason_code, choice.reason_text),))
        for choice in case_default_recipients(case, sender_unit)
    ]
    if message_type != MessageType.ADMISSION_NOTICE and participants:
        return participants
    proposals = _register_proposal(case, message_type, sender_unit, at)
    # Units already taking part (a notice sent anew after a cancellation) keep getting it.
    seen = {proposal.unit.pk for proposal in proposals}
    return proposals + [p for p in participants if p.unit.pk not in seen]


def directory_search(query: str, *, exclude: Iterable[int] = ()) -> list[Unit]:
    """Active units with an inbox whose name (or parent's name, or HSA-id) matches `query`."""
    query = query.strip()
    if len(query) < 2:
        return []
    units = (
        Unit.objects.active_on()
        .filter(has_inbox=True, organization__is_active=True)
        .filter(
            Q(name__icontains=query) | Q(parent__name__icontains=query) | Q(hsa_id__iexact=query)
        )
        .exclude(pk__in=list(exclude))
        .select_related("organization")
        .order_by("name", "organization__name", "pk")
    )
    return list(units[:DIRECTORY_LIMIT])


def units_by_id(unit_ids: Iterable[int]) -> dict[int, Unit]:
    return Unit.objects.select_related("organization").in_bulk(list(set(unit_ids)))


def recipient_choices(
    *,
    proposals: Sequence[Proposal],
    kept_ids: Iterable[int],
    added_ids: Iterable[int],
    sender_unit: Unit,
) -> list[RecipientChoice]:
    """What the sender chose: the proposed units they kept, then the units they added.

    Ids that are neither proposed nor a unit that can receive are refused with a plain
    message (a forged or stale form), never silently dropped or sent to.
    """
    kept = set(kept_ids)
    proposed = {p.unit.pk: p for p in proposals}
    choices = [p.choice() for p in proposals if p.unit.pk in kept]
    # A kept unit that is no longer proposed (the case changed meanwhile) counts as added.
    wanted = [*sorted(kept - proposed.keys()), *added_ids]
    extra = [pk for pk in dict.fromkeys(wanted) if pk not in proposed or pk not in kept]
    found = units_by_id(extra)
    today = timezone.localdate()
    for pk in extra:
        if pk in proposed:  # proposed but unticked, then added again: take the proposal
            choices.append(proposed[pk].choice())
            continue
        unit = found.get(pk)
        if unit is None:
            raise CaseError(_("One of the chosen units does not exist. Search for it again."))
        if unit.pk == sender_unit.pk:
            raise CaseError(_("Your own unit cannot receive the message."))
        if not unit.has_inbox or not unit.is_active_on(today) or not unit.organization.is_active:
            raise CaseError(
                _("%(unit)s cannot receive messages (no inbox, or not active).")
                % {"unit": unit.name}
            )
        choices.append(
            RecipientChoice(
                unit=unit,
                reason_code=ADDED_BY_SENDER,
                reason_text=_("Added by the sender from the directory"),
            )
        )
    if not choices:
        raise CaseError(_("Choose at least one receiving unit."))
    return choices
