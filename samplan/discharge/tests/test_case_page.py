"""The case page: need-to-know, the access log, fixed queries, liability, deadlines, protection."""

import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from samplan.auditlog.models import AccessLogEntry
from samplan.core.actor import Actor
from samplan.discharge.access import cases_for_unit
from samplan.discharge.case_page import AmountsWhenAsked, case_overview
from samplan.discharge.models import CaseParticipant, DailyAmount
from samplan.discharge.selectors import daily_amounts
from samplan.discharge.services import (
    case_cancel_message,
    case_has_admission_notice,
    case_transfer,
)
from samplan.discharge.tests.casekit import M, notify, open_case, send
from samplan.messaging.services import deliveries_acknowledge, delivery_forward, delivery_return
from samplan.organizations.models import UnitKind
from samplan.patients.models import Protection
from samplan.patients.testing import PatientFactory
from samplan.testing import UnitFactory

STOCKHOLM = ZoneInfo("Europe/Stockholm")


def page_url(case):
    return reverse("discharge:case_detail", args=[case.pk])


@pytest.fixture
def patient(cast):
    return PatientFactory(
        first_name="Greta", last_name="Gran", street_address="Storgatan 5", postal_code="61131"
    )


@pytest.fixture
def case(cast, patient):
    case = open_case(cast, patient)
    notify(cast, case)
    return case


def test_ward_sees_the_case_and_each_view_is_logged(cast, login_as, case):
    client = login_as(cast.ward_nurse, cast.ward)
    response = client.get(page_url(case))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Greta Gran" in page and "Utskrivningsärende" in page
    client.get(page_url(case))
    rows = AccessLogEntry.objects.filter(
        patient=case.patient, action="view", object_type="dischargecase", object_id=str(case.pk)
    )
    assert rows.count() == 2
    assert {(row.user, row.unit) for row in rows} == {(cast.ward_nurse, cast.ward)}


def test_receiving_unit_takes_part_and_sees_the_case(cast, login_as, case):
    response = login_as(cast.home_care_nurse, cast.home_care).get(page_url(case))
    assert response.status_code == 200
    assert AccessLogEntry.objects.filter(unit=cast.home_care, action="view").count() == 1


def test_unit_that_does_not_take_part_gets_404(cast, login_as, patient):
    case = open_case(cast, patient)  # nothing sent yet: only the ward takes part
    response = login_as(cast.home_care_nurse, cast.home_care).get(page_url(case))
    assert response.status_code == 404
    assert not AccessLogEntry.objects.filter(unit=cast.home_care).exists()


def test_other_organisation_gets_404(cast, login_as, case):
    assert login_as(cast.outsider, cast.outsider_unit).get(page_url(case)).status_code == 404
    assert not AccessLogEntry.objects.filter(unit=cast.outsider_unit).exists()


def test_administrator_role_alone_does_not_open_a_case(cast, login_as, case):
    # The region's local admin sits in the care centre, which takes part in the case.
    client = login_as(cast.region_local_admin, cast.care_centre)
    assert client.get(page_url(case)).status_code == 404


def test_participation_that_ended_gives_404(cast, login_as, case):
    new_ward = UnitFactory(organization=cast.region, kind=UnitKind.HOSPITAL_WARD_SOMATIC)
    case_transfer(case=case, to_ward=new_ward, actor=Actor(user=cast.ward_nurse, unit=cast.ward))
    assert login_as(cast.ward_nurse, cast.ward).get(page_url(case)).status_code == 404


def test_forged_id_gives_404(cast, login_as, case):
    client = login_as(cast.ward_nurse, cast.ward)
    url = reverse("discharge:case_detail", args=[case.pk + 1000])
    assert client.get(url).status_code == 404


def test_anonymous_is_sent_to_login(client, case):
    response = client.get(page_url(case))
    assert response.status_code == 302 and "/konto/" in response.url
    assert not AccessLogEntry.objects.exists()


def _case_with_messages(cast, count):
    # Listed at a care centre: the page shows its name, read with the case.
    patient = PatientFactory(listed_care_centre=cast.care_centre)
    case = open_case(cast, patient)
    notify(cast, case)
    for n in range(count - 1):
        message = send(cast, case, M.EXTRA_MESSAGE, content={"text": f"Nr {n}"}, key=f"x{n}")
        if n % 3 == 0:
            deliveries_acknowledge(
                delivery_ids=list(message.deliveries.values_list("pk", flat=True)),
                actor=Actor(user=cast.home_care_nurse, unit=cast.home_care),
            )
        if n % 5 == 0:
            case_cancel_message(
                message=message,
                reason="Fel",
                actor=Actor(user=cast.ward_nurse, unit=cast.ward),
                idempotency_key=f"c{n}",
            )
    send(cast, case, M.READY_FOR_DISCHARGE, key="ready")
    return case


def _queries(client, case):
    with CaptureQueriesContext(connection) as captured:
        assert client.get(page_url(case)).status_code == 200
    return len(captured)


def test_page_runs_a_fixed_number_of_queries(cast, login_as, django_assert_max_num_queries):
    small = _case_with_messages(cast, 3)
    large = _case_with_messages(cast, 30)
    assert large.messages.count() > 30  # cancellations on top
    client = login_as(cast.ward_nurse, cast.ward)
    client.get(page_url(small))  # warm the session and the caches of the first request
    assert _queries(client, small) == _queries(client, large)
    # Budget includes the chained access-log row. Was 17: the admission notice and the SIP
    # offer's participation are now taken from the messages and participants already read.
    # The patient's listed care centre is read with the case (it was a query of its own), and
    # the amounts per day only for a stay with liable days (was 15). The header's new count
    # comes with the case (was 14), and so do the agreement's terms (was 13).
    with django_assert_max_num_queries(12):
        client.get(page_url(large))
    for user, unit in ((cast.care_centre_nurse, cast.care_centre), (cast.ward_nurse, cast.ward)):
        other = login_as(user, unit)
        other.get(page_url(small))
        with django_assert_max_num_queries(12):
            other.get(page_url(large))


def test_a_new_case_reads_no_deliveries(cast, login_as, patient):
    """A case with no messages yet (the page a ward sees right after opening it) has no
    deliveries either: the page does not ask for them. One message later, it does."""
    case = open_case(cast, patient)
    client = login_as(cast.ward_nurse, cast.ward)

    def deliveries_read() -> int:
        with CaptureQueriesContext(connection) as captured:
            response = client.get(page_url(case))
        assert response.status_code == 200
        return sum(q["sql"].startswith('SELECT "messaging_delivery".') for q in captured)

    assert deliveries_read() == 0
    notify(cast, case)
    assert deliveries_read() == 1


def test_overview_answers_as_the_queries_it_replaces(cast, patient):
    """has_admission_notice and takes_part, derived from what case_overview read, agree with
    services.case_has_admission_notice and access.cases_for_unit before the notice, after it,
    once it is cancelled and after a unit left the case."""
    case = open_case(cast, patient)

    def agree():
        overview = case_overview(case, protected=False)
        assert overview.has_admission_notice == case_has_admission_notice(case)
        for unit in (cast.ward, cast.home_care, cast.care_centre, cast.outsider_unit):
            taking_part = cases_for_unit(unit.pk).filter(pk=case.pk).exists()
            assert overview.takes_part(unit.pk) == taking_part
        return overview

    assert not agree().has_admission_notice
    notice = notify(cast, case)
    assert agree().has_admission_notice
    case_cancel_message(
        message=notice,
        reason="Fel",
        actor=Actor(user=cast.ward_nurse, unit=cast.ward),
        idempotency_key="cancel-notice",
    )
    assert not agree().has_admission_notice
    CaseParticipant.objects.filter(case=case, unit=cast.home_care).update(left_at=timezone.now())
    assert not agree().takes_part(cast.home_care.pk)


# Memberships start on the real today, so the clock is moved forward, never back.
MONDAY = datetime.datetime(2030, 3, 4, tzinfo=STOCKHOLM)


def test_liability_past_the_grace_days(cast, login_as, patient):
    DailyAmount.objects.create(year=2030, amount=Decimal("9300"))
    monday = MONDAY
    with time_machine.travel(monday.replace(hour=8), tick=False):
        case = open_case(cast, patient)
        notify(cast, case)
    with time_machine.travel(monday.replace(hour=9), tick=False):
        send(cast, case, M.READY_FOR_DISCHARGE)
        send(
            cast, case, M.CARE_CONTACT_APPOINTED, user=cast.care_centre_nurse, unit=cast.care_centre
        )
    # Day 0 Monday, liability from Thursday 00:00; on Friday afternoon two midnights passed.
    with time_machine.travel(monday.replace(day=8, hour=14), tick=False):
        response = login_as(cast.ward_nurse, cast.ward).get(page_url(case))
    liability = response.context["liability"]
    assert liability.start_date == datetime.date(2030, 3, 7)
    assert liability.liable_days == 2 and liability.amount == Decimal("18600")
    page = response.content.decode()
    assert "2030-03-07 00:00" in page and "Varför kommunen inte betalar" not in page


def test_zero_liability_says_why(cast, login_as, patient):
    case = open_case(cast, patient)  # no admission notice, no ready notice
    page = login_as(cast.ward_nurse, cast.ward).get(page_url(case)).content.decode()
    assert "Varför kommunen inte betalar" in page
    assert "Kommunen har inte fått något inskrivningsmeddelande" in page


def test_overdue_admission_notice_and_acknowledgement_are_marked(cast, login_as, patient):
    monday = MONDAY
    with time_machine.travel(monday.replace(hour=8), tick=False):
        late = open_case(cast, patient)
    with time_machine.travel(monday.replace(day=5, hour=13), tick=False):
        response = login_as(cast.ward_nurse, cast.ward).get(page_url(late))
        steps = {step.message_type: step.status for step in response.context["overview"].steps}
        assert steps[M.ADMISSION_NOTICE] == "overdue"
        assert "Inte skickat, försenat" in response.content.decode()
        notify(cast, late)
    with time_machine.travel(monday.replace(day=6, hour=13), tick=False):
        response = login_as(cast.ward_nurse, cast.ward).get(page_url(late))
    page = response.content.decode()
    steps = {step.message_type: step.status for step in response.context["overview"].steps}
    assert steps[M.ADMISSION_NOTICE] == "ack_overdue"
    assert "Kvittens försenad" in page and "Försenad" in page
    assert "För sent" in page  # the notice itself was sent after its 24 hours


def test_timeline_shows_messages_deliveries_acknowledgements_and_events(cast, login_as, case):
    ready = send(cast, case, M.READY_FOR_DISCHARGE)
    deliveries_acknowledge(
        delivery_ids=list(ready.deliveries.values_list("pk", flat=True)),
        actor=Actor(user=cast.home_care_nurse, unit=cast.home_care),
    )
    response = login_as(cast.ward_nurse, cast.ward).get(page_url(case))
    kinds = [entry.kind for entry in response.context["overview"].timeline]
    assert kinds.count("message") == 2 and "acknowledged" in kinds and "event" in kinds
    times = [entry.at for entry in response.context["overview"].timeline]
    assert times == sorted(times)
    page = response.content.decode()
    assert "Kvitterat: Utskrivningsklar" in page
    assert "Status ändrad" in page and "Inskriven → Utskrivningsklar" in page
    assert cast.home_care_nurse.get_full_name() in page


def test_protected_address_is_never_rendered(cast, login_as):
    patient = PatientFactory(
        protection=Protection.PROTECTED_REGISTRATION,
        street_address="Hemliga vägen 7",
        postal_code="61199",
        city="Gömstad",
        phone="070-999 99 99",
    )
    case = open_case(cast, patient)
    client = login_as(cast.ward_nurse, cast.ward)
    pages = [
        client.get(page_url(case)),
        client.get(reverse("discharge:case_send", args=[case.pk, "inskrivningsmeddelande"])),
        client.get(reverse("discharge:case_print", args=[case.pk])),
    ]
    for response in pages:
        assert response.status_code == 200
        text = response.content.decode()
        for secret in ("Hemliga vägen", "61199", "Gömstad", "070-999"):
            assert secret not in text
        assert "Skyddad identitet" in text


def test_address_stored_before_protection_is_hidden_afterwards(cast, login_as, patient):
    case = open_case(cast, patient)
    send(
        cast,
        case,
        M.ADMISSION_NOTICE,
        to=[cast.home_care],
        content={"registered_address": "Storgatan 5, 61131 Nyköping", "ward_phone": "1"},
    )
    patient.protection = Protection.CONFIDENTIALITY_MARKED
    patient.save()
    page = login_as(cast.home_care_nurse, cast.home_care).get(page_url(case)).content.decode()
    assert "Storgatan 5" not in page and "61131" not in page


def test_printout_is_logged_as_print(cast, login_as, case):
    response = login_as(cast.ward_nurse, cast.ward).get(
        reverse("discharge:case_print", args=[case.pk])
    )
    assert response.status_code == 200
    assert AccessLogEntry.objects.filter(action="print", object_id=str(case.pk)).count() == 1


def test_printout_needs_participation(cast, login_as, case):
    url = reverse("discharge:case_print", args=[case.pk])
    assert login_as(cast.outsider, cast.outsider_unit).get(url).status_code == 404


def test_timeline_shows_forwards_and_returns(cast, login_as, case):
    intake = UnitFactory(organization=cast.municipality, name="Mottagningsenheten")
    notice = case.messages.get(message_type=M.ADMISSION_NOTICE)
    at_home_care = notice.deliveries.get(unit=cast.home_care)
    at_centre = notice.deliveries.get(unit=cast.care_centre)
    delivery_forward(
        delivery=at_home_care,
        to_unit=intake,
        actor=Actor(user=cast.home_care_nurse, unit=cast.home_care),
    )
    delivery_return(
        delivery=at_centre,
        reason="Patienten är inte listad hos oss",
        actor=Actor(user=cast.care_centre_nurse, unit=cast.care_centre),
        fallback_unit=None,
    )
    response = login_as(cast.ward_nurse, cast.ward).get(page_url(case))
    kinds = [entry.kind for entry in response.context["overview"].timeline]
    assert "forwarded" in kinds and "returned" in kinds
    page = response.content.decode()
    assert "Vidarebefordrat: Inskrivningsmeddelande" in page and "till Mottagningsenheten" in page
    assert "Returnerat som felsänt" in page and "Patienten är inte listad hos oss" in page
    # The forwarded copy waits at the intake unit; the step counts it instead of the original.
    step = next(
        s for s in response.context["overview"].steps if s.message_type == M.ADMISSION_NOTICE
    )
    assert step.receivers == 1


@pytest.mark.django_db
def test_daily_amounts_are_read_when_the_liability_asks(django_assert_num_queries):
    """The case page reads the amounts per day only for a stay with liable days: once, the
    first time a year's amount is asked for, and then as selectors.daily_amounts() gives them."""
    DailyAmount.objects.update_or_create(year=2099, defaults={"amount": Decimal("1234.50")})
    with django_assert_num_queries(0):
        amounts = AmountsWhenAsked()
    with django_assert_num_queries(1):
        assert amounts.get(2099) == Decimal("1234.50")
    with django_assert_num_queries(0):
        assert amounts.get(1999) is None
        assert dict(amounts) == {**amounts}
    assert dict(amounts) == daily_amounts()
