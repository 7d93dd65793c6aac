"""The deviations' follow-up indicators and their report page (Rapporter → Avvikelser)."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse

from samplan.accounts.models import Role
from samplan.core.localtime import STOCKHOLM
from samplan.deviations import indicators
from samplan.deviations.access import indicator_recipients
from samplan.deviations.models import Category, Deviation, DeviationRecipient, DeviationState
from samplan.testing import user_with_role

pytestmark = pytest.mark.django_db


def _local(*args: int) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=STOCKHOLM)


def _deviation(
    cast,
    reported_at,
    *,
    to,
    category=Category.OTHER,
    state=DeviationState.RECEIVED,
    answered_after=None,
    unit=None,
):
    unit = unit or cast.home_care
    deviation = Deviation.objects.create(
        reporting_unit=unit,
        reported_by=cast.home_care_nurse,
        reported_at=reported_at,
        occurred_at=reported_at,
        category=category,
        description="x",
        submission_key=f"{reported_at.isoformat()}-{to.pk}-{category}",
    )
    for organization in to:
        DeviationRecipient.objects.create(
            deviation=deviation,
            organization=organization,
            reported_at=reported_at,
            reporting_organization=unit.organization,
            category=category,
            state=state,
            due_on=reported_at.date(),
            answered_at=reported_at + answered_after if answered_after else None,
        )
    return deviation


class To(list):
    pk = "x"


def to(*organizations):
    value = To(organizations)
    value.pk = "-".join(str(o.pk) for o in organizations)
    return value


def test_counting_rules_months_pairs_and_median(cast):
    region = to(cast.region)
    # The last evening of March in Swedish time is March (it is already 1 April in no zone).
    _deviation(cast, _local(2026, 3, 31, 23, 30), to=region, category=Category.MEDICATION)
    _deviation(
        cast,
        _local(2026, 4, 1, 0, 30),
        to=region,
        state=DeviationState.ANSWERED,
        answered_after=datetime.timedelta(days=2),
    )
    _deviation(
        cast,
        _local(2026, 4, 2, 10, 0),
        to=region,
        category=Category.AIDS,
        state=DeviationState.CLOSED,
        answered_after=datetime.timedelta(days=5),
    )
    # Two organisations concerned: one count for each pair.
    _deviation(cast, _local(2026, 4, 3, 10, 0), to=to(cast.region, cast.other_municipality))
    # Another year: not counted.
    _deviation(cast, _local(2025, 12, 31, 23, 0), to=region)
    result = indicators.compute(indicator_recipients(cast.municipality.pk), 2026)
    assert [row.total for row in result.months][:5] == [0, 0, 1, 4, 0]
    april = result.months[3]
    assert april.by_state == {"received": 2, "investigating": 0, "answered": 1, "closed": 1}
    assert april.median_days == 3.5
    assert result.total.total == 5
    assert result.total.answered == 2
    pairs = {row.label: row.total for row in result.pairs}
    assert pairs == {"Testkommun → Region Testland": 4, "Testkommun → Annankommun": 1}
    categories = {row.label: row.total for row in result.categories}
    assert categories == {"Läkemedel": 1, "Hjälpmedel och utrustning": 1, "Övrigt": 3}
    # The region counts what it received; the other municipality only its own pair.
    assert indicators.compute(indicator_recipients(cast.region.pk), 2026).total.total == 4
    other = indicators.compute(indicator_recipients(cast.other_municipality.pk), 2026)
    assert other.total.total == 1
    lines = indicators.export_lines(result)
    assert lines[0][0] in ("Month", "Månad")
    assert len(lines) == 1 + 4  # the month × pair × category combinations that occur


def test_compute_runs_three_queries(cast, django_assert_num_queries):
    for day in range(1, 8):
        _deviation(
            cast,
            _local(2026, 5, day, 9),
            to=to(cast.region),
            state=DeviationState.ANSWERED,
            answered_after=datetime.timedelta(hours=day),
        )
    with django_assert_num_queries(3):
        indicators.compute(indicator_recipients(cast.municipality.pk), 2026)


def test_report_page_for_report_viewers_and_managers(cast, login_as, django_assert_num_queries):
    viewer = user_with_role("rapport", cast.municipal_admin_unit, Role.REPORT_VIEWER)
    _deviation(
        cast,
        _local(2026, 2, 3, 9),
        to=to(cast.region),
        state=DeviationState.ANSWERED,
        answered_after=datetime.timedelta(days=1),
    )
    client = login_as(viewer, cast.municipal_admin_unit)
    url = reverse("reports:deviations") + "?year=2026"
    page = client.get(url)
    assert page.status_code == 200
    assert "Region Testland" in page.content.decode()
    assert page.context["result"].total.total == 1
    client.get(url)
    # The session, the user, their memberships, the form's units, and compute's three.
    with django_assert_num_queries(7):
        client.get(url)
    csv = client.get(url + "&format=csv")
    assert csv["Content-Type"].startswith("text/csv")
    assert "Region Testland" in csv.content.decode("utf-8-sig")
    assert client.get(url + "&format=xlsx").content[:2] == b"PK"
    assert reverse("reports:deviations") in client.get(reverse("reports:index")).content.decode()
    # A manager of another unit: nothing of home care's.
    manager = user_with_role("chef2", cast.provider_unit, Role.MANAGER)
    other = login_as(manager, cast.provider_unit)
    assert other.get(url).context["result"].total.total == 0
    # A nurse has no reports.
    assert login_as(cast.home_care_nurse, cast.home_care).get(url).status_code == 403
