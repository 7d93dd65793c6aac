"""The user manual: one Markdown file per role and language in docs/manual/<language>/,
rendered to HTML here (and to PDF by views.manual_pdf).

The files are part of the repository, written by the project, so their HTML is trusted as
templates are. Each heading that a page of samplan links to carries a fixed id written as
`{#id}` after the heading (attr_list), so the links from the pages ("Hjälp om sidan") keep
working when a heading's words change; a test checks that every linked section exists.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from pathlib import Path

import markdown
from django.conf import settings
from django.http import Http404
from django.utils.functional import Promise
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

MANUAL_DIR = Path(settings.BASE_DIR) / "docs" / "manual"
LANGUAGES = ("sv", "en")


@dataclass(frozen=True)
class Manual:
    slug: str  # the file name and the address: /hjalp/<slug>/
    title: str | Promise
    audience: str | Promise
    roles: tuple[str, ...]  # accounts.Role values whose users get this manual first


MANUALS = (
    Manual(
        "avdelning",
        _("Hospital ward"),
        _("Hospital wards: cases, messages to the municipality and the care centre."),
        ("user", "super_user"),
    ),
    Manual(
        "kommun",
        _("Municipal unit"),
        _("Home care, home health care, needs assessment and other municipal units."),
        ("user", "super_user"),
    ),
    Manual(
        "sip",
        _("Coordinated individual plan (SIP)"),
        _("Everyone who starts, is summoned to, writes or signs a SIP."),
        ("user", "super_user", "manager"),
    ),
    Manual(
        "chef",
        _("Manager"),
        _("Ordering access for your staff, and the access review."),
        ("manager",),
    ),
    Manual(
        "lokal-administrator",
        _("Local administrator"),
        _("Users, memberships, units, the addressing register and residence lists."),
        ("local_admin",),
    ),
    Manual(
        "logggranskare",
        _("Log reviewer"),
        _("Log review, checks and log extracts for patients."),
        ("log_reviewer",),
    ),
    Manual(
        "avvikelser",
        _("Deviations"),
        _("Reporting deviations between organisations, and handling those that come in."),
        ("deviation_handler",),
    ),
    Manual(
        "systemadministrator",
        _("System administrator"),
        _("Organisations, unit trees, agreements, amounts per day and local administrators."),
        ("system_admin",),
    ),
)
BY_SLUG = {manual.slug: manual for manual in MANUALS}


@dataclass(frozen=True)
class Rendered:
    manual: Manual
    language: str
    html: str
    toc: str  # the table of contents as HTML (a nested list)
    section_ids: frozenset[str]


def language() -> str:
    current = (get_language() or "sv").split("-")[0]
    return current if current in LANGUAGES else "sv"


def manual_path(slug: str, lang: str) -> Path:
    return MANUAL_DIR / lang / f"{slug}.md"


def render(slug: str, lang: str | None = None) -> Rendered:
    """The manual in the language asked for (the UI's by default), else in Swedish."""
    manual = BY_SLUG.get(slug)
    if manual is None:
        raise Http404
    lang = lang or language()
    path = manual_path(slug, lang)
    if not path.exists():
        lang, path = "sv", manual_path(slug, "sv")
    html, toc, ids = _render_file(path, path.stat().st_mtime_ns)
    return Rendered(manual=manual, language=lang, html=html, toc=toc, section_ids=ids)


@functools.lru_cache(maxsize=32)
def _render_file(path: Path, _mtime: int) -> tuple[str, str, frozenset[str]]:
    """Rendered once per file version (the modification time is part of the cache key)."""
    converter = markdown.Markdown(
        extensions=["attr_list", "toc", "tables", "sane_lists"],
        extension_configs={"toc": {"toc_depth": "2-3", "permalink": False}},
        output_format="html",
    )
    html = converter.convert(path.read_text(encoding="utf-8"))
    ids = frozenset(re.findall(r'<h[1-6][^>]* id="([^"]+)"', html))
    return html, converter.toc, ids


def manuals_for_roles(roles: set[str]) -> list[Manual]:
    """The manuals for the user's roles first, then the others."""
    first = [m for m in MANUALS if roles & set(m.roles)]
    return first + [m for m in MANUALS if m not in first]
