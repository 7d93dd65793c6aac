"""The national statistics of utskrivningsklara days: the counting rules (reports.national's
docstring) across month ends and daylight saving, the frozen months, the recount, the page,
its CSV and who may see it."""

import csv
import datetime
import io
from urllib.parse import urlencode

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from samplan.accounts.models import Role
from samplan.auditlog.models import AdminChange
from samplan.discharge.models import DischargeCase
from samplan.messaging.models import Message
from samplan.organizations.models import UnitKind
from samplan.reports.facts import refresh
from samplan.reports.models import StatisticsSnapshot
from samplan.reports.national import (
    count_month,
    parse_periods,
    periods_text,
    ready_days_in,
    ready_periods,
)
from samplan.reports.services import national_statistics
from samplan.reports.testing import CaseBuilder, M, local
from samplan.testing import UnitFactory, user_with_role

R, W, D, X = (
    M.READY_FOR_DISCHARGE,
    M.READINESS_WITHDRAWN,
    M.DISCHARGE_NOTICE,
    M.CASE_WITHDRAWN,
)
JAN, FEB, MAR = datetime.date(2026, 1, 1), datetime.date(2026, 2, 1), datetime.date(2026, 3, 1)


def days(events, first, today=datetime.date(2026, 12, 31)):
    last = (first.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)
    last -= datetime.timedelta(days=1)
    return ready_days_in(events, first, last, min(last, today))


# --- The rules, without the database --------------------------------------------------------


def test_ready_periods_are_stored_as_text_and_read_back():
    periods = ready_periods(
        [(R, local(2026, 1, 5, 9)), (W, local(2026, 1, 7, 9)), (R, local(2026, 1, 9, 9))]
    )
    assert periods == [
        (datetime.date(2026, 1, 5), datetime.date(2026, 1, 7)),
        (datetime.date(2026, 1, 9), None),
    ]
    assert periods_text(periods) == "2026-01-05/2026-01-07;2026-01-09/"
    assert parse_periods(periods_text(periods)) == periods
    assert parse_periods("") == []


def test_the_ready_day_does_not_count_the_discharge_day_does():
    # Ready Monday 12 January 09:00, discharged Friday 16th: Tue, Wed, Thu, Fri.
    assert days([(R, local(2026, 1, 12, 9)), (D, local(2026, 1, 16, 14))], JAN) == 4


def test_ready_and_discharged_the_same_day_is_no_day():
    assert days([(R, local(2026, 1, 12, 9)), (D, local(2026, 1, 12, 18))], JAN) == 0


def test_a_stay_spanning_a_month_end_is_split_by_date():
    events = [(R, local(2026, 1, 30, 15)), (D, local(2026, 2, 3, 10))]
    assert days(events, JAN) == 1  # 31 January
    assert days(events, FEB) == 3  # 1, 2, 3 February


def test_local_dates_not_utc():
    # 00:30 on 1 March in Sweden is 23:30 on 28 February in UTC: ready on 1 March.
    ready = local(2026, 3, 1, 0, 30)
    assert ready.astimezone(datetime.UTC).day == 28
    events = [(R, ready), (D, local(2026, 3, 3, 10))]
    assert days(events, FEB) == 0
    assert days(events, MAR) == 2  # 2 and 3 March


def test_the_daylight_saving_sundays_count_once():
    # Spring: Sunday 29 March 2026 has 23 hours. Ready Saturday 23:30, discharged Monday.
    spring = [(R, local(2026, 3, 28, 23, 30)), (D, local(2026, 3, 30, 0, 30))]
    assert days(spring, MAR) == 2
    # Autumn: Sunday 25 October has 25 hours. Ready Saturday 23:30 (21:30 UTC), discharged
    # Monday 00:30 local (23:30 UTC on Sunday): still 2 days, 25th and 26th.
    autumn = [(R, local(2026, 10, 24, 23, 30)), (D, local(2026, 10, 26, 0, 30))]
    assert days(autumn, datetime.date(2026, 10, 1)) == 2


def test_withdrawn_readiness_stops_the_count_until_ready_again():
    events = [
        (R, local(2026, 1, 5, 9)),  # Monday
        (W, local(2026, 1, 7, 11)),  # Wednesday: Tue, Wed
        (R, local(2026, 1, 9, 10)),  # Friday
        (R, local(2026, 1, 10, 10)),  # a second notice while ready changes nothing
        (D, local(2026, 1, 11, 12)),  # Sunday: Sat, Sun
    ]
    assert days(events, JAN) == 4


def test_a_withdrawn_case_ends_the_period_and_nothing_counts_after_it():
    events = [(R, local(2026, 1, 5, 9)), (X, local(2026, 1, 8, 9)), (R, local(2026, 1, 9, 9))]
    assert days(events, JAN) == 3


def test_a_period_still_running_counts_to_the_month_end_or_today():
    events = [(R, local(2026, 1, 29, 9))]
    assert days(events, JAN) == 2  # 30, 31 January
    assert days(events, FEB, today=datetime.date(2026, 2, 10)) == 10


# --- Counting from the cases ------------------------------------------------------------------


@pytest.fixture
def psych_ward(cast):
    return UnitFactory(
        organization=cast.region, name="Avd 9 Psykiatri", kind=UnitKind.HOSPITAL_WARD_PSYCHIATRIC
    )


@pytest.fixture
def stays(cast, psych_ward):
    """Testkommun, January 2026: three somatic stays of two people, one psychiatric; one
    cancelled ready notice; Annankommun one stay; one stay with no municipality."""
    H, O = cast.home_care, cast.outsider_unit  # noqa: E741
    user = cast.ward_nurse

    def stay(ward, municipality, admitted):
        return CaseBuilder(ward, municipality, admitted, user)

    first = (
        stay(cast.ward, cast.municipality, local(2026, 1, 2, 9))
        .send(R, local(2026, 1, 5, 9), H)
        .send(D, local(2026, 1, 9, 9), H)  # 6, 7, 8, 9: 4 days
    )
    again = (
        stay(cast.ward, cast.municipality, local(2026, 1, 20, 9))
        .send(R, local(2026, 1, 26, 9), H)
        .send(D, local(2026, 2, 2, 9), H)  # 27..31 January: 5 days, 1, 2 February
    )
    DischargeCase.objects.filter(pk=again.case.pk).update(patient=first.case.patient)
    (
        stay(cast.ward, cast.municipality, local(2026, 1, 10, 9))
        .send(R, local(2026, 1, 12, 9), H, cancelled_at=local(2026, 1, 12, 10))
        .send(D, local(2026, 1, 20, 9), H)  # the only ready notice cancelled: nothing
    )
    (
        stay(psych_ward, cast.municipality, local(2026, 1, 3, 9))
        .send(R, local(2026, 1, 10, 9), H, sender=psych_ward)
        .send(D, local(2026, 1, 13, 9), H, sender=psych_ward)  # 3 days
    )
    (
        stay(cast.ward, cast.other_municipality, local(2025, 12, 20, 9))
        .send(R, local(2025, 12, 30, 9), O)
        .send(D, local(2026, 1, 2, 9), O)  # 31 December; 1, 2 January
    )
    (
        stay(cast.ward, None, local(2026, 1, 2, 9))
        .send(R, local(2026, 1, 5, 9))
        .send(D, local(2026, 1, 9, 9))  # no municipality: not counted
    )
    refresh()
    return {"first": first, "again": again}


def _figures(lines):
    return {(line.municipality_id, line.care_type): (line.days, line.patients) for line in lines}


def test_count_month_per_municipality_and_care_type(cast, stays):
    january = _figures(count_month(cast.region.pk, JAN, datetime.date(2026, 6, 1)))
    assert january == {
        (cast.municipality.pk, "somatic"): (9, 1),  # one person, two stays
        (cast.municipality.pk, "psychiatric"): (3, 1),
        (cast.other_municipality.pk, "somatic"): (2, 1),
    }
    february = _figures(count_month(cast.region.pk, FEB, datetime.date(2026, 6, 1)))
    assert february == {(cast.municipality.pk, "somatic"): (2, 1)}
    december = _figures(count_month(cast.region.pk, datetime.date(2025, 12, 1), JAN))
    assert december == {(cast.other_municipality.pk, "somatic"): (1, 1)}


def test_count_month_runs_one_query(cast, stays, django_assert_num_queries):
    with django_assert_num_queries(1):
        count_month(cast.region.pk, JAN, datetime.date(2026, 6, 1))


# --- Frozen months and the recount -------------------------------------------------------------


def _totals(statistics):
    return {
        (line.municipality.name, line.care_type): (line.days, line.patients)
        for line in statistics.lines
    }


def test_a_closed_month_is_frozen_and_later_corrections_do_not_change_it(cast, stays):
    with time_machine.travel(local(2026, 2, 1, 2), tick=False):
        first = national_statistics(organization=cast.region, month=JAN)
    assert not first.preliminary
    assert _totals(first)[("Testkommun", "somatic")] == (9, 1)
    # Both care types of every municipality with figures, zeros included.
    assert _totals(first)[("Annankommun", "psychiatric")] == (0, 0)
    # A correction afterwards: the second stay's ready notice is cancelled.
    ready = Message.objects.get(case_link__case=stays["again"].case, message_type=R)
    Message.objects.filter(pk=ready.pk).update(cancelled_at=local(2026, 3, 2, 9))
    with time_machine.travel(local(2026, 3, 2, 10), tick=False):
        refresh(full=True)
        later = national_statistics(organization=cast.region, month=JAN)
        assert _totals(later) == _totals(first)
        # Live counting would now give 4 days: the frozen month does not move.
        live = _figures(count_month(cast.region.pk, JAN, datetime.date(2026, 3, 2)))
        assert live[(cast.municipality.pk, "somatic")] == (4, 1)
    assert StatisticsSnapshot.objects.filter(region=cast.region, month=JAN).count() == 1


def test_the_current_month_is_preliminary_and_never_stored(cast, stays):
    CaseBuilder(cast.ward, cast.municipality, local(2026, 2, 20, 9), cast.ward_nurse).send(
        R, local(2026, 2, 27, 9), cast.home_care
    )
    with time_machine.travel(local(2026, 3, 2, 10), tick=False):
        refresh()
        statistics = national_statistics(organization=cast.region, month=MAR)
    assert statistics.preliminary
    assert not StatisticsSnapshot.objects.exists()
    # Still in hospital: counted to today, 1 and 2 March.
    assert _totals(statistics)[("Testkommun", "somatic")] == (2, 1)


@pytest.fixture
def region_admin(cast):
    return user_with_role("regionsys", cast.care_centre, Role.SYSTEM_ADMIN)


@pytest.fixture
def region_viewer(cast):
    return user_with_role("regionrapport", cast.care_centre, Role.REPORT_VIEWER)


def url(name="national", **query):
    return reverse(f"reports:{name}") + ("?" + urlencode(query) if query else "")


@pytest.fixture
def _march():
    with time_machine.travel(local(2026, 3, 2, 10), tick=True):
        yield


@pytest.mark.usefixtures("_march")
def test_recount_keeps_the_old_figures_in_the_history(cast, stays, region_admin, login_as):
    from samplan.accounts.models import Membership

    Membership.objects.create(user=region_admin, unit=cast.care_centre, role=Role.REPORT_VIEWER)
    client = login_as(region_admin, cast.care_centre)
    page = client.get(url(month="2026-01"))
    assert page.context["may_recount"]
    old = page.context["statistics"].snapshots[0]
    Message.objects.filter(case_link__case=stays["again"].case, message_type=R).update(
        cancelled_at=local(2026, 3, 1, 9)
    )
    refresh(full=True)
    form = {"month": "2026-01", "snapshot": old.pk, "confirm": "on"}
    response = client.post(url("national_recount"), form)
    assert response.status_code == 302 and response["Location"].endswith("month=2026-01")
    # Posting the same form again recounts nothing more.
    client.post(url("national_recount"), form)
    snapshots = StatisticsSnapshot.objects.filter(region=cast.region, month=JAN)
    assert snapshots.count() == 2
    old.refresh_from_db()
    assert old.superseded_at is not None
    page = client.get(url(month="2026-01"))
    assert _totals(page.context["statistics"])[("Testkommun", "somatic")] == (4, 1)
    assert [s.pk for s in page.context["statistics"].history] == [old.pk]
    assert "Tidigare beräkningar av månaden" in page.content.decode()
    assert "14 dagar, 3 patienter" in page.content.decode()
    change = AdminChange.objects.get(target_type="statisticssnapshot")
    assert change.organization == cast.region and change.changes["days"] == [14, 9]
    assert change.changes["patients"] == [3, 3]
    # The old figures can still be downloaded.
    body = client.get(url(month="2026-01", snapshot=old.pk, format="csv")).content
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig")), delimiter=";"))
    assert ["2026-01", "", "Region Testland", "0483", "Testkommun", "Somatisk vård", "1", "9"] in (
        rows
    )


@pytest.mark.usefixtures("_march")
def test_recount_needs_the_regions_system_administrator(cast, stays, region_viewer, login_as):
    client = login_as(region_viewer, cast.care_centre)
    page = client.get(url(month="2026-01"))
    assert not page.context["may_recount"]
    snapshot = page.context["statistics"].snapshots[0]
    form = {"month": "2026-01", "snapshot": snapshot.pk, "confirm": "on"}
    assert client.post(url("national_recount"), form).status_code == 403
    assert StatisticsSnapshot.objects.count() == 1


@pytest.mark.usefixtures("_march")
def test_a_forged_snapshot_of_another_month_is_refused(cast, stays, region_admin, login_as):
    from samplan.accounts.models import Membership

    Membership.objects.create(user=region_admin, unit=cast.care_centre, role=Role.REPORT_VIEWER)
    client = login_as(region_admin, cast.care_centre)
    snapshot = client.get(url(month="2026-01")).context["statistics"].snapshots[0]
    forged = {"month": "2026-02", "snapshot": snapshot.pk, "confirm": "on"}
    response = client.post(url("national_recount"), forged, follow=True)
    assert "hittades inte" in response.content.decode()
    assert StatisticsSnapshot.objects.filter(month=JAN).count() == 1
    snapshot.refresh_from_db()
    assert snapshot.superseded_at is None
    # The current month cannot be recounted (it is not frozen).
    current = {"month": "2026-03", "snapshot": snapshot.pk, "confirm": "on"}
    client.post(url("national_recount"), current)
    assert StatisticsSnapshot.objects.filter(month=JAN).count() == 1


# --- The page, its CSV, who sees it -------------------------------------------------------------


@pytest.mark.usefixtures("_march")
def test_the_region_page_and_its_csv(cast, stays, region_viewer, login_as):
    client = login_as(region_viewer, cast.care_centre)
    page = client.get(url(month="2026-01"))
    assert page.status_code == 200
    text = page.content.decode()
    assert "Fastställda siffror" in text and "Testkommun" in text
    response = client.get(url(month="2026-01", format="csv"))
    assert response["Content-Type"].startswith("text/csv")
    assert 'filename="utskrivningsklara-2026-01-' in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    assert rows[0] == [
        "Period",
        "Regionkod",
        "Region",
        "Kommunkod",
        "Kommun",
        "Vårdform",
        "Antal utskrivningsklara patienter",
        "Antal utskrivningsklara dagar",
    ]
    assert rows[1:] == [
        ["2026-01", "", "Region Testland", "0484", "Annankommun", "Somatisk vård", "1", "2"],
        ["2026-01", "", "Region Testland", "0484", "Annankommun", "Psykiatrisk vård", "0", "0"],
        ["2026-01", "", "Region Testland", "0483", "Testkommun", "Somatisk vård", "1", "9"],
        ["2026-01", "", "Region Testland", "0483", "Testkommun", "Psykiatrisk vård", "1", "3"],
    ]


@pytest.mark.usefixtures("_march")
def test_a_municipality_sees_only_its_own_lines(cast, stays, login_as):
    viewer = user_with_role("kommunrapport", cast.home_care, Role.REPORT_VIEWER)
    response = login_as(viewer, cast.home_care).get(url(month="2026-01"))
    assert {line.municipality.name for line in response.context["statistics"].lines} == {
        "Testkommun"
    }
    assert "Annankommun" not in response.content.decode()


@pytest.mark.usefixtures("_march")
def test_the_page_runs_a_fixed_number_of_queries(
    cast, stays, region_viewer, login_as, django_assert_num_queries, django_assert_max_num_queries
):
    client = login_as(region_viewer, cast.care_centre)

    def more_stays(count):
        for n in range(count):
            (
                CaseBuilder(cast.ward, cast.municipality, local(2026, 2, 2, 9), cast.ward_nurse)
                .send(R, local(2026, 2, 5 + n, 9), cast.home_care)
                .send(D, local(2026, 2, 20, 9), cast.home_care)
            )

    client.get(url(month="2026-01"))  # freezes January
    with django_assert_num_queries(17):  # the frozen month, nothing new to refresh
        client.get(url(month="2026-01"))
    more_stays(2)
    with django_assert_max_num_queries(40) as live:  # February: counted, frozen, refreshed
        client.get(url(month="2026-02"))
    more_stays(5)
    with django_assert_max_num_queries(len(live.captured_queries)):
        client.get(url(month="2026-02", format="csv"))
    # The current month, counted live (nothing new to refresh): a fixed number too.
    with django_assert_num_queries(14):
        client.get(url(month="2026-03"))


@pytest.mark.usefixtures("_march")
@pytest.mark.parametrize("who", ["manager", "provider", "ward_nurse", "municipal_system_admin"])
def test_others_are_refused(cast, stays, login_as, who):
    if who == "manager":
        user, unit = user_with_role("chef", cast.hospital, Role.MANAGER), cast.hospital
    elif who == "provider":
        unit = cast.provider_unit
        user = user_with_role("privat", unit, Role.REPORT_VIEWER)
    else:
        user = getattr(cast, who)
        unit = user.memberships.first().unit
    client = login_as(user, unit)
    assert client.get(url(month="2026-01")).status_code == 403
    assert client.get(url(month="2026-01", format="csv")).status_code == 403
    assert not StatisticsSnapshot.objects.exists()


def test_the_command_freezes_last_month_for_every_region(cast, stays):
    from django.core.management import call_command

    with time_machine.travel(local(2026, 2, 1, 2, 15), tick=False):
        call_command("reports_national_statistics", stdout=io.StringIO())
        call_command("reports_national_statistics", stdout=io.StringIO())  # nothing more
    assert list(StatisticsSnapshot.objects.values_list("month", flat=True)) == [JAN]


@pytest.mark.usefixtures("_march")
def test_a_revoked_report_viewer_sees_nothing(cast, stays, region_viewer, login_as):
    from samplan.accounts.models import Membership

    client = login_as(region_viewer, cast.care_centre)
    assert client.get(url(month="2026-01")).status_code == 200
    Membership.objects.filter(user=region_viewer).update(ended_at=timezone.now())
    for address in (url(month="2026-01"), url(month="2026-01", format="csv")):
        response = client.get(address)
        assert response.status_code in (302, 403)
        assert b"Testkommun" not in response.content


@pytest.mark.usefixtures("_march")
def test_another_regions_snapshot_cannot_be_downloaded(cast, stays, region_viewer, login_as):
    from samplan.reports.models import StatisticsSnapshot
    from samplan.testing import OrganizationFactory

    other = OrganizationFactory(name="Region Annanland", kind="region")
    foreign = StatisticsSnapshot.objects.create(
        region=other, month=JAN, made_at=timezone.now(), superseded_at=timezone.now()
    )
    client = login_as(region_viewer, cast.care_centre)
    response = client.get(url(month="2026-01", snapshot=foreign.pk, format="csv"))
    assert response.status_code == 404


def test_stored_periods_keep_local_dates_across_a_month_end_and_dst(cast):
    # Ready 00:30 on 1 March (23:30 on 28 February in UTC), discharged the day daylight saving
    # starts (Sunday 29 March, 23 hours): counted from 2 to 29 March, none in February.
    CaseBuilder(cast.ward, cast.municipality, local(2026, 2, 20, 9), cast.ward_nurse).send(
        R, local(2026, 3, 1, 0, 30), cast.home_care
    ).send(D, local(2026, 3, 29, 12), cast.home_care)
    refresh()
    today = datetime.date(2026, 6, 1)
    assert count_month(cast.region.pk, FEB, today) == []
    march = _figures(count_month(cast.region.pk, MAR, today))
    assert march == {(cast.municipality.pk, "somatic"): (28, 1)}
