"""Idempotency-Key: replay, conflict, how long keys are kept, and two requests at once."""

import datetime
import json
import threading
import time

import pytest
import time_machine
from django.db import connection  # noqa: F401 (read by the skipif condition)
from django.utils import timezone

from samplan.api.models import IdempotencyRecord
from samplan.messaging.models import Delivery, DeliveryState


def _ack(caller, ids, key):
    return caller.post("/deliveries/acknowledge", {"delivery_ids": ids}, **{"Idempotency-Key": key})


def test_replay_conflict_and_24_hours(cast, build, home_care_api):
    _, message = build.admitted()
    delivery = Delivery.objects.get(message=message, unit=cast.home_care)
    first = _ack(home_care_api, [delivery.pk], "k-1")
    assert first.json() == {"acknowledged": [delivery.pk], "not_acknowledged": []}
    # A repeat answers as the first did (not "already acknowledged").
    again = _ack(home_care_api, [delivery.pk], "k-1")
    assert (again.status_code, again.json()) == (200, first.json())
    assert again["Idempotent-Replayed"] == "true"
    conflict = _ack(home_care_api, [delivery.pk, 1], "k-1")
    assert conflict.status_code == 409
    with time_machine.travel(timezone.now() + datetime.timedelta(hours=25)):
        assert _ack(home_care_api, [delivery.pk], "k-1").json() == first.json()
    with time_machine.travel(timezone.now() + datetime.timedelta(hours=49)):
        # Older than the keep time: the key is gone, the request runs anew.
        fresh = _ack(home_care_api, [delivery.pk], "k-1").json()
        assert fresh == {"acknowledged": [], "not_acknowledged": [delivery.pk]}


def test_keys_are_per_client_and_errors_are_replayed_too(cast, build, home_care_api):
    refused = home_care_api.post(
        "/deliveries/acknowledge", {"delivery_ids": []}, **{"Idempotency-Key": "k-2"}
    )
    assert refused.status_code == 422
    again = home_care_api.post(
        "/deliveries/acknowledge", {"delivery_ids": []}, **{"Idempotency-Key": "k-2"}
    )
    assert again.status_code == 422


def test_a_bad_key_is_422(home_care_api):
    answer = home_care_api.post(
        "/deliveries/acknowledge", {"delivery_ids": [1]}, **{"Idempotency-Key": "a b"}
    )
    assert answer.status_code == 422
    assert answer.json()["errors"][0]["field"] == "header.Idempotency-Key"
    assert not IdempotencyRecord.objects.exists()


@pytest.mark.skipif("connection.vendor != 'postgresql'")
@pytest.mark.django_db(transaction=True)
def test_two_identical_requests_at_once_have_one_effect(monkeypatch):
    """Two threads (two connections) post the same stay with the same key at the same
    moment; the operation is made slow so the second arrives while the first still runs."""
    from django.db import connections
    from django.test import Client

    from samplan.accounts.models import Role
    from samplan.addressing.models import PatientFilter
    from samplan.api.tests.helpers import make_client
    from samplan.discharge import services as cases
    from samplan.discharge.models import DischargeCase
    from samplan.messaging.models import Message
    from samplan.patients.testing import PatientFactory
    from samplan.testing import build_cast, user_with_role

    cast = build_cast()
    admin = user_with_role("regionsys", cast.hospital, Role.SYSTEM_ADMIN)
    _, token = make_client(admin, cast.region, [cast.ward])
    patient = PatientFactory()
    PatientFilter.objects.create(
        unit=cast.home_care,
        identity_number=patient.identity_number,
        valid_from=timezone.localdate(),
        created_by=admin,
    )
    admit = cases.case_admit

    def slow_admit(**kwargs):
        opening = admit(**kwargs)
        time.sleep(0.5)
        return opening

    monkeypatch.setattr(cases, "case_admit", slow_admit)
    body = json.dumps(
        {
            "identity_number": patient.identity_number,
            "admitted_at": (timezone.now() - datetime.timedelta(hours=1)).isoformat(),
            "admission_notice": {"ward_phone": "016-10 00 00"},
        }
    )
    start = threading.Barrier(2)
    answers, errors = [], []

    def post():
        try:
            start.wait()
            answer = Client().post(
                "/api/v1/stays",
                body,
                content_type="application/json",
                headers={
                    "Authorization": f"Bearer {token}",
                    "X-Unit": str(cast.ward.pk),
                    "Idempotency-Key": "same-moment",
                },
            )
            answers.append((answer.status_code, answer.content))
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=post) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert [status for status, _ in answers] == [201, 201]
    assert answers[0][1] == answers[1][1]
    assert DischargeCase.objects.count() == 1
    assert Message.objects.count() == 1
    assert Delivery.objects.filter(state=DeliveryState.NEW).count() >= 1
