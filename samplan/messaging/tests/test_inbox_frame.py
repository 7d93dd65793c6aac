"""The inbox frame written in Python (templatetags/inbox_frame.py: the tabs, the search and
filter form with its page size, the search's notice, Mottagna's table head) gives the markup of
the templates it replaced, kept in tests/reference/: every tab current, no, one and many new
messages, a search with errors, a search shown and one expired, with Översikt's, Mottagna's and
Skickade's filters or none, values that need escaping, in Swedish and English. Only the length
of runs of whitespace may differ."""

from __future__ import annotations

import itertools
import re
from pathlib import Path
from types import SimpleNamespace

from django.core.paginator import Paginator
from django.template import Context, Engine
from django.test import RequestFactory
from django.urls import reverse
from django.utils import translation
from django.utils.functional import SimpleLazyObject

from samplan.core.paging import PAGE_SIZES
from samplan.core.templatetags.samplan import form_field
from samplan.discharge.forms import OverviewFilterForm
from samplan.messaging.forms import IdentitySearchForm, ReceivedFilterForm, SentFilterForm
from samplan.messaging.templatetags.inbox_frame import (
    _filter_field,
    _fixed_fields,
    inbox_search,
    inbox_tabs,
    page_size_field,
    received_table_head,
)

REFERENCE = Path(__file__).parent / "reference"
TABS = ("overview", "received", "sent", "create", "alerts")


def reference(name: str):
    """A reference template, its include of the page size read from tests/reference/ too."""
    engine = Engine(
        loaders=[
            (
                "django.template.loaders.locmem.Loader",
                {
                    "messaging/_page_size.html": (REFERENCE / "_page_size.html").read_text(
                        encoding="utf-8"
                    )
                },
            )
        ],
        libraries={
            "i18n": "django.templatetags.i18n",
            "samplan": "samplan.core.templatetags.samplan",
        },
    )
    return engine.from_string((REFERENCE / name).read_text(encoding="utf-8"))


def squeeze(html: str) -> str:
    return re.sub(r"\s+", " ", str(html)).strip()


def same(name: str, tag, values: dict) -> str:
    """Renders the reference and the tag with the same context; returns the tag's markup."""
    old = reference(name).render(Context(dict(values)))
    new = tag(Context(dict(values)))
    assert squeeze(new) == squeeze(old), values
    return new


def lazy(count: int) -> SimpleLazyObject:
    """The context processor's count: a lazy object, as on the pages."""
    return SimpleLazyObject(lambda: count)


def test_the_tabs_give_the_old_markup():
    unit = SimpleNamespace(name='Hemtjänst "Öst" <&>')
    counts = (lazy(0), lazy(1), lazy(7), 0, 3, None)
    for language in ("sv", "en"):
        with translation.override(language):
            for tab, count in itertools.product((*TABS, "", None), counts):
                values = {"tab": tab, "current_unit": unit}
                if count is not None:
                    values["inbox_new_count"] = count
                html = same("_inbox_nav.html", inbox_tabs, values)
                assert "Hemtjänst &quot;Öst&quot; &lt;&amp;&gt;" in html
                assert html.count('aria-current="page"') == (tab in TABS)
            same("_inbox_nav.html", inbox_tabs, {"tab": "received"})
    with translation.override("sv"):
        html = inbox_tabs(Context({"tab": "sent", "inbox_new_count": lazy(2)}))
    assert "(2)" in html and "2 nya" in html and 'aria-current="page">Skickade<' in html


def page_of(per_page: int, count: int = 3):
    return Paginator(list(range(count)), per_page).page(1)


def contexts():
    """The contexts of the list pages' search form in each state."""
    factory = RequestFactory()
    plain = factory.get("/inkorg/mottagna/")
    odd = factory.get("/inkorg/oversikt/", {"state": 'a"<b>&c', "size": "50", "sok": 'x"<y>'})
    filter_sets = (
        None,
        OverviewFilterForm({"state": "all", "overdue": "on", "sort": "x<y"}),
        OverviewFilterForm({}),
        ReceivedFilterForm({"state": 'a"<b>', "message_type": ""}),
        ReceivedFilterForm({"state": "open", "message_type": "planning_info", "overdue": "on"}),
        SentFilterForm({}),
        SentFilterForm({"message_type": "status_report"}),
    )
    searches = (
        ({}, IdentitySearchForm()),
        (
            {
                "searched": "191212121212",
                "searched_display": '19121212-1212 <"&>',
                "clear_search_query": "state=a%22&size=50&x=<b>",
            },
            IdentitySearchForm(initial={"identity": "191212121212"}),
        ),
        ({"unknown_search": True, "clear_search_query": "size=20"}, IdentitySearchForm()),
        ({}, IdentitySearchForm({"identity": 'nonsense <"&>'})),
    )
    for request, filters, (notice, form), page in itertools.product(
        (plain, odd, None),
        filter_sets,
        searches,
        (None, page_of(20), page_of(50), page_of(100, count=0)),
    ):
        values = {
            "search_form": form,
            "page_sizes": PAGE_SIZES,
            "csrf_token": 'token"<&>',
            "clear_search_query": "",
            **notice,
        }
        if request is not None:
            values["request"] = request
        if filters is not None:
            values["filters"] = filters
        if page is not None:
            values["page"] = page
        yield values


def test_the_search_form_gives_the_old_markup():
    for language in ("sv", "en"):
        with translation.override(language):
            for values in contexts():
                html = same("_search.html", inbox_search, values)
                same("_page_size.html", page_size_field, values)
                assert "<y>" not in html and "<b>" not in html
                if values.get("request") and values["request"].GET.get("sok"):
                    assert 'name="sok" value="x&quot;&lt;y&gt;"' in html
    form = IdentitySearchForm({"identity": "nonsense"})
    assert form.errors
    with translation.override("sv"):
        html = inbox_search(Context({"search_form": form, "page_sizes": PAGE_SIZES}))
    assert "field--error" in html and "Rader per sida" in html


def test_fixed_filter_fields_are_kept_per_language_and_value():
    """A `fixed_markup` form's field, kept per language and value, is what form_field gives;
    a value that is no choice (an error), or a number searched for, is not kept."""
    datas = (
        {},
        {"state": "open", "message_type": "planning_info", "overdue": "on"},
        {"state": "new", "overdue": "false"},
        {"state": 'x"<y>', "message_type": "nope"},
        {"message_type": ""},
    )
    for language in ("sv", "en", "sv", "en"):
        with translation.override(language):
            for data, search in itertools.product(datas, (False, True)):
                identity = data.get("message_type", "")
                for form in (
                    ReceivedFilterForm(data),
                    SentFilterForm(data),
                    IdentitySearchForm(),
                    IdentitySearchForm(initial={"identity": "191212121212"}),
                    IdentitySearchForm({"identity": identity}),
                ):
                    form.is_valid()
                    for field in form:
                        context = Context({"search": search})
                        kept = _filter_field(context, field, translation.get_language())
                        assert kept == form_field(context, field), (language, data)
    kept = "".join(_fixed_fields.values())
    assert "x&quot;" not in kept and "nope" not in kept and "191212121212" not in kept


def test_the_list_pages_show_the_frame(client, cast, login_as, build):
    build.admitted(first_name="Alma", last_name="Andersson")
    login_as(cast.home_care_nurse, cast.home_care)
    for url_name in ("discharge:overview", "messaging:received", "messaging:sent"):
        html = client.get(reverse(url_name) + "?size=50").content.decode()
        assert f'<a href="{reverse(url_name)}" aria-current="page">' in html
        assert '<option value="50" selected>50</option>' in html
        assert 'role="search"' in html and 'name="csrfmiddlewaretoken"' in html


def test_the_received_table_head_gives_the_old_markup():
    engine = Engine(libraries={"i18n": "django.templatetags.i18n"})
    old = engine.from_string((REFERENCE / "received_head.html").read_text(encoding="utf-8"))
    for language in ("sv", "en"):
        with translation.override(language):
            for count in (0, 1, 2, 21):
                page = page_of(20, count=count)
                new = received_table_head(page)
                assert squeeze(new) == squeeze(old.render(Context({"page": page})))
                assert f"<caption>{count} " in new
