"""{% pagination page %} (core/templatetags/samplan.py) gives the markup of the include
core/_pagination.html it replaced (kept in tests/reference/): one page, no page, the first, a
middle and the last of several, with query strings that need escaping, in Swedish and English.
Only the length of runs of whitespace may differ."""

from __future__ import annotations

import re
from pathlib import Path

from django.core.paginator import Paginator
from django.template import Context, Engine, Template
from django.test import RequestFactory
from django.utils import translation

from samplan.core.templatetags.samplan import pagination

REFERENCE = Path(__file__).parent / "reference"
OLD = Engine(
    libraries={"i18n": "django.templatetags.i18n", "samplan": "samplan.core.templatetags.samplan"}
).from_string((REFERENCE / "_pagination.html").read_text(encoding="utf-8"))
TAG = Template("{% load samplan %}{% pagination listing %}")


def squeeze(html: str) -> str:
    return re.sub(r"\s+", " ", str(html)).strip()


def pages():
    yield None
    yield Paginator([], 20).page(1)
    yield Paginator(list(range(20)), 20).page(1)
    several = Paginator(list(range(101)), 20)
    for number in (1, 2, 3, 6):
        yield several.page(number)


QUERIES = (
    {},
    {"page": "3"},
    {"size": "50", "page": "2"},
    {"state": 'a"<b>&c', "q": "x y&z", "page": "9", "sok": "åäö"},
)


def test_the_tag_gives_the_old_markup():
    factory = RequestFactory()
    shown = 0
    for language in ("sv", "en"):
        with translation.override(language):
            for query in QUERIES:
                request = factory.get("/lista/", query)
                for page in pages():
                    old = OLD.render(Context({"page": page, "request": request}))
                    new = pagination(Context({"request": request}), page)
                    assert squeeze(new) == squeeze(old), (query, page)
                    # The tag as the pages use it, under another name for the page.
                    assert TAG.render(Context({"listing": page, "request": request})) == new
                    shown += bool(new)
                    assert "<b>" not in new
    assert shown == 2 * len(QUERIES) * 4
    request = factory.get("/lista/", {"state": "a<b", "page": "2"})
    with translation.override("sv"):
        html = pagination(Context({"request": request}), Paginator(range(50), 20).page(2))
    assert 'href="?state=a%3Cb&amp;page=1" rel="prev">Föregående' in html
    assert "Sida 2 av 3" in html and 'href="?state=a%3Cb&amp;page=3" rel="next"' in html
