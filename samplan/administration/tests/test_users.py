"""Användare: the user list, creating and editing accounts, deactivation, unlocking, passwords."""

import datetime

import pytest
from django.contrib.auth.hashers import check_password
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from samplan.accounts.models import LoginEvent, LoginEventKind, LoginMethod, Membership, Role, User
from samplan.accounts.sessions import SESSION_UNIT_KEY
from samplan.auditlog.models import AdminAction, AdminChange
from samplan.organizations.models import Profession
from samplan.testing import TEST_PASSWORD, MembershipFactory, UserFactory

NEW_PASSWORD = "Vinter2027!"


def user_list(org):
    return reverse("administration:user_list", args=[org.pk])


def detail(user):
    return reverse("administration:user_detail", args=[user.pk])


def as_local_admin(cast, login_as):
    return login_as(cast.municipal_local_admin, cast.municipal_admin_unit)


def create_data(cast, **changes):
    data = {
        "organization": cast.municipality.pk,
        "username": "nyanstalld",
        "first_name": "Nora",
        "last_name": "Nyström",
        "email": "nora@example.se",
        "phone": "0483-100 00",
        "mobile": "070-000 00 00",
        "hsa_id": "",
        "profession": "",
        "login_method": LoginMethod.PASSWORD,
        "password1": NEW_PASSWORD,
        "password2": NEW_PASSWORD,
    }
    data.update(changes)
    return data


def edit_data(user, **changes):
    data = {
        "organization": user.organization_id,
        "username": user.username,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": user.email,
        "phone": user.phone,
        "mobile": user.mobile,
        "hsa_id": user.hsa_id,
        "profession": user.profession_id or "",
        "login_method": user.login_method,
    }
    data.update(changes)
    return data


# --- The list -----------------------------------------------------------------------------


def test_list_shows_the_organisations_users_only(cast, login_as, client):
    as_local_admin(cast, login_as)
    html = client.get(user_list(cast.municipality)).content.decode()
    assert "hemssk" in html and "kommunadmin" in html
    assert "avdssk" not in html and "annan" not in html and "root" not in html


@pytest.mark.parametrize(
    ("query", "found"),
    [
        ("sven", True),
        ("anna svensson", True),
        ("svensson anna", True),
        ("anna berg", False),
        ("SE2321000032-77", True),
        ("hemssk", True),
        ("HEMSSK", True),
    ],
)
def test_search_by_name_username_and_hsa_id(cast, login_as, client, query, found):
    User.objects.filter(pk=cast.home_care_nurse.pk).update(
        first_name="Anna", last_name="Svensson", hsa_id="SE2321000032-7788"
    )
    as_local_admin(cast, login_as)
    html = client.get(user_list(cast.municipality), {"q": query}).content.decode()
    assert ("Anna Svensson" in html) is found


def test_filter_active_and_deactivated(cast, login_as, client):
    User.objects.filter(pk=cast.home_care_nurse.pk).update(is_active=False)
    as_local_admin(cast, login_as)
    url = user_list(cast.municipality)
    assert "hemssk" not in client.get(url).content.decode()  # active ones by default
    assert "hemssk" in client.get(url, {"status": "inactive"}).content.decode()
    assert "kommunadmin" not in client.get(url, {"status": "inactive"}).content.decode()
    assert "hemssk" in client.get(url, {"status": "all"}).content.decode()


def test_list_is_paginated(cast, login_as, client):
    UserFactory.create_batch(25, organization=cast.municipality)
    as_local_admin(cast, login_as)
    response = client.get(user_list(cast.municipality))
    assert len(response.context["page"]) == 20
    assert "Sida 1 av 2" in response.content.decode()


def test_list_runs_a_fixed_number_of_queries(cast, login_as, client, django_assert_max_num_queries):
    as_local_admin(cast, login_as)
    url = user_list(cast.municipality)
    UserFactory.create_batch(
        3, organization=cast.municipality, profession=Profession.objects.first()
    )
    client.get(url)  # the first request of a session also writes its activity time
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    UserFactory.create_batch(
        15, organization=cast.municipality, profession=Profession.objects.last()
    )
    with CaptureQueriesContext(connection) as many:
        client.get(url)
    # No query per row; the COUNT is added once the list no longer fits on one page
    # (samplan.core.paging).
    assert len(many) == len(few) + 1
    with django_assert_max_num_queries(8):
        client.get(url, {"q": "a", "status": "all"})


# --- Creating ---------------------------------------------------------------------------


def test_create_user(cast, login_as, client):
    as_local_admin(cast, login_as)
    nurse = Profession.objects.get(code="nurse")
    response = client.post(
        reverse("administration:user_create"),
        create_data(cast, hsa_id="se2321000032-9999", profession=nurse.pk),
    )
    user = User.objects.get(username="nyanstalld")
    assert response.status_code == 302 and response.url == detail(user)
    assert user.organization == cast.municipality
    assert user.hsa_id == "SE2321000032-9999"
    assert user.profession == nurse
    assert user.is_active and not user.is_staff and not user.is_superuser
    assert check_password(NEW_PASSWORD, user.password)
    change = AdminChange.objects.get(target_type="user", target_id=str(user.pk))
    assert change.action == AdminAction.CREATE
    assert change.actor == cast.municipal_local_admin
    assert change.actor_unit == cast.municipal_admin_unit
    assert change.organization == cast.municipality
    assert change.changes["username"] == [None, "nyanstalld"]
    assert change.changes["profession"] == [None, nurse.name]
    assert "password" not in change.changes


def test_create_form_offers_administered_organisations_only(cast, login_as, client):
    login_as(cast.municipal_system_admin, cast.municipal_admin_unit)
    html = client.get(reverse("administration:user_create")).content.decode()
    assert "Testkommun" in html and "Omsorg AB" in html
    assert "Annankommun" not in html and "Region Testland" not in html


def test_forged_organisation_is_refused(cast, login_as, client):
    as_local_admin(cast, login_as)
    response = client.post(
        reverse("administration:user_create"),
        create_data(cast, organization=cast.other_municipality.pk),
    )
    assert response.status_code == 200
    assert "organization" in response.context["form"].errors
    assert not User.objects.filter(username="nyanstalld").exists()


def test_username_must_be_unique_whatever_the_case(cast, login_as, client):
    as_local_admin(cast, login_as)
    response = client.post(
        reverse("administration:user_create"), create_data(cast, username="HEMSSK")
    )
    assert response.status_code == 200
    assert "username" in response.context["form"].errors
    assert "finns redan" in response.content.decode()
    assert User.objects.filter(username__iexact="hemssk").count() == 1


def test_posting_the_form_twice_creates_one_user(cast, login_as, client):
    as_local_admin(cast, login_as)
    client.post(reverse("administration:user_create"), create_data(cast))
    response = client.post(reverse("administration:user_create"), create_data(cast))
    assert response.status_code == 200
    assert User.objects.filter(username="nyanstalld").count() == 1


@pytest.mark.parametrize(
    ("hsa_id", "message"),
    [
        ("SE2321000032-åäö", "HSA-id"),
        ("SE2321000031-1234", "kontrollsiffra"),
        ("2321000032-1234", "HSA-id"),
    ],
)
def test_bad_hsa_id_is_refused_with_a_reason(cast, login_as, client, hsa_id, message):
    as_local_admin(cast, login_as)
    response = client.post(reverse("administration:user_create"), create_data(cast, hsa_id=hsa_id))
    assert response.status_code == 200
    assert "hsa_id" in response.context["form"].errors
    assert message in response.content.decode()
    assert not User.objects.filter(username="nyanstalld").exists()


def test_hsa_id_of_another_user_is_refused(cast, login_as, client):
    User.objects.filter(pk=cast.ward_nurse.pk).update(hsa_id="SE2321000032-1111")
    as_local_admin(cast, login_as)
    response = client.post(
        reverse("administration:user_create"), create_data(cast, hsa_id="SE2321000032-1111")
    )
    assert "hsa_id" in response.context["form"].errors


@pytest.mark.parametrize(
    "password", ["kort1!", "utanversal1!", "Utansiffra!", "Utanspecial1", "Mellan rum1!"]
)
def test_initial_password_follows_the_password_rules(cast, login_as, client, password):
    as_local_admin(cast, login_as)
    response = client.post(
        reverse("administration:user_create"),
        create_data(cast, password1=password, password2=password),
    )
    assert "password1" in response.context["form"].errors
    assert not User.objects.filter(username="nyanstalld").exists()


def test_passwords_must_match(cast, login_as, client):
    as_local_admin(cast, login_as)
    response = client.post(
        reverse("administration:user_create"), create_data(cast, password2=NEW_PASSWORD + "x")
    )
    assert "password2" in response.context["form"].errors


def test_a_forged_superuser_flag_is_ignored(cast, login_as, client):
    as_local_admin(cast, login_as)
    client.post(
        reverse("administration:user_create"),
        create_data(cast, is_superuser="on", is_staff="on"),
    )
    user = User.objects.get(username="nyanstalld")
    assert not user.is_superuser and not user.is_staff


# --- Editing ------------------------------------------------------------------------------


def test_edit_user_records_old_and_new_values(cast, login_as, client):
    nurse = cast.home_care_nurse
    old_last_name = nurse.last_name
    as_local_admin(cast, login_as)
    response = client.post(
        reverse("administration:user_edit", args=[nurse.pk]),
        edit_data(nurse, last_name="Ny-Efternamn", mobile="070-123 45 67"),
    )
    assert response.status_code == 302
    nurse.refresh_from_db()
    assert nurse.last_name == "Ny-Efternamn"
    change = AdminChange.objects.get(target_type="user", action=AdminAction.UPDATE)
    assert change.changes == {
        "last_name": [old_last_name, "Ny-Efternamn"],
        "mobile": ["", "070-123 45 67"],
    }


def test_saving_without_changes_writes_no_history(cast, login_as, client):
    as_local_admin(cast, login_as)
    nurse = cast.home_care_nurse
    before = User.objects.filter(pk=nurse.pk).values().get()
    response = client.post(reverse("administration:user_edit", args=[nurse.pk]), edit_data(nurse))
    # The save went through (a refused form would write no history either)...
    assert response.status_code == 302
    assert response.url == reverse("administration:user_detail", args=[nurse.pk])
    assert User.objects.filter(pk=nurse.pk).values().get() == before
    # ...and, changing nothing, wrote no history.
    assert not AdminChange.objects.exists()


def test_edit_refuses_a_forged_organisation(cast, login_as, client):
    as_local_admin(cast, login_as)
    nurse = cast.home_care_nurse
    response = client.post(
        reverse("administration:user_edit", args=[nurse.pk]),
        edit_data(nurse, organization=cast.region.pk),
    )
    assert response.status_code == 200 and "organization" in response.context["form"].errors
    nurse.refresh_from_db()
    assert nurse.organization == cast.municipality


def test_system_admin_moves_a_user_to_the_provider_and_both_see_it(cast, login_as, client):
    login_as(cast.municipal_system_admin, cast.municipal_admin_unit)
    nurse = cast.home_care_nurse
    client.post(
        reverse("administration:user_edit", args=[nurse.pk]),
        edit_data(nurse, organization=cast.provider.pk),
    )
    nurse.refresh_from_db()
    assert nurse.organization == cast.provider
    assert set(AdminChange.objects.values_list("organization", flat=True)) == {
        cast.municipality.pk,
        cast.provider.pk,
    }


def test_local_admin_cannot_edit_a_system_admin(cast, login_as, client):
    as_local_admin(cast, login_as)
    system = cast.municipal_system_admin
    response = client.post(
        reverse("administration:user_edit", args=[system.pk]), edit_data(system, last_name="X")
    )
    assert response.status_code == 403
    for name in ("user_password", "user_deactivate", "user_unlock"):
        assert client.post(reverse(f"administration:{name}", args=[system.pk])).status_code == 403
    html = client.get(detail(system)).content.decode()
    assert "bara en huvudadministratör" in html


def test_switch_to_smart_card_and_show_conversion(cast, login_as, client):
    as_local_admin(cast, login_as)
    nurse = cast.home_care_nurse
    client.post(
        reverse("administration:user_edit", args=[nurse.pk]),
        edit_data(nurse, login_method=LoginMethod.SMART_CARD),
    )
    nurse.refresh_from_db()
    assert nurse.login_method == LoginMethod.SMART_CARD
    assert "Inte konverterad ännu" in client.get(detail(nurse)).content.decode()
    User.objects.filter(pk=nurse.pk).update(card_converted_at=timezone.now())
    assert "Konverterad till e-tjänstekort" in client.get(detail(nurse)).content.decode()


def test_switching_back_to_password_undoes_the_conversion(cast, login_as, client):
    nurse = cast.home_care_nurse
    converted = timezone.now()
    User.objects.filter(pk=nurse.pk).update(
        login_method=LoginMethod.SMART_CARD, card_converted_at=converted
    )
    nurse.refresh_from_db()
    as_local_admin(cast, login_as)
    client.post(
        reverse("administration:user_edit", args=[nurse.pk]),
        edit_data(nurse, login_method=LoginMethod.PASSWORD),
    )
    nurse.refresh_from_db()
    assert nurse.card_converted_at is None and nurse.password_login_allowed
    change = AdminChange.objects.get(action=AdminAction.UPDATE)
    assert change.changes["login_method"] == [LoginMethod.SMART_CARD, LoginMethod.PASSWORD]
    assert change.changes["card_converted_at"][1] is None


# --- Deactivating ------------------------------------------------------------------------


def test_deactivate_asks_first_and_ends_every_membership(cast, login_as, client):
    nurse = cast.home_care_nurse
    MembershipFactory(user=nurse, unit=cast.municipal_admin_unit, role=Role.USER)
    as_local_admin(cast, login_as)
    url = reverse("administration:user_deactivate", args=[nurse.pk])
    html = client.get(url).content.decode()
    assert "Inaktivera" in html and "Hemtjänst Öst" in html
    nurse.refresh_from_db()
    assert nurse.is_active  # asking changes nothing
    response = client.post(url)
    assert response.status_code == 302
    nurse.refresh_from_db()
    assert not nurse.is_active
    memberships = Membership.objects.filter(user=nurse)
    assert all(m.ended_at and m.ended_by == cast.municipal_local_admin for m in memberships)
    assert AdminChange.objects.filter(action=AdminAction.END, target_type="membership").count() == 2
    change = AdminChange.objects.get(action=AdminAction.DEACTIVATE)
    assert change.changes == {"is_active": [True, False]}


def test_deactivated_user_cannot_log_in_and_their_session_ends(cast, login_as, client):
    nurse = cast.home_care_nurse
    nurse_client = Client()
    nurse_client.post(reverse("accounts:login"), {"username": "hemssk", "password": TEST_PASSWORD})
    session = nurse_client.session
    session[SESSION_UNIT_KEY] = cast.home_care.pk
    session.save()
    assert nurse_client.get(reverse("discharge:overview")).status_code == 200

    as_local_admin(cast, login_as)
    client.post(reverse("administration:user_deactivate", args=[nurse.pk]))

    response = nurse_client.get(reverse("discharge:overview"))
    assert response.status_code == 302 and response.url.startswith(reverse("accounts:login"))
    again = Client()
    again.post(reverse("accounts:login"), {"username": "hemssk", "password": TEST_PASSWORD})
    assert "_auth_user_id" not in again.session


def test_reactivate_lets_the_user_in_without_old_memberships(cast, login_as, client):
    nurse = cast.home_care_nurse
    as_local_admin(cast, login_as)
    client.post(reverse("administration:user_deactivate", args=[nurse.pk]))
    client.post(reverse("administration:user_reactivate", args=[nurse.pk]))
    nurse.refresh_from_db()
    assert nurse.is_active
    assert not Membership.objects.active_on().filter(user=nurse).exists()
    assert AdminChange.objects.filter(action=AdminAction.REACTIVATE).count() == 1


def test_deactivating_twice_changes_nothing_the_second_time(cast, login_as, client):
    as_local_admin(cast, login_as)
    url = reverse("administration:user_deactivate", args=[cast.home_care_nurse.pk])
    client.post(url)
    client.post(url)
    assert AdminChange.objects.filter(action=AdminAction.DEACTIVATE).count() == 1


def test_admin_cannot_deactivate_themselves(cast, login_as, client):
    login_as(cast.municipal_system_admin, cast.municipal_admin_unit)
    me = cast.municipal_system_admin
    assert client.post(reverse("administration:user_deactivate", args=[me.pk])).status_code == 403
    me.refresh_from_db()
    assert me.is_active


# --- Unlocking and passwords ----------------------------------------------------------------


def test_unlock(cast, login_as, client):
    nurse = cast.home_care_nurse
    User.objects.filter(pk=nurse.pk).update(
        locked_until=timezone.now() + datetime.timedelta(minutes=10), failed_login_count=0
    )
    as_local_admin(cast, login_as)
    assert "Låst till" in client.get(detail(nurse)).content.decode()
    client.post(reverse("administration:user_unlock", args=[nurse.pk]))
    nurse.refresh_from_db()
    assert nurse.locked_until is None
    change = AdminChange.objects.get(action=AdminAction.UNLOCK)
    assert change.changes["locked_until"][1] is None
    login = Client()
    login.post(reverse("accounts:login"), {"username": "hemssk", "password": TEST_PASSWORD})
    assert "_auth_user_id" in login.session


def test_set_password(cast, login_as, client):
    nurse = cast.home_care_nurse
    nurse_client = Client()
    nurse_client.force_login(nurse)
    as_local_admin(cast, login_as)
    url = reverse("administration:user_password", args=[nurse.pk])
    response = client.post(url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert response.status_code == 302
    nurse.refresh_from_db()
    assert nurse.check_password(NEW_PASSWORD)
    change = AdminChange.objects.get(action=AdminAction.PASSWORD)
    assert change.changes == {}
    # The session that logged in with the old password no longer works.
    assert nurse_client.get(reverse("accounts:my_account")).status_code == 302


@pytest.mark.parametrize("password", ["kort1!", TEST_PASSWORD])
def test_set_password_follows_the_rules_and_differs_from_the_previous(
    cast, login_as, client, password
):
    as_local_admin(cast, login_as)
    url = reverse("administration:user_password", args=[cast.home_care_nurse.pk])
    response = client.post(url, {"new_password1": password, "new_password2": password})
    assert response.status_code == 200
    assert response.context["form"].errors
    assert not AdminChange.objects.exists()


def test_set_password_for_a_converted_card_user_is_refused(cast, login_as, client):
    nurse = cast.home_care_nurse
    User.objects.filter(pk=nurse.pk).update(
        login_method=LoginMethod.SMART_CARD, card_converted_at=timezone.now()
    )
    as_local_admin(cast, login_as)
    url = reverse("administration:user_password", args=[nurse.pk])
    response = client.post(url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert response.status_code == 200
    assert "konverterat till e-tjänstekort" in response.content.decode()
    nurse.refresh_from_db()
    assert nurse.check_password(TEST_PASSWORD)


def test_no_password_hash_ever_reaches_the_history(cast, login_as, client):
    as_local_admin(cast, login_as)
    client.post(reverse("administration:user_create"), create_data(cast))
    user = User.objects.get(username="nyanstalld")
    client.post(
        reverse("administration:user_password", args=[user.pk]),
        {"new_password1": "Sommar2028!", "new_password2": "Sommar2028!"},
    )
    user.refresh_from_db()
    stored = str(list(AdminChange.objects.values_list("changes", flat=True)))
    assert user.password not in stored
    assert "md5$" not in stored and "pbkdf2" not in stored and "Sommar2028" not in stored


# --- The user page ------------------------------------------------------------------------


def test_user_page_shows_recent_login_events(cast, login_as, client):
    nurse = cast.home_care_nurse
    LoginEvent.objects.create(
        kind=LoginEventKind.FAILED, user=nurse, username="hemssk", client_address="10.9.8.7"
    )
    LoginEvent.objects.create(
        kind=LoginEventKind.LOGIN, user=cast.ward_nurse, client_address="10.1.1.1"
    )
    as_local_admin(cast, login_as)
    html = client.get(detail(nurse)).content.decode()
    assert "10.9.8.7" in html and "Misslyckad inloggning" in html
    assert "10.1.1.1" not in html


def test_user_page_shows_memberships_and_history(cast, login_as, client):
    as_local_admin(cast, login_as)
    nurse = cast.home_care_nurse
    client.post(
        reverse("administration:user_edit", args=[nurse.pk]), edit_data(nurse, phone="0483-1")
    )
    html = client.get(detail(nurse)).content.decode()
    assert "Hemtjänst Öst" in html and "Användare" in html
    assert "0483-1" in html and "Ändrad" in html
    history = client.get(reverse("administration:user_history", args=[nurse.pk]))
    assert "0483-1" in history.content.decode()
