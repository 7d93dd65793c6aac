"""Login throttling per client address as well as per account, and a lock message that does
not tell whether the username exists."""

import datetime
import re

import time_machine
from django.urls import reverse
from django.utils import timezone

from samplan.accounts.models import LoginEvent, LoginEventKind
from samplan.testing import TEST_PASSWORD

LOGIN = reverse("accounts:login")
ATTEMPTS = reverse("administration:login_attempts")


def post_login(client, username, password, address="10.0.0.7"):
    return client.post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR=address)


def _errors(response) -> str:
    """The form's error text, with the time in it made comparable."""
    errors = " ".join(response.context["form"].non_field_errors())
    return re.sub(r"\d\d:\d\d", "HH:MM", errors)


def test_an_unknown_username_is_locked_like_a_real_one(client, cast, settings):
    settings.LOGIN_MAX_FAILED_ATTEMPTS = 3
    real = [post_login(client, "avdssk", "Fel-lösen1", "10.0.0.1") for _ in range(4)]
    unknown = [post_login(client, "finnsinte", "Fel-lösen1", "10.0.0.2") for _ in range(4)]
    for mine, theirs in zip(real, unknown, strict=True):
        assert _errors(mine) == _errors(theirs)
    assert "Kontot är låst" in _errors(unknown[2]) and "Kontot är låst" in _errors(unknown[3])
    assert "Fel användarnamn eller lösenord" in _errors(unknown[1])
    assert LoginEvent.objects.filter(
        kind=LoginEventKind.LOCKED, user__isnull=True, username="finnsinte"
    ).exists()


def test_the_unknown_username_lock_runs_out(client, cast, settings):
    settings.LOGIN_MAX_FAILED_ATTEMPTS = 2
    settings.LOGIN_LOCKOUT_MINUTES = 15
    for _ in range(2):
        post_login(client, "finnsinte", "x")
    assert "Kontot är låst" in _errors(post_login(client, "FINNSINTE", "x"))
    with time_machine.travel(timezone.now() + datetime.timedelta(minutes=16)):
        assert "Fel användarnamn" in _errors(post_login(client, "finnsinte", "x", "10.0.0.9"))


def test_an_address_is_blocked_after_failures_across_many_accounts(client, cast, settings):
    settings.LOGIN_MAX_FAILED_ATTEMPTS = 5
    settings.LOGIN_MAX_FAILED_PER_ADDRESS = 6
    # Two guesses each at three accounts (under the per-account limit): six from one address.
    for username in ("avdssk", "vcssk", "hemssk") * 2:
        response = post_login(client, username, "Fel-lösen1", "10.6.6.6")
    assert "Kontot är låst" in _errors(response)
    assert LoginEvent.objects.filter(kind=LoginEventKind.ADDRESS_LOCKED).count() == 1
    # Blocked even with the right password, for any account, from that address...
    refused = post_login(client, "kommunadmin", TEST_PASSWORD, "10.6.6.6")
    assert refused.status_code == 200 and "_auth_user_id" not in client.session
    assert "Kontot är låst" in _errors(refused)
    assert LoginEvent.objects.filter(kind=LoginEventKind.ADDRESS_LOCKED).count() == 1
    # ...but not from another address, and no account got locked by it.
    assert post_login(client, "avdssk", TEST_PASSWORD, "10.1.1.1").status_code == 302
    assert not LoginEvent.objects.filter(kind=LoginEventKind.LOCKED).exists()


def test_the_address_block_runs_out(client, cast, settings):
    settings.LOGIN_MAX_FAILED_PER_ADDRESS = 3
    settings.LOGIN_LOCKOUT_MINUTES = 15
    for username in ("a1", "a2", "a3"):
        post_login(client, username, "x", "10.6.6.6")
    assert "Kontot är låst" in _errors(post_login(client, "avdssk", TEST_PASSWORD, "10.6.6.6"))
    with time_machine.travel(timezone.now() + datetime.timedelta(minutes=16)):
        assert post_login(client, "avdssk", TEST_PASSWORD, "10.6.6.6").status_code == 302


def test_administrators_see_attempts_and_blocks(client, cast, settings, login_as):
    settings.LOGIN_MAX_FAILED_PER_ADDRESS = 3
    for username in ("a1", "a2", "a3", "a4"):
        post_login(client, username, "x", "10.6.6.6")
    post_login(client, "avdssk", "x", "10.2.2.2")
    login_as(cast.municipal_system_admin, cast.municipal_admin_unit)
    assert "Inloggningsförsök" in client.get(reverse("administration:index")).content.decode()
    response = client.get(ATTEMPTS)
    assert response.status_code == 200
    rows = list(response.context["page"])
    assert [(r["client_address"], r["failures"], r["usernames"], r["blocks"]) for r in rows] == [
        ("10.6.6.6", 4, 4, 1),
        ("10.2.2.2", 1, 1, 0),
    ]
    assert "Spärrad 1 gång" in response.content.decode()


def test_only_system_administrators_see_login_attempts(client, cast, login_as):
    login_as(cast.municipal_local_admin, cast.municipal_admin_unit)
    assert client.get(ATTEMPTS).status_code == 403
    login_as(cast.ward_nurse, cast.ward)
    assert client.get(ATTEMPTS).status_code == 403
