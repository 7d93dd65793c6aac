"""The log search page's forms and result header written in Python
(templatetags/log_entries.py) give the markup the template gave: the blocks as they were are
kept in tests/reference/ and rendered beside the tags with the page's own context and request,
in Swedish and English, for the states that matter (rows with and without marks, none found,
a patient shown, field and form errors, several pages), with names that need escaping. Only
the length of runs of whitespace (and the CSRF token's mask) may differ."""

import datetime
import re
from pathlib import Path

import pytest
import time_machine
from django.template import engines
from django.urls import reverse
from django.utils import translation

from samplan.auditlog.testing import log_access
from samplan.core.localtime import STOCKHOLM
from samplan.logreview.templatetags.log_entries import log_review_nav
from samplan.patients.forms import PatientSearchForm
from samplan.patients.testing import PatientFactory

REFERENCE = Path(__file__).parent / "reference"
SEARCH = reverse("logreview:search")
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="[^"]*"')
BLOCKS = {
    "search_forms.html": "{% log_search_forms %}",
    "search_results.html": "{% log_search_results %}",
}


@pytest.fixture(autouse=True)
def _now():
    with time_machine.travel(datetime.datetime(2026, 3, 10, 12, 0, tzinfo=STOCKHOLM), tick=True):
        yield


def squeeze(html: str) -> str:
    return CSRF.sub('name="csrfmiddlewaretoken" value=""', re.sub(r"\s+", " ", html).strip())


def render(source: str, context: dict, request) -> str:
    return squeeze(engines["django"].from_string(source).render(context, request))


def compare(client, query: dict) -> str:
    """Compares both blocks in Swedish and English; returns the page as served."""
    response = client.get(SEARCH, query)
    assert response.status_code == 200
    names = "form filters page rows patient_shown form_key query".split()  # noqa: SIM905
    context = {name: response.context[name] for name in names}
    # The page's number field is an unbound form's, written once (log_entries): the
    # reference renders such a form, as the view once passed it.
    context["patient_form"] = PatientSearchForm()
    context["patient_form"].fields["identity"].widget.attrs.pop("autofocus", None)
    request = response.wsgi_request
    for language in ("sv", "en"):
        with translation.override(language):
            for name, tag in BLOCKS.items():
                reference = (REFERENCE / name).read_text(encoding="utf-8")
                old = render(reference, context, request)
                new = render("{% load log_entries %}" + tag, context, request)
                assert new == old, (name, language, query)
    return response.content.decode()


@pytest.fixture
def odd_names(cast, log):
    organization = cast.care_centre.organization
    organization.name = 'Region "Öst" <&>'
    organization.save()
    cast.ward.name = "Avd <7> & co"
    cast.ward.save()
    return organization


def test_all_rows_some_marked(as_reviewer, odd_names):
    page = compare(as_reviewer, {})
    assert "Region &quot;Öst&quot; &lt;&amp;&gt;" in page
    assert "log-row--flagged" in page


@pytest.mark.parametrize(
    "query",
    [
        {"flags": ["protected_identity"]},
        {"flagged": "on", "user": "AVDSSK"},
        {"action": "search", "date_from": "2026-03-01", "date_to": "2026-03-09"},
        {"date_from": "2026-01-01", "date_to": "2026-01-02"},  # nothing found
        {"user": "finnsinte <&>"},  # a field's error
        {"date_from": "2026-03-09", "date_to": "2026-03-01"},  # a reversed period
        {"patient": "987654"},  # the form's own error: no such patient
        {"user": "AVDSSK", "unit": "x&y"},
    ],
)
def test_filtered(as_reviewer, odd_names, query):
    compare(as_reviewer, query)


def test_a_patient_shown_with_the_protection_badge(as_reviewer, log, odd_names):
    page = compare(as_reviewer, {"patient": log.protected.pk})
    assert "badge--alert" in page


def test_several_pages(cast, as_reviewer, log, odd_names):
    for _ in range(25):
        log_access(cast.ward_nurse, cast.ward, PatientFactory(first_name="<Ola>"))
    compare(as_reviewer, {"size": "20"})
    page = compare(as_reviewer, {"size": "20", "page": "2", "user": "AVDSSK"})
    assert 'rel="prev"' in page


@pytest.mark.parametrize("current", ["search", "sample", "reviews", "extract", ""])
@pytest.mark.parametrize("language", ["sv", "en"])
def test_the_menu(rf, current, language):
    # logreview/_nav.html stays for the log review's other pages: the tag is held to it.
    reference = '{% include "logreview/_nav.html" %}'
    with translation.override(language):
        old = squeeze(engines["django"].from_string(reference).render({"current": current}))
        assert squeeze(log_review_nav(current)) == old


def test_the_marks_column_says_none_in_swedish_as_marks_are_counted():
    """The Swedish says "Inga" (no marks), not django.contrib.admin's "Inget" for a bare "None"."""
    from django.utils import translation

    from samplan.logreview.templatetags import log_entries

    with translation.override("sv"):
        assert ">Inga<" in log_entries._words("sv").no_marks
    with translation.override("en"):
        assert ">None<" in log_entries._words("en").no_marks
