"""Organization.clean and Unit.clean, and which units count as active on a day."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from samplan.organizations.models import Organization, OrganizationKind, Unit
from samplan.testing import OrganizationFactory, UnitFactory, next_org_number


def errors_of(instance) -> dict[str, list[str]]:
    with pytest.raises(ValidationError) as caught:
        instance.full_clean()
    return caught.value.message_dict


# --- Organization.clean ------------------------------------------------------------------------


def test_a_valid_municipality_passes(db):
    organization = Organization(
        name="Flens kommun", kind=OrganizationKind.MUNICIPALITY, org_number="2120000332"
    )
    organization.full_clean()


def test_clean_normalises_org_number_and_hsa_id(db):
    organization = Organization(
        name="Region", kind=OrganizationKind.REGION, org_number="232100003 "
    )
    assert "org_number" in errors_of(organization)  # nine digits, padded to the column's 10
    organization.org_number = "2321000032"
    organization.hsa_id = " se2321000032-reg"
    organization.full_clean()
    assert organization.org_number == "2321000032"
    assert organization.hsa_id == "SE2321000032-REG"


def test_org_number_with_a_wrong_check_digit_is_refused(db):
    organization = Organization(name="X", kind=OrganizationKind.REGION, org_number="2321000033")
    assert "org_number" in errors_of(organization)


def test_org_number_must_be_unique(cast):
    twin = Organization(
        name="Tvilling", kind=OrganizationKind.REGION, org_number=cast.region.org_number
    )
    assert "org_number" in errors_of(twin)


def test_provider_must_name_who_contracted_it(db):
    provider = Organization(
        name="Omsorg AB",
        kind=OrganizationKind.PRIVATE_PROVIDER,
        org_number=next_org_number("556"),
    )
    assert "contracted_by" in errors_of(provider)
    provider.contracted_by = OrganizationFactory()
    provider.full_clean()


@pytest.mark.parametrize("kind", [OrganizationKind.REGION, OrganizationKind.MUNICIPALITY])
def test_only_a_provider_is_contracted(db, kind):
    organization = Organization(
        name="Kommun",
        kind=kind,
        org_number=next_org_number("212"),
        contracted_by=OrganizationFactory(),
    )
    assert errors_of(organization)["contracted_by"] == [
        "Bara en privat utförare har en uppdragsgivare."
    ]


def test_a_provider_cannot_contract_itself(db):
    provider = OrganizationFactory(
        kind=OrganizationKind.PRIVATE_PROVIDER,
        org_number=next_org_number("556"),
        contracted_by=OrganizationFactory(),
    )
    provider.contracted_by = provider
    assert "contracted_by" in errors_of(provider)


# --- Unit.clean --------------------------------------------------------------------------------


def test_unit_hsa_id_is_normalised_and_blank_becomes_empty(cast):
    cast.ward.hsa_id = f"se{cast.region.org_number}-avd1"
    cast.ward.full_clean()
    assert cast.ward.hsa_id == f"SE{cast.region.org_number}-AVD1"
    cast.care_centre.hsa_id = ""
    cast.care_centre.full_clean()
    assert cast.care_centre.hsa_id is None  # NULL, so many units may lack one (unique column)


def test_unit_hsa_id_in_the_wrong_form_is_refused(cast):
    cast.ward.hsa_id = f"SE{cast.region.org_number}-AVDÖ"
    assert "hsa_id" in errors_of(cast.ward)


def test_parent_in_another_organisation_is_refused(cast):
    cast.home_care.parent = cast.hospital
    assert errors_of(cast.home_care)["parent"] == [
        "Den överordnade enheten måste tillhöra samma organisation."
    ]


def test_a_unit_cannot_be_placed_under_itself_or_its_descendants(cast):
    child = UnitFactory(organization=cast.region, parent=cast.ward, name="Undergrupp")
    grandchild = UnitFactory(organization=cast.region, parent=child, name="Under-undergrupp")
    # As the administration form does it: the unit and its new parent fresh from the database.
    hospital = Unit.objects.get(pk=cast.hospital.pk)
    hospital.parent = Unit.objects.get(pk=grandchild.pk)  # hospital > ward > child > grandchild
    assert errors_of(hospital)["parent"] == ["En enhet kan inte placeras under sig själv."]
    ward = Unit.objects.get(pk=cast.ward.pk)
    ward.parent = Unit.objects.get(pk=cast.ward.pk)
    assert "parent" in errors_of(ward)


def test_a_cycle_made_in_memory_is_refused_too(cast):
    child = UnitFactory(organization=cast.region, parent=cast.ward, name="Undergrupp")
    cast.hospital.parent = child  # cast.ward.parent is this very hospital object
    assert "parent" in errors_of(cast.hospital)


def test_ancestors_from_the_root_down(cast):
    child = UnitFactory(organization=cast.region, parent=cast.ward, name="Undergrupp")
    assert child.ancestors() == [cast.hospital, cast.ward]
    assert cast.hospital.ancestors() == []


def test_moving_a_unit_within_its_organisation_is_fine(cast):
    cast.care_centre.parent = cast.hospital
    cast.care_centre.full_clean()


def test_end_date_before_start_date_is_refused(cast):
    today = timezone.localdate()
    cast.ward.active_from = today
    cast.ward.active_to = today - datetime.timedelta(days=1)
    assert "active_to" in errors_of(cast.ward)
    cast.ward.active_to = today  # a unit open for a single day
    cast.ward.full_clean()


# --- active_on ---------------------------------------------------------------------------------


def test_active_on(cast):
    today = timezone.localdate()
    day = datetime.timedelta(days=1)
    region = cast.region
    closed = UnitFactory(organization=region, name="Avstängd", is_active=False)
    ended = UnitFactory(organization=region, name="Slutade i går", active_to=today - day)
    future = UnitFactory(organization=region, name="Börjar i morgon", active_from=today + day)
    last_day = UnitFactory(organization=region, name="Slutar i dag", active_to=today)
    first_day = UnitFactory(organization=region, name="Började i dag", active_from=today)

    active = set(Unit.objects.filter(organization=region).active_on())
    assert {last_day, first_day, cast.ward} <= active
    assert not {closed, ended, future} & active
    assert future in set(Unit.objects.active_on(today + day))
    assert last_day not in set(Unit.objects.active_on(today + day))
    assert ended in set(Unit.objects.active_on(today - day))
    for unit in (closed, ended, future, last_day, first_day):
        assert unit.is_active_on() == (unit in active)
