"""The deviation process as plain tables and pure functions (tested without the database).

Each organisation concerned handles its copy (DeviationRecipient):

    received → under investigation → answered → closed

The receiving organisation's handlers start the investigation and answer (an answer may come
straight from received). Once answered, either side may close it, or reopen the
investigation when the answer does not settle it. Closed is final; a comment can still be
added to an open one by either side.
"""

from __future__ import annotations

import datetime
from enum import StrEnum

from samplan.deviations.models import DEFAULT_ANSWER_DAYS, DeviationState


class Side(StrEnum):
    REPORTER = "reporter"  # the reporting unit's staff
    HANDLER = "handler"  # the receiving organisation's deviation handlers


S = DeviationState
TRANSITIONS: dict[str, dict[str, frozenset[Side]]] = {
    S.RECEIVED: {
        S.INVESTIGATING: frozenset({Side.HANDLER}),
        S.ANSWERED: frozenset({Side.HANDLER}),
    },
    S.INVESTIGATING: {S.ANSWERED: frozenset({Side.HANDLER})},
    S.ANSWERED: {
        S.CLOSED: frozenset({Side.HANDLER, Side.REPORTER}),
        S.INVESTIGATING: frozenset({Side.HANDLER, Side.REPORTER}),
    },
    S.CLOSED: {},
}


def may_move(state: str, to: str, side: Side) -> bool:
    """Whether `side` may move a deviation from `state` to `to`."""
    return side in TRANSITIONS.get(state, {}).get(to, frozenset())


def next_states(state: str, side: Side) -> list[str]:
    return [to for to, sides in TRANSITIONS.get(state, {}).items() if side in sides]


def may_comment(state: str) -> bool:
    return state != S.CLOSED


def due_on(reported_on: datetime.date, answer_days: int = DEFAULT_ANSWER_DAYS) -> datetime.date:
    """The last day to answer: `answer_days` calendar days after the day it was reported."""
    return reported_on + datetime.timedelta(days=answer_days)


def occurred_at_problem(
    occurred_at: datetime.datetime, reported_at: datetime.datetime
) -> str | None:
    """Why an event time cannot be accepted, or None: it may not lie in the future."""
    if occurred_at > reported_at + datetime.timedelta(minutes=1):
        return "future"
    return None
