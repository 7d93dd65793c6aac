"""The header's new-message badge, written in Python (templatetags/inbox_count.py), gives the
markup of the template it replaced (kept in tests/reference/_new_count.html): no, one and many
new deliveries, the first poll (no interval) and later ones, in Swedish and English. Only the
length of runs of whitespace may differ."""

import re
from pathlib import Path

from django.template import Context, Engine
from django.utils import translation

from samplan.messaging.templatetags.inbox_count import new_count_badge

REFERENCE = Path(__file__).parent / "reference"


def squeeze(html: str) -> str:
    return re.sub(r"\s+", " ", str(html)).strip()


def test_the_badge_gives_the_old_templates_markup():
    engine = Engine(libraries={"i18n": "django.templatetags.i18n"})
    old = engine.from_string((REFERENCE / "_new_count.html").read_text(encoding="utf-8"))
    for language in ("sv", "en"):
        with translation.override(language):
            for count in (0, 1, 2, 17):
                assert squeeze(new_count_badge(count)) == squeeze(
                    old.render(Context({"inbox_new_count": count}))
                )
                for interval in (30, 60, 300):
                    context = Context({"inbox_new_count": count, "interval": interval})
                    assert squeeze(new_count_badge(count, interval)) == squeeze(
                        old.render(context)
                    ), (language, count, interval)
    with translation.override("sv"):
        badge = new_count_badge(2, 60)
    assert "2 nya</a>" in badge and "inbox-count--new" in badge
    assert "?previous=2&amp;interval=60" in badge and "delay:60s" in badge
