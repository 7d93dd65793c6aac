"""Error pages in Swedish (400, 403, 404, 500, CSRF), a 503 with Retry-After while the database
is away, and client errors logged in one line without a traceback."""

import logging

import pytest
from django.db import OperationalError, connections
from django.test import Client, override_settings
from django.urls import reverse

ERROR_URLS = "samplan.core.tests.error_urls"


def _swedish(response, status: int, heading: str) -> str:
    html = response.content.decode()
    assert response.status_code == status
    assert '<html lang="sv">' in html
    assert f"<h1>{heading}</h1>" in html
    for english in ("Not Found", "Server Error", "Forbidden", "Bad Request", "CSRF"):
        assert english not in html
    return html


def test_404_is_swedish(client, db):
    _swedish(client.get("/finns-inte/"), 404, "Sidan hittades inte")


def test_404_for_an_object_the_unit_may_not_see(cast, login_as):
    client = login_as(cast.outsider, cast.outsider_unit)
    response = client.get(reverse("sip:detail", kwargs={"plan_id": 999_999}))
    _swedish(response, 404, "Sidan hittades inte")


def test_403_is_swedish(cast, login_as):
    client = login_as(cast.ward_nurse, cast.ward)
    response = client.get(reverse("administration:index"))
    _swedish(response, 403, "Du får inte göra detta")


def test_400_is_swedish(db):
    response = Client().get("/", HTTP_HOST="angripare.example")
    _swedish(response, 400, "Begäran kunde inte förstås")


def test_a_form_without_its_csrf_token_is_refused_in_swedish(db):
    client = Client(enforce_csrf_checks=True)
    response = client.post(reverse("accounts:login"), {"username": "x", "password": "y"})
    _swedish(response, 403, "Formuläret har gått ut")


def test_english_users_get_english_error_pages(client, db):
    client.cookies["django_language"] = "en"
    html = client.get("/finns-inte/").content.decode()
    assert '<html lang="en">' in html and "<h1>The page was not found</h1>" in html


@override_settings(ROOT_URLCONF=ERROR_URLS)
def test_500_is_swedish(db):
    response = Client(raise_request_exception=False).get("/test-fel/")
    _swedish(response, 500, "Något gick fel i samplan")
    assert "Retry-After" not in response


@pytest.mark.django_db(transaction=True)
@override_settings(ROOT_URLCONF=ERROR_URLS)
def test_503_with_retry_after_while_the_database_is_away(monkeypatch):
    def refuse():
        raise OperationalError("connection refused")

    monkeypatch.setattr(connections["default"], "ensure_connection", refuse)
    response = Client(raise_request_exception=False).get("/test-databas/")
    monkeypatch.undo()
    _swedish(response, 503, "samplan är tillfälligt otillgängligt")
    assert response["Retry-After"] == "30"


@pytest.mark.django_db(transaction=True)
@override_settings(ROOT_URLCONF=ERROR_URLS)
def test_a_database_error_with_the_database_up_is_a_500():
    response = Client(raise_request_exception=False).get("/test-fraga/")
    _swedish(response, 500, "Något gick fel i samplan")


def test_403_and_404_are_logged_in_one_line_without_traceback(cast, login_as, caplog):
    client = login_as(cast.ward_nurse, cast.ward)
    with caplog.at_level(logging.WARNING, logger="django.request"):
        client.get(reverse("administration:index"))
        client.get(reverse("sip:detail", kwargs={"plan_id": 999_999}))
    records = [r for r in caplog.records if r.name == "django.request"]
    assert [r.status_code for r in records] == [403, 404]
    for record in records:
        assert record.exc_info is None and record.exc_text is None
    assert records[0].getMessage() == "Forbidden (Permission denied): /administrera/"


@override_settings(ROOT_URLCONF=ERROR_URLS)
def test_500_keeps_its_traceback(db, caplog):
    with caplog.at_level(logging.ERROR, logger="django.request"):
        Client(raise_request_exception=False).get("/test-fel/")
    (record,) = [r for r in caplog.records if r.name == "django.request"]
    assert record.status_code == 500 and record.exc_info is not None
