"""Tokens, expiry, the rate limit, the person header and the language of errors."""

import datetime

import time_machine
from django.utils import timezone

from samplan.api.models import IntegrationClient, RateWindow
from samplan.api.tests.helpers import Caller, make_client
from samplan.api.tokens import token_hash


def test_missing_wrong_and_malformed_tokens_are_401(cast, home_care_api):
    for headers in (
        {"Authorization": ""},
        {"Authorization": "Bearer spl_wrong"},
        {"Authorization": "Basic dXNlcjpwdw=="},
        {"Authorization": "Bearer " + "x" * 5000},
    ):
        answer = home_care_api.client.get("/api/v1/feed", headers={"X-Unit": "1", **headers})
        assert answer.status_code == 401
        assert answer["Content-Type"] == "application/problem+json"
        assert answer["WWW-Authenticate"].startswith("Bearer")
        assert answer.json()["type"] == "urn:samplan:problem:unauthorized"


def test_an_expired_token_is_401(cast, home_care_api):
    assert home_care_api.get("/feed").status_code == 200
    with time_machine.travel(timezone.now() + datetime.timedelta(days=31)):
        assert home_care_api.get("/feed").status_code == 401


def test_the_token_is_stored_only_as_its_hash_and_last_use_recorded(home_care_api):
    client = IntegrationClient.objects.get(name="Treserva")
    assert client.token_hash == token_hash(home_care_api.token) != home_care_api.token
    assert len(home_care_api.token) >= 4 + 43  # 32 random bytes
    assert client.last_used_at is None
    home_care_api.get("/feed")
    client.refresh_from_db()
    assert client.last_used_at is not None


def test_past_the_rate_429_with_retry_after(cast):
    _, token = make_client(
        cast.municipal_system_admin, cast.municipality, [cast.home_care], rate=3, name="Snål"
    )
    caller = Caller(token, cast.home_care)
    with time_machine.travel(timezone.now().replace(second=5), tick=False):
        assert [caller.get("/feed").status_code for _ in range(3)] == [200, 200, 200]
        refused = caller.get("/feed")
        assert refused.status_code == 429
        assert refused["Retry-After"] == "55"
        assert refused.json()["type"] == "urn:samplan:problem:rate-limited"
    with time_machine.travel(timezone.now().replace(second=5) + datetime.timedelta(minutes=1)):
        assert caller.get("/feed").status_code == 200
    assert RateWindow.objects.count() == 1  # the old minute's row is gone


def test_a_malformed_person_hsa_id_is_422(home_care_api):
    home_care_api.person = "not-an-hsa-id"
    answer = home_care_api.get("/feed")
    assert answer.status_code == 422
    assert answer.json()["errors"][0]["field"] == "header.X-Person"


def test_a_unit_may_be_named_by_its_hsa_id(cast, home_care_api):
    cast.home_care.hsa_id = "SE2321000016-HT01"
    cast.home_care.save()
    assert home_care_api.get("/feed", **{"X-Unit": "se2321000016-ht01"}).status_code == 200
    assert home_care_api.get("/feed", **{"X-Unit": "SE2321000016-XX"}).status_code == 403


def test_errors_are_swedish_unless_english_is_asked_for(home_care_api):
    home_care_api.token = "spl_nope"
    swedish = home_care_api.get("/feed").json()
    english = home_care_api.get("/feed", **{"Accept-Language": "en"}).json()
    assert swedish["type"] == english["type"]
    assert english["title"] == "Not authenticated"
    assert swedish["title"] != english["title"]


def test_nul_in_the_query_or_body_is_400_problem(home_care_api):
    answer = home_care_api.get("/feed", {"cursor": "a\x00b"})
    assert answer.status_code == 400
    assert answer["Content-Type"] == "application/problem+json"
    body = home_care_api.post("/deliveries/acknowledge", {"delivery_ids": [1], "x": "a\x00"})
    assert body.status_code == 400
    assert body.json()["type"] == "urn:samplan:problem:bad-request"
