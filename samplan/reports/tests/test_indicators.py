"""The follow-up indicators (figures.indicators) against the hand-computed fixture of
conftest.world (cases A–H, see test_figures.py), plus SIP summonses and readmissions built
here; and the indicators page, its exports, chart and pinned queries."""

import csv
import io
from collections import Counter
from urllib.parse import urlencode

import pytest
import time_machine
from django.urls import reverse
from openpyxl import load_workbook

from samplan.accounts.models import Role
from samplan.discharge.models import DischargeCase
from samplan.reports import figures, tables
from samplan.reports.access import ReportReach
from samplan.reports.facts import readmitted, refresh
from samplan.reports.models import CaseFact
from samplan.reports.periods import Year
from samplan.reports.scope import report_facts
from samplan.reports.testing import CaseBuilder, M, local
from samplan.testing import user_with_role

YEAR = Year(2026)


def rows_of(reach):
    refresh()
    return {(r.month, r.unit_id): r for r in figures.indicators(report_facts(reach), YEAR)}


# --- Percentiles ---------------------------------------------------------------------------------


def test_percentile_median_and_nearest_rank():
    assert figures.percentile(Counter(), 0.5) is None
    assert figures.percentile(Counter({2: 1, 7: 2, 10: 1}), 0.5) == 7  # 2, 7, 7, 10
    assert figures.percentile(Counter({5: 1, 6: 1}), 0.5) == 5.5
    assert figures.percentile(Counter({1: 1, 4: 2, 6: 1}), 0.9) == 6  # rank ceil(3.6) = 4
    assert figures.percentile(Counter({n: 1 for n in range(1, 11)}), 0.9) == 9  # rank 9
    assert figures.percentile(Counter({3: 1}), 0.9) == 3


# --- The hand-computed fixture -------------------------------------------------------------


def test_indicators_per_month_and_pair(cast, world):
    rows = rows_of(ReportReach(cast.region, None))
    region, mun, other = cast.region.pk, cast.municipality.pk, cast.other_municipality.pk
    assert set(rows) == {
        (1, (region, mun)),
        (2, (region, mun)),
        (2, (region, other)),
        (3, (region, mun)),
    }
    january = rows[(1, (region, mun))]
    # Admitted in January: A (notice after 2 h), B (34 h), C (3 h), D (cancelled: missing).
    assert (january.admitted, january.notice_within_24h) == (4, 2)
    # Discharged in January: A, B, C, H. Admission to the latest ready notice: A 5 -> 12 Jan
    # = 7, B 10 -> 20 = 10, C 20 -> 27 = 7, H 28 -> 30 Dec = 2. Ready to discharge: 4, 6, 1, 4.
    assert january.discharged == 4
    assert january.to_ready == Counter({7: 2, 10: 1, 2: 1})
    assert january.ready_to_discharge == Counter({4: 2, 6: 1, 1: 1})
    assert not january.summons_to_meeting and january.readmitted == 0
    # February: F admitted (notice after 2 h, to the care centre only: it was sent); E is
    # Annankommun's, notice after 34 h: in time under its 48 h agreement, not within 24 h.
    february = rows[(2, (region, mun))]
    assert (february.admitted, february.notice_within_24h) == (1, 1)
    assert rows[(2, (region, other))].admitted == 1
    assert rows[(2, (region, other))].notice_within_24h == 0
    # Discharged in February: D (28 Jan -> ready 2 Feb = 5; 7 days ready), F (10 -> 16 = 6; 8).
    assert february.to_ready == Counter({5: 1, 6: 1})
    spec = tables.SPECS["indicators"]
    cells = dict(
        zip([str(c.label) for c in spec.columns], tables.indicator_cells(february), strict=True)
    )
    assert cells["Inskrivning till utskrivningsklar, median dagar"] == 5.5
    assert cells["Inskrivning till utskrivningsklar, 90:e percentil"] == 6
    assert cells["Utskrivningsklar till utskrivning, median dagar"] == 7.5


def test_a_municipality_sees_its_pairs_only(cast, world):
    rows = rows_of(ReportReach(cast.other_municipality, None))
    assert set(rows) == {(2, (cast.region.pk, cast.other_municipality.pk))}


# --- SIP summons to meeting and readmissions ---------------------------------------------------


def test_summons_to_meeting_takes_the_latest_summons_meeting(cast):
    H = cast.home_care
    (
        CaseBuilder(cast.ward, cast.municipality, local(2026, 4, 1, 9), cast.ward_nurse)
        .send(M.ADMISSION_NOTICE, local(2026, 4, 1, 10), H)
        .send(M.READY_FOR_DISCHARGE, local(2026, 4, 6, 9), H)
        .send(
            M.SIP_SUMMONS,
            local(2026, 4, 7, 23, 30),
            H,
            content={"meeting_at": local(2026, 4, 9, 10).isoformat()},
        )
        # Moved: a second summons; the meeting it proposes counts, from the first summons.
        .send(
            M.SIP_SUMMONS,
            local(2026, 4, 8, 9),
            H,
            content={"meeting_at": local(2026, 4, 14, 10).isoformat()},
        )
        # A cancelled summons counts for nothing.
        .send(
            M.SIP_SUMMONS,
            local(2026, 4, 9, 9),
            H,
            content={"meeting_at": local(2026, 5, 30, 10).isoformat()},
            cancelled_at=local(2026, 4, 9, 10),
        )
        .send(M.DISCHARGE_NOTICE, local(2026, 4, 10, 9), H)
    )
    refresh()
    assert CaseFact.objects.get().summons_to_meeting_days == 7  # 7 April -> 14 April


def test_readmission_within_30_local_days(cast):
    H = cast.home_care

    def stay(admitted, discharged):
        return (
            CaseBuilder(cast.ward, cast.municipality, admitted, cast.ward_nurse)
            .send(M.ADMISSION_NOTICE, admitted, H)
            .send(M.DISCHARGE_NOTICE, discharged, H)
        )

    first = stay(local(2026, 1, 2, 9), local(2026, 1, 10, 23, 30))
    refresh()
    assert not CaseFact.objects.get(case=first.case).readmitted
    # Admitted again 9 February: 30 Swedish days after 10 January (23:30 local is still the
    # 10th, though 22:30 UTC).
    second = stay(local(2026, 2, 9, 8), local(2026, 2, 15, 9))
    DischargeCase.objects.filter(pk=second.case.pk).update(patient=first.case.patient)
    # The new case alone is what changed: the person's earlier case is recomputed too.
    refresh()
    assert CaseFact.objects.get(case=first.case).readmitted
    assert not CaseFact.objects.get(case=second.case).readmitted
    discharged = local(2026, 1, 10, 23, 30)
    assert readmitted(1, discharged, [(2, local(2026, 2, 9, 23, 59))])
    assert not readmitted(1, discharged, [(2, local(2026, 2, 10, 0, 0))])  # 31 days
    assert not readmitted(1, discharged, [(1, local(2026, 1, 20))])  # its own case
    assert not readmitted(1, discharged, [(2, local(2026, 1, 10, 20))])  # before discharge


# --- The page ------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def _now():
    with time_machine.travel(local(2026, 6, 1, 10), tick=True):
        yield


def url(**query):
    return reverse("reports:indicators") + ("?" + urlencode(query) if query else "")


@pytest.fixture
def as_viewer(cast, login_as):
    return login_as(
        user_with_role("rapport", cast.care_centre, Role.REPORT_VIEWER), cast.care_centre
    )


def test_the_page_chart_and_tables(as_viewer, world):
    response = as_viewer.get(url(year=2026))
    assert response.status_code == 200
    units = dict(response.context["unit_table"].rows)
    assert set(units) == {"Region Testland – Testkommun", "Region Testland – Annankommun"}
    months = dict(response.context["month_table"].rows)
    assert months["Januari"][:3] == [4, 0.5, 4]
    page = response.content.decode()
    assert "Ledtider, median dagar" in page and 'role="img"' in page
    assert "Uppföljningsindikatorer" in as_viewer.get(reverse("reports:index")).content.decode()


def test_csv_and_xlsx(as_viewer, world):
    body = as_viewer.get(url(year=2026, format="csv")).content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(body), delimiter=";"))
    assert rows[0][:4] == [
        "Månad",
        "Region och kommun",
        "Inskrivna",
        "Inskrivningsmeddelande inom 24 h",
    ]
    assert rows[1][:5] == ["2026-01", "Region Testland – Testkommun", "4", "50,0", "4"]
    response = as_viewer.get(url(year=2026, format="xlsx"))
    assert 'filename="uppfoljningsindikatorer-2026.xlsx"' in response["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert list(sheet.iter_rows(values_only=True))[1][:5] == (
        "2026-01",
        "Region Testland – Testkommun",
        4,
        0.5,
        4,
    )


def test_a_manager_counts_only_their_units_cases(cast, world, login_as):
    manager = user_with_role("chef", cast.hospital, Role.MANAGER)  # Avd 1, not Avd 9
    response = login_as(manager, cast.hospital).get(url(year=2026))
    january = dict(response.context["month_table"].rows)["Januari"]
    assert january[0] == 3  # A, B, D: C was on the psychiatric ward


@pytest.mark.parametrize("who", ["ward_nurse", "municipal_system_admin", "outsider"])
def test_others_are_refused(cast, world, login_as, who):
    user = getattr(cast, who)
    assert login_as(user, user.memberships.first().unit).get(url()).status_code == 403


def test_the_page_runs_a_fixed_number_of_queries(
    as_viewer, world, cast, django_assert_max_num_queries, django_assert_num_queries
):
    as_viewer.get(url(year=2026))
    for n in range(6):
        (
            CaseBuilder(
                cast.ward, cast.other_municipality, local(2026, 4, 1 + n, 9), cast.ward_nurse
            )
            .send(M.ADMISSION_NOTICE, local(2026, 4, 1 + n, 10), cast.outsider_unit)
            .send(M.READY_FOR_DISCHARGE, local(2026, 4, 5 + n, 10), cast.outsider_unit)
            .send(M.DISCHARGE_NOTICE, local(2026, 4, 9 + n, 10), cast.outsider_unit)
        )
    with django_assert_max_num_queries(40) as changed:
        as_viewer.get(url(year=2026))
    assert len(changed.captured_queries) <= 40
    with django_assert_num_queries(19):  # nothing new: the facts are not looked at again
        as_viewer.get(url(year=2026))
