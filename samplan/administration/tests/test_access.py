"""The reach of each administrator role (accounts.access), tested directly.

local admin: own organisation; system admin: own organisation + the private providers it
contracts; superuser: every organisation. Nobody administers their own account.
"""

import datetime

import pytest
from django.http import Http404
from django.utils import timezone

from samplan.accounts import access
from samplan.accounts import administering as org_access
from samplan.accounts.models import Membership, Role
from samplan.organizations.models import OrganizationKind
from samplan.testing import MembershipFactory, OrganizationFactory, UnitFactory, user_with_role


def fresh(user):
    """The same user without per-request caches, as the next request would see it."""
    access.forget_memberships(user)
    return user


def test_local_admin_reaches_own_organisation_only(cast):
    admin = cast.municipal_local_admin
    assert access.administered_organization_ids(admin) == {cast.municipality.pk}
    assert org_access.can_edit_unit(admin, cast.home_care)
    assert not org_access.can_edit_unit(admin, cast.provider_unit)
    assert not org_access.can_edit_unit(admin, cast.outsider_unit)
    assert not org_access.can_change_unit_tree(admin, cast.municipality)
    assert not org_access.can_edit_organization(admin, cast.municipality)


def test_system_admin_reaches_own_organisation_and_contracted_providers(cast):
    admin = cast.municipal_system_admin
    assert access.administered_organization_ids(admin) == {cast.municipality.pk, cast.provider.pk}
    assert org_access.can_change_unit_tree(admin, cast.municipality)
    assert org_access.can_change_unit_tree(admin, cast.provider)
    assert not org_access.can_change_unit_tree(admin, cast.other_municipality)
    assert not org_access.can_change_unit_tree(admin, cast.region)
    assert org_access.can_edit_organization(admin, cast.provider)


def test_a_provider_contracted_by_someone_else_is_out_of_reach(cast):
    foreign = OrganizationFactory(
        kind=OrganizationKind.PRIVATE_PROVIDER, contracted_by=cast.other_municipality
    )
    assert foreign.pk not in access.administered_organization_ids(cast.municipal_system_admin)


def test_superuser_reaches_every_organisation(cast):
    ids = access.administered_organization_ids(cast.superuser)
    assert ids == {
        cast.region.pk,
        cast.municipality.pk,
        cast.other_municipality.pk,
        cast.provider.pk,
    }
    assert org_access.can_change_unit_tree(cast.superuser, cast.region)


def test_plain_users_administer_nothing(cast):
    for user in (cast.home_care_nurse, cast.ward_nurse, cast.outsider):
        assert not access.is_administrator(user)
        assert access.administered_organization_ids(user) == set()


def test_ended_or_expired_admin_membership_gives_no_reach(cast):
    admin = cast.municipal_local_admin
    Membership.objects.filter(user=admin).update(ended_at=timezone.now())
    assert not access.is_administrator(fresh(admin))
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    Membership.objects.filter(user=admin).update(ended_at=None, valid_to=yesterday)
    assert not access.is_administrator(fresh(admin))


def test_deactivated_admin_has_no_reach(cast):
    admin = cast.municipal_system_admin
    admin.is_active = False
    assert access.administered_organization_ids(fresh(admin)) == set()


def test_grantable_roles(cast):
    assert Role.LOCAL_ADMIN not in access.grantable_roles(
        cast.municipal_local_admin, cast.municipality
    )
    assert Role.USER in access.grantable_roles(cast.municipal_local_admin, cast.municipality)
    assert Role.LOCAL_ADMIN in access.grantable_roles(
        cast.municipal_system_admin, cast.municipality
    )
    assert Role.SYSTEM_ADMIN in access.grantable_roles(cast.municipal_system_admin, cast.provider)
    assert access.grantable_roles(cast.municipal_local_admin, cast.region) == ()
    assert not access.can_grant(cast.municipal_local_admin, cast.outsider_unit, Role.USER)


def test_manage_user_within_reach(cast):
    assert access.can_manage_user(cast.municipal_local_admin, cast.home_care_nurse)
    assert not access.can_manage_user(cast.municipal_local_admin, cast.ward_nurse)
    assert not access.can_manage_user(cast.outsider_admin, cast.home_care_nurse)
    assert access.can_manage_user(cast.superuser, cast.outsider)


def test_local_admin_sees_but_cannot_change_a_system_admin(cast):
    local, system = cast.municipal_local_admin, cast.municipal_system_admin
    assert access.can_see_user(local, system)
    assert not access.can_manage_user(local, system)
    assert access.can_manage_user(system, local)


def test_a_later_admin_membership_also_protects_the_account(cast):
    nurse = cast.home_care_nurse
    MembershipFactory(
        user=nurse,
        unit=cast.home_care,
        role=Role.SYSTEM_ADMIN,
        valid_from=timezone.localdate() + datetime.timedelta(days=7),
    )
    assert not access.can_manage_user(cast.municipal_local_admin, nurse)


def test_nobody_manages_their_own_account(cast):
    assert not access.can_manage_user(cast.municipal_system_admin, cast.municipal_system_admin)
    assert not access.can_manage_user(cast.superuser, cast.superuser)


def test_superusers_are_hidden_from_other_admins(cast):
    cast.superuser.organization = cast.municipality
    cast.superuser.save()
    assert not access.can_see_user(cast.municipal_system_admin, cast.superuser)
    assert cast.superuser not in access.administered_users(cast.municipal_system_admin)


def test_create_organisation_rules(cast):
    system, local = cast.municipal_system_admin, cast.municipal_local_admin
    provider = OrganizationKind.PRIVATE_PROVIDER
    assert org_access.can_create_organization(system, provider, cast.municipality)
    assert not org_access.can_create_organization(system, provider, cast.other_municipality)
    # Subcontractors of a provider it reaches through the contract are for the superuser.
    assert not org_access.can_create_organization(system, provider, cast.provider)
    assert not org_access.can_create_organization(system, OrganizationKind.MUNICIPALITY, None)
    assert not org_access.can_create_organization(local, provider, cast.municipality)
    assert org_access.can_create_organization(cast.superuser, OrganizationKind.REGION, None)
    assert org_access.may_create_organizations(system)
    assert not org_access.may_create_organizations(local)


def test_history_is_for_the_organisations_admins(cast):
    assert access.can_read_history(cast.municipal_local_admin, cast.municipality)
    assert not access.can_read_history(cast.municipal_local_admin, cast.region)
    assert not access.can_read_history(cast.home_care_nurse, cast.municipality)


def test_selectors_hide_other_organisations_objects(cast):
    admin = cast.municipal_local_admin
    assert access.administered_user_or_404(admin, cast.home_care_nurse.pk) == cast.home_care_nurse
    with pytest.raises(Http404):
        access.administered_user_or_404(admin, cast.outsider.pk)
    with pytest.raises(Http404):
        access.administered_unit_or_404(admin, cast.outsider_unit.pk)
    with pytest.raises(Http404):
        access.administered_organization_or_404(admin, cast.region.pk)
    foreign = Membership.objects.get(user=cast.outsider)
    with pytest.raises(Http404):
        access.administered_membership_or_404(admin, foreign.pk)


def test_admin_of_two_organisations(cast):
    both = user_with_role("dubbel", cast.care_centre, Role.LOCAL_ADMIN)
    MembershipFactory(
        user=both, unit=UnitFactory(organization=cast.municipality), role=Role.LOCAL_ADMIN
    )
    assert access.administered_organization_ids(both) == {cast.region.pk, cast.municipality.pk}
