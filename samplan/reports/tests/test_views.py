"""Rapporter: who sees which reports, the pages' chart and tables, and the exports."""

import csv
import io

import pytest
import time_machine
from django.urls import reverse
from openpyxl import load_workbook

from samplan.accounts.models import Role
from samplan.reports.testing import local
from samplan.testing import user_with_role

PAGES = [
    "admissions",
    "ready_days",
    "liability",
    "acknowledgements",
    "sip",
    "indicators",
    "national",
]


@pytest.fixture(autouse=True)
def _now():
    with time_machine.travel(local(2026, 6, 1, 10), tick=True):
        yield


@pytest.fixture
def viewer(cast):
    return user_with_role("rapport", cast.care_centre, Role.REPORT_VIEWER)


@pytest.fixture
def as_viewer(cast, viewer, login_as):
    return login_as(viewer, cast.care_centre)


def url(name, **query):
    from urllib.parse import urlencode

    return reverse(f"reports:{name}") + ("?" + urlencode(query) if query else "")


@pytest.mark.parametrize("name", ["index", *PAGES])
def test_report_viewer_opens_every_page(as_viewer, world, name):
    response = as_viewer.get(url(name, year=2026))
    assert response.status_code == 200


def test_the_index_lists_the_reports_and_the_menu_links_it(as_viewer, world):
    page = as_viewer.get(url("index")).content.decode()
    assert "Inskrivningsmeddelanden inom tidsgränsen" in page
    assert f'href="{reverse("reports:index")}"' in page


@pytest.mark.parametrize("who", ["ward_nurse", "region_local_admin", "municipal_system_admin"])
def test_other_roles_are_refused(cast, world, login_as, who):
    user = getattr(cast, who)
    client = login_as(user, user.memberships.first().unit)
    for name in ["index", *PAGES]:
        assert client.get(url(name)).status_code == 403
    assert f'href="{reverse("reports:index")}"' not in client.get("/").content.decode()


def test_anonymous_is_sent_to_log_in(client, world):
    response = client.get(url("admissions"))
    assert response.status_code == 302 and "logga-in" in response["Location"]


def test_the_page_shows_the_hand_computed_figures(as_viewer, world):
    response = as_viewer.get(url("admissions", year=2026))
    month_rows = dict(response.context["month_table"].rows)
    assert month_rows["Januari"] == [4, 2, 1, 1, 0.5]  # A, C in time; B late; D missing
    assert response.context["month_table"].total[1][:4] == [7, 5, 1, 1]
    page = response.content.decode()
    assert 'role="img"' in page and "<caption>" in page
    assert "50,0 %" in page


def test_liability_page(as_viewer, world, cast):
    response = as_viewer.get(url("liability", year=2026))
    units = dict(response.context["unit_table"].rows)
    testkommun = units["Testkommun"]
    # Patients, liable, days, amount, eligible, mean counted, average days, average amount.
    assert testkommun[:8] == [6, 2, 4, 36000, 3, 4.0, 3, 27000]
    assert units["Annankommun"][:4] == [1, 1, 3, 30000]
    assert "36 000" in response.content.decode().replace("\xa0", " ")


def test_a_municipality_sees_its_own_cases(cast, world, login_as):
    viewer = user_with_role("kommunrapport", cast.home_care, Role.REPORT_VIEWER)
    response = login_as(viewer, cast.home_care).get(url("liability", year=2026))
    assert [name for name, _ in response.context["unit_table"].rows] == ["Testkommun"]


def test_a_manager_sees_their_units_and_those_below(cast, world, login_as):
    manager = user_with_role("chef", cast.hospital, Role.MANAGER)  # the ward is below it
    client = login_as(manager, cast.hospital)
    response = client.get(url("admissions", year=2026))
    assert [name for name, _ in response.context["unit_table"].rows] == ["Avd 1 Medicin"]
    # A unit outside the manager's reach cannot be chosen.
    refused = client.get(url("admissions", year=2026, unit=cast.care_centre.pk))
    assert refused.context["form"].errors["unit"]
    assert "Avd 9 Psykiatri" not in refused.content.decode()


def test_narrowing_to_one_unit(cast, world, as_viewer):
    response = as_viewer.get(url("admissions", year=2026, unit=world["w2"].pk))
    assert [name for name, _ in response.context["unit_table"].rows] == ["Avd 9 Psykiatri"]


def test_a_unit_of_another_organisation_is_refused(cast, world, as_viewer):
    response = as_viewer.get(url("admissions", year=2026, unit=cast.home_care.pk))
    assert response.context["form"].errors["unit"]


def test_csv_export(as_viewer, world, cast):
    response = as_viewer.get(url("liability", year=2026, format="csv"))
    assert response["Content-Type"].startswith("text/csv")
    assert 'filename="betalningsansvar-2026.csv"' in response["Content-Disposition"]
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeffMånad;Kommun;Patienter;")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff")), delimiter=";"))
    january = rows[1]
    assert january[:4] == ["2026-01", "Testkommun", "4", "2"]
    assert january[5] == "36000,00" and january[7] == "4,00"


def test_xlsx_export(as_viewer, world):
    response = as_viewer.get(url("admissions", year=2026, format="xlsx"))
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(response.content)).active
    values = list(sheet.iter_rows(values_only=True))
    assert values[0][:3] == ("Månad", "Avdelning", "Ärenden")
    assert values[1][:7] == ("2026-01", "Avd 1 Medicin", 3, 1, 1, 1, pytest.approx(1 / 3))
    assert sheet.cell(row=2, column=7).number_format == "0.0%"


def test_ack_page_counts_deliveries(as_viewer, world, cast):
    response = as_viewer.get(url("acknowledgements", year=2026))
    assert response.status_code == 200
    totals = response.context["month_table"].total[1]
    # Region units receive: the care centre got F's admission notice only.
    assert totals[0] == 1


def test_sip_without_source_says_so(as_viewer, world):
    response = as_viewer.get(url("sip", year=2026))
    assert "Det finns inga SIP-siffror ännu" in response.content.decode()
    assert as_viewer.get(url("sip", year=2026, format="csv"))["Content-Type"].startswith(
        "text/html"
    )


def test_sip_with_a_registered_source(as_viewer, world, cast, monkeypatch):
    from samplan.reports import sip

    def source(reach, unit, year):
        assert reach.organization == cast.region
        yield sip.SipFacts(
            cast.care_centre.pk, local(2026, 2, 3, 9), local(2026, 2, 10, 9), None, None
        )

    monkeypatch.setitem(sip._sources, "sip", source)
    response = as_viewer.get(url("sip", year=2026))
    assert dict(response.context["unit_table"].rows)["Vårdcentralen Norr"][:3] == [1, 1, 1.0]


def _more_cases(cast, count, start_day):
    from samplan.reports.testing import CaseBuilder, M

    for day in range(start_day, start_day + count):
        (
            CaseBuilder(cast.ward, cast.municipality, local(2026, 4, day, 8), cast.ward_nurse)
            .send(M.ADMISSION_NOTICE, local(2026, 4, day, 9), cast.home_care)
            .send(M.READY_FOR_DISCHARGE, local(2026, 4, day, 10), cast.home_care)
            .send(M.DISCHARGE_NOTICE, local(2026, 4, day + 5, 10), cast.home_care)
        )


@pytest.mark.parametrize("name", PAGES[:4])
def test_pages_run_a_fixed_number_of_queries(
    as_viewer, world, cast, name, django_assert_max_num_queries
):
    as_viewer.get(url(name, year=2026))  # the first view works out every case's facts
    _more_cases(cast, 2, 1)
    with django_assert_max_num_queries(30) as few:
        as_viewer.get(url(name, year=2026))
    _more_cases(cast, 15, 5)
    with django_assert_max_num_queries(len(few.captured_queries)):
        as_viewer.get(url(name, year=2026))
    # Nothing new: the facts are not looked at again.
    with django_assert_max_num_queries(len(few.captured_queries) - 8):
        as_viewer.get(url(name, year=2026))


def test_new_messages_show_in_the_next_report(as_viewer, world, cast):
    before = as_viewer.get(url("admissions", year=2026)).context["month_table"].rows
    assert dict(before)["April"][0] == 0
    _more_cases(cast, 3, 1)
    after = as_viewer.get(url("admissions", year=2026)).context["month_table"].rows
    assert dict(after)["April"][:2] == [3, 3]
