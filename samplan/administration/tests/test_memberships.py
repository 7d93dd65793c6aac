"""Behörigheter: adding and ending a user's memberships, and forged form posts."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from samplan.accounts.models import Membership, Role, User
from samplan.auditlog.models import AdminAction, AdminChange
from samplan.testing import UnitFactory


def add_url(user):
    return reverse("administration:membership_add", args=[user.pk])


def end_url(membership):
    return reverse("administration:membership_end", args=[membership.pk])


def grant(unit, role=Role.USER, **extra):
    data = {"unit": unit.pk, "role": role, "valid_from": timezone.localdate().isoformat()}
    data.update(extra)
    return data


@pytest.fixture
def local_admin(cast, login_as):
    return login_as(cast.municipal_local_admin, cast.municipal_admin_unit)


def test_add_membership(cast, local_admin, client):
    nurse = cast.home_care_nurse
    next_month = timezone.localdate() + datetime.timedelta(days=30)
    response = client.post(
        add_url(nurse),
        grant(cast.municipal_admin_unit, Role.MANAGER, valid_to=next_month.isoformat()),
    )
    assert response.status_code == 302
    membership = Membership.objects.get(user=nurse, unit=cast.municipal_admin_unit)
    assert membership.role == Role.MANAGER
    assert membership.valid_to == next_month
    assert membership.created_by == cast.municipal_local_admin
    change = AdminChange.objects.get(action=AdminAction.GRANT)
    assert change.target_type == "membership" and change.target_id == str(membership.pk)
    assert change.organization == cast.municipality
    assert change.changes["role"] == [None, Role.MANAGER]
    assert change.changes["unit"] == [None, "Vård och omsorg"]
    assert change.changes["valid_to"] == [None, next_month.isoformat()]


def test_a_user_may_hold_several_memberships(cast, local_admin, client):
    nurse = cast.home_care_nurse
    client.post(add_url(nurse), grant(cast.home_care, Role.SUPER_USER))
    client.post(add_url(nurse), grant(cast.municipal_admin_unit, Role.USER))
    assert Membership.objects.filter(user=nurse).count() == 3


def test_the_same_role_twice_is_refused(cast, local_admin, client):
    nurse = cast.home_care_nurse
    response = client.post(add_url(nurse), grant(cast.home_care, Role.USER))
    assert response.status_code == 200
    assert "har redan den här rollen" in response.content.decode()
    assert Membership.objects.filter(user=nurse).count() == 1


def test_posting_twice_adds_once(cast, local_admin, client):
    nurse = cast.home_care_nurse
    client.post(add_url(nurse), grant(cast.municipal_admin_unit))
    client.post(add_url(nurse), grant(cast.municipal_admin_unit))
    assert Membership.objects.filter(user=nurse, unit=cast.municipal_admin_unit).count() == 1


def test_a_later_period_of_the_same_role_is_allowed(cast, local_admin, client):
    nurse = cast.home_care_nurse
    today = timezone.localdate()
    Membership.objects.filter(user=nurse).update(valid_to=today + datetime.timedelta(days=5))
    later = (today + datetime.timedelta(days=10)).isoformat()
    response = client.post(add_url(nurse), grant(cast.home_care, valid_from=later))
    assert response.status_code == 302
    assert Membership.objects.filter(user=nurse, unit=cast.home_care).count() == 2


@pytest.mark.parametrize("unit_name", ["outsider_unit", "ward", "provider_unit"])
def test_forged_unit_of_another_organisation_is_refused(cast, local_admin, client, unit_name):
    nurse = cast.home_care_nurse
    response = client.post(add_url(nurse), grant(getattr(cast, unit_name)))
    assert response.status_code == 200
    assert "unit" in response.context["form"].errors
    assert Membership.objects.filter(user=nurse).count() == 1


def test_forged_unknown_unit_id_is_refused(cast, local_admin, client):
    response = client.post(
        add_url(cast.home_care_nurse), {**grant(cast.home_care), "unit": "99999"}
    )
    assert response.status_code == 200 and "unit" in response.context["form"].errors


@pytest.mark.parametrize("role", [Role.LOCAL_ADMIN, Role.SYSTEM_ADMIN, "god", ""])
def test_role_a_local_admin_may_not_grant_is_refused(cast, local_admin, client, role):
    nurse = cast.home_care_nurse
    response = client.post(add_url(nurse), grant(cast.home_care, role))
    assert response.status_code == 200
    assert "role" in response.context["form"].errors
    assert not Membership.objects.filter(user=nurse, role=role).exists()


def test_local_admin_is_not_offered_admin_roles(cast, local_admin, client):
    html = client.get(add_url(cast.home_care_nurse)).content.decode()
    assert 'value="local_admin"' not in html and 'value="system_admin"' not in html
    assert "Hemtjänst Öst" in html and "Hemtjänst Annan" not in html


def test_system_admin_grants_local_admin_in_the_provider(cast, login_as, client):
    login_as(cast.municipal_system_admin, cast.municipal_admin_unit)
    nurse = cast.home_care_nurse
    response = client.post(add_url(nurse), grant(cast.provider_unit, Role.LOCAL_ADMIN))
    assert response.status_code == 302
    assert Membership.objects.filter(user=nurse, role=Role.LOCAL_ADMIN).exists()


def test_a_system_admin_role_in_another_organisation_is_refused(cast, login_as, client):
    """A role valid in the posting admin's own organisation, forged into someone else's unit."""
    login_as(cast.municipal_system_admin, cast.municipal_admin_unit)
    response = client.post(
        add_url(cast.home_care_nurse), grant(cast.outsider_unit, Role.SYSTEM_ADMIN)
    )
    assert response.status_code == 200
    assert not Membership.objects.filter(unit=cast.outsider_unit, role=Role.SYSTEM_ADMIN).exists()


def test_inactive_unit_is_not_offered(cast, local_admin, client):
    closed = UnitFactory(organization=cast.municipality, name="Stängd enhet", is_active=False)
    response = client.post(add_url(cast.home_care_nurse), grant(closed))
    assert "unit" in response.context["form"].errors


@pytest.mark.parametrize(
    ("valid_from", "valid_to", "field"),
    [(-1, None, "valid_from"), (5, 2, "valid_to")],
)
def test_dates_are_checked(cast, local_admin, client, valid_from, valid_to, field):
    today = timezone.localdate()
    data = grant(
        cast.municipal_admin_unit,
        valid_from=(today + datetime.timedelta(days=valid_from)).isoformat(),
        valid_to=(today + datetime.timedelta(days=valid_to)).isoformat() if valid_to else "",
    )
    response = client.post(add_url(cast.home_care_nurse), data)
    assert field in response.context["form"].errors


def test_deactivated_user_gets_no_membership(cast, local_admin, client):
    nurse = cast.home_care_nurse
    User.objects.filter(pk=nurse.pk).update(is_active=False)
    response = client.post(add_url(nurse), grant(cast.municipal_admin_unit))
    assert response.status_code == 302
    assert not Membership.objects.filter(user=nurse, unit=cast.municipal_admin_unit).exists()


def test_local_admin_cannot_grant_to_themselves(cast, local_admin, client):
    me = cast.municipal_local_admin
    assert client.post(add_url(me), grant(cast.home_care, Role.MANAGER)).status_code == 403


# --- Ending -------------------------------------------------------------------------------


def test_end_membership(cast, local_admin, client):
    membership = Membership.objects.get(user=cast.home_care_nurse)
    response = client.post(end_url(membership))
    assert response.status_code == 302
    membership.refresh_from_db()
    assert membership.ended_at is not None
    assert membership.ended_by == cast.municipal_local_admin
    change = AdminChange.objects.get(action=AdminAction.END)
    assert change.target_id == str(membership.pk)
    assert change.changes["ended_at"][0] is None and change.changes["ended_at"][1]
    # Ending it again changes nothing.
    client.post(end_url(membership))
    assert AdminChange.objects.filter(action=AdminAction.END).count() == 1


def test_ended_membership_stops_the_users_unit_at_once(cast, local_admin, client, login_as):
    from django.test import Client

    from samplan.accounts.sessions import SESSION_UNIT_KEY

    nurse_client = Client()
    nurse_client.force_login(cast.home_care_nurse)
    session = nurse_client.session
    session[SESSION_UNIT_KEY] = cast.home_care.pk
    session.save()
    assert nurse_client.get(reverse("discharge:overview")).status_code == 200
    client.post(end_url(Membership.objects.get(user=cast.home_care_nurse)))
    assert nurse_client.get(reverse("discharge:overview")).status_code in (302, 403)


def test_local_admin_cannot_end_an_admin_membership(cast, local_admin, client):
    membership = Membership.objects.get(user=cast.municipal_system_admin)
    assert client.post(end_url(membership)).status_code == 403
    membership.refresh_from_db()
    assert membership.ended_at is None


def test_membership_of_another_organisation_is_not_found(cast, local_admin, client):
    membership = Membership.objects.get(user=cast.outsider)
    assert client.post(end_url(membership)).status_code == 404
    membership.refresh_from_db()
    assert membership.ended_at is None


def test_user_page_offers_end_only_where_allowed(cast, login_as, client):
    login_as(cast.municipal_system_admin, cast.municipal_admin_unit)
    admin_membership = Membership.objects.get(user=cast.municipal_local_admin)
    html = client.get(
        reverse("administration:user_detail", args=[cast.municipal_local_admin.pk])
    ).content.decode()
    assert end_url(admin_membership) in html
    login_as(cast.municipal_local_admin, cast.municipal_admin_unit)
    html = client.get(
        reverse("administration:user_detail", args=[cast.municipal_system_admin.pk])
    ).content.decode()
    assert end_url(Membership.objects.get(user=cast.municipal_system_admin)) not in html


def test_role_is_checked_against_the_units_organisation(cast, login_as, client):
    """System admin of the municipality and local admin of the region: an admin role is
    offered (for the municipality) but refused for a unit of the region."""
    from samplan.testing import MembershipFactory

    both = cast.municipal_system_admin
    MembershipFactory(user=both, unit=cast.care_centre, role=Role.LOCAL_ADMIN)
    login_as(both, cast.municipal_admin_unit)
    nurse = cast.ward_nurse
    User.objects.filter(pk=nurse.pk).update(organization=cast.region)
    response = client.post(add_url(nurse), grant(cast.ward, Role.LOCAL_ADMIN))
    assert response.status_code == 200
    assert "Du kan inte ge den här rollen" in response.content.decode()
    assert not Membership.objects.filter(user=nurse, role=Role.LOCAL_ADMIN).exists()
    assert client.post(add_url(nurse), grant(cast.ward, Role.MANAGER)).status_code == 302
