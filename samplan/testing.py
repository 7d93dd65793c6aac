"""Test data builders shared by every app's tests: factories and a small fixed cast.

The cast is the set of organisations, units and users the architecture asks tests to share:
a hospital ward, a care centre, a municipal home-care unit and an outsider unit in another
municipality, with users in each and administrators of each organisation.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import factory
from stdnum import luhn

from samplan.accounts.models import Membership, Role, User
from samplan.core.test_names import STAFF_FIRST_NAMES, STAFF_LAST_NAMES
from samplan.organizations.models import Organization, OrganizationKind, Unit, UnitKind

TEST_PASSWORD = "Testlösen1!"  # meets the password rules (å/ä/ö count as two)

_org_numbers = itertools.count(1)


def next_org_number(prefix: str = "556") -> str:
    """A fresh organisation number with a valid check digit."""
    base = f"{prefix}{next(_org_numbers):06d}"[:9]
    return base + luhn.calc_check_digit(base)


class OrganizationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organization

    name = factory.Sequence(lambda n: f"Organisation {n}")
    kind = OrganizationKind.MUNICIPALITY
    org_number = factory.LazyFunction(lambda: next_org_number("212"))


class UnitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Unit

    organization = factory.SubFactory(OrganizationFactory)
    name = factory.Sequence(lambda n: f"Enhet {n}")
    kind = UnitKind.HOME_CARE
    has_inbox = True


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Iterator(STAFF_FIRST_NAMES)
    last_name = factory.Iterator(STAFF_LAST_NAMES)
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.se")
    password = factory.django.Password(TEST_PASSWORD)


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    unit = factory.SubFactory(UnitFactory)
    role = Role.USER


def user_with_role(username: str, unit: Unit, role: str = Role.USER, **fields: object) -> User:
    user = UserFactory(username=username, organization=unit.organization, **fields)
    MembershipFactory(user=user, unit=unit, role=role)
    return user


@dataclass
class Cast:
    region: Organization
    municipality: Organization
    other_municipality: Organization
    provider: Organization
    hospital: Unit
    ward: Unit
    care_centre: Unit
    municipal_admin_unit: Unit
    home_care: Unit
    provider_unit: Unit
    outsider_unit: Unit
    ward_nurse: User
    care_centre_nurse: User
    home_care_nurse: User
    two_unit_user: User
    outsider: User
    region_local_admin: User
    municipal_local_admin: User
    municipal_system_admin: User
    outsider_admin: User
    superuser: User


def build_cast() -> Cast:
    region = OrganizationFactory(
        name="Region Testland", kind=OrganizationKind.REGION, org_number=next_org_number("232")
    )
    municipality = OrganizationFactory(name="Testkommun", area_code="0483")
    other = OrganizationFactory(name="Annankommun", area_code="0484")
    provider = OrganizationFactory(
        name="Omsorg AB",
        kind=OrganizationKind.PRIVATE_PROVIDER,
        org_number=next_org_number("556"),
        contracted_by=municipality,
    )
    hospital = UnitFactory(
        organization=region, name="Testsjukhuset", kind=UnitKind.ADMINISTRATION, has_inbox=False
    )
    ward = UnitFactory(
        organization=region,
        parent=hospital,
        name="Avd 1 Medicin",
        kind=UnitKind.HOSPITAL_WARD_SOMATIC,
    )
    care_centre = UnitFactory(
        organization=region, name="Vårdcentralen Norr", kind=UnitKind.PRIMARY_CARE_CENTRE
    )
    admin_unit = UnitFactory(
        organization=municipality,
        name="Vård och omsorg",
        kind=UnitKind.ADMINISTRATION,
        has_inbox=False,
    )
    home_care = UnitFactory(
        organization=municipality, parent=admin_unit, name="Hemtjänst Öst", kind=UnitKind.HOME_CARE
    )
    provider_unit = UnitFactory(organization=provider, name="Omsorg AB Hemtjänst")
    outsider_unit = UnitFactory(organization=other, name="Hemtjänst Annan")

    two_unit_user = user_with_role("tva", ward, first_name="Tove", last_name="Två")
    MembershipFactory(user=two_unit_user, unit=care_centre, role=Role.USER)
    superuser = UserFactory(username="root", is_superuser=True, is_staff=True)
    return Cast(
        region=region,
        municipality=municipality,
        other_municipality=other,
        provider=provider,
        hospital=hospital,
        ward=ward,
        care_centre=care_centre,
        municipal_admin_unit=admin_unit,
        home_care=home_care,
        provider_unit=provider_unit,
        outsider_unit=outsider_unit,
        ward_nurse=user_with_role("avdssk", ward),
        care_centre_nurse=user_with_role("vcssk", care_centre),
        home_care_nurse=user_with_role("hemssk", home_care),
        two_unit_user=two_unit_user,
        outsider=user_with_role("annan", outsider_unit),
        region_local_admin=user_with_role("regionadmin", care_centre, Role.LOCAL_ADMIN),
        municipal_local_admin=user_with_role("kommunadmin", admin_unit, Role.LOCAL_ADMIN),
        municipal_system_admin=user_with_role("kommunsys", admin_unit, Role.SYSTEM_ADMIN),
        outsider_admin=user_with_role("annanadmin", outsider_unit, Role.LOCAL_ADMIN),
        superuser=superuser,
    )
