"""The log search's unit filter is typed: a unit of the reviewer's organisation by its HSA-id
or its name, in any case (selectors.units_by_name, forms.UnitNameField). It is resolved in
one read, none when empty; a name several units share asks for the HSA-id; another
organisation's unit is no unit. The page no longer lists the organisation's units, so it
does not grow with them."""

import datetime
import re
from html import unescape

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from samplan.auditlog.testing import log_access
from samplan.core.localtime import STOCKHOLM
from samplan.logreview.forms import LogSearchForm, SampleForm
from samplan.logreview.selectors import organization_units
from samplan.patients.testing import PatientFactory
from samplan.testing import UnitFactory

SEARCH = reverse("logreview:search")
WARD_HSA_ID = "SE2321000032-AVD1"
NOT_FOUND = "Ingen enhet i er organisation har det namnet eller HSA-id:t."
SEVERAL = "Flera enheter i er organisation har det namnet. Skriv enhetens HSA-id."


@pytest.fixture(autouse=True)
def _now():
    with time_machine.travel(datetime.datetime(2026, 3, 10, 12, 0, tzinfo=STOCKHOLM), tick=True):
        yield


@pytest.fixture
def region(cast):
    cast.ward.hsa_id = WARD_HSA_ID
    cast.ward.save()
    cast.home_care.hsa_id = "SE2120000483-HT1"
    cast.home_care.save()
    return cast.ward.organization


def resolved(region, typed: str, form_class=LogSearchForm):
    """The unit the form makes of what was typed, or its error in Swedish."""
    data = {"unit": typed}
    if form_class is SampleForm:
        data |= {"date_from": "2026-03-01", "date_to": "2026-03-10", "size": 3, "form_key": "k"}
    with translation.override("sv"):
        form = form_class(data, units=organization_units(region))
        if form.is_valid():
            return form.cleaned_data["unit"]
        return " ".join(form.errors["unit"])


@pytest.mark.parametrize("form_class", [LogSearchForm, SampleForm])
@pytest.mark.parametrize(
    "typed",
    [WARD_HSA_ID, "se2321000032-avd1", "Se2321000032-Avd1", f"  {WARD_HSA_ID}\t"],
)
def test_an_hsa_id_in_any_case(cast, region, typed, form_class):
    assert resolved(region, typed, form_class) == cast.ward


@pytest.mark.parametrize(
    ("typed", "unit"),
    [
        ("Avd 1 Medicin", "ward"),
        ("avd 1 MEDICIN", "ward"),
        ("  Avd 1 medicin  ", "ward"),
        ("vårdcentralen NORR", "care_centre"),
    ],
)
def test_a_name_in_any_case(cast, region, typed, unit):
    assert resolved(region, typed) == getattr(cast, unit)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite's LIKE folds A-Z only")
def test_a_name_in_any_case_also_of_swedish_letters(cast, region):
    assert resolved(region, "VÅRDCENTRALEN NORR") == cast.care_centre


def test_a_name_several_units_share_asks_for_the_hsa_id(cast, region):
    UnitFactory(organization=region, name="AVD 1 MEDICIN")
    assert resolved(region, "Avd 1 Medicin") == SEVERAL
    # The HSA-id tells them apart.
    assert resolved(region, WARD_HSA_ID.lower()) == cast.ward


def test_the_hsa_id_wins_over_a_unit_named_like_it(cast, region):
    UnitFactory(organization=region, name=WARD_HSA_ID)
    assert resolved(region, WARD_HSA_ID) == cast.ward


@pytest.mark.parametrize("form_class", [LogSearchForm, SampleForm])
@pytest.mark.parametrize("typed", ["Finns inte", "SE2321000032-X9", "%", "Avd_1 Medicin"])
def test_no_such_unit(region, typed, form_class):
    assert resolved(region, typed, form_class) == NOT_FOUND


@pytest.mark.parametrize("form_class", [LogSearchForm, SampleForm])
@pytest.mark.parametrize("typed", ["Hemtjänst Öst", "hemtjänst öst", "SE2120000483-HT1"])
def test_another_organisations_unit_is_no_unit(region, typed, form_class):
    """The same answer as for a unit that does not exist: nothing about the other
    organisation's unit is revealed."""
    assert resolved(region, typed, form_class) == NOT_FOUND


def test_one_read_and_none_when_empty(cast, region, django_assert_num_queries):
    units = organization_units(region)
    for data in (None, {}, {"unit": ""}, {"unit": "   "}):
        with django_assert_num_queries(0):
            form = LogSearchForm(data, units=units)
            assert not form.is_bound or form.is_valid()
            assert not form.is_bound or form.cleaned_data["unit"] is None
    UnitFactory.create_batch(5, organization=region, name="Avd 1 Medicin")
    for typed in ("Avd 1 Medicin", WARD_HSA_ID, "Finns inte"):
        with django_assert_num_queries(1):
            LogSearchForm({"unit": typed}, units=units).is_valid()


# --- The page -------------------------------------------------------------------------------


def shown(response) -> set[int]:
    return {
        row.entry.pk for row in response.context["rows"] if row.entry.object_type != "accesslog"
    }


def unit_input(page: str) -> str:
    return re.search(r'<input type="text" name="unit"[^>]*>', page).group(0)


def test_a_typed_unit_filters_the_rows_and_stays_in_the_field(cast, region, as_reviewer, log):
    response = as_reviewer.get(SEARCH, {"unit": " avd 1 MEDICIN "})
    assert response.status_code == 200
    assert shown(response) == {log.ward_row.pk, log.protected_row.pk}
    assert response.context["filters"].unit == cast.ward
    assert 'value=" avd 1 MEDICIN "' in unit_input(response.content.decode())


@pytest.mark.parametrize(
    ("typed", "error"),
    [("Finns <inte>", NOT_FOUND), ("Hemtjänst Öst", NOT_FOUND), ("Avd 1 Medicin", SEVERAL)],
)
def test_an_error_is_shown_in_swedish_and_the_page_still_renders(
    cast, region, as_reviewer, log, typed, error
):
    UnitFactory(organization=region, name="Avd 1 Medicin")
    response = as_reviewer.get(SEARCH, {"unit": typed})
    page = response.content.decode()
    assert response.status_code == 200
    assert error in page and 'aria-invalid="true"' in unit_input(page)
    assert unescape(re.search(r'value="([^"]*)"', unit_input(page)).group(1)) == typed
    # The filters are not applied: the default period's rows, not another organisation's.
    assert {log.ward_row.pk, log.night_row.pk} <= shown(response)
    assert log.home_care_row.pk not in shown(response)


def test_the_rows_unit_links_fill_the_typed_filter(cast, region, as_reviewer, log):
    """A row's unit links to the search by the unit's HSA-id, or by its name when it has
    none; both lead to that unit's rows."""
    page = as_reviewer.get(SEARCH).content.decode()
    links = dict(re.findall(r'<a href="\?unit=([^"]*)">([^<]*)</a>', page))
    assert links[WARD_HSA_ID] == "Avd 1 Medicin"
    assert links["V%C3%A5rdcentralen%20Norr"] == "Vårdcentralen Norr"
    assert shown(as_reviewer.get(f"{SEARCH}?unit={WARD_HSA_ID}")) == {
        log.ward_row.pk,
        log.protected_row.pk,
    }
    assert shown(as_reviewer.get(f"{SEARCH}?unit=V%C3%A5rdcentralen%20Norr")) == {
        log.night_row.pk,
        log.probe_row.pk,
    }


def test_the_pages_and_the_export_keep_the_typed_unit(cast, region, as_reviewer, log):
    patient = PatientFactory()
    ward_rows = {log.ward_row.pk, log.protected_row.pk}
    for _ in range(24):
        ward_rows.add(log_access(cast.ward_nurse, cast.ward, patient).pk)
        log_access(cast.care_centre_nurse, cast.care_centre, patient)
    query = {"unit": "avd 1 medicin & co"}
    assert as_reviewer.get(SEARCH, query).context["form"].errors["unit"]
    query = {"unit": "avd 1 medicin", "size": "20"}
    first = as_reviewer.get(SEARCH, query)
    page = first.content.decode()
    following = unescape(re.search(r'<a href="(\?[^"]*)" rel="next">', page).group(1))
    assert "unit=avd+1+medicin" in following
    second = as_reviewer.get(f"{SEARCH}{following}")
    assert shown(first) | shown(second) == ward_rows
    # The export link carries the filter too.
    export = unescape(re.search(r'<a href="([^"]*export[^"]*)">', page).group(1))
    assert "unit=avd+1+medicin" in export
    text = b"".join(as_reviewer.get(export).streaming_content).decode("utf-8")
    lines = text.strip().splitlines()[1:]
    assert len(lines) == len(ward_rows)
    assert all("Avd 1 Medicin" in line for line in lines)


@pytest.mark.parametrize(
    ("query", "own_row_shown"),
    [({}, False), ({"unit": WARD_HSA_ID}, False), ({"unit": "Finns inte"}, True)],
)
def test_the_page_does_not_grow_with_the_organisations_units(
    cast, region, as_reviewer, log, query, own_row_shown, django_assert_num_queries
):
    """200 more units: the same page, in size and in queries. The reviewer's own searches
    are left out by the action filter (each adds a row); an unknown unit shows the default
    filters, so each view shows one more such row, as before the units were added."""
    query = {**query, "action": "view"}
    first = as_reviewer.get(SEARCH, query)
    with CaptureQueriesContext(connection) as read:
        before = as_reviewer.get(SEARCH, query)
    UnitFactory.create_batch(200, organization=region, name="Enhet med ett långt namn")
    with django_assert_num_queries(len(read.captured_queries)):
        after = as_reviewer.get(SEARCH, query)
    own_row = len(before.content) - len(first.content)
    assert (own_row > 0) == own_row_shown
    assert len(after.content) - len(before.content) == own_row
    assert "Enhet med ett långt namn" not in after.content.decode()


def test_a_typed_unit_is_one_read_more_than_none(region, as_reviewer, log):
    as_reviewer.get(SEARCH)
    counts = []
    for query in ({"action": "view"}, {"action": "view", "unit": "avd 1 medicin"}):
        with CaptureQueriesContext(connection) as read:
            as_reviewer.get(SEARCH, query)
        counts.append(len(read.captured_queries))
    assert counts[1] == counts[0] + 1
