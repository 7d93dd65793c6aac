"""Journal notes for a message and for a finalised SIP version."""

from samplan.api.models import IntegrationClient
from samplan.api.services import client_revoke
from samplan.api.tests.helpers import Caller, make_client
from samplan.auditlog.models import AccessLogEntry
from samplan.core.actor import Actor
from samplan.core.message_types import MessageType
from samplan.patients.models import Protection
from samplan.sip.tests.conftest import finalised_plan, start


def test_message_note_as_plain_text_and_logged(cast, build, home_care_api):
    _, message = build.admitted()
    before = AccessLogEntry.objects.count()
    answer = home_care_api.get(f"/messages/{message.pk}/journal-note")
    assert answer.status_code == 200, answer.content
    text = answer.json()["text"]
    assert text.startswith("samplan: Inskrivningsmeddelande")
    assert message.patient.identity_display in text
    assert "016-10 00 00" in text  # the ward's phone from the content
    assert "Hemtjänst Öst" in text
    assert AccessLogEntry.objects.count() == before + 1


def test_protected_person_note_has_no_address(cast, build, home_care_api):
    _, message = build.admitted(protection=Protection.PROTECTED_REGISTRATION)
    type(message).objects.filter(pk=message.pk).update(
        content={**message.content, "registered_address": "Hemliga vägen 1"}
    )
    text = home_care_api.get(f"/messages/{message.pk}/journal-note").json()["text"]
    assert "Hemliga" not in text and message.patient.street_address not in text


def test_message_note_refused_elsewhere(cast, build, ward_api, outsider_api, home_care_api):
    case = build.case()
    only_home_care = build.send(case, MessageType.ADMISSION_NOTICE, cast.home_care)
    ward_api.unit = cast.care_centre
    assert ward_api.get(f"/messages/{only_home_care.pk}/journal-note").status_code == 404
    assert outsider_api.get(f"/messages/{only_home_care.pk}/journal-note").status_code == 404
    _, token = make_client(
        cast.municipal_system_admin, cast.municipality, [cast.home_care], ["sip"], name="S"
    )
    caller = Caller(token, cast.home_care)
    assert caller.get(f"/messages/{only_home_care.pk}/journal-note").status_code == 403
    client_revoke(
        actor=Actor(user=cast.municipal_system_admin),
        client=IntegrationClient.objects.get(name="S"),
    )
    assert caller.get(f"/messages/{only_home_care.pk}/journal-note").status_code == 401


def test_sip_version_note_only_when_finalised(sip, outsider_api):
    cast = sip.cast
    _, token = make_client(cast.municipal_system_admin, cast.municipality, [sip.social])
    social_api = Caller(token, sip.social)
    plan = finalised_plan(sip)
    answer = social_api.get(f"/sip/plans/{plan.pk}/versions/1/journal-note")
    assert answer.status_code == 200, answer.content
    text = answer.json()["text"]
    assert "version 1" in text and "Alva Ek" in text
    assert "Skolvägen" not in text
    assert social_api.get(f"/sip/plans/{plan.pk}/versions/9/journal-note").status_code == 404
    assert outsider_api.get(f"/sip/plans/{plan.pk}/versions/1/journal-note").status_code == 404
    draft = start(sip, units=[sip.social])
    social_api.unit = sip.social
    assert social_api.get(f"/sip/plans/{draft.pk}/versions/1/journal-note").status_code in (
        404,
        422,
    )
