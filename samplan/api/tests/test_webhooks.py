"""Webhooks: signed events to a local HTTP server, after commit, retried with backoff."""

import datetime
import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from django.utils import timezone

from samplan.api.models import IntegrationClient, WebhookEvent
from samplan.api.services import ClientDetails, client_revoke, client_update
from samplan.api.tests.helpers import make_client
from samplan.api.webhooks import signature, webhooks_retry_due
from samplan.core.actor import Actor
from samplan.messaging.models import Delivery


class Receiver:
    def __init__(self) -> None:
        self.requests: list[tuple[dict, bytes]] = []
        self.answers: list[int] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.requests.append((dict(self.headers), body))
                status = receiver.answers.pop(0) if receiver.answers else 200
                self.send_response(status)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/hook"


@pytest.fixture
def receiver():
    receiver = Receiver()
    yield receiver
    receiver.server.shutdown()
    receiver.server.server_close()


@pytest.fixture
def hooked(cast, receiver):
    client, _ = make_client(cast.municipal_system_admin, cast.municipality, [cast.home_care])
    client_update(
        actor=Actor(user=cast.municipal_system_admin),
        client=client,
        details=ClientDetails(
            name=client.name,
            units=[cast.home_care],
            scopes=client.scopes,
            expires_at=client.expires_at,
            webhook_url=receiver.url,
        ),
    )
    client.refresh_from_db()
    return client


def test_a_new_delivery_posts_a_signed_event_without_patient_data(
    cast, build, hooked, receiver, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        _, message = build.admitted()
    delivery = Delivery.objects.get(message=message, unit=cast.home_care)
    assert len(receiver.requests) == 1
    headers, body = receiver.requests[0]
    event = json.loads(body)
    assert event["type"] == "delivery.created"
    assert event["delivery_id"] == delivery.pk and event["unit"]["id"] == cast.home_care.pk
    assert headers["X-Samplan-Event-Id"] == event["event_id"]
    expected = signature(hooked.webhook_secret, headers["X-Samplan-Timestamp"], body)
    assert headers["X-Samplan-Signature"] == expected
    text = body.decode()
    assert message.patient.identity_number not in text and message.patient.last_name not in text
    assert WebhookEvent.objects.get().delivered_at is not None


def test_a_failed_post_is_retried_with_the_same_event_id(
    cast, build, hooked, receiver, django_capture_on_commit_callbacks
):
    receiver.answers = [500]
    with django_capture_on_commit_callbacks(execute=True):
        build.admitted()
    event = WebhookEvent.objects.get()
    assert event.delivered_at is None and event.attempts == 1
    assert event.next_attempt_at > timezone.now()
    assert webhooks_retry_due() == 0  # not yet due
    assert webhooks_retry_due(now=timezone.now() + datetime.timedelta(minutes=2)) == 1
    event.refresh_from_db()
    assert event.delivered_at is not None
    ids = {json.loads(body)["event_id"] for _, body in receiver.requests}
    assert len(receiver.requests) == 2 and ids == {str(event.pk)}


def test_no_events_for_other_units_without_address_or_revoked(
    cast, build, hooked, receiver, django_capture_on_commit_callbacks
):
    make_client(cast.municipal_system_admin, cast.municipality, [cast.home_care], name="Utan")
    case = build.case()
    with django_capture_on_commit_callbacks(execute=True):
        build.send(case, "admission_notice", cast.care_centre)  # not the hooked unit
    assert not receiver.requests and not WebhookEvent.objects.exists()
    client_revoke(actor=Actor(user=cast.municipal_system_admin), client=hooked)
    with django_capture_on_commit_callbacks(execute=True):
        build.admitted()
    assert not receiver.requests
    assert IntegrationClient.objects.count() == 2
