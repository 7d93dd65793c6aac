"""Django's admin at /django-admin/ is for superusers only, and read-mostly."""

import pytest
from django.urls import reverse

from samplan.accounts.models import LoginEvent, LoginEventKind, User
from samplan.testing import TEST_PASSWORD

ADMIN = "/django-admin/"


def test_staff_who_is_not_superuser_is_refused(cast, login_as, client):
    User.objects.filter(pk=cast.municipal_system_admin.pk).update(is_staff=True)
    cast.municipal_system_admin.refresh_from_db()
    login_as(cast.municipal_system_admin, cast.municipal_admin_unit)
    for path in (ADMIN, f"{ADMIN}accounts/user/", f"{ADMIN}organizations/unit/"):
        response = client.get(path, follow=True)
        assert response.status_code == 403
    assert (
        client.post(f"{ADMIN}organizations/unit/add/", {"name": "X"}, follow=True).status_code
        == 403
    )


def test_anonymous_is_sent_to_samplans_login(client, db):
    response = client.get(ADMIN, follow=True)
    assert response.redirect_chain[-1][0].startswith(reverse("accounts:login"))
    assert "next=%2Fdjango-admin%2F" in response.redirect_chain[-1][0]


def test_admin_login_page_is_samplans_login_with_lockout(cast, client, settings):
    """Django's own login form would skip lock-out and login events; it is not used: a locked
    superuser gets in through neither login page, even with the right password."""
    settings.LOGIN_MAX_FAILED_ATTEMPTS = 2
    login = reverse("accounts:login")
    for _ in range(2):
        client.post(login, {"username": "root", "password": "Fel-lösen1"})
    assert LoginEvent.objects.filter(kind=LoginEventKind.LOCKED, user=cast.superuser).exists()
    right = {"username": "root", "password": TEST_PASSWORD}
    response = client.post(f"{ADMIN}login/", right)
    assert response.status_code == 302 and response.url.startswith(login)
    assert "_auth_user_id" not in client.session
    response = client.post(response.url, right)
    assert "Kontot är låst" in response.content.decode()
    assert "_auth_user_id" not in client.session
    assert client.get(ADMIN).status_code == 302  # still sent to log in


def test_superuser_gets_in_and_reads(cast, login_as, client):
    login_as(cast.superuser)
    assert client.get(ADMIN).status_code == 200
    assert client.get(f"{ADMIN}accounts/user/").status_code == 200
    response = client.get(f"{ADMIN}accounts/user/{cast.home_care_nurse.pk}/change/")
    assert response.status_code == 200
    assert cast.home_care_nurse.password not in response.content.decode()


@pytest.mark.parametrize(
    "path",
    [
        "accounts/user/add/",
        "organizations/unit/add/",
        "accounts/membership/add/",
        "auditlog/adminchange/add/",
    ],
)
def test_superuser_cannot_add_through_django_admin(cast, login_as, client, path):
    login_as(cast.superuser)
    assert client.get(f"{ADMIN}{path}").status_code == 403


def test_changes_through_django_admin_are_refused(cast, login_as, client):
    login_as(cast.superuser)
    unit = cast.home_care
    response = client.post(
        f"{ADMIN}organizations/unit/{unit.pk}/change/", {"name": "Kapad", "kind": unit.kind}
    )
    assert response.status_code == 403
    unit.refresh_from_db()
    assert unit.name == "Hemtjänst Öst"
    response = client.post(f"{ADMIN}organizations/unit/{unit.pk}/delete/", {"post": "yes"})
    assert response.status_code == 403


def test_superuser_logs_in_through_samplan_and_reaches_django_admin(cast, client):
    response = client.post(
        reverse("accounts:login") + "?next=/django-admin/",
        {"username": "root", "password": TEST_PASSWORD, "next": ADMIN},
        follow=True,
    )
    assert response.redirect_chain[-1][0] == ADMIN
    assert response.status_code == 200


def test_superuser_without_units_lands_in_administration(cast, client):
    response = client.post(
        reverse("accounts:login"), {"username": "root", "password": TEST_PASSWORD}, follow=True
    )
    assert response.redirect_chain[-1][0] == reverse("administration:index")
    assert response.status_code == 200


def test_logging_out_of_django_admin_is_recorded(cast, login_as, client):
    from samplan.accounts.models import LoginEvent, LoginEventKind

    login_as(cast.superuser)
    response = client.post(f"{ADMIN}logout/")
    assert response.status_code == 302
    assert LoginEvent.objects.filter(kind=LoginEventKind.LOGOUT, user=cast.superuser).exists()
    assert "_auth_user_id" not in client.session
