"""Sending on a case through the forms: each message type, who may send it, the recipients."""

import datetime

import pytest
from django.utils import timezone

from samplan.addressing.models import AreaRule, PatientFilter
from samplan.discharge.models import CaseEvent, CaseParticipant
from samplan.discharge.process import CaseState
from samplan.discharge.tests.casekit import (
    M,
    form_data,
    form_post,
    local,
    notify,
    open_case,
    send,
    send_url,
)
from samplan.messaging.models import Delivery, Message
from samplan.patients.models import Protection
from samplan.patients.testing import PatientFactory


@pytest.fixture
def patient(cast):
    return PatientFactory(listed_care_centre=cast.care_centre, street_address="Storgatan 5")


@pytest.fixture
def case(cast, patient):
    return open_case(cast, patient)


def sender(cast, who):
    return {
        "ward": (cast.ward_nurse, cast.ward),
        "care_centre": (cast.care_centre_nurse, cast.care_centre),
        "home_care": (cast.home_care_nurse, cast.home_care),
    }[who]


# (message type, sending party, messages sent before, state after, a content key to find)
CASES = [
    (M.STATUS_REPORT, "home_care", [M.ADMISSION_NOTICE], CaseState.ADMITTED, "living"),
    (M.ADMISSION_NOTICE, "ward", [], CaseState.ADMITTED, "ward_phone"),
    (M.PLANNING_INFO, "ward", [M.ADMISSION_NOTICE], CaseState.ADMITTED, "adl"),
    (M.CARE_CONTACT_APPOINTED, "care_centre", [M.ADMISSION_NOTICE], CaseState.ADMITTED, "name"),
    (M.READY_FOR_DISCHARGE, "ward", [M.ADMISSION_NOTICE], CaseState.READY, "judged_at"),
    (
        M.READINESS_WITHDRAWN,
        "ward",
        [M.ADMISSION_NOTICE, M.READY_FOR_DISCHARGE],
        CaseState.ADMITTED,
        "reason",
    ),
    (
        M.SIP_SUMMONS,
        "care_centre",
        [M.ADMISSION_NOTICE, M.READY_FOR_DISCHARGE],
        CaseState.READY,
        "place",
    ),
    (
        M.DISCHARGE_NOTICE,
        "ward",
        [M.ADMISSION_NOTICE, M.READY_FOR_DISCHARGE],
        CaseState.DISCHARGED,
        "discharged_at",
    ),
    (M.DISCHARGE_INFO, "ward", [M.ADMISSION_NOTICE], CaseState.ADMITTED, "text"),
    (M.CARE_REPORT, "home_care", [M.ADMISSION_NOTICE], CaseState.ADMITTED, "author_profession"),
    (M.EXTRA_MESSAGE, "care_centre", [M.ADMISSION_NOTICE], CaseState.ADMITTED, "text"),
    (M.CASE_WITHDRAWN, "ward", [M.ADMISSION_NOTICE], CaseState.WITHDRAWN, "reason"),
]


def prepare(cast, case, before):
    for message_type in before:
        if message_type == M.ADMISSION_NOTICE:
            notify(cast, case)
        else:
            send(cast, case, message_type)


@pytest.mark.parametrize(("message_type", "who", "before", "state", "key"), CASES)
def test_each_message_type_has_its_form_and_moves_the_case(
    cast, login_as, case, message_type, who, before, state, key
):
    prepare(cast, case, before)
    user, unit = sender(cast, who)
    client = login_as(user, unit)
    form_page = client.get(send_url(case, message_type))
    assert form_page.status_code == 200
    assert form_page.context["form"].message_type_value == message_type
    response = form_post(client, case, message_type, unit, form_data(message_type))
    assert response.status_code == 302, response.context["form"].errors
    message = Message.objects.filter(case_link__case=case, message_type=message_type).latest("pk")
    assert message.sender_unit == unit and message.sender_user == user
    assert key in message.content
    assert message.deliveries.exists()
    case.refresh_from_db()
    assert case.state == state


def test_withdrawal_stores_the_reason(cast, login_as, case):
    notify(cast, case)
    client = login_as(cast.ward_nurse, cast.ward)
    form_post(client, case, M.CASE_WITHDRAWN, cast.ward, {"reason": "moved_region", "text": "X"})
    case.refresh_from_db()
    assert case.state == CaseState.WITHDRAWN and case.withdrawn_reason == "moved_region"
    page = client.get(f"/utskrivning/arenden/{case.pk}/").content.decode()
    assert "Patienten har flyttat till en annan region" in page


def test_care_contact_becomes_a_participant_role(cast, login_as, case):
    notify(cast, case)
    client = login_as(cast.care_centre_nurse, cast.care_centre)
    form_post(
        client,
        case,
        M.CARE_CONTACT_APPOINTED,
        cast.care_centre,
        form_data(M.CARE_CONTACT_APPOINTED),
    )
    participant = CaseParticipant.objects.get(case=case, unit=cast.care_centre)
    assert participant.role == "care_contact"
    page = client.get(f"/utskrivning/arenden/{case.pk}/").content.decode()
    assert "Anna Ek, Sjuksköterska" in page


# --- Refusals ------------------------------------------------------------------------------


def test_type_the_unit_kind_may_not_send_is_refused(cast, login_as, case):
    notify(cast, case)
    client = login_as(cast.home_care_nurse, cast.home_care)
    url = send_url(case, M.READY_FOR_DISCHARGE)
    response = client.get(url)
    assert response.status_code == 403
    assert "Din enhet kan inte skicka den här typen av meddelande" in response.content.decode()
    response = form_post(
        client, case, M.READY_FOR_DISCHARGE, cast.home_care, form_data(M.READY_FOR_DISCHARGE)
    )
    assert response.status_code == 403
    assert not Message.objects.filter(message_type=M.READY_FOR_DISCHARGE).exists()


def test_unknown_type_in_the_address_is_refused(cast, login_as, case):
    response = login_as(cast.ward_nurse, cast.ward).get(
        f"/utskrivning/arenden/{case.pk}/skicka/makulering/"
    )
    assert response.status_code == 403


def test_forged_type_in_the_post_is_refused(cast, login_as, case):
    notify(cast, case)
    client = login_as(cast.ward_nurse, cast.ward)
    data = {**form_data(M.EXTRA_MESSAGE), "message_type": M.CASE_WITHDRAWN, "reason": "deceased"}
    response = client.post(
        send_url(case, M.EXTRA_MESSAGE),
        {**data, "key": "k", "action": "send", "keep": [str(cast.home_care.pk)]},
    )
    assert response.status_code == 403
    case.refresh_from_db()
    assert case.state == CaseState.ADMITTED
    assert not Message.objects.filter(message_type__in=[M.EXTRA_MESSAGE, M.CASE_WITHDRAWN]).exists()


def test_type_the_state_does_not_take_is_refused(cast, login_as, case):
    notify(cast, case)
    client = login_as(cast.ward_nurse, cast.ward)
    assert client.get(send_url(case, M.READINESS_WITHDRAWN)).status_code == 403
    # Posted anyway (the state changed after the form was opened): a plain error, kept values.
    response = form_post(client, case, M.READINESS_WITHDRAWN, cast.ward, {"reason": "Feber igen"})
    assert response.status_code == 200
    assert "kan inte skickas när ärendet har status" in response.content.decode()
    assert "Feber igen" in response.content.decode()


def test_second_admission_notice_is_not_offered(cast, login_as, case):
    notify(cast, case)
    client = login_as(cast.ward_nurse, cast.ward)
    assert client.get(send_url(case, M.ADMISSION_NOTICE)).status_code == 403
    page = client.get(f"/utskrivning/arenden/{case.pk}/")
    labels = [label for label, _slug in page.context["send_links"]]
    assert "Inskrivningsmeddelande" not in labels and "Utskrivningsklar" in labels


def test_buttons_offer_only_what_the_unit_may_send(cast, login_as, case):
    notify(cast, case)
    page = login_as(cast.home_care_nurse, cast.home_care).get(f"/utskrivning/arenden/{case.pk}/")
    labels = {str(label) for label, _slug in page.context["send_links"]}
    assert labels == {"Statusmeddelande", "Planeringsunderlag", "Vårdrapport", "Extrameddelande"}
    assert not page.context["may_withdraw"] and not page.context["may_transfer"]


@pytest.mark.parametrize("who", ["outsider", "home_care_before_notice"])
def test_units_outside_the_case_get_404(cast, login_as, case, who):
    user, unit = (
        (cast.outsider, cast.outsider_unit)
        if who == "outsider"
        else (cast.home_care_nurse, cast.home_care)
    )
    client = login_as(user, unit)
    assert client.get(send_url(case, M.EXTRA_MESSAGE)).status_code == 404
    response = client.post(
        send_url(case, M.EXTRA_MESSAGE),
        {"message_type": M.EXTRA_MESSAGE, "key": "k", "action": "send", "text": "x"},
    )
    assert response.status_code == 404
    assert not Message.objects.exists()


def test_anonymous_is_sent_to_login(client, case):
    response = client.get(send_url(case, M.EXTRA_MESSAGE))
    assert response.status_code == 302 and "/konto/" in response.url


# --- Recipients ----------------------------------------------------------------------------


@pytest.fixture
def intake_rule(cast):
    """Testkommun's admission notices go to its home-care unit (an area rule)."""
    return AreaRule.objects.create(
        municipality_code="0483", message_type=M.ADMISSION_NOTICE, unit=cast.home_care
    )


def test_admission_notice_is_proposed_by_the_router_with_reasons(cast, login_as, case, intake_rule):
    response = login_as(cast.ward_nurse, cast.ward).get(send_url(case, M.ADMISSION_NOTICE))
    proposals = response.context["picker"].proposals
    assert [(p.unit, p.reason.code) for p in proposals] == [
        (cast.care_centre, "listing"),
        (cast.home_care, "area_rule"),
    ]
    page = response.content.decode()
    assert "Varför?" in page and "Listad på vårdcentral" in page
    assert "Områdesregel" in page


def test_reason_is_stored_on_each_delivery(cast, login_as, case, intake_rule):
    client = login_as(cast.ward_nurse, cast.ward)
    form_post(
        client,
        case,
        M.ADMISSION_NOTICE,
        cast.ward,
        form_data(M.ADMISSION_NOTICE),
        add=[cast.provider_unit.pk],
    )
    reasons = dict(Delivery.objects.values_list("unit__name", "reason_code"))
    assert reasons == {
        "Vårdcentralen Norr": "listing",
        "Hemtjänst Öst": "area_rule",
        "Omsorg AB Hemtjänst": "added_by_sender",
    }
    assert Delivery.objects.get(unit=cast.care_centre).reason_text == "Listad på vårdcentral"


def test_unit_found_twice_stores_the_first_code_and_every_reason(
    cast, login_as, case, patient, intake_rule
):
    PatientFilter.objects.create(
        unit=cast.home_care,
        identity_number=patient.identity_number,
        valid_from=timezone.localdate() - datetime.timedelta(days=30),
    )
    client = login_as(cast.ward_nurse, cast.ward)
    form_post(client, case, M.ADMISSION_NOTICE, cast.ward, form_data(M.ADMISSION_NOTICE))
    delivery = Delivery.objects.get(unit=cast.home_care)
    assert delivery.reason_code == "patient_filter"
    assert delivery.reason_text.count("; ") == 1 and "Områdesregel" in delivery.reason_text


def test_nobody_to_propose_says_so_and_the_directory_still_works(cast, login_as):
    lonely = open_case(cast, PatientFactory(registered_municipality="", postal_code=""))
    client = login_as(cast.ward_nurse, cast.ward)
    response = client.get(send_url(lonely, M.ADMISSION_NOTICE))
    assert response.status_code == 200
    assert response.context["picker"].proposals == []
    assert "Ingen enhet föreslås" in response.content.decode()
    response = form_post(
        client,
        lonely,
        M.ADMISSION_NOTICE,
        cast.ward,
        form_data(M.ADMISSION_NOTICE),
        keep=[],
        add=[cast.home_care.pk],
    )
    assert response.status_code == 302
    assert [d.unit for d in Message.objects.get().deliveries.all()] == [cast.home_care]


def test_later_messages_go_to_the_participants(cast, login_as, case):
    notify(cast, case)
    response = login_as(cast.ward_nurse, cast.ward).get(send_url(case, M.PLANNING_INFO))
    units = {p.unit for p in response.context["picker"].proposals}
    assert units == {cast.home_care, cast.care_centre}
    assert {p.reason.code for p in response.context["picker"].proposals} == {"participant"}


def test_sender_removes_a_proposed_unit(cast, login_as, case):
    notify(cast, case)
    client = login_as(cast.ward_nurse, cast.ward)
    form_post(
        client,
        case,
        M.PLANNING_INFO,
        cast.ward,
        form_data(M.PLANNING_INFO),
        keep=[cast.home_care.pk],
    )
    message = Message.objects.get(message_type=M.PLANNING_INFO)
    assert [d.unit for d in message.deliveries.all()] == [cast.home_care]


def test_directory_search_keeps_what_was_typed(cast, login_as, case):
    client = login_as(cast.ward_nurse, cast.ward)
    response = client.post(
        send_url(case, M.ADMISSION_NOTICE),
        {
            "message_type": M.ADMISSION_NOTICE,
            "key": "k",
            "ward_phone": "016-55 55",
            "keep": [str(cast.care_centre.pk)],
            "q": "hemtjänst",
            "action": "search",
        },
    )
    assert response.status_code == 200
    results = response.context["picker"].results
    assert cast.home_care in results and cast.outsider_unit in results
    assert cast.hospital not in results  # no inbox
    html = response.content.decode()
    assert 'value="016-55 55"' in html
    assert "Rätta de markerade fälten" not in html and not response.context["form"].is_bound
    assert not Message.objects.exists()


def test_forged_unit_id_is_refused_and_nothing_lost(cast, login_as, case):
    client = login_as(cast.ward_nurse, cast.ward)
    data = {**form_data(M.ADMISSION_NOTICE), "note": "Viktig anteckning"}
    response = form_post(client, case, M.ADMISSION_NOTICE, cast.ward, data, add=[999999])
    assert response.status_code == 200
    page = response.content.decode()
    assert "En av de valda enheterna finns inte" in page and "Viktig anteckning" in page
    assert not Message.objects.exists()


def test_unit_without_inbox_is_refused(cast, login_as, case):
    client = login_as(cast.ward_nurse, cast.ward)
    response = form_post(
        client,
        case,
        M.ADMISSION_NOTICE,
        cast.ward,
        form_data(M.ADMISSION_NOTICE),
        add=[cast.hospital.pk],
    )
    assert response.status_code == 200
    assert "kan inte ta emot meddelanden" in response.content.decode()
    assert not Message.objects.exists()


def test_no_recipients_is_a_plain_error(cast, login_as, case):
    client = login_as(cast.ward_nurse, cast.ward)
    response = form_post(
        client, case, M.ADMISSION_NOTICE, cast.ward, form_data(M.ADMISSION_NOTICE), keep=[]
    )
    assert response.status_code == 200
    assert "Välj minst en mottagande enhet" in response.content.decode()
    assert not Message.objects.exists()


def test_double_click_sends_once(cast, login_as, case):
    notify(cast, case)
    client = login_as(cast.ward_nurse, cast.ward)
    for _ in range(2):
        response = form_post(
            client,
            case,
            M.READY_FOR_DISCHARGE,
            cast.ward,
            form_data(M.READY_FOR_DISCHARGE),
            key="one",
        )
        assert response.status_code == 302
    assert Message.objects.filter(message_type=M.READY_FOR_DISCHARGE).count() == 1
    assert CaseEvent.objects.filter(case=case, kind="state_changed").count() == 1


# --- Content -------------------------------------------------------------------------------


def test_admission_notice_carries_the_stay_and_address(cast, login_as, case):
    client = login_as(cast.ward_nurse, cast.ward)
    form_post(client, case, M.ADMISSION_NOTICE, cast.ward, form_data(M.ADMISSION_NOTICE))
    content = Message.objects.get().content
    assert content["ward"] == cast.ward.name and content["ward_phone"] == "016-10 00 00"
    assert content["admitted_at"] == case.admitted_at.isoformat()
    assert content["registered_address"].startswith("Storgatan 5")
    assert Message.objects.get().text == "Föll i hemmet"


def test_admission_notice_of_a_protected_patient_carries_no_address(cast, login_as):
    patient = PatientFactory(
        protection=Protection.FICTITIOUS,
        street_address="Hemliga vägen 7",
        listed_care_centre=cast.care_centre,
    )
    case = open_case(cast, patient)
    client = login_as(cast.ward_nurse, cast.ward)
    form_post(client, case, M.ADMISSION_NOTICE, cast.ward, form_data(M.ADMISSION_NOTICE))
    message = Message.objects.get()
    assert "registered_address" not in message.content
    assert "Hemliga" not in str(message.content)


def test_changed_estimated_date_updates_the_case_at_once(cast, login_as, case):
    notify(cast, case)
    new_date = timezone.localdate() + datetime.timedelta(days=4)
    client = login_as(cast.ward_nurse, cast.ward)
    form_post(
        client,
        case,
        M.PLANNING_INFO,
        cast.ward,
        {"estimated_discharge_date": new_date.isoformat()},
    )
    case.refresh_from_db()
    assert case.estimated_discharge_date == new_date
    event = CaseEvent.objects.get(case=case, kind="updated")
    assert event.detail["changes"]["estimated_discharge_date"][1] == new_date.isoformat()
    page = client.get(f"/utskrivning/arenden/{case.pk}/").content.decode()
    assert f"Beräknat utskrivningsdatum: – → {new_date:%Y-%m-%d}" in page


def test_empty_planning_info_is_refused(cast, login_as, case):
    notify(cast, case)
    response = form_post(login_as(cast.ward_nurse, cast.ward), case, M.PLANNING_INFO, cast.ward, {})
    assert response.status_code == 200
    assert "Fyll i minst ett av fälten" in response.content.decode()


def test_late_entry_is_stored_and_shown(cast, login_as, case):
    notify(cast, case)
    happened = timezone.now() - datetime.timedelta(minutes=50)
    client = login_as(cast.ward_nurse, cast.ward)
    data = {**form_data(M.READY_FOR_DISCHARGE), "occurred_at": local(happened)}
    form_post(client, case, M.READY_FOR_DISCHARGE, cast.ward, data)
    message = Message.objects.get(message_type=M.READY_FOR_DISCHARGE)
    assert message.entered_late
    assert timezone.localtime(message.occurred_at).strftime("%H:%M") == timezone.localtime(
        happened
    ).strftime("%H:%M")
    page = client.get(f"/utskrivning/arenden/{case.pk}/").content.decode()
    assert "Efterregistrerad" in page


def test_late_entry_in_the_future_is_refused(cast, login_as, case):
    notify(cast, case)
    data = {
        **form_data(M.EXTRA_MESSAGE),
        "occurred_at": local(timezone.now() + datetime.timedelta(hours=2)),
    }
    response = form_post(
        login_as(cast.ward_nurse, cast.ward), case, M.EXTRA_MESSAGE, cast.ward, data
    )
    assert response.status_code == 200
    assert response.context["form"].errors["occurred_at"]
    assert not Message.objects.filter(message_type=M.EXTRA_MESSAGE).exists()


def test_discharge_time_in_the_future_is_refused(cast, login_as, case):
    prepare(cast, case, [M.ADMISSION_NOTICE, M.READY_FOR_DISCHARGE])
    data = {"discharged_at": local(timezone.now() + datetime.timedelta(days=1))}
    response = form_post(
        login_as(cast.ward_nurse, cast.ward), case, M.DISCHARGE_NOTICE, cast.ward, data
    )
    assert response.context["form"].errors["discharged_at"]
    case.refresh_from_db()
    assert case.state == CaseState.READY
