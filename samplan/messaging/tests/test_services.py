"""Sending, acknowledging, forwarding, returning and cancelling messages."""

import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from samplan.core.actor import Actor
from samplan.core.message_types import MessageType
from samplan.messaging.models import Delivery, DeliveryState, Message
from samplan.messaging.services import (
    MessagingError,
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

STOCKHOLM = ZoneInfo("Europe/Stockholm")


@pytest.fixture
def patient(db):
    return Patient.objects.create(
        identity_number="191212121212",
        identity_kind="personal",
        first_name="Tolvan",
        last_name="Tolvansson",
    )


def send(cast, patient, *units, key="k1", message_type=MessageType.ADMISSION_NOTICE):
    return message_send(
        actor=Actor(user=cast.ward_nurse, unit=cast.ward),
        patient=patient,
        message_type=message_type,
        recipients=[
            RecipientChoice(unit=u, reason_code="chosen", reason_text="Vald") for u in units
        ],
        idempotency_key=key,
        content={"ward_phone": "016-10 00 00"},
    )


def test_one_delivery_per_recipient_with_reason(cast, patient):
    message = send(cast, patient, cast.home_care, cast.care_centre)
    deliveries = list(message.deliveries.order_by("unit__name"))
    assert [d.unit for d in deliveries] == [cast.home_care, cast.care_centre]
    assert all(d.state == DeliveryState.NEW and d.reason_text == "Vald" for d in deliveries)


def test_same_key_twice_creates_one_message(cast, patient):
    first = send(cast, patient, cast.home_care)
    second = send(cast, patient, cast.home_care)
    assert first.pk == second.pk
    assert Message.objects.count() == 1 and Delivery.objects.count() == 1


def test_no_recipient_or_a_unit_twice_is_refused(cast, patient):
    with pytest.raises(MessagingError):
        send(cast, patient)
    with pytest.raises(MessagingError):
        send(cast, patient, cast.home_care, cast.home_care)
    assert not Message.objects.exists()


def test_unit_without_inbox_or_inactive_is_refused(cast, patient):
    with pytest.raises(MessagingError):
        send(cast, patient, cast.hospital)  # an administration node without inbox
    closed = UnitFactory(organization=cast.municipality, is_active=False)
    with pytest.raises(MessagingError):
        send(cast, patient, closed)
    assert not Message.objects.exists()


@pytest.mark.parametrize(
    ("arrival", "due"),
    [
        ((2026, 11, 23, 9, 0), (2026, 11, 23, 12, 0)),
        ((2026, 11, 23, 11, 59), (2026, 11, 23, 12, 0)),
        ((2026, 11, 23, 12, 0), (2026, 11, 24, 12, 0)),
        ((2026, 11, 23, 23, 30), (2026, 11, 24, 12, 0)),
    ],
)
def test_answer_is_due_at_the_first_cutoff_after_arrival(cast, patient, arrival, due):
    with time_machine.travel(datetime.datetime(*arrival, tzinfo=STOCKHOLM), tick=False):
        message = send(cast, patient, cast.home_care)
    delivery = message.deliveries.get()
    assert delivery.due_at == datetime.datetime(*due, tzinfo=STOCKHOLM)
    # The cut-off itself is still in time (the deadlines module's convention); a moment later
    # the delivery is overdue.
    assert not delivery.is_overdue(datetime.datetime(*due, tzinfo=STOCKHOLM))
    assert delivery.is_overdue(
        datetime.datetime(*due, tzinfo=STOCKHOLM) + datetime.timedelta(microseconds=1)
    )


def test_read_then_acknowledge(cast, patient):
    delivery = send(cast, patient, cast.home_care).deliveries.get()
    delivery_mark_read(delivery=delivery, actor=Actor(user=cast.home_care_nurse))
    delivery.refresh_from_db()
    assert delivery.state == DeliveryState.READ and delivery.read_by == cast.home_care_nurse
    count = deliveries_acknowledge(
        delivery_ids=[delivery.pk], actor=Actor(user=cast.home_care_nurse, unit=cast.home_care)
    )
    delivery.refresh_from_db()
    assert count == 1
    assert delivery.state == DeliveryState.ACKNOWLEDGED
    assert delivery.acknowledged_by == cast.home_care_nurse and delivery.acknowledged_at
    assert not delivery.is_overdue()


def test_acknowledge_twice_changes_nothing(cast, patient):
    delivery = send(cast, patient, cast.home_care).deliveries.get()
    deliveries_acknowledge(
        delivery_ids=[delivery.pk], actor=Actor(user=cast.home_care_nurse, unit=cast.home_care)
    )
    first = Delivery.objects.get(pk=delivery.pk).acknowledged_at
    assert (
        deliveries_acknowledge(
            delivery_ids=[delivery.pk], actor=Actor(user=cast.home_care_nurse, unit=cast.home_care)
        )
        == 0
    )
    assert Delivery.objects.get(pk=delivery.pk).acknowledged_at == first


def test_acknowledging_another_units_delivery_is_ignored(cast, patient):
    delivery = send(cast, patient, cast.home_care).deliveries.get()
    assert (
        deliveries_acknowledge(
            delivery_ids=[delivery.pk], actor=Actor(user=cast.outsider, unit=cast.outsider_unit)
        )
        == 0
    )
    assert Delivery.objects.get(pk=delivery.pk).state == DeliveryState.NEW


def test_acknowledge_many(cast, patient):
    ids = [send(cast, patient, cast.home_care, key=f"k{i}").deliveries.get().pk for i in range(3)]
    assert (
        deliveries_acknowledge(
            delivery_ids=ids, actor=Actor(user=cast.home_care_nurse, unit=cast.home_care)
        )
        == 3
    )


def test_forward_within_own_organisation(cast, patient):
    delivery = send(cast, patient, cast.home_care).deliveries.get()
    other = UnitFactory(organization=cast.municipality, name="Hemsjukvård")
    copy = delivery_forward(
        delivery=delivery,
        to_unit=other,
        actor=Actor(user=cast.home_care_nurse, unit=cast.home_care),
    )
    delivery.refresh_from_db()
    assert delivery.state == DeliveryState.FORWARDED
    assert (
        copy.unit == other and copy.forwarded_from == delivery and copy.state == DeliveryState.NEW
    )
    assert "Hemtjänst Öst" in copy.reason_text


def test_forward_to_another_organisation_is_refused(cast, patient):
    delivery = send(cast, patient, cast.home_care).deliveries.get()
    with pytest.raises(MessagingError):
        delivery_forward(
            delivery=delivery,
            to_unit=cast.outsider_unit,
            actor=Actor(user=cast.home_care_nurse, unit=cast.home_care),
        )
    assert Delivery.objects.get(pk=delivery.pk).state == DeliveryState.NEW


def test_return_as_misaddressed_copies_to_fallback(cast, patient):
    delivery = send(cast, patient, cast.home_care).deliveries.get()
    fallback = UnitFactory(organization=cast.municipality, name="Central brevlåda")
    copy = delivery_return(
        delivery=delivery,
        reason="Personen bor inte i vårt område",
        actor=Actor(user=cast.home_care_nurse, unit=cast.home_care),
        fallback_unit=fallback,
    )
    delivery.refresh_from_db()
    assert delivery.state == DeliveryState.RETURNED
    assert delivery.return_reason == "Personen bor inte i vårt område"
    assert copy.unit == fallback and "Personen bor inte" in copy.reason_text


def test_return_needs_a_reason_and_only_once(cast, patient):
    delivery = send(cast, patient, cast.home_care).deliveries.get()
    with pytest.raises(MessagingError):
        delivery_return(
            delivery=delivery,
            reason=" ",
            actor=Actor(user=cast.home_care_nurse, unit=cast.home_care),
            fallback_unit=None,
        )
    delivery_return(
        delivery=delivery,
        reason="Fel",
        actor=Actor(user=cast.home_care_nurse, unit=cast.home_care),
        fallback_unit=None,
    )
    with pytest.raises(MessagingError):
        delivery_return(
            delivery=delivery,
            reason="Fel",
            actor=Actor(user=cast.home_care_nurse, unit=cast.home_care),
            fallback_unit=None,
        )


def test_cancel_keeps_original_and_tells_recipients(cast, patient):
    original = send(cast, patient, cast.home_care, cast.care_centre)
    cancellation = message_cancel(
        message=original,
        reason="Fel patient",
        actor=Actor(user=cast.ward_nurse, unit=cast.ward),
        idempotency_key="c1",
    )
    original.refresh_from_db()
    assert original.cancelled_at is not None
    assert cancellation.refers_to == original
    assert cancellation.message_type == MessageType.CANCELLATION
    assert set(cancellation.deliveries.values_list("unit", flat=True)) == {
        cast.home_care.pk,
        cast.care_centre.pk,
    }
    assert set(original.deliveries.values_list("state", flat=True)) == {DeliveryState.CANCELLED}
    # a second click returns the same cancellation
    again = message_cancel(
        message=original,
        reason="Fel patient",
        actor=Actor(user=cast.ward_nurse, unit=cast.ward),
        idempotency_key="c2",
    )
    assert again.pk == cancellation.pk


def test_only_the_sender_unit_may_cancel(cast, patient):
    original = send(cast, patient, cast.home_care)
    with pytest.raises(MessagingError):
        message_cancel(
            message=original,
            reason="x",
            actor=Actor(user=cast.home_care_nurse, unit=cast.home_care),
            idempotency_key="c",
        )
