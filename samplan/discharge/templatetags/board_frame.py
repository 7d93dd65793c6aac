"""Översikt's table (caption, header row, body) and its legend, written in Python like its
rows (templatetags/board.py, whose step headings and rows it uses): they were a
blocktranslate, six translations, a loop over the steps with a tag each, a loop over the rows
with a tag each and a loop over the legend's states, in discharge/board.html, on the page
opened most. discharge/tests/test_board_frame.py renders the template as it was
(tests/reference/overview_head.html, overview_table.html) beside these tags.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable

from django import template
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language, gettext, ngettext

from samplan.discharge.board_cells import STEPS, Step, cell_legend
from samplan.discharge.templatetags.board import overview_heading, row_context, table_row

register = template.Library()


@functools.lru_cache(maxsize=8)
def _fixed_columns(language: str | None) -> str:
    # The same for every view in a language: translated once (`language` is the key only).
    stay = gettext("Length of stay in days")
    heads = "".join(
        f'        <th scope="col">{label}</th>\n'
        for label in (
            gettext("Personnummer"),
            gettext("Name"),
            gettext("Ward"),
            gettext("Admitted"),
        )
    )
    short = gettext("Stay")
    return (
        f'{heads}        <th scope="col" class="num"><span aria-hidden="true" title="{stay}">'
        f'{short}</span><span class="visually-hidden">{stay}</span></th>\n'
    )


def _step_columns(steps: Iterable[Step]) -> str:
    return "".join(
        f'<th scope="col" class="step-col">{overview_heading(step)}</th>' for step in steps
    )


@functools.lru_cache(maxsize=8)
def _board_step_columns(language: str | None) -> str:
    # Översikt's steps (the constant STEPS) head the same in every view in a language.
    return _step_columns(STEPS)


@register.simple_tag
def overview_table_head(page: object, steps: Iterable[Step]) -> SafeString:
    """The caption (the number of cases in the list) and the header row: the case's columns,
    then one per step."""
    count = page.paginator.count
    caption = ngettext(
        "%(counter)s case your unit takes part in",
        "%(counter)s cases your unit takes part in",
        count,
    ) % {"counter": count}
    step_heads = _board_step_columns(get_language()) if steps is STEPS else _step_columns(steps)
    return mark_safe(  # noqa: S308 (a number, translations and the escaped step headings)
        f"<caption>{caption}</caption>\n    <thead>\n      <tr>\n"
        f"{_fixed_columns(get_language())}        {step_heads}\n      </tr>\n    </thead>\n"
    )


@register.simple_tag
def overview_table(page: object, steps: Iterable[Step]) -> SafeString:
    """The whole table of a page of Översikt: its head (overview_table_head) and one row per
    case (overview_row), or a row saying there are none."""
    label = conditional_escape(gettext("Overview"))
    shared = row_context()
    rows = "".join(f"\n      {table_row(row, shared)}\n      " for row in page)
    if not rows:
        none = conditional_escape(gettext("No cases."))
        rows = f'\n      <tr><td colspan="{len(steps) + 5}">{none}</td></tr>\n      '
    return mark_safe(  # noqa: S308 (translations escaped; the head and rows escape their own)
        f'<div class="table-wrap" tabindex="0" role="region" aria-label="{label}">\n'
        '  <table class="inbox-table overview-table">\n'
        f"    {overview_table_head(page, steps)}\n    <tbody>\n      {rows}\n    </tbody>\n"
        "  </table>\n</div>"
    )


@functools.lru_cache(maxsize=8)
def _legend(language: str | None) -> str:
    # The states, their icons and words are constants: the same legend in every view in a
    # language (`language` is the key only).
    items = "".join(
        f'<dt><span aria-hidden="true">{conditional_escape(icon)}</span> '
        f"{conditional_escape(text)}</dt><dd>{conditional_escape(explanation)}</dd>"
        for icon, text, explanation in cell_legend()
    )
    summary = conditional_escape(gettext("What the cells mean"))
    return (
        f'<details class="legend">\n  <summary>{summary}</summary>\n'
        f'  <dl class="facts">\n    {items}\n  </dl>\n</details>'
    )


@register.simple_tag
def overview_legend() -> SafeString:
    """What each cell state means: icon, words and explanation per state."""
    return mark_safe(_legend(get_language()))  # noqa: S308 (every value escaped)
