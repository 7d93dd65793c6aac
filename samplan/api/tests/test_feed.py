"""GET /api/v1/feed: a unit's change feed of deliveries."""

import datetime

import pytest

from samplan.api import feed
from samplan.api.tests.helpers import Caller, make_client
from samplan.core.actor import Actor
from samplan.messaging.models import Delivery
from samplan.messaging.services import deliveries_acknowledge, delivery_mark_read


@pytest.fixture(autouse=True)
def _no_settle(monkeypatch):
    monkeypatch.setattr(feed, "SETTLE", datetime.timedelta(0))


def test_new_deliveries_then_their_changes_in_order(cast, build, home_care_api):
    _, first = build.admitted()
    _, second = build.admitted()
    answer = home_care_api.get("/feed")
    assert answer.status_code == 200, answer.content
    page = answer.json()
    assert [i["message_id"] for i in page["items"]] == [first.pk, second.pk]
    assert {i["state"] for i in page["items"]} == {"new"}
    assert page["has_more"] is False
    assert "patient" not in answer.content.decode()  # no patient data in the feed

    # Nothing new: the same cursor comes back and no item.
    again = home_care_api.get("/feed", {"cursor": page["next_cursor"]}).json()
    assert again["items"] == [] and again["next_cursor"] == page["next_cursor"]

    delivery = Delivery.objects.get(message=first, unit=cast.home_care)
    actor = Actor(user=cast.home_care_nurse, unit=cast.home_care)
    delivery_mark_read(actor=actor, delivery=delivery)
    changed = home_care_api.get("/feed", {"cursor": page["next_cursor"]}).json()
    assert [(i["delivery_id"], i["state"]) for i in changed["items"]] == [(delivery.pk, "read")]
    deliveries_acknowledge(actor=actor, delivery_ids=[delivery.pk])
    acked = home_care_api.get("/feed", {"cursor": changed["next_cursor"]}).json()
    assert [i["state"] for i in acked["items"]] == ["acknowledged"]


def test_pages_follow_each_other_without_gaps(build, home_care_api):
    sent = [build.admitted()[1].pk for _ in range(5)]
    seen, cursor = [], ""
    while True:
        page = home_care_api.get("/feed", {"cursor": cursor, "limit": 2}).json()
        seen += [i["message_id"] for i in page["items"]]
        cursor = page["next_cursor"]
        if not page["has_more"]:
            break
    assert seen == sent


def test_changes_younger_than_the_settle_time_wait_for_the_next_poll(
    build, home_care_api, monkeypatch
):
    monkeypatch.setattr(feed, "SETTLE", datetime.timedelta(seconds=30))
    build.admitted()
    assert home_care_api.get("/feed").json()["items"] == []


def test_only_the_units_own_deliveries(cast, build, ward_api, home_care_api):
    build.admitted()  # to home care and the care centre
    ward_api.unit = cast.ward
    assert ward_api.get("/feed").json()["items"] == []  # the ward sent, it received nothing


def test_unit_the_client_may_not_act_for_is_403(cast, home_care_api):
    home_care_api.unit = cast.provider_unit
    answer = home_care_api.get("/feed")
    assert answer.status_code == 403
    assert answer.json()["type"] == "urn:samplan:problem:forbidden-unit"


def test_other_organisations_system_cannot_name_our_unit(cast, build, outsider_api):
    build.admitted()
    outsider_api.unit = cast.home_care
    assert outsider_api.get("/feed").status_code == 403


def test_revoked_token_is_401(cast, home_care_api):
    from samplan.api.models import IntegrationClient
    from samplan.api.services import client_revoke

    client = IntegrationClient.objects.get(name="Treserva")
    client_revoke(actor=Actor(user=cast.municipal_system_admin), client=client)
    answer = home_care_api.get("/feed")
    assert answer.status_code == 401
    assert answer["Content-Type"] == "application/problem+json"


def test_missing_scope_is_403(cast):
    _, token = make_client(
        cast.municipal_system_admin, cast.municipality, [cast.home_care], ["messages:send"]
    )
    answer = Caller(token, cast.home_care).get("/feed")
    assert answer.status_code == 403
    assert answer.json()["type"] == "urn:samplan:problem:insufficient-scope"


@pytest.mark.parametrize("cursor", ["nonsense", "bm9ucGlwZQ", "MjAyNi0wMS0wMXx4"])
def test_a_forged_cursor_is_422_with_the_field(home_care_api, cursor):
    answer = home_care_api.get("/feed", {"cursor": cursor})
    assert answer.status_code == 422
    assert answer.json()["errors"][0]["field"] == "query.cursor"


def test_the_feed_costs_the_same_queries_for_one_or_many(
    build, home_care_api, django_assert_num_queries
):
    build.admitted()
    home_care_api.get("/feed")  # the rate window row for this minute exists from here on
    # token lookup, unit check, rate count (update + read), the page.
    with django_assert_num_queries(5):
        assert len(home_care_api.get("/feed").json()["items"]) == 1
    for _ in range(6):
        build.admitted()
    with django_assert_num_queries(5):
        assert len(home_care_api.get("/feed").json()["items"]) == 7
