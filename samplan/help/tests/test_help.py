"""Hjälp: a manual per role in Swedish and English, rendered from the Markdown in docs/manual,
each as a PDF; every page's help link leads to a section that exists; Om samplan shows the
version; the favicon."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation

from samplan.help import manual
from samplan.help.views import samplan_version

TEMPLATES = Path(settings.BASE_DIR) / "samplan"


def test_every_role_has_its_manual_in_both_languages():
    slugs = {m.slug for m in manual.MANUALS}
    assert slugs == {
        "avdelning",
        "kommun",
        "sip",
        "chef",
        "lokal-administrator",
        "logggranskare",
        "systemadministrator",
        "avvikelser",
    }
    for slug in slugs:
        for lang in manual.LANGUAGES:
            assert manual.manual_path(slug, lang).exists(), (slug, lang)
            rendered = manual.render(slug, lang)
            assert rendered.language == lang and "<h2" in rendered.html


def test_sections_are_the_same_in_both_languages():
    for m in manual.MANUALS:
        assert manual.render(m.slug, "sv").section_ids == manual.render(m.slug, "en").section_ids


def _help_links() -> list[tuple[str, str, str]]:
    links = []
    for path in TEMPLATES.glob("*/templates/**/*.html"):
        for slug, section in re.findall(r'help_link "([^"]+)" "([^"]+)"', path.read_text()):
            links.append((str(path), slug, section))
    return links


def test_every_help_link_leads_to_an_existing_section():
    links = _help_links()
    assert len(links) >= 8
    for path, slug, section in links:
        assert section in manual.render(slug, "sv").section_ids, (path, slug, section)


def test_main_pages_link_to_their_section(client, cast, login_as):
    login_as(cast.ward_nurse, cast.ward)
    for name, target in (
        ("discharge:overview", "/hjalp/avdelning/#oversikt"),
        ("messaging:received", "/hjalp/kommun/#mottagna"),
    ):
        html = client.get(reverse(name)).content.decode()
        assert f'href="{target}"' in html and "Hjälp om sidan" in html


def test_help_in_the_header_lists_the_users_manuals_first(client, cast, login_as):
    login_as(cast.ward_nurse, cast.ward)
    html = client.get(reverse("discharge:overview")).content.decode()
    assert f'<a href="{reverse("help:index")}">Hjälp</a>' in html
    assert f'href="{reverse("help:about")}"' in html
    index = client.get(reverse("help:index")).content.decode()
    assert index.index("Vårdavdelning") < index.index("Logggranskare")
    assert reverse("help:manual_pdf", args=["avdelning"]) in index


def test_a_manual_page_in_swedish_and_in_english(client, cast, login_as):
    login_as(cast.ward_nurse, cast.ward)
    html = client.get(reverse("help:manual", args=["avdelning"])).content.decode()
    assert 'id="oversikt"' in html and "Översikt: dagens arbetsbild" in html
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    html = client.get(reverse("help:manual", args=["avdelning"])).content.decode()
    assert 'id="oversikt"' in html and "Overview: today's work" in html
    assert client.get(reverse("help:manual", args=["okand"])).status_code == 404


def test_each_manual_prints_as_a_pdf(client, cast, login_as):
    login_as(cast.home_care_nurse, cast.home_care)
    for m in manual.MANUALS:
        response = client.get(reverse("help:manual_pdf", args=[m.slug]))
        assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
        assert response.content.startswith(b"%PDF")


def test_help_needs_login_but_about_does_not(client):
    assert client.get(reverse("help:index")).status_code == 302
    html = client.get(reverse("help:about")).content.decode()
    assert samplan_version() in html and "Om samplan" in html


@pytest.mark.parametrize("lang", ["sv", "en"])
def test_manual_titles_are_translated(lang):
    with translation.override(lang):
        titles = [str(m.title) for m in manual.MANUALS]
    assert ("Vårdavdelning" in titles) == (lang == "sv")


def test_the_favicon(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 301 and response.url.endswith("core/favicon.svg")
    assert client.get(response.url).status_code in (200, 404)  # served by whitenoise in tests


def test_the_help_link_is_made_in_the_active_language():
    from samplan.help.templatetags.help import help_link

    url = reverse("help:manual", args=["avdelning"])
    with translation.override("sv"):
        swedish = help_link("avdelning", "oversikt")
    with translation.override("en"):
        english = help_link("avdelning", "oversikt")
    assert f'href="{url}#oversikt"' in swedish and f'href="{url}#oversikt"' in english
    assert "Hjälp om sidan" in swedish and "Help with this page" in english
