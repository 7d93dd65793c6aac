"""Beställ behörighet: a manager orders for their own units, the local administrator approves
or rejects, approval carries it out; forged ids, other units and other organisations."""

from __future__ import annotations

import datetime

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from samplan.accessrequests import services
from samplan.accessrequests.models import (
    AccessNotice,
    AccessRequest,
    AccessSettings,
    RequestKind,
    RequestState,
)
from samplan.accessrequests.notices import notices_send
from samplan.accessrequests.scheduled import scheduled_run
from samplan.accounts import services as account_services
from samplan.accounts.models import LoginMethod, Membership, Role, User
from samplan.auditlog.models import AdminAction, AdminChange
from samplan.core.actor import task_actor
from samplan.patients.testing import make_personnummer
from samplan.testing import TEST_PASSWORD, UnitFactory, user_with_role

TODAY = timezone.localdate


def new_user_data(unit, **extra):
    data = {
        "first_name": "Nina",
        "last_name": "Nyström",
        "personnummer": make_personnummer(datetime.date(1990, 3, 4)),
        "hsa_id": "",
        "email": "nina@testkommun.se",
        "mobile": "070-1234567",
        "login_method": LoginMethod.PASSWORD,
        "unit": unit.pk,
        "role": Role.USER,
        "valid_from": TODAY().isoformat(),
        "valid_to": "",
    }
    data.update(extra)
    return data


def create_url(kind: str) -> str:
    return reverse("accessrequests:create", args=[kind])


def test_manager_orders_and_local_admin_approves(cast, manager, as_manager, card_settings, client):
    response = client.post(create_url("ny-anvandare"), new_user_data(cast.home_care))
    order = AccessRequest.objects.get()
    assert response.status_code == 302
    assert order.state == RequestState.PENDING and order.kind == RequestKind.NEW_USER
    assert order.organization == cast.municipality and order.ordered_by == manager
    assert AdminChange.objects.filter(target_type="accessrequest", action="create").count() == 1
    # The local administrator hears of it.
    assert AccessNotice.objects.filter(to=cast.municipal_local_admin.email).exists()

    client.force_login(cast.municipal_local_admin)
    page = client.get(reverse("accessrequests:detail", args=[order.pk])).content.decode()
    assert "Godkänn" in page
    response = client.post(
        reverse("accessrequests:approve", args=[order.pk]), {"password": "Nytt-lösen9"}
    )
    assert response.status_code == 302
    order.refresh_from_db()
    assert order.state == RequestState.DONE and order.decided_by == cast.municipal_local_admin
    account = order.created_user
    assert account.username == "nina.nystrom" and account.organization == cast.municipality
    membership = Membership.objects.get(user=account)
    assert (membership.unit, membership.role) == (cast.home_care, Role.USER)
    actions = set(AdminChange.objects.values_list("target_type", "action"))
    assert {("user", "create"), ("membership", "grant"), ("accessrequest", "update")} <= actions
    notices = list(AccessNotice.objects.values_list("to", "body"))
    card = [body for to, body in notices if to == "kort@testkommun.se"]
    assert len(card) == 1 and "nina.nystrom" in card[0]
    assert order.personnummer not in card[0]  # not configured to include it
    assert any(to == manager.email for to, _ in notices)
    assert client.login(username="nina.nystrom", password="Nytt-lösen9")


def test_notices_go_after_commit(cast, manager, card_settings, django_capture_on_commit_callbacks):
    order = AccessRequest(
        kind=RequestKind.GRANT,
        subject=cast.home_care_nurse,
        unit=cast.home_care,
        role=Role.SUPER_USER,
        valid_from=TODAY(),
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.access_request_create(actor=task_actor(manager), order=order)
    assert [m.to for m in mail.outbox] == [[cast.municipal_local_admin.email]]
    assert mail.outbox[0].subject == "Ny behörighetsbeställning i samplan"
    assert AccessNotice.objects.get().sent_at is not None
    assert notices_send() == 0  # nothing twice


def test_card_email_holds_what_the_organisation_allows(cast, manager, card_settings):
    card_settings.card_email_personnummer = True
    card_settings.save()
    number = make_personnummer(datetime.date(1985, 1, 2))
    order = AccessRequest(
        kind=RequestKind.NEW_USER,
        first_name="Per",
        last_name="Son",
        personnummer=number,
        email="per@x.se",
        login_method=LoginMethod.SMART_CARD,
        unit=cast.home_care,
        role=Role.USER,
        valid_from=TODAY(),
    )
    order = services.access_request_create(actor=task_actor(manager), order=order)
    services.access_request_approve(actor=task_actor(cast.municipal_local_admin), order=order)
    card = AccessNotice.objects.get(to="kort@testkommun.se")
    assert number in card.body and "per@x.se" not in card.body
    assert not User.objects.get(username="per.son").has_usable_password()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"personnummer": "19900304-1235"}, "Kontrollsiffran"),
        ({"personnummer": "", "hsa_id": ""}, "personnummer eller ett HSA-id"),
        ({"valid_from": "2001-01-01"}, "kan inte börja bakåt i tiden"),
        ({"valid_to": "2001-01-01"}, "kan inte ligga bakåt i tiden"),
        ({"role": Role.LOCAL_ADMIN}, "giltigt alternativ"),
    ],
)
def test_bad_input_is_refused_in_plain_swedish(cast, as_manager, client, change, message):
    response = client.post(create_url("ny-anvandare"), new_user_data(cast.home_care, **change))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not AccessRequest.objects.exists()


@pytest.mark.parametrize("where", ["other_unit", "other_organisation"])
def test_a_unit_outside_the_managers_reach_is_refused(cast, as_manager, client, where):
    unit = (
        cast.care_centre
        if where == "other_organisation"
        else UnitFactory(organization=cast.municipality, name="Annan enhet")
    )
    response = client.post(create_url("ny-anvandare"), new_user_data(unit))
    assert response.status_code == 200
    assert "dina egna enheter" in response.content.decode()
    assert not AccessRequest.objects.exists()


def test_the_service_refuses_a_forged_unit(cast, manager):
    order = AccessRequest(
        kind=RequestKind.GRANT,
        subject=cast.home_care_nurse,
        unit=cast.outsider_unit,
        role=Role.USER,
        valid_from=TODAY(),
    )
    with pytest.raises(ValidationError) as refused:
        services.access_request_create(actor=task_actor(manager), order=order)
    assert "unit" in refused.value.error_dict
    assert not AccessRequest.objects.exists()


def test_a_person_of_another_organisation_cannot_be_ordered(cast, as_manager, client):
    response = client.post(
        create_url("ny-behorighet"),
        {
            "subject": cast.outsider.pk,
            "unit": cast.home_care.pk,
            "role": Role.USER,
            "valid_from": TODAY().isoformat(),
        },
    )
    assert "bland organisationens personal" in response.content.decode()
    assert not AccessRequest.objects.exists()


def test_posting_twice_orders_once(cast, as_manager, client):
    data = new_user_data(cast.home_care)
    client.post(create_url("ny-anvandare"), data)
    client.post(create_url("ny-anvandare"), data)
    assert AccessRequest.objects.count() == 1


def test_who_may_order_see_and_decide(cast, manager, login_as, client):
    order = services.access_request_create(
        actor=task_actor(manager),
        order=AccessRequest(
            kind=RequestKind.GRANT,
            subject=cast.home_care_nurse,
            unit=cast.home_care,
            role=Role.SUPER_USER,
            valid_from=TODAY(),
        ),
    )
    detail = reverse("accessrequests:detail", args=[order.pk])
    approve = reverse("accessrequests:approve", args=[order.pk])
    # A plain user orders nothing and sees no order.
    login_as(cast.home_care_nurse, cast.home_care)
    assert client.get(reverse("accessrequests:new")).status_code == 403
    assert client.get(detail).status_code == 404
    # Another organisation's administrator: as if it did not exist.
    login_as(cast.outsider_admin, cast.outsider_unit)
    assert client.get(detail).status_code == 404
    assert client.post(approve).status_code == 404
    # The region's local administrator neither.
    login_as(cast.region_local_admin, cast.care_centre)
    assert client.post(approve).status_code == 404
    # The orderer sees it but cannot approve it.
    login_as(manager, cast.municipal_admin_unit)
    assert client.get(detail).status_code == 200
    assert client.post(approve).status_code == 403
    order.refresh_from_db()
    assert order.state == RequestState.PENDING


def test_reject_needs_a_reason_and_tells_the_orderer(cast, manager, login_as, client):
    order = services.access_request_create(
        actor=task_actor(manager),
        order=AccessRequest(
            kind=RequestKind.GRANT,
            subject=cast.home_care_nurse,
            unit=cast.home_care,
            role=Role.SUPER_USER,
            valid_from=TODAY(),
        ),
    )
    login_as(cast.municipal_local_admin, cast.municipal_admin_unit)
    url = reverse("accessrequests:reject", args=[order.pk])
    response = client.post(url, {"reason": ""})
    assert response.status_code == 400 and "Detta fält måste fyllas i" in response.content.decode()
    client.post(url, {"reason": "Fel enhet"})
    order.refresh_from_db()
    assert order.state == RequestState.REJECTED and order.reason == "Fel enhet"
    assert AccessNotice.objects.filter(to=manager.email, body__contains="Fel enhet").exists()
    assert not Membership.objects.filter(role=Role.SUPER_USER).exists()


def test_orders_carried_out_directly(cast, manager):
    AccessSettings.objects.create(organization=cast.municipality, orders_carried_out_directly=True)
    order = services.access_request_create(
        actor=task_actor(manager),
        order=AccessRequest(
            kind=RequestKind.GRANT,
            subject=cast.home_care_nurse,
            unit=cast.home_care,
            role=Role.SUPER_USER,
            valid_from=TODAY(),
        ),
    )
    assert order.state == RequestState.DONE and order.decided_by == manager
    assert Membership.objects.filter(user=cast.home_care_nurse, role=Role.SUPER_USER).exists()


def test_a_later_start_waits_for_its_date(cast, manager):
    start = TODAY() + datetime.timedelta(days=3)
    order = services.access_request_create(
        actor=task_actor(manager),
        order=AccessRequest(
            kind=RequestKind.GRANT,
            subject=cast.home_care_nurse,
            unit=cast.municipal_admin_unit,
            role=Role.USER,
            valid_from=start,
        ),
    )
    services.access_request_approve(actor=task_actor(cast.municipal_local_admin), order=order)
    order.refresh_from_db()
    assert order.state == RequestState.APPROVED
    membership = Membership.objects.get(user=cast.home_care_nurse, unit=cast.municipal_admin_unit)
    assert membership.valid_from == start and not membership.is_active_on()
    scheduled_run()
    order.refresh_from_db()
    assert order.state == RequestState.APPROVED
    later = timezone.now() + datetime.timedelta(days=3)
    scheduled_run(now=later)
    order.refresh_from_db()
    assert order.state == RequestState.DONE


def test_change_of_period(cast, manager, as_manager, client):
    membership = Membership.objects.get(user=cast.home_care_nurse)
    last_day = TODAY() + datetime.timedelta(days=20)
    response = client.post(
        create_url("andrad-period"), {"membership": membership.pk, "valid_to": last_day}
    )
    assert response.status_code == 302
    order = AccessRequest.objects.get()
    assert order.subject == cast.home_care_nurse and order.unit == cast.home_care
    services.access_request_approve(actor=task_actor(cast.municipal_local_admin), order=order)
    membership.refresh_from_db()
    assert membership.valid_to == last_day


def test_a_role_outside_the_managers_units_cannot_be_changed(cast, as_manager, client):
    other = Membership.objects.get(user=cast.ward_nurse)
    response = client.post(
        create_url("andrad-period"),
        {"membership": other.pk, "valid_to": (TODAY() + datetime.timedelta(days=2)).isoformat()},
    )
    assert "dina egna enheter" in response.content.decode()


def test_end_of_all_access_on_a_date(cast, manager, card_settings):
    nurse = cast.home_care_nurse
    last_day = TODAY() + datetime.timedelta(days=10)
    order = services.access_request_create(
        actor=task_actor(manager),
        order=AccessRequest(kind=RequestKind.END_ALL, subject=nurse, end_date=last_day),
    )
    services.access_request_approve(actor=task_actor(cast.municipal_local_admin), order=order)
    assert Membership.objects.get(user=nurse).valid_to == last_day
    scheduled_run(now=timezone.now() + datetime.timedelta(days=10))
    nurse.refresh_from_db()
    assert nurse.is_active
    scheduled_run(now=timezone.now() + datetime.timedelta(days=11))
    nurse.refresh_from_db()
    order.refresh_from_db()
    assert not nurse.is_active and order.state == RequestState.DONE
    card = AccessNotice.objects.get(to="kort@testkommun.se")
    assert nurse.username in card.body
    assert AdminChange.objects.filter(
        action=AdminAction.DEACTIVATE, target_id=str(nurse.pk)
    ).exists()
    scheduled_run(now=timezone.now() + datetime.timedelta(days=12))
    assert AccessNotice.objects.filter(to="kort@testkommun.se").count() == 1


def test_withdraw(cast, manager, as_manager, client):
    client.post(create_url("ny-anvandare"), new_user_data(cast.home_care))
    order = AccessRequest.objects.get()
    client.post(reverse("accessrequests:cancel", args=[order.pk]))
    order.refresh_from_db()
    assert order.state == RequestState.CANCELLED


def test_order_list_query_count(cast, manager, login_as, client, django_assert_num_queries):
    for index in range(25):
        AccessRequest.objects.create(
            organization=cast.municipality,
            kind=RequestKind.NEW_USER,
            first_name=f"P{index}",
            last_name="Test",
            unit=cast.home_care,
            role=Role.USER,
            valid_from=TODAY(),
            ordered_by=manager,
        )
    login_as(cast.municipal_local_admin, cast.municipal_admin_unit)
    client.get(reverse("accessrequests:list"))
    with django_assert_num_queries(6):
        response = client.get(reverse("accessrequests:list"))
    assert response.content.decode().count("P1") >= 1
    assert response.context["page"].paginator.count == 25


def test_new_account_logs_in_with_its_role(cast, manager):
    other_admin = user_with_role("adm2", cast.municipal_admin_unit, Role.LOCAL_ADMIN)
    order = services.access_request_create(
        actor=task_actor(manager),
        order=AccessRequest(
            kind=RequestKind.NEW_USER,
            first_name="Åsa",
            last_name="Öberg",
            hsa_id="SE2120001234-ABC1",
            email="asa@x.se",
            login_method=LoginMethod.PASSWORD,
            unit=cast.home_care,
            role=Role.USER,
            valid_from=TODAY(),
        ),
    )
    services.access_request_approve(
        actor=task_actor(other_admin), order=order, password=TEST_PASSWORD
    )
    account = User.objects.get(username="asa.oberg")
    assert account.check_password(TEST_PASSWORD) and account.hsa_id == "SE2120001234-ABC1"


def test_access_ended_in_administrera_reaches_the_card_administrator(cast, card_settings):
    """Not only orders: ending a person's last role on the administration pages (or by
    closing a unit, a provider or a takeover, which end roles the same way) tells the card
    administrator once; ending one role of two tells nobody."""
    admin = task_actor(cast.municipal_local_admin)
    nurse = cast.home_care_nurse
    second = Membership.objects.create(user=nurse, unit=cast.municipal_admin_unit, role=Role.USER)
    account_services.membership_end(actor=admin, membership=second)
    assert not AccessNotice.objects.filter(to="kort@testkommun.se").exists()
    account_services.membership_end(
        actor=admin, membership=Membership.objects.get(user=nurse, ended_at__isnull=True)
    )
    card = AccessNotice.objects.get(to="kort@testkommun.se")
    assert nurse.username in card.body
    account_services.user_deactivate(actor=admin, user=nurse)  # nothing left to end
    assert AccessNotice.objects.filter(to="kort@testkommun.se").count() == 1
