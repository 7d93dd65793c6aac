"""Skickade: the unit's sent messages with each receiver's state; cancelled struck through;
returns with their reason; fixed number of queries."""

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from samplan.auditlog.models import AccessLogEntry
from samplan.core.actor import Actor
from samplan.discharge.services import case_cancel_message
from samplan.messaging.models import Delivery
from samplan.messaging.services import deliveries_acknowledge, delivery_return

SENT = reverse("messaging:sent")


def rows(html):
    return html.count('data-testid="sent-row"')


def test_each_receivers_state(client, cast, login_as, build):
    _, message = build.admitted(first_name="Alma", last_name="Andersson")
    deliveries_acknowledge(
        delivery_ids=list(message.deliveries.values_list("pk", flat=True)),
        actor=Actor(user=cast.home_care_nurse, unit=cast.home_care),
    )
    login_as(cast.ward_nurse, cast.ward)
    html = client.get(SENT).content.decode()
    assert rows(html) == 1 and "Alma Andersson" in html
    assert 'Hemtjänst Öst</strong>: <span aria-hidden="true">✓ </span>Kvitterat' in html
    assert (
        'Vårdcentralen Norr</strong>: <span aria-hidden="true">● </span>Mottaget, inte läst' in html
    )


def test_a_return_shows_its_reason_to_the_sender(client, cast, login_as, build):
    _, message = build.admitted()
    delivery = Delivery.objects.get(message=message, unit=cast.care_centre)
    delivery_return(
        delivery=delivery,
        reason="Patienten är inte listad här",
        actor=Actor(user=cast.care_centre_nurse, unit=cast.care_centre),
        fallback_unit=None,
    )
    login_as(cast.ward_nurse, cast.ward)
    html = client.get(SENT).content.decode()
    assert "Returnerat som felsänt" in html and "Patienten är inte listad här" in html


def test_a_cancelled_message_is_struck_through(client, cast, login_as, build):
    _, message = build.admitted()
    build.admitted()
    case_cancel_message(
        message=message,
        reason="Fel patient",
        actor=Actor(user=cast.ward_nurse, unit=cast.ward),
        idempotency_key="cancel-1",
    )
    login_as(cast.ward_nurse, cast.ward)
    html = client.get(SENT).content.decode()
    assert rows(html) == 3  # the two notices and the cancellation
    assert html.count('class="row--cancelled"') == 1 and "<del>" in html
    assert "Makulerad" in html and "Makulering" in html


def test_only_the_units_own_sent_messages(client, cast, login_as, build):
    build.admitted(first_name="Alma", last_name="Andersson")
    login_as(cast.home_care_nurse, cast.home_care)
    html = client.get(SENT).content.decode()
    assert rows(html) == 0 and "Inga meddelanden." in html
    client.logout()
    login_as(cast.outsider, cast.outsider_unit)
    html = client.get(SENT).content.decode()
    assert rows(html) == 0 and "Alma" not in html
    assert not AccessLogEntry.objects.exists()


def test_filter_by_type_and_log_each_patient(client, cast, login_as, build):
    case, _ = build.admitted(first_name="Alma", last_name="Andersson")
    build.send(case, "planning_info", cast.home_care)
    login_as(cast.ward_nurse, cast.ward)
    assert rows(client.get(SENT).content.decode()) == 2
    assert rows(client.get(SENT + "?message_type=planning_info").content.decode()) == 1
    entries = AccessLogEntry.objects.filter(detail="list_page|list=sent&page=1")
    assert entries.count() == 2  # one per page view, the same patient once each
    assert {e.patient_id for e in entries} == {case.patient_id}


def _count(client):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(SENT + "?size=50")
    return len(queries), rows(response.content.decode())


def test_a_fixed_number_of_queries_whatever_the_rows(client, cast, login_as, build):
    for _ in range(5):
        build.admitted()
    login_as(cast.ward_nurse, cast.ward)
    client.get(SENT)
    few, shown = _count(client)
    assert shown == 5
    for _ in range(45):
        build.admitted()
    many, shown = _count(client)
    assert shown == 50 and many == few
