"""POST /stays, POST /cases/{id}/messages, POST /messages/{id}/cancel, GET /cases/{id}."""

import datetime

from django.utils import timezone

from samplan.addressing.models import PatientFilter
from samplan.api.models import IntegrationClient
from samplan.api.services import client_revoke
from samplan.api.tests.helpers import Caller, make_client
from samplan.core.actor import Actor
from samplan.core.message_types import MessageType
from samplan.discharge.models import DischargeCase
from samplan.messaging.models import Delivery, Message
from samplan.patients.models import Patient
from samplan.patients.testing import PatientFactory, make_personnummer


def _stay(number, **extra):
    return {
        "identity_number": number,
        "admitted_at": (timezone.now() - datetime.timedelta(hours=1)).isoformat(),
        "admission_notice": {"ward_phone": "016-10 00 00", "note": "Ny inskrivning"},
        **extra,
    }


def _local_minute():
    return timezone.localtime().strftime("%Y-%m-%dT%H:%M")


def _filter(cast, number):
    PatientFilter.objects.create(
        unit=cast.home_care,
        identity_number=number,
        valid_from=timezone.localdate() - datetime.timedelta(days=10),
        created_by=cast.municipal_local_admin,
    )


def test_register_a_stay_opens_the_case_and_routes_the_notice(cast, ward_api):
    patient = PatientFactory()
    _filter(cast, patient.identity_number)
    stay = _stay(patient.identity_number)
    answer = ward_api.post("/stays", stay, **{"Idempotency-Key": "s1"})
    assert answer.status_code == 201, answer.content
    body = answer.json()
    case = DischargeCase.objects.get(pk=body["case_id"])
    assert case.patient == patient and case.ward == cast.ward
    assert body["created"] is True and body["patient_created"] is False
    notice = Message.objects.get(pk=body["admission_notice_id"])
    assert notice.message_type == MessageType.ADMISSION_NOTICE
    assert notice.content["ward_phone"] == "016-10 00 00"
    assert cast.home_care.pk in {r["unit"]["id"] for r in body["recipients"]}
    assert Delivery.objects.filter(message=notice, unit=cast.home_care).exists()

    # The same key replays; a new key for the same person finds the open case (200).
    replay = ward_api.post("/stays", stay, **{"Idempotency-Key": "s1"})
    assert (replay.status_code, replay.json()) == (201, body)
    assert replay["Idempotent-Replayed"] == "true"
    other = ward_api.post("/stays", _stay(patient.identity_number), **{"Idempotency-Key": "s1"})
    assert other.status_code == 409
    assert other.json()["type"] == "urn:samplan:problem:idempotency-conflict"
    second = ward_api.post("/stays", stay, **{"Idempotency-Key": "s2"})
    assert second.status_code == 200
    assert second.json()["case_id"] == case.pk and second.json()["created"] is False
    assert Message.objects.filter(message_type=MessageType.ADMISSION_NOTICE).count() == 1


def test_a_person_samplan_does_not_know_needs_the_details(cast, ward_api):
    number = make_personnummer()
    refused = ward_api.post("/stays", _stay(number))
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["field"] == "body.patient"
    _filter(cast, number)
    details = {"first_name": "Ny", "last_name": "Person", "registered_municipality": "0483"}
    answer = ward_api.post("/stays", _stay(number, patient=details))
    assert answer.status_code == 201, answer.content
    assert answer.json()["patient_created"] is True
    assert Patient.objects.filter(identity_number=number).exists()


def test_bad_input_is_422_with_the_field(ward_api):
    answer = ward_api.post("/stays", _stay("19121212-1213"))
    assert answer.status_code == 422
    assert answer.json()["errors"][0]["field"] == "body.identity_number"
    missing = ward_api.post("/stays", {"identity_number": "x"})
    assert missing.status_code == 422
    fields = {e["field"] for e in missing.json()["errors"]}
    assert "body.body.admitted_at" in fields or "body.admitted_at" in fields
    assert ward_api.post("/stays", "not an object").status_code in (400, 422)


def test_only_a_ward_registers_a_stay(cast, ward_api):
    ward_api.unit = cast.care_centre
    answer = ward_api.post("/stays", _stay(PatientFactory().identity_number))
    assert answer.status_code == 422
    assert answer.json()["type"] == "urn:samplan:problem:refused"


def test_stay_refused_for_other_unit_org_revoked_scope(cast, ward_api, outsider_api):
    number = PatientFactory().identity_number
    outsider_api.unit = cast.ward
    assert outsider_api.post("/stays", _stay(number)).status_code == 403
    ward_api.unit = cast.home_care
    assert ward_api.post("/stays", _stay(number)).status_code == 403
    admin = IntegrationClient.objects.get(name="Journalsystem").created_by
    _, token = make_client(admin, cast.region, [cast.ward], ["inbox:read"], name="Läsare")
    assert Caller(token, cast.ward).post("/stays", _stay(number)).status_code == 403
    client_revoke(actor=Actor(user=admin), client=IntegrationClient.objects.get(name="Läsare"))
    assert Caller(token, cast.ward).post("/stays", _stay(number)).status_code == 401
    assert not DischargeCase.objects.exists()


def test_send_on_a_case_and_cancel(cast, build, ward_api, home_care_api):
    case, _ = build.admitted()
    sent = ward_api.post(
        f"/cases/{case.pk}/messages",
        {"message_type": "extra_message", "content": {"text": "Behöver rullator"}},
    )
    assert sent.status_code == 201, sent.content
    message = Message.objects.get(pk=sent.json()["message_id"])
    assert message.text == "Behöver rullator"
    assert {r["unit"]["id"] for r in sent.json()["recipients"]} >= {cast.home_care.pk}

    ready = ward_api.post(
        f"/cases/{case.pk}/messages",
        {"message_type": "ready_for_discharge", "content": {"judged_at": _local_minute()}},
    )
    assert ready.status_code == 201, ready.content
    assert ready.json()["case_state"] == "ready"

    # The form's own rule: an extra message needs its text.
    empty = ward_api.post(
        f"/cases/{case.pk}/messages", {"message_type": "extra_message", "content": {}}
    )
    assert empty.status_code == 422
    assert empty.json()["errors"][0]["field"] == "body.content.text"

    # Home care may not cancel the ward's message; the ward may.
    assert home_care_api.post(f"/messages/{message.pk}/cancel", {"reason": "x"}).status_code in (
        404,
        422,
    )
    cancelled = ward_api.post(f"/messages/{message.pk}/cancel", {"reason": "Fel patient"})
    assert cancelled.status_code == 201, cancelled.content
    assert Message.objects.get(pk=message.pk).cancelled_at is not None


def test_send_refused_outside_the_case(cast, build, ward_api, outsider_api):
    case, _ = build.admitted()
    body = {"message_type": "extra_message", "content": {"text": "Hej"}}
    assert outsider_api.post(f"/cases/{case.pk}/messages", body).status_code == 404
    unknown = ward_api.post(f"/cases/{case.pk}/messages", {**body, "message_type": "nope"})
    assert unknown.status_code == 422


def test_read_a_case_with_steps_deadlines_and_liability(cast, build, ward_api, outsider_api):
    case, notice = build.admitted()
    answer = ward_api.get(f"/cases/{case.pk}")
    assert answer.status_code == 200, answer.content
    body = answer.json()
    assert body["state"] == "admitted"
    assert notice.pk in body["message_ids"]
    assert any(s["message_type"] == "admission_notice" for s in body["steps"])
    assert body["deadlines"] and body["liability"]["liable_days"] == 0
    assert body["liability"]["reasons_if_zero"]
    assert outsider_api.get(f"/cases/{case.pk}").status_code == 404
