"""Template helpers of Översikt (the discharge board): links to case pages, and its cells."""

from __future__ import annotations

import datetime
import functools
import html
from collections.abc import Iterable
from typing import NamedTuple

from django import template
from django.urls import get_script_prefix, reverse
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language, gettext

from samplan.core.markup import url_pattern
from samplan.discharge.board_cells import (
    CELL_ICON,
    CELL_SHORT,
    CELL_TEXT,
    STEPS,
    Cell,
    CellState,
    Step,
)

register = template.Library()


def escape(value: object) -> str:
    """As django.utils.html.escape, without its lazy-string wrapper and SafeString (the
    markup is marked safe once, whole): called a few thousand times per page."""
    return html.escape(str(value))


@register.simple_tag
def case_url(case_id: int | None) -> str:
    """The case page of `case_id`, or "" for a message outside any case."""
    if case_id is None:
        return ""
    return reverse("discharge:case_detail", args=[case_id])


@functools.cache
def _cell_words(state: CellState, language: str | None) -> str:
    # Icon and words of a state, translated once per language (not once per cell): a short
    # word to see, the full words for screen readers (and as the tooltip).
    short, full = str(CELL_SHORT[state]), str(CELL_TEXT[state])
    icon = f'<span class="cell__icon" aria-hidden="true">{CELL_ICON[state]}</span>'
    if short == full:
        return f"{icon}{escape(full)}"
    shown = f'<span aria-hidden="true">{escape(short)}</span>' if short else ""
    return f'{icon}{shown}<span class="visually-hidden">{escape(full)}</span>'


@register.simple_tag
def overview_heading(step: Step) -> SafeString:
    """A step's column heading: short to see, the full name for screen readers and hovering.
    Made once per step and language (a step's code names it: the steps are STEPS)."""
    key = (step.code, get_language())
    heading = _headings.get(key)
    if heading is None:
        short, full = escape(step.short or step.label), escape(step.label)
        heading = _headings[key] = mark_safe(  # noqa: S308 (both escaped)
            f'<span aria-hidden="true" title="{full}">{short}</span>'
            f'<span class="visually-hidden">{full}</span>'
        )
    return heading


_headings: dict[tuple[str, str | None], SafeString] = {}


@functools.cache
def _cell_parts(state: CellState, language: str | None) -> tuple[str, str]:
    # A state's words and its escaped title, once per language (not once per cell).
    return _cell_words(state, language), escape(CELL_TEXT[state])


@functools.cache
def _due_words(language: str | None) -> str:
    return gettext("by %(due)s")


# Whether a cell in each state shows its time due (Cell.shows_due), indexed by the state: a
# list lookup per cell instead of a property and a tuple search.
_SHOWS_DUE = [False] * (max(CellState) + 1)
for _state in CellState:
    _SHOWS_DUE[_state] = Cell(STEPS[0], _state, None, datetime.datetime.min).shows_due


@functools.cache
def _cell_table(language: str | None, script_prefix: str) -> list[dict[str, tuple[str, str, str]]]:
    """The constant parts of every cell's markup, indexed by state, then by step code, for one
    language and script prefix: (the cell opened with its words; the same opened up to the
    message's id in the link; what follows the id up to the words' end). A cell then costs
    a lookup and, with a link, one join; only a time due is formatted per cell.
    Everything in these parts is escaped or a constant of the cells' module."""
    url_head, url_tail = escape(url_pattern("messaging:message_detail", 1)).split("{0}")
    table: list[dict[str, tuple[str, str, str]]] = [{} for _ in range(max(CellState) + 1)]
    for state in CellState:
        words, title = _cell_parts(state, language)
        for step in STEPS:
            opened = (
                f'<td data-step="{escape(step.code)}">'
                f'<span class="cell cell--{state.code}" title="{title}">'
            )
            table[state][step.code] = (
                f"{opened}{words}",
                f'{opened}<a href="{url_head}',
                f'{url_tail}">{words}</a>',
            )
    return table


def _due(
    due_at: datetime.datetime, language: str | None, zone: datetime.tzinfo | None = None
) -> str:
    local = timezone.localtime(due_at, zone)
    full = _due_words(language) % {"due": local.strftime("%Y-%m-%d %H:%M")}
    return (
        f'<span class="cell__due"><span aria-hidden="true">{local:%m-%d %H:%M}</span>'
        f'<span class="visually-hidden">{escape(full)}</span></span>'
    )


def _cells(
    cells: Iterable[Cell],
    language: str | None,
    table: list[dict[str, tuple[str, str, str]]],
    zone: datetime.tzinfo,
) -> str:
    """The row's cells, each in its <td>: as _cell, from _cell_table's parts for the
    language and script prefix, times due in the time zone `zone`."""
    parts = []
    for cell in cells:
        state = cell.state
        plain, link_head, link_tail = table[state][cell.step.code]
        message_id = cell.message_id
        if message_id:
            parts.append(f"{link_head}{int(message_id)}{link_tail}")
        else:
            parts.append(plain)
        if _SHOWS_DUE[state] and cell.due_at is not None:
            parts.append(_due(cell.due_at, language, zone))
        parts.append("</span></td>")
    return "".join(parts)


def _cell(cell: Cell, language: str | None, message_url: str) -> str:
    words, title = _cell_parts(cell.state, language)
    if cell.message_id:
        words = f'<a href="{escape(message_url.format(int(cell.message_id)))}">{words}</a>'
    due = _due(cell.due_at, language) if cell.shows_due else ""
    return f'<span class="cell cell--{cell.code}" title="{title}">{words}{due}</span>'


@register.simple_tag
def overview_cell(cell: Cell) -> SafeString:
    """One Översikt cell: icon (decoration) and words, never colour alone; a link to the
    message it is about, and the time something is due while it still matters.

    Built here rather than in an included template: a page of Översikt has a few hundred
    cells, and an include per cell was a third of the page's time. Everything put in the
    markup is escaped except the message id (an int) and the cell's code and icon (the
    overview module's constants). The words of each state are translated and escaped once
    per language and process.
    """
    return mark_safe(  # noqa: S308 (see above)
        _cell(cell, get_language(), url_pattern("messaging:message_detail", 1))
    )


def protection_badge(display: object) -> str:
    """As patients/_protection_badge.html (which the other pages include)."""
    if not display.badge:
        return ""
    return (
        '<strong class="badge badge--alert badge--protected" data-testid="protected-badge">'
        f"{escape(display.badge)}</strong>"
    )


class RowContext(NamedTuple):
    """What every row of a table shares, looked up once per table rather than once per row
    (each look-up goes through the request's thread-local state)."""

    language: str | None
    timezone: datetime.tzinfo
    cells: list[dict[str, tuple[str, str, str]]]  # _cell_table's
    case_url: str  # the case page's escaped path, "{0}" for the case's id
    overdue_marker: str
    new_marker: str


@functools.cache
def _markers(language: str | None) -> tuple[str, str]:
    # The row markers for screen readers, translated once per language (`language` is the
    # key only).
    return (
        f'<span class="visually-hidden">{escape(gettext("Overdue"))}: </span>',
        f'<span class="visually-hidden">{escape(gettext("New"))}: </span>',
    )


def row_context() -> RowContext:
    """The rows' shared parts in the active language, time zone and script prefix."""
    language = get_language()
    return RowContext(
        language,
        timezone.get_current_timezone(),
        _cell_table(language, get_script_prefix()),
        escape(url_pattern("discharge:case_detail", 1)),
        *_markers(language),
    )


@register.simple_tag
def overview_row(row: object) -> SafeString:
    """One row of Översikt: the patient, ward, admission, length of stay and the cells.

    Written in Python, not the template language: a page has 20-100 rows of 13 cells, and
    the template's lookups, filters and tags per row were half of the page's time (bench/
    RESULTS.md, issue 18). Everything from the database or translations is escaped.
    """
    return mark_safe(table_row(row, row_context()))  # noqa: S308 (see table_row)


def table_row(row: object, shared: RowContext) -> str:
    """overview_row's markup, with the parts every row shares given (row_context)."""
    case, display = row.case, row.display
    overdue, new = row.overdue, row.has_new
    classes = ("row--new" if new else "") + (" row--overdue" if overdue else "")
    marker = shared.overdue_marker if overdue else shared.new_marker if new else ""
    identity = escape(display.identity)
    if case.pk is not None:
        # The pattern is escaped and an int needs no escaping: as escape(reverse(...)).
        identity = f'<a href="{shared.case_url.format(int(case.pk))}">{identity}</a>'
    badge = f" {protection_badge(display)}" if display.badge else ""
    admitted = case.admitted_at.astimezone(shared.timezone).strftime("%Y-%m-%d")
    cells = _cells(row.cells, shared.language, shared.cells, shared.timezone)
    # Every value in the markup is escaped (or an escaped constant of this module).
    return (
        f'<tr class="{classes}" data-testid="case-row">\n'
        f'        <th scope="row">{marker}{identity}{badge}</th>\n'
        f"        <td>{escape(display.name)}</td>\n"
        f"        <td>{escape(case.ward_name)}</td>\n"
        f'        <td class="nowrap">{admitted}</td>\n'
        f'        <td class="num" data-testid="length-of-stay">{escape(row.length_of_stay)}</td>\n'
        f"        {cells}\n"
        "      </tr>"
    )
