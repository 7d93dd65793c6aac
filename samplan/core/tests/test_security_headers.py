"""Security headers: a strict Content-Security-Policy on every page, no caching of anything a
logged-in user sees, HTTPS only in production, and Django's deploy check without warnings."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

from django.test import override_settings
from django.urls import reverse

ROOT = Path(__file__).resolve().parents[3]


def _csp(response) -> dict[str, str]:
    policy = response["Content-Security-Policy"]
    return {
        part.split()[0]: " ".join(part.split()[1:]) for part in policy.split(";") if part.strip()
    }


def test_every_page_has_a_strict_content_security_policy(client, cast, login_as):
    for response in (
        client.get(reverse("accounts:login")),
        login_as(cast.ward_nurse, cast.ward).get(reverse("discharge:overview")),
    ):
        directives = _csp(response)
        assert directives["default-src"] == "'self'"
        assert directives["script-src"] == "'self'"
        assert directives["style-src"] == "'self'"
        assert directives["frame-ancestors"] == "'none'"
        assert directives["object-src"] == "'none'"
        assert "unsafe" not in response["Content-Security-Policy"]


def test_pages_have_no_inline_script_or_style(client, cast, login_as):
    login_as(cast.ward_nurse, cast.ward)
    html = client.get(reverse("discharge:overview")).content.decode()
    assert "<script>" not in html and "<script " not in html.replace("<script src=", "")
    assert "<style" not in html and " style=" not in html
    assert "hx-vals='js:" not in html and "[document." not in html  # htmx without eval


def test_logged_in_pages_are_never_cached(client, cast, login_as):
    login_as(cast.ward_nurse, cast.ward)
    for url in (reverse("discharge:overview"), reverse("patients:search")):
        response = client.get(url)
        assert response.status_code == 200
        assert "no-store" in response["Cache-Control"]
        assert "private" in response["Cache-Control"]


def test_the_login_page_for_anonymous_users_may_be_cached_normally(client):
    assert "no-store" not in client.get(reverse("accounts:login")).get("Cache-Control", "")


@override_settings(SECURE_SSL_REDIRECT=True, SECURE_HSTS_SECONDS=31_536_000)
def test_production_redirects_to_https_and_sends_hsts(client):
    response = client.get(reverse("accounts:login"))
    assert response.status_code == 301
    assert response["Location"].startswith("https://")
    secure = client.get(reverse("accounts:login"), secure=True)
    assert secure.status_code == 200
    assert secure["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"


def _production_env() -> dict[str, str]:
    keep = {"PATH", "HOME", "LANG", "VIRTUAL_ENV"}
    env = {key: value for key, value in os.environ.items() if key in keep}
    env.update(
        DJANGO_SETTINGS_MODULE="samplan.settings",
        DEBUG="false",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="samplan.example.se",
        BEHIND_TLS_PROXY="true",
        DATABASE_URL=os.environ.get("DATABASE_URL", "sqlite:////tmp/samplan-deploy-check.sqlite3"),
    )
    return env


def test_deploy_check_with_production_settings_has_no_warnings():
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=_production_env(),
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_deploy_check_would_warn_without_hsts():
    """The check above can fail: the same settings without HSTS give W004."""
    env = _production_env() | {"SECURE_HSTS_SECONDS": "0", "SECURE_SSL_REDIRECT": "false"}
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode != 0
    assert "security.W004" in result.stderr and "security.W008" in result.stderr
