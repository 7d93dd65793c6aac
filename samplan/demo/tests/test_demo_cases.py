"""The demo's discharge cases: every state, times that look real, some work overdue."""

from __future__ import annotations

import datetime
from collections import Counter

import pytest
from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from samplan.addressing.models import FallbackInbox
from samplan.auditlog.models import AccessLogEntry
from samplan.core.localtime import local_date
from samplan.core.message_types import MessageType
from samplan.demo.builder import build_demo
from samplan.demo.cases import DemoClock, format_inbox_hints, inbox_hints
from samplan.discharge.case_page import case_overview
from samplan.discharge.liability import ReasonCode
from samplan.discharge.models import CaseEvent, CaseEventKind, DailyAmount, DischargeCase
from samplan.discharge.process import CaseState
from samplan.messaging.models import OPEN_STATES, Delivery, DeliveryState, Message
from samplan.organizations.agreements import answer_due_at

M = MessageType


@pytest.fixture(scope="module")
def demo_once(django_db_setup, django_db_blocker):
    """The demo, built once for this module's read-only tests and rolled back after them."""
    with django_db_blocker.unblock(), transaction.atomic():
        built_at = timezone.now()
        demo = build_demo()
        demo.built_at = built_at
        yield demo
        transaction.set_rollback(True)


@pytest.fixture
def demo(demo_once, db):
    return demo_once


def test_cases_in_every_state(demo):
    states = Counter(DischargeCase.objects.values_list("state", flat=True))
    assert set(states) == set(CaseState.values)
    assert states[CaseState.ADMITTED] >= 3 and states[CaseState.READY] >= 3
    assert demo.cases["gote"].state == CaseState.CLOSED and demo.cases["gote"].closed_at
    withdrawn = demo.cases["maj_britt"]
    assert withdrawn.state == CaseState.WITHDRAWN
    assert withdrawn.withdrawn_reason == "no_longer_needed"


def test_admissions_over_the_last_two_weeks_and_every_time_in_the_past(demo):
    now = demo.built_at
    # This step's cases (the SIP demo, built after it, sends its summonses "now").
    ours = [case.pk for case in demo.cases.values()]
    messages = Message.objects.filter(case_link__case__in=ours)
    admitted = list(DischargeCase.objects.filter(pk__in=ours).values_list("admitted_at", flat=True))
    assert min(admitted) >= now - datetime.timedelta(days=16)
    assert len({local_date(moment) for moment in admitted}) >= 8
    assert max(messages.values_list("sent_at", flat=True)) < now
    assert (
        max(
            Delivery.objects.filter(message__case_link__case__in=ours).values_list(
                "arrived_at", flat=True
            )
        )
        < now
    )
    assert not CaseEvent.objects.filter(case__in=ours, at__gte=now).exists()
    # Messages arrive at many different hours, not all at once.
    hours = {timezone.localtime(m).hour for m in messages.values_list("sent_at", flat=True)}
    assert len(hours) >= 8


def test_messages_and_deliveries_are_consistent(demo):
    deliveries = Delivery.objects.select_related(
        "message__sender_unit__organization",
        "unit__organization",
        "forwarded_from__unit__organization",
    )
    for delivery in deliveries:
        message = delivery.message
        if delivery.forwarded_from_id is None:
            assert delivery.arrived_at == message.sent_at, delivery
            sender = message.sender_unit
        else:
            assert delivery.arrived_at == delivery.forwarded_from.handled_at, delivery
            sender = delivery.forwarded_from.unit
        assert delivery.due_at == answer_due_at(
            arrived_at=delivery.arrived_at, sender_unit=sender, unit=delivery.unit
        )
        if delivery.acknowledged_at:
            assert delivery.read_at is not None
            assert delivery.arrived_at <= delivery.read_at <= delivery.acknowledged_at
            assert delivery.acknowledged_by.memberships.filter(unit=delivery.unit).exists()
    # Every case's events and messages run in the order they were told.
    for case in DischargeCase.objects.all():
        assert case.opened_at >= case.admitted_at
        first = case.messages.order_by("sent_at").first()
        assert first.message_type == M.ADMISSION_NOTICE and first.sent_at >= case.opened_at


def test_some_overdue_some_new_some_acknowledged_late_most_in_time(demo):
    now = demo.built_at
    open_deliveries = Delivery.objects.filter(state__in=OPEN_STATES)
    assert open_deliveries.filter(due_at__lt=now).count() >= 5  # overdue
    assert open_deliveries.filter(due_at__gte=now, state=DeliveryState.NEW).count() >= 3  # new
    assert open_deliveries.filter(state=DeliveryState.READ).exists()  # opened, not acknowledged
    acknowledged = Delivery.objects.filter(state=DeliveryState.ACKNOWLEDGED)
    late = acknowledged.filter(acknowledged_at__gt=F("due_at")).count()
    in_time = acknowledged.filter(acknowledged_at__lte=F("due_at")).count()
    assert late >= 3 and in_time > 5 * late


def test_what_the_demo_users_find_in_their_inboxes(demo):
    hints = {(hint.username, hint.unit): hint for hint in inbox_hints(demo.built_at)}
    ward = hints["anna.lindqvist", "Avdelning 11 Medicin"]
    assert ward.open_cases >= 4 and ward.new >= 1
    assert hints["anna.lindqvist", "Avdelning 12 Hjärtmedicin"].overdue >= 1
    team_norr = hints["elin.johansson", "Biståndshandläggning äldre, team Norr"]
    assert team_norr.open_cases >= 3 and team_norr.new >= 1 and team_norr.overdue >= 1
    assert hints["elin.johansson", "Biståndshandläggning äldre, team Syd"].open_cases >= 3
    text = format_inbox_hints(list(hints.values()))
    assert "Prova inkorgen" in text and "Gunvor Ahlgren, 19380517-2388" in text


def test_the_overview_pages_of_the_ward_nurse_and_the_needs_assessor(demo, login_as, client):
    login_as(demo.users["anna.lindqvist"], demo.units["MSEAVD11"])
    page = client.get(reverse("discharge:overview"))
    assert page.status_code == 200
    for name in ("Karl-Erik", "Elsa", "Rolf", "Lars-Göran", "Birgit"):
        assert name in page.text
    assert "Gunvor" not in page.text  # no case yet: the one to open
    login_as(demo.users["elin.johansson"], demo.units["VOFBISTN"])
    page = client.get(reverse("discharge:overview"))
    assert "Försenad" in page.text and "Solveig" in page.text
    page = client.get(reverse("messaging:received"))
    assert "Inskrivningsmeddelande" in page.text


def test_a_case_transferred_to_another_ward(demo):
    case = demo.cases["anna_lisa"]
    assert case.ward == demo.units["MSEAVD12"]
    event = case.events.get(kind=CaseEventKind.TRANSFERRED)
    assert event.detail["from_ward"] == "Avdelning 3 Medicin"
    old = case.participants.get(unit=demo.units["KSKAVD3"])
    assert old.left_at == event.at
    # After the move the new ward sends on the case.
    assert case.messages.filter(sender_unit=demo.units["MSEAVD12"], sent_at__gt=event.at).exists()


def test_a_cancelled_message_puts_the_case_back(demo):
    case = demo.cases["lars_goran"]
    assert case.state == CaseState.ADMITTED
    ready = case.messages.get(message_type=M.READY_FOR_DISCHARGE)
    cancellation = case.messages.get(message_type=M.CANCELLATION)
    assert cancellation.refers_to == ready and ready.cancelled_at == cancellation.sent_at
    assert set(ready.deliveries.values_list("state", flat=True)) == {DeliveryState.CANCELLED}


def test_a_misaddressed_notice_waits_in_the_fallback_inbox(demo):
    notice = demo.cases["birgit"].messages.get(message_type=M.ADMISSION_NOTICE)
    returned = notice.deliveries.get(state=DeliveryState.RETURNED)
    assert returned.unit == demo.units["VOFLOVAS"] and "Lövåsvägen" in returned.return_reason
    inbox = FallbackInbox.objects.get(organization=demo.organizations["katrineholm"]).unit
    copy = notice.deliveries.get(unit=inbox)
    assert copy.forwarded_from == returned and copy.state == DeliveryState.NEW
    assert copy.is_overdue(demo.built_at)


def test_care_reports_status_reports_and_extra_messages(demo):
    types = Counter(Message.objects.values_list("message_type", flat=True))
    assert types[M.CARE_REPORT] >= 3 and types[M.EXTRA_MESSAGE] >= 2
    assert types[M.STATUS_REPORT] >= 1 and types[M.SIP_SUMMONS] >= 1
    assert types[M.PLANNING_INFO] >= 4 and types[M.CARE_CONTACT_APPOINTED] >= 5


def expected_amount(dates: list[datetime.date]) -> int:
    amounts = dict(DailyAmount.objects.values_list("year", "amount"))
    return sum(amounts[day.year] for day in dates)


def test_liable_days_running_and_after_discharge(demo):
    now = demo.built_at
    running = case_overview(demo.cases["rolf"], now=now, protected=False).liability
    assert running.ongoing and running.reasons_if_zero == ()
    clock = DemoClock.at(now)
    assert running.day_zero == local_date(clock.cutoff) - datetime.timedelta(days=8)
    # From day 0 + 3 grace days, each midnight up to today's (6 days after noon, 7 before).
    assert running.start_date == running.day_zero + datetime.timedelta(days=3)
    assert running.liable_days == (local_date(now) - running.start_date).days + 1 >= 6
    dates = [running.start_date + datetime.timedelta(days=n) for n in range(running.liable_days)]
    assert running.amount == expected_amount(dates)

    case = demo.cases["ingrid"]
    done = case_overview(case, now=now, protected=False).liability
    assert not done.ongoing and done.liable_days == 3
    dates = [done.start_date + datetime.timedelta(days=n) for n in range(3)]
    assert done.amount == expected_amount(dates)

    # No liability, each with its reason.
    def reasons(key: str) -> list[str]:
        return case_overview(demo.cases[key], now=now, protected=False).liability.reason_codes

    assert reasons("stig") == [ReasonCode.ADMISSION_NOTICE_LATE]
    assert reasons("gote") == [ReasonCode.DISCHARGED_BEFORE_START]
    # A SIP is needed and the summons is not sent yet (it is due in a few days).
    assert reasons("elsa") == [ReasonCode.SIP_SUMMONS_MISSING]
    assert reasons("patrik") == [ReasonCode.GRACE_PERIOD_RUNNING]  # five psychiatric days


def test_no_access_log_rows(demo):
    # The cases step writes none. (The SIP demo, built after it, goes through the SIP
    # services, which log as the acting demo users: see the SIP demo's docstring; so do the
    # deviations reported from some of these cases, samplan/demo/deviations.py.)
    patients = [case.patient_id for case in demo.cases.values()]
    rows = AccessLogEntry.objects.filter(patient__in=patients)
    assert not rows.exclude(object_type="deviation").exists()


def test_the_stuck_messages_list_is_not_empty(demo, login_as, client):
    """Göran Pettersson, super user of Katrineholm's central inbox, finds late deliveries and
    Birgit's misaddressed notice in the fallback inbox (issue 14 point 8)."""
    from samplan.messaging.access import fallback_unit_ids, stuck_deliveries

    katrineholm = demo.organizations["katrineholm"]
    fallback = fallback_unit_ids(katrineholm.pk)
    rows = list(stuck_deliveries(katrineholm.pk, now=timezone.now(), fallback_ids=fallback))
    assert sum(1 for d in rows if d.due_at < timezone.now()) >= 3
    assert any(d.unit_id in fallback for d in rows)
    login_as(demo.users["goran.pettersson"], demo.units["KKBREVLADA"])
    response = client.get(reverse("messaging:stuck"))
    assert response.status_code == 200
    assert len(response.context["page"]) == min(len(rows), 20)
