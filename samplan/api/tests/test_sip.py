"""GET /sip/summons, POST /sip/plans/{id}/answer, GET /sip/plans/{id}/current-version."""

import pytest
from django.db import connection

from samplan.api.models import IntegrationClient
from samplan.api.services import client_revoke
from samplan.api.tests.helpers import Caller, make_client
from samplan.auditlog.models import AccessLogEntry
from samplan.core.actor import Actor
from samplan.sip.models import SipParticipant
from samplan.sip.process import Answer
from samplan.sip.tests.conftest import start, summon


@pytest.fixture
def social_api(sip):
    cast = sip.cast
    _, token = make_client(cast.municipal_system_admin, cast.municipality, [sip.social, sip.school])
    return Caller(token, sip.social)


@pytest.fixture
def plan(sip):
    plan = start(sip)
    summon(sip, plan)
    return plan


def test_list_answer_and_read_the_version(sip, plan, social_api):
    listing = social_api.get("/sip/summons")
    assert listing.status_code == 200, listing.content
    items = listing.json()["items"]
    assert [i["plan_id"] for i in items] == [plan.pk]
    assert items[0]["patient"]["name"] == "Alva Ek"
    assert AccessLogEntry.objects.filter(
        patient=sip.child, unit=sip.social, detail="api: SIP summonses"
    ).exists()

    refused = social_api.post(f"/sip/plans/{plan.pk}/answer", {"accept": True})
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["field"] == "body.attendees"
    answer = social_api.post(
        f"/sip/plans/{plan.pk}/answer", {"accept": True, "attendees": "Sam Socsek"}
    )
    assert answer.status_code == 200, answer.content
    assert answer.json()["answer"] == "accepted"
    participant = SipParticipant.objects.get(plan=plan, unit=sip.social)
    assert participant.answer == Answer.ACCEPTED
    assert participant.delivery.state == "acknowledged"
    assert social_api.get("/sip/summons").json()["items"] == []
    again = social_api.post(f"/sip/plans/{plan.pk}/answer", {"accept": False, "reason": "Ångrar"})
    assert again.status_code == 422

    version = social_api.get(f"/sip/plans/{plan.pk}/current-version")
    assert version.status_code == 200, version.content
    assert version.json()["number"] == 1
    assert "Skolvägen" not in version.content.decode()


def test_decline_with_a_reason(sip, plan, social_api):
    answer = social_api.post(
        f"/sip/plans/{plan.pk}/answer", {"accept": False, "reason": "Inte vår del"}
    )
    assert answer.json()["answer"] == "declined"
    # A declined unit no longer sees the plan.
    assert social_api.get(f"/sip/plans/{plan.pk}/current-version").status_code == 404


def test_other_unit_other_organisation_revoked_and_scope(sip, plan, social_api, outsider_api):
    social_api.unit = sip.school  # the client may act for it, but it was not summoned
    assert social_api.get("/sip/summons").json()["items"] == []
    body = {"accept": True, "attendees": "X"}
    assert social_api.post(f"/sip/plans/{plan.pk}/answer", body).status_code in (200, 422)
    assert outsider_api.post(f"/sip/plans/{plan.pk}/answer", body).status_code == 404
    assert outsider_api.get(f"/sip/plans/{plan.pk}/current-version").status_code == 404
    cast = sip.cast
    _, token = make_client(
        cast.municipal_system_admin, cast.municipality, [sip.social], ["inbox:read"], name="L"
    )
    assert Caller(token, sip.social).get("/sip/summons").status_code == 403
    client_revoke(
        actor=Actor(user=cast.municipal_system_admin),
        client=IntegrationClient.objects.get(name="L"),
    )
    assert Caller(token, sip.social).get("/sip/summons").status_code == 401
    assert SipParticipant.objects.get(plan=plan, unit=sip.social).answer == Answer.PENDING


def test_the_summons_list_costs_the_same_for_one_or_many(
    sip, social_api, django_assert_num_queries
):
    summon(sip, start(sip))
    social_api.get("/sip/summons")
    # token, unit, rate (2), the list, the access log (flags, head, insert; on PostgreSQL
    # one statement locks the head, inserts and moves it).
    queries = 6 if connection.vendor == "postgresql" else 8
    with django_assert_num_queries(queries):
        assert len(social_api.get("/sip/summons").json()["items"]) == 1
    for _ in range(3):
        summon(sip, start(sip))
    with django_assert_num_queries(queries):
        assert len(social_api.get("/sip/summons").json()["items"]) == 4
