"""Översikt's cells: what each step of a discharge case looks like from one unit, as a pure
function (the board's queries and page are in board.py).

`step_cells` takes plain facts (the case, its messages, this unit's deliveries) that the
selector fetched for a whole page in a fixed number of queries, and returns one cell per step.
Nothing here touches the database, so the rules are table-tested without it.

A cell says, for THIS unit, the most urgent of:
1. overdue: a delivery of the step is unacknowledged past its answer time (`due_at`, the first
   cut-off after arrival), or this unit had to send the step's message and the case deadline
   passed without it (admission notice within 24 h of admission, SIP summons by the 3rd day
   after the ready notice, information at discharge by the end of the day of discharge; the
   periods are the agreement's, see samplan.discharge.deadlines);
2. new: a delivery not yet opened (shown red);
3. received: opened, not yet acknowledged;
4. due: this unit must send the step's message and the deadline has not passed yet;
5. acknowledged;
6. sent: this unit sent the step's message;
7. passed on: this unit forwarded or returned its delivery;
8. not yet.
Cancelled messages (and their deliveries) do not count. Deadlines are in time at the instant
they fall due and overdue after it, like every deadline in samplan.discharge.deadlines.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import IntEnum
from typing import NamedTuple

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from samplan.core.localtime import local_date
from samplan.core.message_types import MessageType
from samplan.discharge.deadlines import case_deadlines
from samplan.discharge.models import ParticipantRole
from samplan.discharge.process import OPEN_STATES as OPEN_CASE_STATES
from samplan.discharge.process import CaseState
from samplan.organizations.terms import DEFAULT_TERMS, AgreementTerms

M = MessageType


@dataclass(frozen=True)
class Step:
    code: str
    label: Promise
    message_types: tuple[str, ...]
    short: Promise | str = ""  # the column heading where space is short (Översikt)


# The columns of Översikt, in the order of the process (domain.md §5). A readiness withdrawal
# belongs with the ready notice; everything else on a case goes to "other".
STEPS: tuple[Step, ...] = (
    Step(
        "admission",
        _("Admission notice"),
        (M.ADMISSION_NOTICE,),
        pgettext_lazy("overview column", "Admission"),
    ),
    Step(
        "planning",
        _("Planning information"),
        (M.PLANNING_INFO,),
        pgettext_lazy("overview column", "Planning"),
    ),
    Step(
        "care_contact",
        _("Care contact"),
        (M.CARE_CONTACT_APPOINTED,),
        pgettext_lazy("overview column", "Care contact"),
    ),
    Step(
        "ready",
        _("Ready for discharge"),
        (M.READY_FOR_DISCHARGE, M.READINESS_WITHDRAWN),
        pgettext_lazy("overview column", "Ready"),
    ),
    Step("summons", _("Summons to SIP"), (M.SIP_SUMMONS,), pgettext_lazy("overview column", "SIP")),
    Step(
        "discharge",
        _("Discharge notice"),
        (M.DISCHARGE_NOTICE,),
        pgettext_lazy("overview column", "Discharged"),
    ),
    Step(
        "discharge_info",
        _("Information at discharge"),
        (M.DISCHARGE_INFO,),
        pgettext_lazy("overview column", "Info"),
    ),
    Step(
        "other",
        _("Other messages"),
        (M.STATUS_REPORT, M.CARE_REPORT, M.EXTRA_MESSAGE, M.CANCELLATION, M.CASE_WITHDRAWN),
        pgettext_lazy("overview column", "Other"),
    ),
)
STEP_BY_TYPE = {t: step for step in STEPS for t in step.message_types}
# Each message type's step, by its place in STEPS (a type belongs to one step at most).
_STEP_INDEX = {t: index for index, step in enumerate(STEPS) for t in step.message_types}

_OPEN_DELIVERY = ("new", "read")
_PASSED_ON = ("forwarded", "returned")


class CellState(IntEnum):
    """Ordered by urgency: the lowest value wins when a step has several things to say."""

    OVERDUE = 1
    NEW = 2
    RECEIVED = 3
    DUE = 4
    ACKNOWLEDGED = 5
    SENT = 6
    PASSED_ON = 7
    NOT_YET = 8

    @property
    def code(self) -> str:
        return self.name.lower()


# Words and icons: a cell never speaks by colour alone (the icon is decoration, the text says it).
CELL_TEXT = {
    CellState.OVERDUE: _("Overdue"),
    CellState.NEW: _("New"),
    CellState.RECEIVED: _("Read, not acknowledged"),
    CellState.DUE: _("To send"),
    CellState.ACKNOWLEDGED: _("Acknowledged"),
    CellState.SENT: _("Sent"),
    CellState.PASSED_ON: _("Forwarded or returned"),
    CellState.NOT_YET: _("Not yet"),
}
# The same, short, where space is short (Översikt's cells); the full words are there for
# screen readers.
CELL_SHORT = {
    CellState.OVERDUE: pgettext_lazy("overview cell", "Overdue"),
    CellState.NEW: pgettext_lazy("overview cell", "New"),
    CellState.RECEIVED: pgettext_lazy("overview cell", "Read"),
    CellState.DUE: pgettext_lazy("overview cell", "To send"),
    CellState.ACKNOWLEDGED: pgettext_lazy("overview cell", "Acknowledged"),
    CellState.SENT: pgettext_lazy("overview cell", "Sent"),
    CellState.PASSED_ON: pgettext_lazy("overview cell", "Passed on"),
    CellState.NOT_YET: "",
}
CELL_EXPLANATION = {
    CellState.OVERDUE: _(
        "Your unit has not acknowledged a message by its answer time, or has not sent this "
        "step's message by its deadline."
    ),
    CellState.NEW: _("A message nobody in your unit has opened or acknowledged yet."),
    CellState.RECEIVED: _(
        "Opened, but not acknowledged yet: still new for your unit until someone acknowledges."
    ),
    CellState.DUE: _("Your unit is to send this step's message by the time shown."),
    CellState.ACKNOWLEDGED: _("Your unit has acknowledged the message."),
    CellState.SENT: _("Your unit sent this step's message."),
    CellState.PASSED_ON: _("Your unit forwarded the message, or returned it as misaddressed."),
    CellState.NOT_YET: _("Nothing yet for your unit."),
}
CELL_ICON = {
    CellState.OVERDUE: "⚠",
    CellState.NEW: "●",
    CellState.RECEIVED: "✉",
    CellState.DUE: "⏱",
    CellState.ACKNOWLEDGED: "✓",
    CellState.SENT: "➜",
    CellState.PASSED_ON: "↪",
    CellState.NOT_YET: "–",
}


# The facts and cells are named tuples, not frozen dataclasses: a page makes a few hundred
# of them, and a frozen dataclass sets each field through object.__setattr__.


class CaseFacts(NamedTuple):
    """What the cells need of a case, and this unit's part in it."""

    pk: int
    ward_id: int
    state: str
    admitted_at: datetime.datetime
    services_need_assessed_at: datetime.datetime | None = None
    sip_needed: bool = False
    unit_role: str = ""  # this unit's CaseParticipant.role
    admission_notice_hours: int = DEFAULT_TERMS.admission_notice_hours
    summons_days: int = DEFAULT_TERMS.summons_days


class MessageFacts(NamedTuple):
    pk: int
    message_type: str
    sender_unit_id: int
    sent_at: datetime.datetime
    occurred_at: datetime.datetime | None = None
    cancelled_at: datetime.datetime | None = None

    @property
    def effective_time(self) -> datetime.datetime:
        return self.occurred_at or self.sent_at

    @property
    def stands(self) -> bool:
        return self.cancelled_at is None


class DeliveryFacts(NamedTuple):
    """One of THIS unit's deliveries."""

    pk: int
    message_id: int
    state: str
    # The answer time. Only an open (new or read) delivery's matters to the cells: a reader
    # may leave it None for the others (Översikt does, see board._page_messages).
    due_at: datetime.datetime | None


class Cell(NamedTuple):
    step: Step
    state: CellState
    message_id: int | None = None  # the message the cell links to
    due_at: datetime.datetime | None = None  # the deadline the cell is about, if any

    @property
    def text(self) -> Promise:
        return CELL_TEXT[self.state]

    @property
    def icon(self) -> str:
        return CELL_ICON[self.state]

    @property
    def code(self) -> str:
        return self.state.code

    @property
    def shows_due(self) -> bool:
        """Whether the time something is due matters still (it is not done yet)."""
        return self.due_at is not None and self.state in (
            CellState.OVERDUE,
            CellState.NEW,
            CellState.RECEIVED,
            CellState.DUE,
        )


def cell_legend() -> list[tuple[str, Promise, Promise]]:
    """(icon, text, explanation) for each state, in the order of urgency."""
    return [(CELL_ICON[state], CELL_TEXT[state], CELL_EXPLANATION[state]) for state in CellState]


def _latest(messages: Iterable[MessageFacts]) -> MessageFacts | None:
    """The latest by send time (then id), as the selector's SQL orders them."""
    return max(messages, key=lambda m: (m.sent_at, m.pk), default=None)


def _newest_first(message: MessageFacts) -> tuple[datetime.datetime, int]:
    return (message.sent_at, message.pk)


def _obligations(
    case: CaseFacts, standing_by_type: dict[str, list[MessageFacts]], unit_id: int
) -> dict[str, datetime.datetime]:
    """When this unit must have sent a step's message, by step code, for each step where it
    must and has not yet. The case's deadlines are worked out once per case, and only when
    the unit owes something (most cases owe nothing)."""
    if case.state not in OPEN_CASE_STATES:
        return {}
    is_ward = case.ward_id == unit_id
    admission = is_ward and M.ADMISSION_NOTICE not in standing_by_type
    summons = (
        case.sip_needed
        and case.state in (CaseState.READY, CaseState.DISCHARGED)
        and (
            case.unit_role == ParticipantRole.CARE_CONTACT
            or (
                case.unit_role == ParticipantRole.CARE_CENTRE
                and M.CARE_CONTACT_APPOINTED not in standing_by_type
            )
        )
        and M.SIP_SUMMONS not in standing_by_type
    )
    discharge_info = (
        is_ward and case.state == CaseState.DISCHARGED and M.DISCHARGE_INFO not in standing_by_type
    )
    if not (admission or summons or discharge_info):
        return {}
    ready = _latest(standing_by_type.get(M.READY_FOR_DISCHARGE, ()))
    discharged = _latest(standing_by_type.get(M.DISCHARGE_NOTICE, ()))
    due = case_deadlines(
        admitted_at=case.admitted_at,
        services_need_assessed_at=case.services_need_assessed_at,
        ready_at=ready.effective_time if ready else None,
        discharged_at=discharged.effective_time if discharged else None,
        terms=AgreementTerms(
            admission_notice_hours=case.admission_notice_hours, summons_days=case.summons_days
        ),
    )
    owed = {}
    if admission:
        owed["admission"] = due.admission_notice
    if summons and due.summons is not None:
        owed["summons"] = due.summons
    if discharge_info and due.discharge_info is not None:
        owed["discharge_info"] = due.discharge_info
    return owed


# A step's cell when there is nothing to say is the same for every case: made once (a Cell
# is immutable, so sharing it is safe).
_NOTHING_YET = tuple(Cell(step, CellState.NOT_YET) for step in STEPS)
_NO_CANDIDATE = max(CellState) + 1


def step_cells(
    case: CaseFacts,
    messages: Sequence[MessageFacts],
    deliveries_of_unit: Sequence[DeliveryFacts],
    *,
    unit_id: int,
    now: datetime.datetime,
) -> list[Cell]:
    """One cell per step (STEPS) of `case`, as seen by the unit `unit_id` at `now`.

    `messages` are the case's messages (any order, cancelled ones included: they are
    skipped); `deliveries_of_unit` are this unit's deliveries of them.

    A page has a few hundred cells, so this is written for speed: the standing messages
    are grouped by type once, the case's deadlines worked out once, and each step keeps
    only its most urgent candidate instead of building and sorting every one.
    """
    standing_by_type: dict[str, list[MessageFacts]] = {}
    by_step: dict[int, list[MessageFacts]] = {}  # the standing messages by step (_STEP_INDEX)
    for message in messages:
        if message.cancelled_at is None:  # MessageFacts.stands
            message_type = message.message_type
            standing_by_type.setdefault(message_type, []).append(message)
            index = _STEP_INDEX.get(message_type)
            if index is not None:
                by_step.setdefault(index, []).append(message)
    owed = _obligations(case, standing_by_type, unit_id)
    if not by_step and not owed:
        return list(_NOTHING_YET)
    by_message: dict[int, list[DeliveryFacts]] = {}
    for delivery in deliveries_of_unit:
        by_message.setdefault(delivery.message_id, []).append(delivery)
    cells = []
    for index, (step, nothing_yet) in enumerate(zip(STEPS, _NOTHING_YET, strict=True)):
        mine = by_step.get(index)
        due_at = owed.get(step.code) if owed else None
        if not mine and due_at is None:
            cells.append(nothing_yet)
            continue
        if mine and len(mine) > 1:
            mine.sort(key=_newest_first, reverse=True)  # this call's own list
        # The most urgent candidate; on equal urgency the first found, the newest message
        # (as min() over every candidate in this order would pick). _NO_CANDIDATE is less
        # urgent than every state.
        best, message_id, best_due = _NO_CANDIDATE, None, None
        for message in mine or ():
            if message.sender_unit_id == unit_id and best > CellState.SENT:
                best, message_id, best_due = CellState.SENT, message.pk, None
            for delivery in by_message.get(message.pk, ()):
                delivery_state = delivery.state
                if delivery_state in _OPEN_DELIVERY:
                    if now > delivery.due_at:
                        state = CellState.OVERDUE
                    elif delivery_state == "new":
                        state = CellState.NEW
                    else:
                        state = CellState.RECEIVED
                    if best > state:
                        best, message_id, best_due = state, message.pk, delivery.due_at
                elif delivery_state == "acknowledged":
                    if best > CellState.ACKNOWLEDGED:
                        best, message_id, best_due = CellState.ACKNOWLEDGED, message.pk, None
                elif delivery_state in _PASSED_ON and best > CellState.PASSED_ON:
                    best, message_id, best_due = CellState.PASSED_ON, message.pk, None
        if due_at is not None:
            state = CellState.OVERDUE if now > due_at else CellState.DUE
            if best > state:
                best, message_id, best_due = state, None, due_at
        if best == _NO_CANDIDATE:
            cells.append(nothing_yet)
        else:
            cells.append(Cell(step, best, message_id, best_due))
    return cells


def has_overdue(cells: Iterable[Cell]) -> bool:
    return any(cell.state == CellState.OVERDUE for cell in cells)


def length_of_stay(
    admitted_at: datetime.datetime, messages: Sequence[MessageFacts], now: datetime.datetime
) -> int:
    """Vårdtid in days: local dates from admission to the latest standing discharge notice
    (when it happened), or to today while the patient is in hospital."""
    discharged = _latest(m for m in messages if m.stands and m.message_type == M.DISCHARGE_NOTICE)
    end = discharged.effective_time if discharged is not None else now
    return max((local_date(end) - local_date(admitted_at)).days, 0)


def has_unacknowledged(cells: Iterable[Cell]) -> bool:
    """A message to the unit not acknowledged yet, read or not (an overdue one counts too)."""
    return any(
        cell.state in (CellState.NEW, CellState.RECEIVED)
        or (cell.state == CellState.OVERDUE and cell.message_id is not None)
        for cell in cells
    )
