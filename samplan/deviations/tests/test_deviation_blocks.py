"""The "Report a deviation" button written in Python (templatetags/deviation_blocks.py) gives
the markup the template gave (kept in tests/reference/), shown or not, for each kind of page,
in Swedish and English. Only the length of runs of whitespace may differ."""

import re
from pathlib import Path

import pytest
from django.template import Context, Engine
from django.utils import translation

from samplan.deviations.templatetags.deviation_blocks import report_button

REFERENCE = Path(__file__).parent / "reference" / "_report_button.html"


def squeeze(html: str) -> str:
    return re.sub(r"\s+", " ", str(html)).strip()


@pytest.mark.parametrize("language", ["sv", "en"])
@pytest.mark.parametrize("shown", [True, False])
@pytest.mark.parametrize("parameter", ["arende", "meddelande", "plan"])
def test_the_button_gives_the_old_templates_markup(language, shown, parameter):
    old = Engine(libraries={"i18n": "django.templatetags.i18n"}).from_string(
        REFERENCE.read_text(encoding="utf-8")
    )
    values = {"show_report_deviation": shown, "parameter": parameter, "pk": 42}
    with translation.override(language):
        new = report_button(Context(values), parameter, 42)
        assert squeeze(new) == squeeze(old.render(Context(values)))
    assert ("?" + parameter + "=42" in new) == shown
