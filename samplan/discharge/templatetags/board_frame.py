"""Översikt's table caption and header row, written in Python like its rows
(templatetags/board.py, whose step headings it uses): they were a blocktranslate, six
translations and a loop over the steps with a tag each, in discharge/board.html, on the page
opened most. discharge/tests/test_board_frame.py renders the template as it was
(tests/reference/overview_head.html) beside this tag.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable

from django import template
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language, gettext, ngettext

from samplan.discharge.board_cells import STEPS, Step
from samplan.discharge.templatetags.board import overview_heading

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
