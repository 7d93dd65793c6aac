"""FHIR R4 export, each resource validated with fhir.resources (R4B: the same resources)."""

from fhir.resources.R4B.careplan import CarePlan
from fhir.resources.R4B.communication import Communication

from samplan.api.fhir import PERSONNUMMER_OID, SAMORDNINGSNUMMER_OID
from samplan.api.models import IntegrationClient
from samplan.api.services import client_revoke
from samplan.api.tests.helpers import Caller, make_client
from samplan.core.actor import Actor
from samplan.patients.models import Protection
from samplan.patients.testing import PatientFactory, ReservePatientFactory
from samplan.sip.tests.conftest import finalised_plan


def test_a_message_as_communication(cast, build, home_care_api):
    _, message = build.admitted()
    answer = home_care_api.get(f"/fhir/Communication/{message.pk}")
    assert answer.status_code == 200, answer.content
    resource = Communication.model_validate(answer.json())
    patient = answer.json()["contained"][0]
    assert patient["identifier"] == [
        {"system": PERSONNUMMER_OID, "value": message.patient.identity_number}
    ]
    assert resource.subject.reference == "#patient"
    assert "016-10 00 00" in answer.json()["payload"][0]["contentString"]
    assert {r["display"] for r in answer.json()["recipient"]} >= {"Hemtjänst Öst"}


def _samordningsnummer() -> str:
    """A valid samordningsnummer: day of birth + 60, Luhn over the last ten digits."""
    from stdnum import luhn

    body = "900164238"  # 1990-01-04 as 900164, serial 238
    return "19" + body + luhn.calc_check_digit(body)


def test_samordningsnummer_reservnummer_and_protected(cast, build, home_care_api):
    coordination = PatientFactory(identity_number=_samordningsnummer())
    reserve = ReservePatientFactory()
    protected = PatientFactory(
        protection=Protection.PROTECTED_REGISTRATION, street_address="Hemliga vägen 1"
    )
    systems = {}
    for patient in (coordination, reserve, protected):
        case = build.case(patient)
        message = build.send(case)
        answer = home_care_api.get(f"/fhir/Communication/{message.pk}")
        Communication.model_validate(answer.json())
        contained = answer.json()["contained"][0]
        systems[patient.pk] = contained.get("identifier", [{}])[0].get("system")
        text = answer.content.decode()
        assert patient.street_address not in text and patient.phone not in text
    assert systems[coordination.pk] == SAMORDNINGSNUMMER_OID
    assert systems[reserve.pk].startswith("urn:samplan:reservnummer:")


def test_a_sip_version_as_care_plan(sip):
    cast = sip.cast
    _, token = make_client(cast.municipal_system_admin, cast.municipality, [sip.social])
    caller = Caller(token, sip.social)
    plan = finalised_plan(sip)
    answer = caller.get(f"/fhir/CarePlan/{plan.pk}/versions/1")
    assert answer.status_code == 200, answer.content
    resource = CarePlan.model_validate(answer.json())
    assert resource.intent == "plan" and resource.activity
    team = next(r for r in answer.json()["contained"] if r["resourceType"] == "CareTeam")
    assert {p["member"]["display"] for p in team["participant"]} >= {sip.social.name}
    assert "Skolvägen" not in answer.content.decode()


def test_fhir_refused_elsewhere(cast, build, ward_api, outsider_api):
    _, message = build.admitted()
    assert outsider_api.get(f"/fhir/Communication/{message.pk}").status_code == 404
    ward_api.unit = cast.care_centre
    assert ward_api.get(f"/fhir/Communication/{message.pk}").status_code == 200
    _, token = make_client(
        cast.municipal_system_admin, cast.municipality, [cast.home_care], ["inbox:read"], name="F"
    )
    caller = Caller(token, cast.home_care)
    assert caller.get(f"/fhir/Communication/{message.pk}").status_code == 403
    client_revoke(
        actor=Actor(user=cast.municipal_system_admin),
        client=IntegrationClient.objects.get(name="F"),
    )
    assert caller.get(f"/fhir/Communication/{message.pk}").status_code == 401
