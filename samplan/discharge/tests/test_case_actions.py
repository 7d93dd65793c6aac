"""Cancel a message, transfer, close, and change the case's details, from the case page."""

import pytest
from django.urls import reverse

from samplan.auditlog.models import AccessLogEntry
from samplan.discharge.models import CaseEvent, CaseParticipant
from samplan.discharge.process import CaseState
from samplan.discharge.tests.casekit import M, notify, open_case, send
from samplan.messaging.models import Message
from samplan.organizations.models import UnitKind
from samplan.patients.testing import PatientFactory
from samplan.testing import UnitFactory, user_with_role


@pytest.fixture
def case(cast):
    case = open_case(cast, PatientFactory())
    notify(cast, case)
    return case


def page(case):
    return reverse("discharge:case_detail", args=[case.pk])


def cancel_url(case, message):
    return reverse("discharge:message_cancel", args=[case.pk, message.pk])


# --- Makulera ------------------------------------------------------------------------------


def test_sender_cancels_with_reason_and_the_state_is_recomputed(cast, login_as, case):
    ready = send(cast, case, M.READY_FOR_DISCHARGE)
    client = login_as(cast.ward_nurse, cast.ward)
    confirm = client.get(cancel_url(case, ready))
    assert confirm.status_code == 200
    assert "Är det säkert att du vill makulera" in confirm.content.decode()
    response = client.post(cancel_url(case, ready), {"reason": "Fel patient", "key": "c1"})
    assert response.status_code == 302
    ready.refresh_from_db()
    case.refresh_from_db()
    assert ready.cancelled_at is not None and case.state == CaseState.ADMITTED
    cancellation = Message.objects.get(message_type=M.CANCELLATION)
    assert cancellation.case_link.case == case and cancellation.refers_to == ready
    html = client.get(page(case)).content.decode()
    assert "<s>" in html and "Fel patient" in html and 'data-testid="cancelled-note"' in html


def test_cancelling_twice_sends_one_cancellation(cast, login_as, case):
    extra = send(cast, case, M.EXTRA_MESSAGE, content={"text": "x"})
    client = login_as(cast.ward_nurse, cast.ward)
    client.post(cancel_url(case, extra), {"reason": "Fel", "key": "c1"})
    response = client.post(cancel_url(case, extra), {"reason": "Fel", "key": "c1"})
    assert response.status_code == 302
    assert Message.objects.filter(message_type=M.CANCELLATION).count() == 1


def test_cancel_needs_a_reason(cast, login_as, case):
    extra = send(cast, case, M.EXTRA_MESSAGE, content={"text": "x"})
    response = login_as(cast.ward_nurse, cast.ward).post(
        cancel_url(case, extra), {"reason": " ", "key": "c1"}
    )
    assert response.status_code == 200
    assert response.context["form"].errors["reason"]
    extra.refresh_from_db()
    assert extra.cancelled_at is None


def test_receiver_cannot_cancel(cast, login_as, case):
    notice = Message.objects.get(message_type=M.ADMISSION_NOTICE)
    client = login_as(cast.home_care_nurse, cast.home_care)
    assert client.get(cancel_url(case, notice)).status_code == 403
    assert client.post(cancel_url(case, notice), {"reason": "x", "key": "k"}).status_code == 403
    notice.refresh_from_db()
    assert notice.cancelled_at is None


def test_message_of_another_case_gives_404(cast, login_as, case):
    other = open_case(cast, PatientFactory())
    other_notice = notify(cast, other)
    client = login_as(cast.ward_nurse, cast.ward)
    assert client.get(cancel_url(case, other_notice)).status_code == 404


def test_message_of_another_unit_gives_404(cast, login_as, case):
    notice = Message.objects.get(message_type=M.ADMISSION_NOTICE)
    client = login_as(cast.outsider, cast.outsider_unit)
    assert client.get(cancel_url(case, notice)).status_code == 404


def test_cancel_link_only_on_own_messages(cast, login_as, case):
    notice = Message.objects.get(message_type=M.ADMISSION_NOTICE)
    ward_page = login_as(cast.ward_nurse, cast.ward).get(page(case)).content.decode()
    assert cancel_url(case, notice) in ward_page
    home_page = login_as(cast.home_care_nurse, cast.home_care).get(page(case)).content.decode()
    assert cancel_url(case, notice) not in home_page


# --- Flytta --------------------------------------------------------------------------------


@pytest.fixture
def other_ward(cast):
    return UnitFactory(
        organization=cast.region, kind=UnitKind.HOSPITAL_WARD_SOMATIC, name="Avd 5 Ortopedi"
    )


def test_transfer_moves_the_case_and_the_old_ward_loses_access(cast, login_as, case, other_ward):
    client = login_as(cast.ward_nurse, cast.ward)
    url = reverse("discharge:case_transfer", args=[case.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, {"to_ward": other_ward.pk})
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.ward == other_ward
    assert client.get(page(case)).status_code == 404
    new_nurse = user_with_role("ortoped", other_ward)
    html = login_as(new_nurse, other_ward).get(page(case)).content.decode()
    assert "Flyttat till annan avdelning" in html and "Avd 5 Ortopedi" in html


def test_only_the_ward_may_transfer(cast, login_as, case, other_ward):
    client = login_as(cast.home_care_nurse, cast.home_care)
    url = reverse("discharge:case_transfer", args=[case.pk])
    assert client.get(url).status_code == 403
    assert client.post(url, {"to_ward": other_ward.pk}).status_code == 403
    case.refresh_from_db()
    assert case.ward == cast.ward


def test_transfer_to_a_unit_that_is_not_a_ward_is_refused(cast, login_as, case):
    response = login_as(cast.ward_nurse, cast.ward).post(
        reverse("discharge:case_transfer", args=[case.pk]), {"to_ward": cast.home_care.pk}
    )
    assert response.status_code == 200 and response.context["form"].errors["to_ward"]
    case.refresh_from_db()
    assert case.ward == cast.ward


# --- Avbryt (withdraw) and Avsluta ----------------------------------------------------------


def test_withdrawn_case_takes_no_more_messages(cast, login_as, case):
    send(cast, case, M.CASE_WITHDRAWN, content={"reason": "deceased"})
    response = login_as(cast.ward_nurse, cast.ward).get(page(case))
    assert response.context["send_links"] == []
    assert not response.context["may_transfer"] and not response.context["may_close"]
    html = response.content.decode()
    assert "Återkallat" in html and "Patienten har avlidit" in html


def test_close_a_discharged_case(cast, login_as, case):
    send(cast, case, M.READY_FOR_DISCHARGE)
    send(cast, case, M.DISCHARGE_NOTICE)
    client = login_as(cast.ward_nurse, cast.ward)
    url = reverse("discharge:case_close", args=[case.pk])
    assert "Är det säkert att du vill avsluta" in client.get(url).content.decode()
    assert client.post(url).status_code == 302
    case.refresh_from_db()
    assert case.state == CaseState.CLOSED
    again = client.post(url)
    assert again.status_code == 302
    assert CaseEvent.objects.filter(case=case, kind="closed").count() == 1


def test_open_case_cannot_be_closed(cast, login_as, case):
    client = login_as(cast.ward_nurse, cast.ward)
    response = client.post(reverse("discharge:case_close", args=[case.pk]))
    assert response.status_code == 403
    case.refresh_from_db()
    assert case.state == CaseState.ADMITTED


def test_only_the_ward_may_close(cast, login_as, case):
    send(cast, case, M.READY_FOR_DISCHARGE)
    send(cast, case, M.DISCHARGE_NOTICE)
    response = login_as(cast.care_centre_nurse, cast.care_centre).post(
        reverse("discharge:case_close", args=[case.pk])
    )
    assert response.status_code == 403


# --- Ändra ärendets uppgifter ---------------------------------------------------------------


def test_ward_changes_details_and_the_change_is_in_the_history(cast, login_as, case):
    client = login_as(cast.ward_nurse, cast.ward)
    url = reverse("discharge:case_edit", args=[case.pk])
    assert client.get(url).status_code == 200
    response = client.post(
        url, {"care_type": "somatic", "care_contact_needed": "on", "sip_needed": "on"}
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.sip_needed
    event = CaseEvent.objects.get(case=case, kind="updated")
    assert event.detail["changes"] == {"sip_needed": [False, True]}
    assert "SIP behövs: Nej → Ja" in client.get(page(case)).content.decode()


def test_assessment_before_admission_is_refused(cast, login_as, case):
    response = login_as(cast.ward_nurse, cast.ward).post(
        reverse("discharge:case_edit", args=[case.pk]),
        {"care_type": "somatic", "services_need_assessed_at": "2001-01-01T10:00"},
    )
    assert response.status_code == 200
    assert "Bedömningen kan inte ligga före inskrivningen" in response.content.decode()


def test_others_may_not_change_details(cast, login_as, case):
    client = login_as(cast.home_care_nurse, cast.home_care)
    url = reverse("discharge:case_edit", args=[case.pk])
    assert client.get(url).status_code == 403
    assert client.post(url, {"care_type": "psychiatric"}).status_code == 403
    case.refresh_from_db()
    assert case.care_type == "somatic"


# --- The access log ------------------------------------------------------------------------


def test_every_page_on_a_case_writes_the_access_log(cast, login_as, case):
    notice = Message.objects.get(message_type=M.ADMISSION_NOTICE)
    client = login_as(cast.ward_nurse, cast.ward)
    urls = [
        page(case),
        reverse("discharge:case_print", args=[case.pk]),
        reverse("discharge:case_send", args=[case.pk, "extrameddelande"]),
        reverse("discharge:case_edit", args=[case.pk]),
        reverse("discharge:case_transfer", args=[case.pk]),
        cancel_url(case, notice),
    ]
    for url in urls:
        before = AccessLogEntry.objects.count()
        assert client.get(url).status_code == 200, url
        rows = AccessLogEntry.objects.order_by("pk")[before:]
        assert rows, url
        assert all(row.patient == case.patient and row.unit == cast.ward for row in rows)
    assert AccessLogEntry.objects.filter(object_type="message", object_id=str(notice.pk)).exists()


def test_participation_ends_for_the_old_ward_only(cast, login_as, case, other_ward):
    login_as(cast.ward_nurse, cast.ward).post(
        reverse("discharge:case_transfer", args=[case.pk]), {"to_ward": other_ward.pk}
    )
    assert CaseParticipant.objects.get(case=case, unit=cast.ward).left_at is not None
    assert login_as(cast.home_care_nurse, cast.home_care).get(page(case)).status_code == 200
