"""Alerts (avisering): only units that asked, after commit, no patient data, coalesced, retried;
and the Avisering pages for the unit's users and local administrators."""

import datetime

import pytest
import time_machine
from django.core import mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from samplan.auditlog.models import AdminChange
from samplan.core.actor import Actor
from samplan.messaging import alerts
from samplan.messaging.models import AlertSettings, AlertState, Delivery
from samplan.messaging.services import delivery_forward, delivery_return
from samplan.messaging.sms import BaseSmsBackend, LocmemBackend
from samplan.organizations.models import UnitKind
from samplan.testing import UnitFactory

EMAIL = "hemtjanst.ost@example.se"
MOBILE = "+46701234567"


@pytest.fixture
def wants_alerts(cast):
    return AlertSettings.objects.create(
        unit=cast.home_care, enabled=True, email_addresses=[EMAIL], sms_numbers=[MOBILE]
    )


@pytest.fixture
def commit(django_capture_on_commit_callbacks):
    """Run what the services queue on commit (tests run inside one transaction)."""

    def _commit():
        return django_capture_on_commit_callbacks(execute=True)

    return _commit


def sms_texts():
    return [(sms.to, sms.text) for sms in LocmemBackend.outbox]


def test_only_units_that_asked_get_an_alert(cast, build, wants_alerts, commit):
    with commit():
        build.admitted()  # to home care (asked) and the care centre (did not)
    assert [message.to for message in mail.outbox] == [[EMAIL]]
    assert sms_texts() == [(MOBILE, "Nytt meddelande i Hemtjänst Öst i samplan")]


def test_an_alert_never_contains_patient_data(cast, build, wants_alerts, commit):
    with commit():
        _, message = build.admitted(
            identity_number="191212121212", first_name="Tolvan", last_name="Tolvansson"
        )
    sent = mail.outbox[0]
    assert sent.subject == "Nytt meddelande i Hemtjänst Öst i samplan"
    for text in [sent.subject, sent.body, *(sms.text for sms in LocmemBackend.outbox)]:
        for secret in ("Tolvan", "1212", "Inskrivningsmeddelande", "Avd 1", str(message.uuid)):
            assert secret not in text
    assert "Logga in i samplan" in sent.body


def test_nothing_is_sent_for_a_send_that_rolls_back(cast, build, wants_alerts, commit):
    case = build.case()
    with commit(), pytest.raises(RuntimeError), transaction.atomic():
        build.send(case)
        raise RuntimeError("the page failed after sending")
    assert mail.outbox == [] and LocmemBackend.outbox == []


def test_a_switched_off_unit_gets_nothing(cast, build, wants_alerts, commit):
    AlertSettings.objects.filter(pk=wants_alerts.pk).update(enabled=False)
    with commit():
        build.admitted()
    assert mail.outbox == [] and LocmemBackend.outbox == []


def test_coalesced_to_one_alert_per_unit_per_window(cast, build, wants_alerts, commit):
    start = timezone.now() + datetime.timedelta(days=1)
    with time_machine.travel(start, tick=False), commit():
        build.admitted()
    assert len(mail.outbox) == 1
    with time_machine.travel(start + datetime.timedelta(minutes=1), tick=False), commit():
        build.admitted()
        build.admitted()
    assert len(mail.outbox) == 1 and len(LocmemBackend.outbox) == 1
    assert AlertState.objects.get(unit=cast.home_care).pending
    # After the window, the waiting alert goes out with the next delivery: one more, not three.
    with time_machine.travel(start + datetime.timedelta(minutes=6), tick=False), commit():
        build.admitted()
    assert len(mail.outbox) == 2 and len(LocmemBackend.outbox) == 2
    state = AlertState.objects.get(unit=cast.home_care)
    assert not state.pending and state.last_sent_at == start + datetime.timedelta(minutes=6)


def test_a_backend_that_can_wait_gets_the_alert_at_the_end_of_the_window(
    cast, wants_alerts, settings
):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    from django_tasks import default_task_backend

    now = timezone.now()
    AlertState.objects.create(unit=cast.home_care, last_sent_at=now - datetime.timedelta(minutes=2))
    assert alerts.alerts_request(unit_ids=[cast.home_care.pk, cast.care_centre.pk], now=now) == [
        cast.home_care.pk
    ]
    (queued,) = default_task_backend.results
    assert queued.args == [cast.home_care.pk]
    assert queued.task.run_after == now + datetime.timedelta(minutes=3)
    # More deliveries in the window enqueue nothing more.
    assert alerts.alerts_request(unit_ids=[cast.home_care.pk], now=now) == []
    assert len(default_task_backend.results) == 1
    # A task that runs too early waits again instead of sending.
    assert alerts.alert_send_pending(unit_id=cast.home_care.pk, now=now) == "waiting"
    assert mail.outbox == []
    later = now + datetime.timedelta(minutes=3)
    assert alerts.alert_send_pending(unit_id=cast.home_care.pk, now=later) == "sent"
    assert len(mail.outbox) == 1


def test_two_workers_send_one_alert(cast, wants_alerts):
    AlertState.objects.create(unit=cast.home_care, pending=True, pending_since=timezone.now())
    results = [alerts.alert_send_pending(unit_id=cast.home_care.pk) for _ in range(2)]
    assert results == ["sent", "nothing"]
    assert len(mail.outbox) == 1 and len(LocmemBackend.outbox) == 1


class FlakySms(BaseSmsBackend):
    failures_left = 0

    def send(self, numbers, text, key=""):
        if FlakySms.failures_left > 0:
            FlakySms.failures_left -= 1
            raise ConnectionError("gateway down")
        LocmemBackend().send(numbers, text, key=key)


@pytest.fixture
def flaky_sms(settings):
    settings.SMS_BACKEND = f"{__name__}.FlakySms"
    yield FlakySms
    FlakySms.failures_left = 0


def test_a_failing_channel_is_retried_alone(cast, build, wants_alerts, commit, flaky_sms):
    flaky_sms.failures_left = 2
    with commit():
        build.admitted()
    assert len(LocmemBackend.outbox) == 1  # third attempt
    assert len(mail.outbox) == 1  # e-mail worked the first time and was not repeated
    state = AlertState.objects.get(unit=cast.home_care)
    assert state.last_error == "" and state.last_failed_at is None


def test_gives_up_after_the_last_attempt_and_shows_it(
    client, cast, build, wants_alerts, commit, flaky_sms, login_as
):
    flaky_sms.failures_left = 99
    with commit():
        build.admitted()
    assert flaky_sms.failures_left == 99 - alerts.MAX_ATTEMPTS
    state = AlertState.objects.get(unit=cast.home_care)
    assert "ConnectionError" in state.last_error and state.last_failed_at
    login_as(cast.home_care_nurse, cast.home_care)
    html = client.get(reverse("messaging:alert_settings")).content.decode()
    assert "Kunde inte skickas" in html


def test_retries_wait_longer_each_time(cast, wants_alerts, settings, flaky_sms):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    from django_tasks import default_task_backend

    flaky_sms.failures_left = 1
    now = timezone.now()
    key = "6f1c7c4e-0d5e-4c53-9d40-0b0d8a1f2b3c"
    AlertState.objects.create(unit=cast.home_care, sending_id=key, sending_done=["email"])
    assert alerts.alert_deliver(unit_id=cast.home_care.pk, sending_id=key, attempt=3, now=now) == (
        "retrying"
    )
    assert mail.outbox == []  # e-mail had gone out already
    (retry,) = default_task_backend.results
    assert retry.args == [cast.home_care.pk, key, 4]
    assert retry.task.run_after == now + datetime.timedelta(minutes=4)
    state = AlertState.objects.get(unit=cast.home_care)
    # Held for the retry, not recorded as sent.
    assert state.last_sent_at is None and str(state.sending_id) == key
    assert state.sending_until == retry.task.run_after + alerts.send_lease()


def test_recorded_as_sent_only_after_the_send_succeeded(cast, wants_alerts, flaky_sms, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    flaky_sms.failures_left = 1
    AlertState.objects.create(unit=cast.home_care, pending=True, pending_since=timezone.now())
    assert alerts.alert_send_pending(unit_id=cast.home_care.pk) == "retrying"
    state = AlertState.objects.get(unit=cast.home_care)
    assert state.last_sent_at is None and state.sending_id is not None
    assert state.sending_done == ["email"]
    assert alerts.alert_deliver(
        unit_id=cast.home_care.pk, sending_id=str(state.sending_id), attempt=2
    ) == ("sent")
    done = AlertState.objects.get(unit=cast.home_care)
    assert done.last_sent_at is not None and done.last_sent_id == state.sending_id
    assert done.sending_id is None
    assert len(mail.outbox) == 1
    assert [sms.key for sms in LocmemBackend.outbox] == [str(state.sending_id)]
    assert mail.outbox[0].extra_headers["Message-ID"].startswith(f"<alert-{state.sending_id}")


def test_a_send_left_by_a_dead_worker_is_taken_over_with_its_id(cast, wants_alerts):
    now = timezone.now()
    key = "0b7e8a52-7d4e-4d0c-8d9b-6f3b2f1d5e11"
    # A worker claimed the send and died before sending SMS (e-mail had gone out).
    AlertState.objects.create(
        unit=cast.home_care,
        sending_id=key,
        sending_until=now + datetime.timedelta(seconds=30),
        sending_done=["email"],
    )
    assert alerts.alert_send_pending(unit_id=cast.home_care.pk, now=now) == "in progress"
    assert LocmemBackend.outbox == []
    later = now + datetime.timedelta(seconds=31)
    assert alerts.alert_send_pending(unit_id=cast.home_care.pk, now=later) == "sent"
    assert [sms.key for sms in LocmemBackend.outbox] == [key]
    assert mail.outbox == []
    state = AlertState.objects.get(unit=cast.home_care)
    assert str(state.last_sent_id) == key and state.last_sent_at == later
    # Run once more (the requeued task and a late original): nothing more is sent.
    assert alerts.alert_send_pending(unit_id=cast.home_care.pk, now=later) == "nothing"
    assert len(LocmemBackend.outbox) == 1


def test_forwarding_and_returning_alert_the_new_receiver(cast, build, commit):
    home_health = UnitFactory(organization=cast.municipality, kind=UnitKind.HOME_HEALTH_CARE)
    AlertSettings.objects.create(unit=home_health, enabled=True, email_addresses=["hsv@ex.se"])
    _, message = build.admitted()
    with commit():
        delivery_forward(
            delivery=Delivery.objects.get(message=message, unit=cast.home_care),
            to_unit=home_health,
            actor=Actor(user=cast.home_care_nurse, unit=cast.home_care),
        )
    assert [m.to for m in mail.outbox] == [["hsv@ex.se"]]
    _, other = build.admitted()
    AlertState.objects.filter(unit=home_health).update(last_sent_at=None)
    with commit():
        delivery_return(
            delivery=Delivery.objects.get(message=other, unit=cast.home_care),
            reason="Fel",
            actor=Actor(user=cast.home_care_nurse, unit=cast.home_care),
            fallback_unit=home_health,
        )
    assert len(mail.outbox) == 2


# --- The Avisering pages ---------------------------------------------------------------------

SETTINGS = reverse("messaging:alert_settings")


def test_the_units_user_sets_numbers_and_addresses(client, cast, login_as):
    login_as(cast.home_care_nurse, cast.home_care)
    assert client.get(SETTINGS).status_code == 200
    response = client.post(
        SETTINGS,
        {"enabled": "on", "sms_numbers": "070-123 45 67\n0701234567", "email_addresses": EMAIL},
    )
    assert response.status_code == 302
    wish = AlertSettings.objects.get(unit=cast.home_care)
    assert wish.enabled and wish.sms_numbers == [MOBILE] and wish.email_addresses == [EMAIL]
    change = AdminChange.objects.get(target_type="alertsettings")
    assert change.actor == cast.home_care_nurse and change.organization == cast.municipality
    html = client.get(SETTINGS).content.decode()
    assert "+46701234567" in html and EMAIL in html


@pytest.mark.parametrize(
    ("data", "error"),
    [
        ({"sms_numbers": "12345"}, "inte ett svenskt mobilnummer"),
        ({"email_addresses": "inte-en-adress"}, "inte en e-postadress"),
        ({"enabled": "on"}, "Ange minst ett mobilnummer"),
    ],
)
def test_bad_input_gets_a_plain_error_and_keeps_what_was_typed(client, cast, login_as, data, error):
    login_as(cast.home_care_nurse, cast.home_care)
    response = client.post(SETTINGS, data)
    html = response.content.decode()
    assert response.status_code == 200 and error in html
    for value in data.values():
        if value != "on":
            assert value in html
    assert not AlertSettings.objects.exists()


def test_local_admins_reach_their_organisations_units(client, cast, login_as):
    page = reverse("messaging:alert_settings_unit", args=[cast.home_care.pk])
    login_as(cast.municipal_local_admin, cast.municipal_admin_unit)
    html = client.get(reverse("messaging:alert_units")).content.decode()
    assert "Hemtjänst Öst" in html and "Vårdcentralen Norr" not in html
    assert client.get(page).status_code == 200
    client.post(page, {"enabled": "on", "email_addresses": EMAIL})
    assert AlertSettings.objects.get(unit=cast.home_care).enabled
    other = reverse("messaging:alert_settings_unit", args=[cast.outsider_unit.pk])
    assert client.get(other).status_code == 403


@pytest.mark.parametrize("who", ["other_unit_user", "other_organisation_admin", "plain_user"])
def test_others_may_not_change_a_units_alerts(client, cast, login_as, who):
    page = reverse("messaging:alert_settings_unit", args=[cast.home_care.pk])
    user, unit = {
        "other_unit_user": (cast.care_centre_nurse, cast.care_centre),
        "other_organisation_admin": (cast.outsider_admin, cast.outsider_unit),
        "plain_user": (cast.outsider, cast.outsider_unit),
    }[who]
    login_as(user, unit)
    assert client.get(page).status_code == 403
    assert client.post(page, {"enabled": "on", "email_addresses": EMAIL}).status_code == 403
    assert not AlertSettings.objects.exists()
    assert client.get(reverse("messaging:alert_units")).status_code == (
        200 if who == "other_organisation_admin" else 403
    )


def test_anonymous_and_units_without_inbox(client, cast, login_as):
    assert client.get(SETTINGS).status_code == 302
    login_as(cast.municipal_local_admin, cast.municipal_admin_unit)  # no inbox
    assert client.get(SETTINGS).status_code == 403
