"""The maintained count of a unit's deliveries (UnitDeliveryCount): right after every write
that touches deliveries, and what Mottagna's plain list reads instead of a COUNT."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from samplan.core.actor import Actor
from samplan.core.message_types import MessageType
from samplan.messaging.counts import received_counts_rebuild, received_total
from samplan.messaging.models import Delivery, UnitDeliveryCount
from samplan.messaging.services import (
    RecipientChoice,
    deliveries_acknowledge,
    delivery_forward,
    delivery_mark_read,
    delivery_return,
    message_cancel,
    message_send,
)
from samplan.patients.models import Patient
from samplan.testing import UnitFactory


@pytest.fixture
def patient(db):
    return Patient.objects.create(
        identity_number="191212121212",
        identity_kind="personal",
        first_name="Tolvan",
        last_name="Tolvansson",
    )


def send(cast, patient, *units, key="k1"):
    return message_send(
        actor=Actor(user=cast.ward_nurse, unit=cast.ward),
        patient=patient,
        message_type=MessageType.ADMISSION_NOTICE,
        recipients=[
            RecipientChoice(unit=u, reason_code="chosen", reason_text="Vald") for u in units
        ],
        idempotency_key=key,
        content={"ward_phone": "016-10 00 00"},
    )


def assert_counts_right():
    """Every unit's maintained count equals its deliveries, and every unit with deliveries
    has a row."""
    real = {
        unit_id: Delivery.objects.filter(unit_id=unit_id).count()
        for unit_id in Delivery.objects.values_list("unit_id", flat=True).distinct()
    }
    kept = dict(UnitDeliveryCount.objects.values_list("unit_id", "received"))
    assert kept == real


def test_right_under_every_write(cast, patient):
    home_care = Actor(user=cast.home_care_nurse, unit=cast.home_care)
    ward = Actor(user=cast.ward_nurse, unit=cast.ward)
    first = send(cast, patient, cast.home_care, cast.care_centre, key="a")
    send(cast, patient, cast.home_care, key="b")
    send(cast, patient, cast.home_care, key="b")  # a double post: the same message
    assert received_total(cast.home_care.pk) == 2 and received_total(cast.care_centre.pk) == 1
    assert_counts_right()
    # Read, acknowledge: the state changes, the total stays.
    mine = list(first.deliveries.filter(unit=cast.home_care))
    delivery_mark_read(actor=home_care, delivery=mine[0])
    deliveries_acknowledge(actor=home_care, delivery_ids=[mine[0].pk])
    deliveries_acknowledge(actor=home_care, delivery_ids=[mine[0].pk])
    assert_counts_right()
    # Forward: one more for the receiving unit.
    other = UnitFactory(organization=cast.municipality, name="Hemsjukvård")
    second = Delivery.objects.get(message__idempotency_key="b", unit=cast.home_care)
    delivery_forward(delivery=second, to_unit=other, actor=home_care)
    assert received_total(other.pk) == 1
    assert_counts_right()
    # Return as misaddressed: one more for the fallback inbox.
    fallback = UnitFactory(organization=cast.municipality, name="Central brevlåda")
    third = send(cast, patient, cast.home_care, key="c").deliveries.get()
    delivery_return(delivery=third, reason="Fel område", actor=home_care, fallback_unit=fallback)
    assert received_total(fallback.pk) == 1
    assert_counts_right()
    # Cancel: the original deliveries are cancelled, the cancellation is delivered anew.
    message_cancel(message=first, reason="Fel patient", actor=ward, idempotency_key="x")
    assert received_total(cast.care_centre.pk) == 2
    assert_counts_right()


def test_a_unit_without_a_row_starts_from_its_real_count(cast, patient):
    send(cast, patient, cast.home_care, key="a")
    send(cast, patient, cast.home_care, key="b")
    UnitDeliveryCount.objects.all().delete()  # e.g. deliveries loaded by a bulk import
    assert received_total(cast.home_care.pk) is None
    send(cast, patient, cast.home_care, key="c")
    assert received_total(cast.home_care.pk) == 3
    assert_counts_right()


def test_rebuild_counts_every_unit(cast, patient):
    send(cast, patient, cast.home_care, cast.care_centre, key="a")
    UnitDeliveryCount.objects.filter(unit=cast.home_care).update(received=99)
    assert received_counts_rebuild() == 2
    assert_counts_right()


def page_counts(queries):
    """The list's COUNTs over the unit's deliveries (not the header badge's count of the
    open ones, on its partial index)."""
    return [
        q["sql"]
        for q in queries
        if "COUNT(" in q["sql"]
        and "messaging_delivery" in q["sql"]
        and "IN ('new', 'read')" not in q["sql"]
    ]


def test_mottagna_reads_the_count_not_a_count_query(client, cast, login_as, patient):
    for n in range(25):
        send(cast, patient, cast.home_care, key=f"k{n}")
    login_as(cast.home_care_nurse, cast.home_care)
    client.get(reverse("messaging:received"))  # the session's first request records activity
    with CaptureQueriesContext(connection) as queries:
        html = client.get(reverse("messaging:received")).content.decode()
    assert not page_counts(queries)
    assert "Sida 1 av 2" in html
    # The count is the unit's: 25 deliveries, 20 a page; page 2 holds the last 5.
    html = client.get(reverse("messaging:received") + "?page=2").content.decode()
    assert "Sida 2 av 2" in html and html.count('data-testid="delivery-row"') == 5
    # A filtered list counts its own rows on its index.
    with CaptureQueriesContext(connection) as queries:
        html = client.get(reverse("messaging:received") + "?state=new").content.decode()
    assert page_counts(queries)
    assert "Sida 1 av 2" in html


def test_another_units_count_is_not_shown(client, cast, login_as, patient):
    for n in range(25):
        send(cast, patient, cast.care_centre, key=f"k{n}")
    send(cast, patient, cast.home_care, key="own")
    login_as(cast.home_care_nurse, cast.home_care)
    html = client.get(reverse("messaging:received")).content.decode()
    assert html.count('data-testid="delivery-row"') == 1 and "Sida 1 av" not in html
