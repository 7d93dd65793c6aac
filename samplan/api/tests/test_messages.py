"""GET /api/v1/messages/{id} and POST /api/v1/deliveries/acknowledge."""

from samplan.api.models import IntegrationClient
from samplan.api.services import client_revoke
from samplan.api.tests.helpers import Caller, make_client
from samplan.auditlog import chain
from samplan.auditlog.models import AccessLogEntry
from samplan.core.actor import Actor
from samplan.core.message_types import MessageType
from samplan.messaging.models import Delivery, DeliveryState
from samplan.patients.models import Protection

PERSON = "SE2321000016-ABC1"


def test_read_marks_read_and_logs_the_client_unit_and_person(cast, build, home_care_api):
    _, message = build.admitted()
    home_care_api.person = PERSON
    before = AccessLogEntry.objects.count()
    answer = home_care_api.get(f"/messages/{message.pk}")
    assert answer.status_code == 200, answer.content
    body = answer.json()
    assert body["message_type"] == "admission_notice"
    assert body["patient"]["identity_number"] == message.patient.identity_display
    assert body["delivery"]["state"] == "read"
    assert body["case_id"] is not None
    row = AccessLogEntry.objects.order_by("-seq").first()
    assert AccessLogEntry.objects.count() == before + 1
    client = IntegrationClient.objects.get(name="Treserva")
    assert row.integration_client == client.log_label
    assert row.user_id == client.service_user_id
    assert row.unit_id == cast.home_care.pk
    assert row.user_hsa_id == PERSON
    assert row.patient_id == message.patient_id
    assert chain.verify().ok


def test_a_protected_persons_address_never_appears(cast, build, home_care_api):
    _, message = build.admitted(protection=Protection.PROTECTED_REGISTRATION)
    message.content = {**message.content, "registered_address": "Hemliga vägen 1"}
    type(message).objects.filter(pk=message.pk).update(content=message.content)
    text = home_care_api.get(f"/messages/{message.pk}").content.decode()
    assert "Hemliga" not in text
    assert message.patient.street_address not in text
    assert message.patient.phone not in text


def test_message_of_another_unit_is_404(cast, build, ward_api):
    case = build.case()
    only_home_care = build.send(case, MessageType.ADMISSION_NOTICE, cast.home_care)
    ward_api.unit = cast.care_centre  # the client may act for it; it did not get the message
    answer = ward_api.get(f"/messages/{only_home_care.pk}")
    assert answer.status_code == 404
    assert answer.json()["type"] == "urn:samplan:problem:not-found"
    assert ward_api.get("/messages/999999").status_code == 404
    ward_api.unit = cast.ward  # the sender reads its own message
    assert ward_api.get(f"/messages/{only_home_care.pk}").status_code == 200


def test_other_organisation_gets_404(build, outsider_api):
    _, message = build.admitted()
    answer = outsider_api.get(f"/messages/{message.pk}")
    assert answer.status_code == 404
    assert answer["Content-Type"] == "application/problem+json"


def test_revoked_and_missing_scope(cast, build, home_care_api):
    _, message = build.admitted()
    _, token = make_client(
        cast.municipal_system_admin, cast.municipality, [cast.home_care], ["sip"]
    )
    assert Caller(token, cast.home_care).get(f"/messages/{message.pk}").status_code == 403
    client_revoke(
        actor=Actor(user=cast.municipal_system_admin),
        client=IntegrationClient.objects.get(name="Treserva"),
    )
    assert home_care_api.get(f"/messages/{message.pk}").status_code == 401


def test_acknowledge_many_only_the_units_open_ones(cast, build, home_care_api):
    _, one = build.admitted()
    _, two = build.admitted()
    mine = [Delivery.objects.get(message=m, unit=cast.home_care).pk for m in (one, two)]
    theirs = Delivery.objects.get(message=one, unit=cast.care_centre).pk
    answer = home_care_api.post(
        "/deliveries/acknowledge", {"delivery_ids": [*mine, theirs, 987654]}
    )
    assert answer.status_code == 200, answer.content
    assert answer.json() == {"acknowledged": mine, "not_acknowledged": [theirs, 987654]}
    states = dict(Delivery.objects.filter(pk__in=[*mine, theirs]).values_list("pk", "state"))
    assert states == {
        mine[0]: DeliveryState.ACKNOWLEDGED,
        mine[1]: DeliveryState.ACKNOWLEDGED,
        theirs: DeliveryState.NEW,
    }
    client = IntegrationClient.objects.get(name="Treserva")
    assert Delivery.objects.get(pk=mine[0]).acknowledged_by_id == client.service_user_id
    again = home_care_api.post("/deliveries/acknowledge", {"delivery_ids": mine}).json()
    assert again == {"acknowledged": [], "not_acknowledged": mine}


def test_acknowledge_needs_its_scope_and_the_unit(cast, build, home_care_api, outsider_api):
    _, message = build.admitted()
    delivery = Delivery.objects.get(message=message, unit=cast.home_care)
    _, token = make_client(
        cast.municipal_system_admin, cast.municipality, [cast.home_care], ["inbox:read"]
    )
    refused = Caller(token, cast.home_care).post(
        "/deliveries/acknowledge", {"delivery_ids": [delivery.pk]}
    )
    assert refused.status_code == 403
    other = outsider_api.post("/deliveries/acknowledge", {"delivery_ids": [delivery.pk]})
    assert other.json() == {"acknowledged": [], "not_acknowledged": [delivery.pk]}
    assert Delivery.objects.get(pk=delivery.pk).state == DeliveryState.NEW
    assert home_care_api.post("/deliveries/acknowledge", {"delivery_ids": []}).status_code == 422
