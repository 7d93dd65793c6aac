"""Smart-card login: conversion, card-only login afterwards, the session ending with the card."""

import ipaddress

import pytest
from django.urls import reverse

from samplan.accounts.models import LoginEvent, LoginEventKind, LoginMethod, User
from samplan.accounts.sessions import SESSION_UNIT_KEY
from samplan.testing import TEST_PASSWORD

CARD = reverse("accounts:card_login")
SUBJECT = "CN=Anna Avd,serialNumber=SE2321000065-1001"
CARD_HEADERS = {"HTTP_X_SSL_CLIENT_VERIFY": "SUCCESS", "HTTP_X_SSL_CLIENT_S_DN": SUBJECT}


@pytest.fixture(autouse=True)
def _card_login_on(settings):
    settings.SMART_CARD_LOGIN = True
    # The test client's requests come from 127.0.0.1, here the trusted proxy's address.
    settings.SMART_CARD_TRUSTED_PROXIES = [ipaddress.ip_network("127.0.0.1/32")]


@pytest.fixture
def card_user(cast):
    User.objects.filter(pk=cast.ward_nurse.pk).update(login_method=LoginMethod.SMART_CARD)
    cast.ward_nurse.refresh_from_db()
    return cast.ward_nurse


def convert(client, cast, username="avdssk", password=TEST_PASSWORD, headers=CARD_HEADERS):
    return client.post(
        CARD,
        {"organization": cast.region.pk, "username": username, "password": password},
        **headers,
    )


def test_disabled_unless_configured(client, cast, settings):
    settings.SMART_CARD_LOGIN = False
    assert client.get(CARD, **CARD_HEADERS).status_code == 404


def test_without_a_verified_card_nothing_happens(client, card_user):
    response = client.get(CARD, HTTP_X_SSL_CLIENT_VERIFY="FAILED:unable to verify")
    assert response.status_code == 403
    assert "_auth_user_id" not in client.session


def test_conversion_binds_the_card_and_refuses_password_afterwards(client, cast, card_user):
    response = convert(client, cast)
    assert response.status_code == 302
    card_user.refresh_from_db()
    assert card_user.card_subject == SUBJECT and card_user.card_converted_at
    client.logout()
    response = client.post(
        reverse("accounts:login"), {"username": "avdssk", "password": TEST_PASSWORD}
    )
    assert "_auth_user_id" not in client.session
    assert "e-tjänstekort" in response.content.decode()


def test_converted_user_logs_in_with_the_card_only(client, cast, card_user):
    convert(client, cast)
    client.logout()
    response = client.get(CARD, **CARD_HEADERS)
    assert response.status_code == 302
    assert int(client.session["_auth_user_id"]) == card_user.pk
    assert LoginEvent.objects.filter(kind=LoginEventKind.LOGIN, user=card_user).count() == 2


def test_password_user_cannot_convert(client, cast):
    response = convert(client, cast)
    assert "inte inställt för inloggning med e-tjänstekort" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_wrong_password_or_organisation_is_refused(client, cast, card_user):
    assert "_auth_user_id" not in convert(client, cast, password="Fel-lösen1").wsgi_request.session
    response = client.post(
        CARD,
        {"organization": cast.municipality.pk, "username": "avdssk", "password": TEST_PASSWORD},
        **CARD_HEADERS,
    )
    assert "_auth_user_id" not in client.session
    assert "Fel organisation, användarnamn eller lösenord" in response.content.decode()


def test_a_card_cannot_be_bound_to_two_accounts(client, cast, card_user):
    User.objects.filter(pk=cast.care_centre_nurse.pk).update(card_subject=SUBJECT)
    response = convert(client, cast)
    assert "redan kopplat" in response.content.decode()


def test_removing_the_card_ends_the_session(client, cast, card_user):
    convert(client, cast)
    session = client.session
    session[SESSION_UNIT_KEY] = cast.ward.pk
    session.save()
    # The start page of a patient worker is Översikt (a redirect): follow it with the card.
    assert client.get(reverse("core:home"), follow=True, **CARD_HEADERS).status_code == 200
    response = client.get(reverse("core:home"))  # no card header: the card was pulled out
    assert response.status_code == 302
    assert "_auth_user_id" not in client.session
    assert LoginEvent.objects.filter(kind=LoginEventKind.LOGOUT, user=card_user).exists()


def test_another_card_ends_the_session(client, cast, card_user):
    convert(client, cast)
    other = {**CARD_HEADERS, "HTTP_X_SSL_CLIENT_S_DN": "CN=Someone Else"}
    assert client.get(reverse("core:home"), **other).status_code == 302
    assert "_auth_user_id" not in client.session


def test_card_headers_count_only_from_the_trusted_proxy(client, cast, card_user, settings):
    convert(client, cast)
    client.logout()
    # Nothing configured: no card header is believed, whoever sends it.
    settings.SMART_CARD_TRUSTED_PROXIES = []
    assert client.get(CARD, **CARD_HEADERS).status_code == 403
    # The proxy's address: another address is refused.
    settings.SMART_CARD_TRUSTED_PROXIES = [ipaddress.ip_network("10.0.0.0/24")]
    assert client.get(CARD, **CARD_HEADERS).status_code == 403
    assert client.get(CARD, REMOTE_ADDR="10.0.0.7", **CARD_HEADERS).status_code == 302
    client.logout()
    # The shared secret: required as well once it is set, and compared in full.
    settings.SMART_CARD_PROXY_SECRET = "s" * 40
    assert client.get(CARD, REMOTE_ADDR="10.0.0.7", **CARD_HEADERS).status_code == 403
    wrong = {"HTTP_X_SAMPLAN_PROXY_SECRET": "s" * 39}
    assert client.get(CARD, REMOTE_ADDR="10.0.0.7", **wrong, **CARD_HEADERS).status_code == 403
    settings.SMART_CARD_TRUSTED_PROXIES = []
    right = {"HTTP_X_SAMPLAN_PROXY_SECRET": "s" * 40}
    assert client.get(CARD, REMOTE_ADDR="192.0.2.1", **right, **CARD_HEADERS).status_code == 302
    assert LoginEvent.objects.filter(kind=LoginEventKind.LOGIN, user=card_user).count() == 3
