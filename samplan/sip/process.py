"""The SIP process (domain.md §7) as plain tables and pure functions, tested without the database.

States of a plan:
- `initiative`: the initiating unit has opened it; nothing has been sent. Only the initiator
  sees it and may change the initiative, choose units to summon, and record consent.
- `planning`: the summons is out. Summoned units answer (accept naming who attends, or decline
  with a reason) by the first cut-off after arrival; the parties (the initiator and every unit
  that accepted) write the current version together and each signs its part.
- `finalised`: the coordinator finalised (slutjusterade) the current version, which is locked.
  Any change, and every follow-up, makes a new version and takes the plan back to `planning`.
- `closed`: ended with a reason (final).

Decisions the domain leaves open, taken here:
- The initiating unit is a party like the summoned units that accepted: it writes and signs its
  part too (the school health service that starts a SIP has its own interventions).
- A unit that declined is no longer a party and no longer sees the plan (need-to-know).
- Finalising needs every summoned unit's answer: a unit still deciding would otherwise be left
  outside a plan it was summoned to. Reminders go to units that have not answered.
- A signature covers the text as it was signed (the version's revision). A later save of the
  draft leaves the signature in the history but it no longer counts: the part is signed again.
- Signing needs the role user, super_user or manager in the signing unit (sip.access):
  the seeds let unit managers (enhetschefer) initiate and answer SIPs as well as staff.
- Withdrawn consent stops all sending (summons, reminders, follow-up reminders) and shows on
  the plan; the plan itself stays for the record until someone closes it.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class PlanState(models.TextChoices):
    INITIATIVE = "initiative", _("Initiative")
    PLANNING = "planning", _("Planning")
    FINALISED = "finalised", _("Finalised")
    CLOSED = "closed", pgettext_lazy("plan state", "Closed")


class Answer(models.TextChoices):
    NOT_SENT = "not_sent", _("Not yet summoned")
    PENDING = "pending", _("Not answered")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")


class ParticipantRole(models.TextChoices):
    INITIATOR = "initiator", _("Initiator")
    SUMMONED = "summoned", _("Summoned")


class Action(models.TextChoices):
    SEND_SUMMONS = "send_summons", _("Send summons")
    FINALISE = "finalise", _("Finalise")
    NEW_VERSION = "new_version", _("New version")
    CLOSE = "close", _("Close")


# Units with these answers see the plan (and through it the person).
VISIBLE_ANSWERS = (Answer.PENDING, Answer.ACCEPTED)
OPEN_STATES = (PlanState.INITIATIVE, PlanState.PLANNING, PlanState.FINALISED)

# TRANSITIONS[state][action] = the state after the action. Absent: not allowed.
TRANSITIONS: dict[PlanState, dict[Action, PlanState]] = {
    PlanState.INITIATIVE: {
        Action.SEND_SUMMONS: PlanState.PLANNING,
        Action.CLOSE: PlanState.CLOSED,
    },
    PlanState.PLANNING: {
        # More units can be summoned while the plan is written.
        Action.SEND_SUMMONS: PlanState.PLANNING,
        Action.FINALISE: PlanState.FINALISED,
        Action.CLOSE: PlanState.CLOSED,
    },
    PlanState.FINALISED: {
        Action.NEW_VERSION: PlanState.PLANNING,
        Action.CLOSE: PlanState.CLOSED,
    },
    PlanState.CLOSED: {},
}


class ActionNotAllowed(ValueError):
    """An action the plan's state does not take; `user_message` is plain Swedish."""

    def __init__(self, state: str, action: str) -> None:
        self.state = state
        self.action = action
        super().__init__(f"{action!r} is not allowed when the plan is {state!r}")

    @property
    def user_message(self) -> str:
        return str(
            _("%(action)s is not possible while the plan is %(state)s.")
            % {"action": Action(self.action).label, "state": PlanState(self.state).label.lower()}
        )


def next_state(state: str, action: str) -> PlanState:
    try:
        return TRANSITIONS[PlanState(state)][Action(action)]
    except KeyError:
        raise ActionNotAllowed(state, action) from None


def is_allowed(state: str, action: str) -> bool:
    return Action(action) in TRANSITIONS[PlanState(state)]


# --- Who may do what ------------------------------------------------------------------------


@dataclass(frozen=True)
class Viewer:
    """The acting unit's place in one plan, and what its user may do there.

    role/answer: the unit's participation (None when it takes no part). may_work: the user holds
    a SIP role in the unit (sip.access.can_work_with_sip). is_coordinator: the user acting
    for the coordinator's unit is the coordinator named in the current version.
    """

    role: str | None
    answer: str | None
    may_work: bool
    is_coordinator: bool = False

    @property
    def is_initiator(self) -> bool:
        return self.role == ParticipantRole.INITIATOR

    @property
    def is_party(self) -> bool:
        """Writes and signs the plan: the initiator, or a summoned unit that accepted."""
        return self.may_work and self.answer == Answer.ACCEPTED

    @property
    def sees_plan(self) -> bool:
        return self.may_work and self.answer in VISIBLE_ANSWERS


def may_change_initiative(state: str, viewer: Viewer) -> bool:
    return state == PlanState.INITIATIVE and viewer.may_work and viewer.is_initiator


def may_summon(state: str, viewer: Viewer) -> bool:
    """Choose units to summon and send the summons: the initiator, before finalising."""
    return is_allowed(state, Action.SEND_SUMMONS) and viewer.may_work and viewer.is_initiator


def may_answer(state: str, viewer: Viewer) -> bool:
    return (
        state in (PlanState.PLANNING, PlanState.FINALISED)
        and viewer.may_work
        and viewer.role == ParticipantRole.SUMMONED
        and viewer.answer == Answer.PENDING
    )


def may_edit_plan(state: str, viewer: Viewer) -> bool:
    """Save the plan's text. On a finalised plan a save makes a new version."""
    if state == PlanState.INITIATIVE:
        return viewer.may_work and viewer.is_initiator
    return state in (PlanState.PLANNING, PlanState.FINALISED) and viewer.is_party


def may_sign(state: str, viewer: Viewer, *, already_signed: bool) -> bool:
    return state == PlanState.PLANNING and viewer.is_party and not already_signed


def may_new_version(state: str, viewer: Viewer) -> bool:
    return is_allowed(state, Action.NEW_VERSION) and viewer.is_party


def may_close(state: str, viewer: Viewer) -> bool:
    """Avsluta: the initiator or the coordinator."""
    return (
        is_allowed(state, Action.CLOSE)
        and viewer.may_work
        and (viewer.is_initiator or viewer.is_coordinator)
    )


def may_record_consent(state: str, viewer: Viewer) -> bool:
    return state in OPEN_STATES and viewer.may_work and viewer.answer in VISIBLE_ANSWERS


# --- Signing and finalising -------------------------------------------------------------------


@dataclass(frozen=True)
class Readiness:
    """Why the current version cannot be finalised yet (empty lists: it can)."""

    unanswered: tuple[str, ...]  # names of summoned units that have not answered
    unsigned: tuple[str, ...]  # names of parties whose signature of this text is missing
    missing_fields: tuple[str, ...]  # plain-language names of required fields left empty

    @property
    def ready(self) -> bool:
        return not (self.unanswered or self.unsigned or self.missing_fields)


# What the coordinator must have filled in before finalising, by field name.
REQUIRED_TO_FINALISE = {
    "goals": _("the person's goals"),
    "responsible_principal": _("the principal with overall responsibility"),
    "coordinator": _("the coordinator"),
    "follow_up_date": _("the follow-up date"),
}


def finalise_readiness(
    *,
    parties: Iterable[tuple[int, str]],
    unanswered: Iterable[str],
    signed_unit_ids: Iterable[int],
    filled: dict[str, bool],
) -> Readiness:
    """`parties`: (unit id, name) of the initiator and accepted units; `signed_unit_ids`: the
    units whose signature covers the current text; `filled`: REQUIRED_TO_FINALISE → filled."""
    signed = set(signed_unit_ids)
    return Readiness(
        unanswered=tuple(sorted(unanswered)),
        unsigned=tuple(sorted(name for unit_id, name in parties if unit_id not in signed)),
        missing_fields=tuple(
            str(label) for name, label in REQUIRED_TO_FINALISE.items() if not filled.get(name)
        ),
    )


# --- What is next for the viewer ---------------------------------------------------------------


@dataclass(frozen=True)
class NextStep:
    """The plan page's first line for the acting unit: what it does now, or whom it waits for."""

    code: str  # consent / summon / answer / sign / wait / finalise / wait_coordinator /
    # name_coordinator / follow_up / closed / none
    text: str
    urgent: bool = False  # the viewer has something to do


def next_step(
    *,
    state: str,
    viewer: Viewer,
    consent_active: bool,
    signed_here: bool,
    readiness: Readiness | None,
    coordinator: str = "",
    follow_up_date: datetime.date | None = None,
    answer_due: datetime.datetime | None = None,
) -> NextStep:
    """What is next for the acting unit: sign, wait for others (naming them), finalise; and
    when everyone has signed, who can finalise (only the coordinator named in the plan)."""
    if state == PlanState.CLOSED:
        return NextStep("closed", str(_("The plan is closed.")))
    if state == PlanState.INITIATIVE:
        if not (viewer.may_work and viewer.is_initiator):
            return NextStep("none", "")
        if not consent_active:
            return NextStep(
                "consent",
                str(
                    _("Next: record the person's consent, then choose units and send the summons.")
                ),
                urgent=True,
            )
        return NextStep(
            "summon", str(_("Next: choose the units to summon and send the summons.")), urgent=True
        )
    if may_answer(state, viewer):
        text = _("Next for your unit: answer the summons (accept or decline).")
        if answer_due is not None:
            text = _("Next for your unit: answer the summons (accept or decline) by %(due)s.") % {
                "due": answer_due.strftime("%Y-%m-%d %H:%M")
            }
        return NextStep("answer", str(text), urgent=True)
    if state == PlanState.FINALISED:
        if follow_up_date is not None:
            return NextStep(
                "follow_up",
                str(
                    _(
                        "The plan is finalised. Follow-up %(date)s: the coordinator's unit is "
                        "reminded, and a party makes a new version."
                    )
                    % {"date": follow_up_date.isoformat()}
                ),
            )
        return NextStep("follow_up", str(_("The plan is finalised.")))
    if not viewer.is_party or readiness is None:
        return NextStep("none", "")
    if not signed_here:
        return NextStep(
            "sign", str(_("Next for your unit: write your unit's part and sign it.")), urgent=True
        )
    waiting = [*readiness.unsigned, *readiness.unanswered]
    if waiting:
        return NextStep(
            "wait",
            str(
                _("Your unit has signed. Waiting for: %(units)s.")
                % {"units": ", ".join(sorted(set(waiting)))}
            ),
        )
    if readiness.missing_fields:
        return NextStep(
            "wait",
            str(
                _("Everyone has signed. Before finalising, fill in %(fields)s.")
                % {"fields": ", ".join(readiness.missing_fields)}
            ),
        )
    if viewer.is_coordinator:
        return NextStep(
            "finalise", str(_("Everyone has signed: you can finalise the plan now.")), urgent=True
        )
    if not coordinator:
        return NextStep(
            "name_coordinator",
            str(
                _(
                    "Everyone has signed. Name the coordinator in the plan: only they can "
                    "finalise it."
                )
            ),
        )
    return NextStep(
        "wait_coordinator",
        str(
            _("Everyone has signed. Only the coordinator, %(who)s, can finalise the plan.")
            % {"who": coordinator}
        ),
    )


# --- Deadlines and reminders -------------------------------------------------------------------


def answer_overdue(answer: str, due_at: datetime.datetime | None, now: datetime.datetime) -> bool:
    """A summoned unit has not answered and the cut-off after the summons' arrival has passed."""
    return answer == Answer.PENDING and due_at is not None and now > due_at


def summons_reminder_due(
    *,
    answer: str,
    due_at: datetime.datetime | None,
    reminded_on: datetime.date | None,
    now: datetime.datetime,
    today: datetime.date,
    consent_active: bool,
) -> bool:
    """Remind a unit once per day while its answer is overdue and consent still stands."""
    return (
        consent_active
        and answer_overdue(answer, due_at, now)
        and (reminded_on is None or reminded_on < today)
    )


def follow_up_reminder_due(
    *,
    state: str,
    follow_up_date: datetime.date | None,
    reminded: bool,
    today: datetime.date,
    consent_active: bool,
) -> bool:
    """The coordinator's unit is told once, on (or after) the follow-up date of a locked plan."""
    return (
        consent_active
        and state == PlanState.FINALISED
        and follow_up_date is not None
        and follow_up_date <= today
        and not reminded
    )
