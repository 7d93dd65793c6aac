"""Every page's header and footer, written in Python (templatetags/page_frame.py), give the
markup of base.html's as they were (kept in tests/reference/): signed out; signed in with every
menu flag on, with none and with a few (a lazy flag among them); with no unit, one unit and
several with the current one selected; with names, a path and a token that need escaping; in
Swedish and English. Only the length of runs of whitespace may differ."""

import itertools
import re
from pathlib import Path
from types import SimpleNamespace

from django.contrib.auth.models import AnonymousUser
from django.template import Context, Engine
from django.test import RequestFactory
from django.urls import reverse
from django.utils import translation

from samplan.accounts.models import User
from samplan.messaging.templatetags.inbox_count import new_count_badge

REFERENCE = Path(__file__).parent / "reference"

FLAGS = (
    "show_inbox",
    "show_patient_search",
    "show_new_case",
    "show_sip",
    "show_deviations_link",
    "show_admin_link",
    "show_access_orders_link",
    "show_access_review_link",
    "show_stuck_link",
    "show_addressing_link",
    "show_reports_link",
    "show_log_review_link",
)

# The header included messaging/_new_count.html, now messaging's reference too.
BADGE = Path(__file__).parents[2] / "messaging" / "tests" / "reference" / "_new_count.html"
ENGINE = Engine(
    loaders=[
        (
            "django.template.loaders.locmem.Loader",
            {"messaging/_new_count.html": BADGE.read_text(encoding="utf-8")},
        )
    ],
    libraries={
        "i18n": "django.templatetags.i18n",
        "page_frame": "samplan.core.templatetags.page_frame",
    },
)


def reference(name: str):
    return ENGINE.from_string((REFERENCE / name).read_text(encoding="utf-8"))


NEW = {
    "site_header.html": ENGINE.from_string("{% load page_frame %}{% site_header %}"),
    "site_footer.html": ENGINE.from_string("{% load page_frame %}{% site_footer %}"),
}


def squeeze(html: str) -> str:
    return re.sub(r"\s+", " ", str(html)).strip()


def unit(pk: int, name: str, organization: str) -> SimpleNamespace:
    return SimpleNamespace(pk=pk, name=name, organization=SimpleNamespace(name=organization))


def assert_same(values: dict) -> str:
    """Render the reference and the tag for both languages; return the Swedish header."""
    header = ""
    for language in ("sv", "en"):
        with translation.override(language):
            for name, new in NEW.items():
                context = {"LANGUAGE_CODE": language, **values}
                old = reference(name).render(Context(context))
                rendered = new.render(Context(context))
                assert squeeze(rendered) == squeeze(old), (language, name, values)
                if language == "sv" and name == "site_header.html":
                    header = rendered
    return header


def signed_in(**changes) -> dict:
    user = User(username='anna"<&>', first_name="Anna <b>", last_name="O'Neil & co")
    home = unit(7, 'Hemtjänst "Öst" <&>', "Kommun <&> 'A'")
    values = {
        "user": user,
        "current_unit": home,
        "switchable_units": [home],
        "csrf_token": 'tok"<&>',
        "request": RequestFactory().get("/inkorg/?q='<a>'&page=2"),
        "inbox_new_count": 3,
    }
    values.update({flag: False for flag in FLAGS})
    values.update(changes)
    # As messaging's context processor gives it, for the count in hand.
    values["inbox_badge"] = lambda: new_count_badge(values["inbox_new_count"])
    return values


def test_signed_out():
    anonymous = {"user": AnonymousUser(), "request": RequestFactory().get("/konto/logga-in/")}
    header = assert_same(anonymous)
    assert "main-nav" not in header and reverse("core:home") in header
    # No user, request or token in the context at all (a page rendered without a request).
    assert_same({})
    assert_same({"user": AnonymousUser(), "csrf_token": "NOTPROVIDED"})


def test_every_flag_on_none_and_some():
    for flags in (
        dict.fromkeys(FLAGS, True),
        {},
        {"show_inbox": True, "show_access_review_link": True, "inbox_new_count": 0},
        {"show_access_orders_link": True, "show_access_review_link": True, "show_sip": True},
        {"show_deviations_link": lambda: True, "show_addressing_link": lambda: False},
    ):
        header = assert_same(signed_in(**flags))
        assert "Anna &lt;b&gt; O&#x27;Neil &amp; co" in header and "<b>" not in header
        assert "Logga ut" in header  # the Swedish catalogue is in use (compiled)
    # Each flag alone, and every pair of the two that are one menu item between them.
    for flag in FLAGS:
        assert_same(signed_in(**{flag: True}))
    for orders, review in itertools.product((True, False), repeat=2):
        assert_same(signed_in(show_access_orders_link=orders, show_access_review_link=review))


def test_lazy_flags_are_read_once_and_only_when_signed_in():
    calls = []

    def lazy():
        calls.append(1)
        return True

    with translation.override("sv"):
        NEW["site_header.html"].render(Context(signed_in(show_deviations_link=lazy)))
        assert calls == [1]
        NEW["site_header.html"].render(
            Context({"user": AnonymousUser(), "show_deviations_link": lazy})
        )
        assert calls == [1]


def test_units_none_one_and_several():
    home = unit(7, 'Hemtjänst "Öst" <&>', "Kommun <&> 'A'")
    ward = unit(8, "Avd 12 <script>", "Region & co")
    clinic = unit(9, "Vårdcentral 'Syd'", "Region & co")
    for current, units in (
        (None, []),
        (None, [home, ward]),
        (home, []),
        (home, [home]),
        (home, [home, ward, clinic]),
        (clinic, [home, ward, clinic]),
    ):
        header = assert_same(signed_in(current_unit=current, switchable_units=units))
        assert "<script>" not in header
        if current and len(units) > 1:
            assert f'value="{current.pk}" selected' in header
            assert header.count(" selected") == 1
        else:
            assert "unit-switch" not in header
    # No token: the forms go without the hidden input, as {% csrf_token %} left them.
    assert_same(signed_in(csrf_token=None, switchable_units=[home, ward]))


def test_the_language_form_selects_the_current_language():
    for language in ("sv", "en"):
        with translation.override(language):
            values = {"LANGUAGE_CODE": language, **signed_in()}
            footer = NEW["site_footer.html"].render(Context(values))
        assert f'value="{language}" lang="{language}" selected' in footer
        assert footer.count(" selected") == 1
        assert 'value="/inkorg/?q=&#x27;%3Ca%3E&#x27;&amp;page=2"' in footer


def test_a_real_page_has_the_reference_header_and_footer(client, cast, login_as):
    """The context processors' own values (lazy flags, the lazy token and count) on a page."""
    login_as(cast.home_care_nurse, cast.home_care)
    for language in ("sv", "en"):
        client.cookies["django_language"] = language
        response = client.get(reverse("organizations:directory"))
        html = response.content.decode()
        assert f'<html lang="{language}">' in html
        values = response.context[0].flatten()
        with translation.override(language):
            for name, tag in (("site_header.html", "header"), ("site_footer.html", "footer")):
                old = reference(name).render(Context(values))
                page = re.search(rf"<{tag} .*?</{tag}>", html, re.S).group(0)
                assert squeeze(page) == squeeze(old), (language, name)
