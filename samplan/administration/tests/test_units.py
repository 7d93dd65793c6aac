"""Enheter: the unit tree, contact data (local admins) and the tree itself (system admins)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from samplan.accounts.models import Membership
from samplan.auditlog.models import AdminAction, AdminChange
from samplan.organizations.models import Unit, UnitKind
from samplan.testing import UnitFactory


def tree_url(org):
    return reverse("administration:unit_tree", args=[org.pk])


def edit_url(unit):
    return reverse("administration:unit_edit", args=[unit.pk])


def create_url(org):
    return reverse("administration:unit_create", args=[org.pk])


def contact(unit, **changes):
    data = {
        "phone": unit.phone,
        "email": unit.email,
        "visiting_address": unit.visiting_address,
        "opening_hours": unit.opening_hours,
        "has_inbox": "on" if unit.has_inbox else "",
    }
    data.update(changes)
    return data


def full(unit, **changes):
    data = {
        "parent": unit.parent_id or "",
        "name": unit.name,
        "kind": unit.kind,
        "hsa_id": unit.hsa_id or "",
        "active_from": "",
        "active_to": "",
        **contact(unit),
    }
    data.update(changes)
    return data


def new_unit(parent=None, **changes):
    data = {
        "parent": parent.pk if parent else "",
        "name": "Hemtjänst Väst",
        "kind": UnitKind.HOME_CARE,
        "hsa_id": "",
        "active_from": "",
        "active_to": "",
        "phone": "0483-200 00",
        "email": "",
        "visiting_address": "",
        "opening_hours": "",
        "has_inbox": "on",
    }
    data.update(changes)
    return data


@pytest.fixture
def local_admin(cast, login_as):
    return login_as(cast.municipal_local_admin, cast.municipal_admin_unit)


@pytest.fixture
def system_admin(cast, login_as):
    return login_as(cast.municipal_system_admin, cast.municipal_admin_unit)


# --- The tree -----------------------------------------------------------------------------


def test_tree_is_nested_and_says_what_is_inactive(cast, local_admin, client):
    UnitFactory(organization=cast.municipality, parent=cast.home_care, name="Nattpatrullen")
    UnitFactory(organization=cast.municipality, name="Nedlagd enhet", is_active=False)
    response = client.get(tree_url(cast.municipality))
    html = response.content.decode()
    roots = response.context["roots"]
    assert [node.unit.name for node in roots] == ["Nedlagd enhet", "Vård och omsorg"]
    assert roots[1].children[0].unit == cast.home_care
    assert roots[1].children[0].children[0].unit.name == "Nattpatrullen"
    assert html.index("Vård och omsorg") < html.index("Hemtjänst Öst") < html.index("Nattpatrullen")
    assert "Inaktiv" in html and "Aktiv" in html
    assert "Hemtjänst Annan" not in html
    assert create_url(cast.municipality) not in html  # local admins do not change the tree


def test_tree_runs_a_fixed_number_of_queries(cast, local_admin, client):
    url = tree_url(cast.municipality)
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    parent = cast.home_care
    for depth in range(6):
        parent = UnitFactory(organization=cast.municipality, parent=parent, name=f"Nivå {depth}")
        UnitFactory.create_batch(3, organization=cast.municipality, parent=parent)
    with CaptureQueriesContext(connection) as many:
        client.get(url)
    assert len(few) == len(many) <= 6


# --- Contact data (local admins) ------------------------------------------------------------


def test_local_admin_edits_contact_data(cast, local_admin, client):
    unit = cast.home_care
    response = client.post(
        edit_url(unit),
        contact(unit, phone="0483-123 45", opening_hours="Vardagar 8–17", has_inbox=""),
    )
    assert response.status_code == 302
    unit.refresh_from_db()
    assert unit.phone == "0483-123 45" and not unit.has_inbox
    change = AdminChange.objects.get(target_type="unit")
    assert change.action == AdminAction.UPDATE
    assert change.changes == {
        "phone": ["", "0483-123 45"],
        "opening_hours": ["", "Vardagar 8–17"],
        "has_inbox": [True, False],
    }


def test_local_admin_forging_tree_fields_changes_nothing_of_them(cast, local_admin, client):
    unit = cast.home_care
    response = client.post(
        edit_url(unit),
        full(
            unit, name="Kapad", parent="", kind=UnitKind.OTHER, hsa_id="SE2321000032-1", phone="1"
        ),
    )
    assert response.status_code == 302
    unit.refresh_from_db()
    assert unit.name == "Hemtjänst Öst" and unit.parent == cast.municipal_admin_unit
    assert unit.kind == UnitKind.HOME_CARE and unit.hsa_id is None
    assert unit.phone == "1"


def test_bad_email_is_refused(cast, local_admin, client):
    response = client.post(
        edit_url(cast.home_care), contact(cast.home_care, email="inte-en-adress")
    )
    assert response.status_code == 200 and "email" in response.context["form"].errors


# --- The tree (system admins) -----------------------------------------------------------------


def test_system_admin_creates_a_unit(cast, system_admin, client):
    response = client.post(
        create_url(cast.municipality),
        new_unit(cast.municipal_admin_unit, hsa_id="se2120000001-hv"),
    )
    unit = Unit.objects.get(name="Hemtjänst Väst")
    assert response.status_code == 302
    assert unit.organization == cast.municipality and unit.parent == cast.municipal_admin_unit
    assert unit.hsa_id == "SE2120000001-HV"
    change = AdminChange.objects.get(target_type="unit", action=AdminAction.CREATE)
    assert change.changes["parent"] == [None, "Vård och omsorg"]
    assert change.changes["has_inbox"] == [None, True]


def test_create_offers_a_parent_from_the_query(cast, system_admin, client):
    response = client.get(
        create_url(cast.municipality) + f"?overordnad={cast.municipal_admin_unit.pk}"
    )
    assert response.context["form"]["parent"].value() == cast.municipal_admin_unit.pk


def test_posting_the_create_form_twice_makes_one_unit(cast, system_admin, client):
    client.post(create_url(cast.municipality), new_unit(cast.municipal_admin_unit))
    response = client.post(create_url(cast.municipality), new_unit(cast.municipal_admin_unit))
    assert response.status_code == 200
    assert Unit.objects.filter(name="Hemtjänst Väst").count() == 1


@pytest.mark.parametrize("unit_name", ["ward", "outsider_unit", "provider_unit"])
def test_parent_of_another_organisation_is_refused(cast, system_admin, client, unit_name):
    response = client.post(create_url(cast.municipality), new_unit(getattr(cast, unit_name)))
    assert response.status_code == 200 and "parent" in response.context["form"].errors
    assert not Unit.objects.filter(name="Hemtjänst Väst").exists()


def test_duplicate_hsa_id_is_refused(cast, system_admin, client):
    Unit.objects.filter(pk=cast.ward.pk).update(hsa_id="SE2321000032-AVD1")
    response = client.post(create_url(cast.municipality), new_unit(hsa_id="SE2321000032-AVD1"))
    assert response.status_code == 200 and "hsa_id" in response.context["form"].errors


def test_system_admin_builds_the_providers_tree(cast, system_admin, client):
    response = client.post(create_url(cast.provider), new_unit(cast.provider_unit))
    assert response.status_code == 302
    assert Unit.objects.get(name="Hemtjänst Väst").organization == cast.provider


def test_move_and_rename_record_old_and_new(cast, system_admin, client):
    other_parent = UnitFactory(organization=cast.municipality, name="Äldreomsorg", parent=None)
    unit = cast.home_care
    response = client.post(
        edit_url(unit),
        full(unit, parent=other_parent.pk, name="Hemtjänst Öst 2", kind=UnitKind.NURSING_HOME),
    )
    assert response.status_code == 302
    unit.refresh_from_db()
    assert unit.parent == other_parent and unit.name == "Hemtjänst Öst 2"
    change = AdminChange.objects.get(target_type="unit", action=AdminAction.UPDATE)
    assert change.changes["parent"] == ["Vård och omsorg", "Äldreomsorg"]
    assert change.changes["name"] == ["Hemtjänst Öst", "Hemtjänst Öst 2"]
    assert change.changes["kind"] == [UnitKind.HOME_CARE, UnitKind.NURSING_HOME]


def test_move_between_parents_of_the_same_name_is_recorded(cast, system_admin, client):
    twin = UnitFactory(organization=cast.municipality, name="Vård och omsorg")
    unit = cast.home_care
    client.post(edit_url(unit), full(unit, parent=twin.pk))
    unit.refresh_from_db()
    assert unit.parent == twin
    assert AdminChange.objects.filter(target_type="unit", action=AdminAction.UPDATE).count() == 1


def test_a_unit_cannot_be_moved_under_its_own_child(cast, system_admin, client):
    parent = cast.municipal_admin_unit
    response = client.post(edit_url(parent), full(parent, parent=cast.home_care.pk))
    assert response.status_code == 200 and "parent" in response.context["form"].errors
    parent.refresh_from_db()
    assert parent.parent is None


def test_end_date_before_start_date_is_refused(cast, system_admin, client):
    unit = cast.home_care
    response = client.post(
        edit_url(unit), full(unit, active_from="2027-05-01", active_to="2027-04-01")
    )
    assert response.status_code == 200 and "active_to" in response.context["form"].errors


def test_deactivate_ends_memberships_in_the_unit(cast, system_admin, client):
    unit = cast.home_care
    url = reverse("administration:unit_deactivate", args=[unit.pk])
    assert "1 behörighet i enheten avslutas" in client.get(url).content.decode()
    response = client.post(url)
    assert response.status_code == 302
    unit.refresh_from_db()
    assert not unit.is_active
    membership = Membership.objects.get(unit=unit)
    assert membership.ended_at and membership.ended_by == cast.municipal_system_admin
    assert AdminChange.objects.filter(action=AdminAction.END).count() == 1
    assert AdminChange.objects.get(action=AdminAction.DEACTIVATE).changes == {
        "is_active": [True, False]
    }


def test_a_unit_with_active_sub_units_stays_open(cast, system_admin, client):
    parent = UnitFactory(organization=cast.municipality, name="Äldreomsorg")
    UnitFactory(organization=cast.municipality, parent=parent)
    Membership.objects.filter(user=cast.home_care_nurse).update(unit=parent)
    response = client.post(reverse("administration:unit_deactivate", args=[parent.pk]), follow=True)
    assert "aktiva underenheter" in response.content.decode()
    parent.refresh_from_db()
    assert parent.is_active
    assert not AdminChange.objects.exists()
    assert Membership.objects.filter(unit=parent, ended_at__isnull=True).count() == 1


def test_reactivate_needs_an_active_parent(cast, system_admin, client):
    parent = UnitFactory(organization=cast.municipality, name="Äldreomsorg", is_active=False)
    child = UnitFactory(organization=cast.municipality, parent=parent, is_active=False)
    url = reverse("administration:unit_reactivate", args=[child.pk])
    response = client.post(url, follow=True)
    assert "överordnade enheten är inte aktiv" in response.content.decode()
    client.post(reverse("administration:unit_reactivate", args=[parent.pk]))
    client.post(url)
    child.refresh_from_db()
    assert child.is_active
    assert AdminChange.objects.filter(action=AdminAction.REACTIVATE).count() == 2


def test_admin_cannot_close_the_unit_holding_their_own_admin_role(cast, system_admin, client):
    leaf = UnitFactory(organization=cast.municipality, name="Systemförvaltning")
    Membership.objects.filter(user=cast.municipal_system_admin).update(unit=leaf)
    response = client.post(reverse("administration:unit_deactivate", args=[leaf.pk]), follow=True)
    assert "Din egen administratörsroll" in response.content.decode()
    leaf.refresh_from_db()
    assert leaf.is_active


def test_local_admin_cannot_deactivate(cast, local_admin, client):
    url = reverse("administration:unit_deactivate", args=[cast.home_care.pk])
    assert client.post(url).status_code == 403
    cast.home_care.refresh_from_db()
    assert cast.home_care.is_active


# --- The unit page ----------------------------------------------------------------------------


def test_unit_page_shows_members_and_history(cast, local_admin, client):
    unit = cast.home_care
    client.post(edit_url(unit), contact(unit, visiting_address="Storgatan 1"))
    html = client.get(reverse("administration:unit_detail", args=[unit.pk])).content.decode()
    assert str(cast.home_care_nurse) in html
    assert "Storgatan 1" in html and "Besöksadress" in html
    assert "Ändra kontaktuppgifter" in html and "Inaktivera enhet" not in html
    history = client.get(reverse("administration:unit_history", args=[unit.pk])).content.decode()
    assert "Storgatan 1" in history
