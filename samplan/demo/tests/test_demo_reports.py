"""The demo's earlier stays (samplan/demo/report_history.py): Rapporter's follow-up indicators
and the national statistics have figures for the month before the demo was loaded."""

from __future__ import annotations

import datetime

import pytest
from django.db import transaction
from django.utils import timezone

from samplan.demo.builder import build_demo
from samplan.messaging.models import OPEN_STATES, Delivery
from samplan.reports import figures
from samplan.reports.access import ReportReach
from samplan.reports.facts import refresh
from samplan.reports.models import CaseFact
from samplan.reports.national import count_month
from samplan.reports.periods import Year
from samplan.reports.scope import report_facts


@pytest.fixture(scope="module")
def demo_once(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        demo = build_demo()
        refresh()
        yield demo
        transaction.set_rollback(True)


@pytest.fixture
def demo(demo_once, db):
    return demo_once


def test_the_month_before_has_national_statistics(demo):
    today = timezone.localdate()
    last_month = (today.replace(day=1) - datetime.timedelta(days=1)).replace(day=1)
    region = demo.organizations["region"]
    lines = count_month(region.pk, last_month, today)
    assert sum(line.days for line in lines) > 10
    assert {line.care_type for line in lines} <= {"somatic", "psychiatric"}


def test_indicators_have_lead_times_and_readmissions(demo):
    assert CaseFact.objects.filter(readmitted=True).count() >= 2
    assert CaseFact.objects.filter(summons_to_meeting_days__isnull=False).exists()
    assert CaseFact.objects.filter(notice_within_24h=False, discharged_at__isnull=False).exists()
    reach = ReportReach(demo.organizations["region"], None)
    years = {timezone.localdate().year, (timezone.localdate() - datetime.timedelta(days=70)).year}
    rows = [row for y in years for row in figures.indicators(report_facts(reach), Year(y))]
    assert sum(row.discharged for row in rows) >= 8


def test_the_earlier_stays_leave_nothing_open_in_any_inbox(demo):
    old = timezone.now() - datetime.timedelta(days=17)
    assert not Delivery.objects.filter(arrived_at__lt=old, state__in=OPEN_STATES).exists()
