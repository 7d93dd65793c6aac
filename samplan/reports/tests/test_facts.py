"""Keeping the report facts current: only what changed is recomputed, and nothing is missed."""

import datetime
from decimal import Decimal

import pytest

from samplan.discharge.models import CaseEvent, DailyAmount, DischargeCase
from samplan.messaging.models import Message
from samplan.organizations.models import Agreement
from samplan.reports.facts import refresh
from samplan.reports.models import CaseFact, FactsState
from samplan.reports.testing import CaseBuilder, M, local


@pytest.fixture
def built(cast):
    DailyAmount.objects.create(year=2026, amount=Decimal(9000))
    return (
        CaseBuilder(cast.ward, cast.municipality, local(2026, 1, 5, 8), cast.ward_nurse)
        .send(M.ADMISSION_NOTICE, local(2026, 1, 5, 10), cast.home_care)
        .send(M.CARE_CONTACT_APPOINTED, local(2026, 1, 6, 10), cast.home_care)
        .send(M.READY_FOR_DISCHARGE, local(2026, 1, 12, 9), cast.home_care)
        .send(M.DISCHARGE_NOTICE, local(2026, 1, 16, 14), cast.home_care)
    )


def fact(built):
    return CaseFact.objects.get(case=built.case)


def test_the_first_refresh_works_out_every_case_and_the_next_nothing(built):
    assert refresh() == 1
    assert fact(built).liable_days == 2
    assert refresh() == 0


def test_a_new_message_recomputes_its_case(built, cast):
    refresh()
    built.send(M.READINESS_WITHDRAWN, local(2026, 1, 13, 9), cast.home_care)
    assert refresh() >= 1
    assert fact(built).reasons == "readiness_withdrawn" and fact(built).liable_days == 0


def test_a_cancellation_recomputes_the_original_case(built, cast):
    refresh()
    notice = Message.objects.get(case_link__case=built.case, message_type=M.ADMISSION_NOTICE)
    # What message_cancel does: the original gets cancelled_at, a new message refers to it.
    Message.objects.filter(pk=notice.pk).update(cancelled_at=local(2026, 1, 20, 9))
    Message.objects.create(
        message_type=M.CANCELLATION,
        patient=built.case.patient,
        sender_unit=cast.ward,
        sender_user=cast.ward_nurse,
        refers_to=notice,
        idempotency_key="cancel",
    )
    refresh()
    assert fact(built).admission == "missing"
    assert fact(built).reasons == "admission_notice_missing"


def test_a_case_event_recomputes_its_case(built, cast):
    refresh()
    DischargeCase.objects.filter(pk=built.case.pk).update(services_refused=True)
    CaseEvent.objects.create(case=built.case, kind="updated", user=cast.ward_nurse, unit=cast.ward)
    refresh()
    assert fact(built).reasons == "services_refused"


def test_a_new_case_without_messages_counts_as_missing_a_notice(built, cast):
    refresh()
    new = CaseBuilder(cast.ward, cast.municipality, local(2026, 2, 1, 8), cast.ward_nurse)
    refresh()
    assert CaseFact.objects.get(case=new.case).admission == "missing"


def test_a_message_that_committed_late_is_still_taken(built, cast):
    """An id below the mark: another transaction took a later id and committed first."""
    refresh()
    late = Message.objects.filter(case_link__case=built.case).order_by("-pk").first()
    Message.objects.filter(pk=late.pk).update(cancelled_at=local(2026, 1, 17, 9))
    state = FactsState.objects.get()
    assert state.last_message_id == late.pk
    # Something newer arrives, which makes the refresh look again at recent ids too.
    other = CaseBuilder(cast.ward, cast.municipality, local(2026, 2, 1, 8), cast.ward_nurse)
    other.send(M.ADMISSION_NOTICE, local(2026, 2, 1, 9), cast.home_care)
    refresh()
    assert fact(built).discharged_at is None  # the discharge notice was cancelled


def test_a_changed_agreement_recomputes_everything(built, cast):
    refresh()
    Agreement.objects.create(
        region=cast.region,
        municipality=cast.municipality,
        valid_from=datetime.date(2025, 1, 1),
        grace_days_somatic=1,
    )
    assert refresh() == 1
    assert fact(built).liable_days == 4  # day 0 the 12th, liable from the 13th to the 16th


def test_a_changed_amount_recomputes_everything(built):
    refresh()
    DailyAmount.objects.filter(year=2026).update(amount=Decimal(9500))
    DailyAmount.objects.get(year=2026).save()  # touches updated_at as the admin page does
    refresh()
    assert fact(built).liable_amount == Decimal(19000)


def test_full_refresh_command(built, capsys):
    from django.core.management import call_command

    call_command("reports_refresh", "--full")
    assert "1 cases" in capsys.readouterr().out
    assert fact(built).liable_days == 2
