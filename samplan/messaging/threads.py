"""What messaging needs to know of the processes its messages belong to, without importing them.

Messaging is a transport: a discharge case or a SIP plan links its messages in its own table
(discharge.CaseMessage, sip.SipMessage). Two things on messaging's pages still depend on that
process: whether the unit takes part in it now (a protected person's name is shown only then,
domain.md §3), and where the message page links to. Each process registers a `ThreadKind` in its
AppConfig.ready(); messaging asks the registered kinds through the functions below. The
answers are SQL expressions, so a list asks them inside its own query (no query per row).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import BooleanField, Exists, Expression, ExpressionWrapper, Q, Value


@dataclass(frozen=True)
class ThreadKind:
    """A process whose messages messaging carries.

    `linked(ref)`: true where the message at OuterRef(ref) belongs to this process.
    `taking_part(unit_id, ref)`: true where that unit takes part in the message's thread now.
    `annotations(ref)`: extra values the page needs to build its link (e.g. the case id).
    `link(message, unit)`: (label, url) for the message page, or None.
    `join(message_id, unit, actor)`: makes the unit take part in the thread of that message
    (a stuck message forwarded by a super user: the new unit must be able to open the case);
    does nothing for a message that is not this process's. Runs inside the caller's
    transaction.
    """

    name: str
    linked: Callable[[str], Exists]
    taking_part: Callable[[int, str], Exists]
    annotations: Callable[[str], dict[str, Expression]] = field(default=lambda ref: {})
    link: Callable[[Any, Any], tuple[str, str] | None] = field(default=lambda message, unit: None)
    join: Callable[[int, Any, Any], None] = field(default=lambda message_id, unit, actor: None)


_kinds: dict[str, ThreadKind] = {}


def register_thread_kind(kind: ThreadKind) -> None:
    _kinds[kind.name] = kind


def _any(expressions: list[Exists]) -> Expression:
    """The OR of the kinds' answers, usable in annotate() and filter() alike."""
    if not expressions:
        return Value(False, output_field=BooleanField())
    combined = Q(expressions[0])
    for expression in expressions[1:]:
        combined |= Q(expression)
    return ExpressionWrapper(combined, output_field=BooleanField())


def in_thread(ref: str = "pk") -> Expression:
    """True where the message at `ref` belongs to some process (a case, a plan)."""
    return _any([kind.linked(ref) for kind in _kinds.values()])


def unit_takes_part(unit_id: int, ref: str = "pk") -> Expression:
    """True where the unit takes part now in the process of the message at `ref`."""
    return _any([kind.taking_part(unit_id, ref) for kind in _kinds.values()])


def thread_annotations(ref: str = "pk") -> dict[str, Expression]:
    values: dict[str, Expression] = {}
    for kind in _kinds.values():
        values.update(kind.annotations(ref))
    return values


def thread_links(message: Any, unit: Any) -> list[tuple[str, str]]:
    """Where the message page links to: the case and plan the message belongs to, if the unit
    may open them (a SIP summons sent on a discharge case belongs to both)."""
    return [found for kind in _kinds.values() if (found := kind.link(message, unit)) is not None]


def thread_join(message_id: int, unit: Any, actor: Any) -> None:
    """Make `unit` take part in the process (case, plan) the message belongs to, if any."""
    for kind in _kinds.values():
        kind.join(message_id, unit, actor)
