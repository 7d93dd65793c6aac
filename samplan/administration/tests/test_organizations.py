"""Organisationer: creating (superusers any kind, system admins their contracted providers)
and editing (system admins of the organisation)."""

import pytest
from django.urls import reverse

from samplan.accounts import access
from samplan.auditlog.models import AdminAction, AdminChange
from samplan.organizations.models import Organization, OrganizationKind
from samplan.testing import next_org_number

CREATE = reverse("administration:organization_create")


def edit_url(org):
    return reverse("administration:organization_edit", args=[org.pk])


def provider_data(cast, **changes):
    data = {
        "name": "Hemtjänst Plus AB",
        "kind": OrganizationKind.PRIVATE_PROVIDER,
        "org_number": "556677-8899",
        "hsa_id": "",
        "area_code": "",
        "contracted_by": cast.municipality.pk,
    }
    data.update(changes)
    return data


def org_data(org, **changes):
    data = {
        "name": org.name,
        "kind": org.kind,
        "org_number": org.org_number,
        "hsa_id": org.hsa_id,
        "area_code": org.area_code,
        "contracted_by": org.contracted_by_id or "",
        "is_active": "on" if org.is_active else "",
    }
    data.update(changes)
    return data


@pytest.fixture
def system_admin(cast, login_as):
    return login_as(cast.municipal_system_admin, cast.municipal_admin_unit)


def valid_number(prefix="556"):
    number = next_org_number(prefix)
    return f"{number[:6]}-{number[6:]}"


def test_system_admin_creates_a_contracted_provider(cast, system_admin, client):
    number = valid_number()
    response = client.post(CREATE, provider_data(cast, org_number=number))
    org = Organization.objects.get(name="Hemtjänst Plus AB")
    assert response.status_code == 302
    assert org.kind == OrganizationKind.PRIVATE_PROVIDER
    assert org.contracted_by == cast.municipality
    assert org.org_number == number.replace("-", "")
    changes = AdminChange.objects.filter(target_type="organization", action=AdminAction.CREATE)
    # In the provider's history and in the contracting municipality's.
    assert {c.organization for c in changes} == {org, cast.municipality}
    assert changes[0].changes["contracted_by"] == [None, "Testkommun"]
    # The new provider is within the system admin's reach at once.
    access.forget_memberships(cast.municipal_system_admin)
    assert org.pk in access.administered_organization_ids(cast.municipal_system_admin)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"kind": OrganizationKind.REGION}, "kind"),
        ({"kind": OrganizationKind.MUNICIPALITY, "contracted_by": ""}, "kind"),
        ({"contracted_by": "other_municipality"}, "contracted_by"),
        # Reached through the contract, but not the admin's own organisation.
        ({"contracted_by": "provider"}, "contracted_by"),
    ],
)
def test_system_admin_forged_kind_or_contractor_is_refused(
    cast, system_admin, client, changes, field
):
    changes = {
        key: getattr(cast, value).pk if key == "contracted_by" and value else value
        for key, value in changes.items()
    }
    response = client.post(CREATE, provider_data(cast, org_number=valid_number(), **changes))
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert not Organization.objects.filter(name="Hemtjänst Plus AB").exists()


@pytest.mark.parametrize(
    ("number", "message"),
    [("556677-889", "10 siffror"), ("5566778890", "kontrollsiffra"), ("abc", "10 siffror")],
)
def test_bad_organisation_number_is_refused_with_a_reason(
    cast, system_admin, client, number, message
):
    response = client.post(CREATE, provider_data(cast, org_number=number))
    assert response.status_code == 200
    assert "org_number" in response.context["form"].errors
    assert message in response.content.decode()


def test_posting_twice_creates_one_organisation(cast, system_admin, client):
    data = provider_data(cast, org_number=valid_number())
    client.post(CREATE, data)
    response = client.post(CREATE, data)
    assert response.status_code == 200 and "org_number" in response.context["form"].errors
    assert Organization.objects.filter(name="Hemtjänst Plus AB").count() == 1


def test_superuser_creates_a_region(cast, login_as, client):
    login_as(cast.superuser)
    number = valid_number("232")
    response = client.post(
        CREATE,
        {
            "name": "Region Nyland",
            "kind": OrganizationKind.REGION,
            "org_number": number,
            "hsa_id": "",
            "area_code": "99",
            "contracted_by": "",
        },
    )
    assert response.status_code == 302
    assert Organization.objects.get(name="Region Nyland").kind == OrganizationKind.REGION


def test_superuser_cannot_make_a_region_contracted(cast, login_as, client):
    login_as(cast.superuser)
    response = client.post(
        CREATE,
        provider_data(cast, kind=OrganizationKind.REGION, org_number=valid_number("232")),
    )
    assert response.status_code == 200 and "contracted_by" in response.context["form"].errors


def test_system_admin_edits_own_organisation_but_not_its_kind(cast, system_admin, client):
    org = cast.municipality
    response = client.post(
        edit_url(org),
        org_data(org, name="Testkommuns förvaltning", kind=OrganizationKind.REGION, is_active=""),
    )
    assert response.status_code == 302
    org.refresh_from_db()
    assert org.name == "Testkommuns förvaltning"
    assert org.kind == OrganizationKind.MUNICIPALITY and org.is_active
    change = AdminChange.objects.get(target_type="organization")
    assert change.changes == {"name": ["Testkommun", "Testkommuns förvaltning"]}


def test_system_admin_closes_a_contracted_provider(cast, system_admin, client):
    org = cast.provider
    response = client.post(edit_url(org), org_data(org, is_active=""))
    assert response.status_code == 302
    org.refresh_from_db()
    assert not org.is_active
    changes = AdminChange.objects.filter(target_type="organization")
    assert {c.organization for c in changes} == {org, cast.municipality}
    assert all(c.changes == {"is_active": [True, False]} for c in changes)


def test_system_admin_cannot_hand_a_provider_to_another_municipality(cast, system_admin, client):
    org = cast.provider
    response = client.post(edit_url(org), org_data(org, contracted_by=cast.other_municipality.pk))
    assert response.status_code == 200 and "contracted_by" in response.context["form"].errors
    org.refresh_from_db()
    assert org.contracted_by == cast.municipality


def test_edit_shows_the_formatted_number(cast, system_admin, client):
    html = client.get(edit_url(cast.municipality)).content.decode()
    assert cast.municipality.org_number_display in html


def test_system_admin_makes_the_organisation_require_siths(cast, system_admin, client):
    org = cast.municipality
    page = client.get(edit_url(org)).content.decode()
    assert "Kräv inloggning med SITHS" in page
    response = client.post(edit_url(org), {**org_data(org), "require_siths": "on"})
    assert response.status_code == 302
    org.refresh_from_db()
    assert org.require_siths
    change = AdminChange.objects.get(target_type="organization")
    assert change.changes == {"require_siths": [False, True]}
