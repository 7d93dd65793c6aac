"""Översikt's table caption and header row written in Python (templatetags/board_frame.py)
give the markup of discharge/board.html as it was (tests/reference/overview_head.html): no,
one and many cases, every step's heading, in Swedish and English. Only the length of runs of
whitespace may differ."""

from __future__ import annotations

import itertools
import re
from pathlib import Path

from django.core.paginator import Paginator
from django.template import Context, Engine
from django.utils import translation

from samplan.discharge.board_cells import STEPS
from samplan.discharge.templatetags.board_frame import overview_table_head

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
