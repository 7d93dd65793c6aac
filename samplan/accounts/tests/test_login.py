import datetime

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from samplan.accounts.models import LoginEvent, LoginEventKind, User
from samplan.testing import TEST_PASSWORD

LOGIN = reverse("accounts:login")


def post_login(client, username, password, **extra):
    return client.post(LOGIN, {"username": username, "password": password}, **extra)


def test_login_page_is_swedish(client, db):
    response = client.get(LOGIN)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Logga in" in html
    assert 'for="id_username"' in html and 'for="id_password"' in html


def test_successful_login_records_event_with_client_address(client, cast):
    response = post_login(client, "avdssk", TEST_PASSWORD, REMOTE_ADDR="10.1.2.3")
    assert response.status_code == 302
    event = LoginEvent.objects.get(kind=LoginEventKind.LOGIN)
    assert event.user == cast.ward_nurse
    assert event.client_address == "10.1.2.3"


def test_username_is_case_insensitive(client, cast):
    assert post_login(client, "AVDSSK", TEST_PASSWORD).status_code == 302


def test_wrong_password_is_refused_and_recorded(client, cast):
    response = post_login(client, "avdssk", "Fel-lösen1")
    assert response.status_code == 200
    assert "Fel användarnamn eller lösenord" in response.content.decode()
    assert LoginEvent.objects.filter(kind=LoginEventKind.FAILED, user=cast.ward_nurse).count() == 1
    assert "_auth_user_id" not in client.session


def test_unknown_user_gets_the_same_message_and_is_recorded(client, cast):
    response = post_login(client, "ingen", "Fel-lösen1")
    assert "Fel användarnamn eller lösenord" in response.content.decode()
    event = LoginEvent.objects.get(kind=LoginEventKind.FAILED)
    assert event.user is None and event.username == "ingen"


def test_lockout_after_repeated_failures(client, cast, settings):
    settings.LOGIN_MAX_FAILED_ATTEMPTS = 3
    settings.LOGIN_LOCKOUT_MINUTES = 15
    for _ in range(3):
        response = post_login(client, "avdssk", "Fel-lösen1")
    assert "Kontot är låst" in response.content.decode()
    assert LoginEvent.objects.filter(kind=LoginEventKind.LOCKED).count() == 1
    # Even the right password is refused while locked.
    response = post_login(client, "avdssk", TEST_PASSWORD)
    assert response.status_code == 200
    assert "Kontot är låst" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_lock_expires(client, cast, settings):
    settings.LOGIN_MAX_FAILED_ATTEMPTS = 2
    for _ in range(2):
        post_login(client, "avdssk", "Fel-lösen1")
    later = timezone.now() + datetime.timedelta(minutes=settings.LOGIN_LOCKOUT_MINUTES + 1)
    with time_machine.travel(later):
        assert post_login(client, "avdssk", TEST_PASSWORD).status_code == 302


def test_success_resets_the_failure_count(client, cast, settings):
    settings.LOGIN_MAX_FAILED_ATTEMPTS = 3
    post_login(client, "avdssk", "Fel-lösen1")
    post_login(client, "avdssk", "Fel-lösen1")
    post_login(client, "avdssk", TEST_PASSWORD)
    cast.ward_nurse.refresh_from_db()
    assert cast.ward_nurse.failed_login_count == 0


def test_deactivated_user_cannot_log_in(client, cast):
    User.objects.filter(pk=cast.ward_nurse.pk).update(is_active=False)
    assert post_login(client, "avdssk", TEST_PASSWORD).status_code == 200
    assert "_auth_user_id" not in client.session


def test_converted_card_user_cannot_use_password(client, cast):
    User.objects.filter(pk=cast.ward_nurse.pk).update(card_converted_at=timezone.now())
    response = post_login(client, "avdssk", TEST_PASSWORD)
    assert "e-tjänstekort" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_logout_records_event_and_ends_session(client, cast, login_as):
    login_as(cast.ward_nurse, cast.ward)
    response = client.post(reverse("accounts:logout"))
    assert response.status_code == 302
    assert LoginEvent.objects.filter(kind=LoginEventKind.LOGOUT, user=cast.ward_nurse).exists()
    assert client.get(reverse("core:home")).status_code == 302


def test_logout_needs_post(client, cast, login_as):
    login_as(cast.ward_nurse, cast.ward)
    assert client.get(reverse("accounts:logout")).status_code == 405


def test_idle_session_ends(client, cast, settings):
    settings.SESSION_IDLE_MINUTES = 30
    post_login(client, "avdssk", TEST_PASSWORD)
    assert client.get(reverse("core:home"), follow=True).status_code == 200
    with time_machine.travel(timezone.now() + datetime.timedelta(minutes=31)):
        response = client.get(reverse("core:home"))
        assert response.status_code == 302
        assert response.url.startswith(LOGIN)
    assert LoginEvent.objects.filter(kind=LoginEventKind.IDLE_TIMEOUT).exists()


def test_activity_keeps_session_alive(client, cast, settings):
    settings.SESSION_IDLE_MINUTES = 30
    post_login(client, "avdssk", TEST_PASSWORD)
    start = timezone.now()
    for minutes in (20, 40, 60):
        with time_machine.travel(start + datetime.timedelta(minutes=minutes)):
            assert client.get(reverse("core:home"), follow=True).status_code == 200
    assert not LoginEvent.objects.filter(kind=LoginEventKind.IDLE_TIMEOUT).exists()


def test_background_polls_do_not_keep_session_alive(client, cast, settings):
    settings.SESSION_IDLE_MINUTES = 30
    post_login(client, "avdssk", TEST_PASSWORD)
    start = timezone.now()
    with time_machine.travel(start + datetime.timedelta(minutes=20)):
        client.get(reverse("core:home"), HTTP_X_SAMPLAN_BACKGROUND="1")
    with time_machine.travel(start + datetime.timedelta(minutes=31)):
        assert client.get(reverse("core:home")).status_code == 302


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/x"])
def test_next_cannot_leave_the_site(client, cast, target):
    response = client.post(
        LOGIN, {"username": "avdssk", "password": TEST_PASSWORD, "next": target}, follow=True
    )
    assert all("evil" not in url for url, _ in response.redirect_chain)
