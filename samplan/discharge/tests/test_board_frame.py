"""Översikt's table (caption, header row, rows) and legend written in Python
(templatetags/board_frame.py) give the markup of discharge/board.html as it was
(tests/reference/overview_head.html, overview_table.html): no, one and many cases, every
step's heading, every cell state, in Swedish and English. Only the length of runs of
whitespace may differ."""

from __future__ import annotations

import itertools
import re
from pathlib import Path

from django.core.paginator import Paginator
from django.template import Context, Engine
from django.utils import translation

from samplan.discharge.board import OverviewRow
from samplan.discharge.board_cells import STEPS, cell_legend
from samplan.discharge.templatetags.board_frame import (
    overview_legend,
    overview_table,
    overview_table_head,
)
from samplan.discharge.tests.test_board_markup import ROWS, _Case, _Ward, cells, display

REFERENCE = Path(__file__).parent / "reference"


def squeeze(html: str) -> str:
    return re.sub(r"\s+", " ", str(html)).strip()


def test_the_table_head_gives_the_old_markup():
    engine = Engine(
        libraries={
            "i18n": "django.templatetags.i18n",
            "board": "samplan.discharge.templatetags.board",
        }
    )
    old = engine.from_string((REFERENCE / "overview_head.html").read_text(encoding="utf-8"))
    for language in ("sv", "en"):
        with translation.override(language):
            # The board's steps (their headings kept per language), and others.
            for count, steps in itertools.product((0, 1, 2, 45), (STEPS, STEPS[1:3], ())):
                page = Paginator(list(range(count)), 20).page(1)
                new = overview_table_head(page, steps)
                assert squeeze(new) == squeeze(old.render(Context({"page": page, "steps": steps})))
                assert f"<caption>{count} " in new
                assert new.count('class="step-col"') == len(steps)
    with translation.override("sv"):
        assert "1 ärende som din enhet deltar i" in overview_table_head(
            Paginator([1], 20).page(1), STEPS
        )


def _rows(count: int) -> list[OverviewRow]:
    kinds = list(ROWS.values())
    rows = []
    for n in range(count):
        states, badge, stay = kinds[n % len(kinds)]
        rows.append(
            OverviewRow(
                case=_Case(40 + n, _Ward()),
                display=display(badge=badge),
                cells=cells(states),
                length_of_stay=stay,
            )
        )
    return rows


def test_the_table_and_legend_give_the_old_markup():
    engine = Engine(
        libraries={
            "i18n": "django.templatetags.i18n",
            "board": "samplan.discharge.templatetags.board",
            "board_frame": "samplan.discharge.templatetags.board_frame",
        }
    )
    reference = (REFERENCE / "overview_table.html").read_text(encoding="utf-8")
    old_table, old_legend = (
        engine.from_string(part) for part in reference.split("{# the legend #}")
    )
    for language in ("sv", "en"):
        with translation.override(language):
            for count, steps in itertools.product((0, 1, 4, 21), (STEPS, STEPS[1:3])):
                page = Paginator(_rows(count), 20).page(1)
                context = Context({"page": page, "steps": steps})
                new = overview_table(page, steps)
                assert squeeze(new) == squeeze(old_table.render(context))
                assert new.count('data-testid="case-row"') == min(count, 20)
            old = old_legend.render(Context({"cell_legend": cell_legend()}))
            assert squeeze(overview_legend()) == squeeze(old)
    with translation.override("sv"):
        assert "Inga ärenden" in overview_table(Paginator([], 20).page(1), STEPS)
