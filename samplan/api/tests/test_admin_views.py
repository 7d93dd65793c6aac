"""Administrera → Integrerade system: create, change, rotate, revoke; history; access."""

import datetime
import re

from django.urls import reverse
from django.utils import timezone

from samplan.accounts.models import Membership
from samplan.api.models import IntegrationClient
from samplan.api.tests.helpers import Caller
from samplan.api.tokens import token_hash
from samplan.auditlog.models import AdminChange


def _form(cast, **extra):
    return {
        "name": "Treserva",
        "units": [cast.home_care.pk],
        "scopes": ["inbox:read", "deliveries:acknowledge"],
        "expires_on": (timezone.localdate() + datetime.timedelta(days=90)).isoformat(),
        "rate_per_minute": "600",
        **extra,
    }


def _token(response) -> str:
    return re.search(r'value="(spl_[^"]+)"', response.content.decode()).group(1)


def test_create_shows_the_token_once_and_stores_its_hash(cast, login_as):
    client = login_as(cast.municipal_system_admin)
    listing = client.get(reverse("api_admin:client_list", args=[cast.municipality.pk]))
    assert listing.status_code == 200
    assert "Skapa integrerat system" in listing.content.decode()
    answer = client.post(
        reverse("api_admin:client_create", args=[cast.municipality.pk]), _form(cast)
    )
    assert answer.status_code == 200
    assert answer["Cache-Control"] == "no-store"
    token = _token(answer)
    system = IntegrationClient.objects.get()
    assert system.token_hash == token_hash(token)
    assert token not in str(IntegrationClient.objects.values().get())
    detail = client.get(reverse("api_admin:client_detail", args=[system.pk])).content.decode()
    assert token not in detail and system.token_prefix in detail
    # The service user holds the role user in exactly the chosen unit.
    units = Membership.objects.filter(user=system.service_user, ended_at__isnull=True)
    assert list(units.values_list("unit_id", flat=True)) == [cast.home_care.pk]
    assert not system.service_user.has_usable_password()
    assert AdminChange.objects.filter(
        target_type="integrationclient", target_id=str(system.pk), action="create"
    ).exists()
    assert Caller(token, cast.home_care).get("/feed").status_code == 200


def test_change_rotate_and_revoke_are_in_the_history(cast, login_as):
    client = login_as(cast.municipal_system_admin)
    created = client.post(
        reverse("api_admin:client_create", args=[cast.municipality.pk]), _form(cast)
    )
    old = _token(created)
    system = IntegrationClient.objects.get()
    client.post(
        reverse("api_admin:client_detail", args=[system.pk]),
        _form(cast, units=[cast.home_care.pk, cast.provider_unit.pk]),
    )
    # A unit of another organisation (the contracted provider) is not offered; the form
    # refuses it, and nothing changes.
    assert list(system.units.all()) == [cast.home_care]

    client.post(
        reverse("api_admin:client_detail", args=[system.pk]), _form(cast, name="Treserva 2")
    )
    system.refresh_from_db()
    assert system.name == "Treserva 2"

    rotated = client.post(reverse("api_admin:client_rotate", args=[system.pk]))
    new = _token(rotated)
    assert new != old
    assert Caller(old, cast.home_care).get("/feed").status_code == 401
    assert Caller(new, cast.home_care).get("/feed").status_code == 200

    confirm = client.get(reverse("api_admin:client_revoke", args=[system.pk]))
    assert confirm.status_code == 200
    client.post(reverse("api_admin:client_revoke", args=[system.pk]))
    assert Caller(new, cast.home_care).get("/feed").status_code == 401
    assert not Membership.objects.filter(user=system.service_user, ended_at__isnull=True)

    actions = list(
        AdminChange.objects.filter(target_type="integrationclient").values_list("action", flat=True)
    )
    assert sorted(actions) == sorted(["create", "update", "update", "deactivate"])
    page = client.get(reverse("api_admin:client_detail", args=[system.pk])).content.decode()
    assert "Ändringshistorik" in page and "Treserva 2" in page


def test_other_organisations_and_non_admins_are_refused(cast, login_as, home_care_api):
    system = IntegrationClient.objects.get(name="Treserva")
    outsider = login_as(cast.outsider_admin)
    assert outsider.get(reverse("api_admin:client_detail", args=[system.pk])).status_code in (
        403,
        404,
    )
    assert outsider.post(reverse("api_admin:client_rotate", args=[system.pk])).status_code == 404
    nurse = login_as(cast.home_care_nurse)
    assert (
        nurse.get(reverse("api_admin:client_list", args=[cast.municipality.pk])).status_code == 403
    )
    local_admin = login_as(cast.municipal_local_admin)
    assert (
        local_admin.post(
            reverse("api_admin:client_create", args=[cast.municipality.pk]), _form(cast)
        ).status_code
        == 403
    )


def test_the_administration_start_page_links_to_it(cast, login_as):
    page = login_as(cast.municipal_system_admin).get(reverse("administration:index"))
    assert reverse("api_admin:client_list", args=[cast.municipality.pk]) in page.content.decode()
