"""Closing down a unit or a provider (issue 14 point 6): refused while open work remains,
listed without patient data, handed over to another unit of the own organisation; then the
memberships end, the unit leaves routing and the fallback inbox takes late messages. Other
units, other organisations and forged fields are refused."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from samplan.accounts.models import Membership
from samplan.addressing.models import PatientFilter
from samplan.addressing.router import RoutingSubject, route
from samplan.auditlog.models import AdminChange
from samplan.core.actor import task_actor
from samplan.core.message_types import MessageType
from samplan.discharge.models import CaseEvent, CaseEventKind, CaseParticipant
from samplan.discharge.testing import Builder
from samplan.messaging.models import Delivery, DeliveryState
from samplan.messaging.services import deliveries_acknowledge
from samplan.organizations.models import Organization, Unit
from samplan.providers import services
from samplan.sip.models import SipParticipant, SipPlan
from samplan.testing import UnitFactory, user_with_role


@pytest.fixture
def work(cast):
    """An admission notice to the provider's unit: an open delivery and an open case."""
    case, _message = Builder(cast).admitted()  # to home care and the care centre
    Builder(cast).send(case, MessageType.PLANNING_INFO, cast.provider_unit)
    return case


@pytest.fixture
def second_unit(cast) -> Unit:
    return UnitFactory(organization=cast.provider, name="Omsorg AB Hemtjänst Syd")


def plan_with(cast, unit: Unit) -> SipPlan:
    case = Builder(cast).case()
    plan = SipPlan.objects.create(
        patient=case.patient,
        initiator_unit=cast.ward,
        initiated_by=cast.ward_nurse,
        purpose="Samordna insatser",
        creation_key="k1",
    )
    SipParticipant.objects.create(plan=plan, unit=unit, role="summoned", answer="pending")
    return plan


def test_closing_is_refused_while_work_is_open(cast, sysadmin_actor, work):
    staff = user_with_role("omsorgssk", cast.provider_unit)
    with pytest.raises(ValidationError) as refused:
        services.unit_close(actor=sysadmin_actor, unit=cast.provider_unit)
    assert "1 okvitterade meddelanden, 1 öppna ärenden och 0 öppna SIP-planer" in str(refused.value)
    cast.provider_unit.refresh_from_db()
    assert cast.provider_unit.is_active
    assert Membership.objects.active_on().filter(user=staff).exists()


def test_the_page_lists_what_is_open_without_patient_data(
    cast, login_as, work, django_assert_num_queries
):
    client = login_as(cast.municipal_system_admin, cast.municipal_admin_unit)
    url = reverse("providers:unit_close", args=[cast.provider_unit.pk])
    client.get(url)
    with django_assert_num_queries(10):
        page = client.get(url).content.decode()
    assert "1 okvitterat meddelande" in page and "1 öppet ärende" in page
    assert "Planeringsunderlag" in page
    patient = work.patient
    assert patient.last_name not in page and patient.identity_number not in page
    cases = client.get(url + "?visa=cases").content.decode()
    assert reverse("discharge:case_detail", args=[work.pk]) in cases
    assert patient.last_name not in cases
    # More rows, same number of queries.
    for _ in range(3):
        Builder(cast).send(work, MessageType.EXTRA_MESSAGE, cast.provider_unit, text="Hej")
    with django_assert_num_queries(10):
        assert client.get(url).status_code == 200


def test_hand_over_then_close(cast, login_as, work, second_unit, fallback_inbox):
    plan = plan_with(cast, cast.provider_unit)
    staff = user_with_role("omsorgssk", cast.provider_unit)
    PatientFilter.objects.create(
        unit=cast.provider_unit,
        identity_number=work.patient.identity_number,
        valid_from=timezone.localdate() - datetime.timedelta(days=10),
    )
    client = login_as(cast.municipal_system_admin, cast.municipal_admin_unit)
    response = client.post(
        reverse("providers:unit_hand_over", args=[cast.provider_unit.pk]),
        {"to_unit": second_unit.pk},
    )
    assert response.status_code == 302
    old = Delivery.objects.get(unit=cast.provider_unit)
    assert old.state == DeliveryState.FORWARDED
    assert Delivery.objects.get(unit=second_unit, forwarded_from=old).state == DeliveryState.NEW
    assert CaseParticipant.objects.get(case=work, unit=cast.provider_unit).left_at is not None
    assert CaseParticipant.objects.get(case=work, unit=second_unit).left_at is None
    assert CaseEvent.objects.filter(case=work, kind=CaseEventKind.PARTICIPANT_LEFT).exists()
    assert SipParticipant.objects.get(plan=plan).unit == second_unit
    # A second post finds nothing left to move.
    again = services.unit_hand_over(
        actor=task_actor(cast.municipal_system_admin), unit=cast.provider_unit, to_unit=second_unit
    )
    assert again == {"deliveries": 0, "cases": 0, "plans": 0}

    response = client.post(reverse("providers:unit_close", args=[cast.provider_unit.pk]))
    assert response.status_code == 302
    cast.provider_unit.refresh_from_db()
    assert not cast.provider_unit.is_active
    assert not Membership.objects.active_on().filter(user=staff).exists()
    assert Membership.objects.filter(user=staff, ended_at__isnull=False).exists()
    # Out of routing: its patient's next message goes to the fallback inbox.
    person = RoutingSubject(
        identity_number=work.patient.identity_number, registered_municipality="0483"
    )
    units = [
        r.unit
        for r in route(patient=person, message_type="admission_notice", sender_unit=cast.ward)
    ]
    assert units == [fallback_inbox]
    # History and messages are kept.
    assert Delivery.objects.filter(unit=cast.provider_unit).exists()
    changes = AdminChange.objects.filter(target_type="unit", target_id=str(cast.provider_unit.pk))
    assert {"update", "deactivate"} <= set(changes.values_list("action", flat=True))


def test_hand_over_to_a_unit_of_another_organisation_is_refused(cast, login_as, work):
    client = login_as(cast.municipal_system_admin, cast.municipal_admin_unit)
    response = client.post(
        reverse("providers:unit_hand_over", args=[cast.provider_unit.pk]),
        {"to_unit": cast.home_care.pk},  # the municipality's own unit, forged into the form
    )
    assert response.status_code == 200
    assert "Välj ett giltigt alternativ" in response.content.decode()
    assert Delivery.objects.get(unit=cast.provider_unit).state == DeliveryState.NEW
    with pytest.raises(ValidationError):
        services.unit_hand_over(
            actor=task_actor(cast.municipal_system_admin),
            unit=cast.provider_unit,
            to_unit=cast.home_care,
        )


def test_others_cannot_close_or_hand_over(cast, login_as, work, second_unit):
    url = reverse("providers:unit_close", args=[cast.provider_unit.pk])
    for user, unit in [
        (cast.outsider_admin, cast.outsider_unit),  # another organisation
        (cast.municipal_local_admin, cast.municipal_admin_unit),  # not a system administrator
        (user_with_role("omsorgssk", cast.provider_unit), cast.provider_unit),  # the unit's user
    ]:
        client = login_as(user, unit)
        assert client.get(url).status_code == 404
        assert client.post(url).status_code == 404
        assert (
            client.post(
                reverse("providers:unit_hand_over", args=[cast.provider_unit.pk]),
                {"to_unit": second_unit.pk},
            ).status_code
            == 404
        )
    cast.provider_unit.refresh_from_db()
    assert cast.provider_unit.is_active
    with pytest.raises(PermissionDenied):
        services.unit_close(actor=task_actor(cast.outsider_admin), unit=cast.provider_unit)


def test_closing_a_provider(cast, login_as, work, second_unit):
    staff = user_with_role("omsorgssk", second_unit)
    client = login_as(cast.municipal_system_admin, cast.municipal_admin_unit)
    url = reverse("providers:provider_close", args=[cast.provider.pk])
    response = client.post(url)
    assert response.status_code == 200
    assert "Den kan inte avvecklas än" in response.content.decode()
    # The unit's own user acknowledges; the case participation is handed over.
    deliveries_acknowledge(
        actor=task_actor(staff, cast.provider_unit),
        delivery_ids=list(
            Delivery.objects.filter(unit=cast.provider_unit).values_list("pk", flat=True)
        ),
    )
    services.unit_hand_over(
        actor=task_actor(cast.municipal_system_admin), unit=cast.provider_unit, to_unit=second_unit
    )
    CaseParticipant.objects.filter(unit=second_unit).update(left_at=timezone.now())
    response = client.post(url)
    assert response.status_code == 302
    provider = Organization.objects.get(pk=cast.provider.pk)
    assert not provider.is_active
    assert not Unit.objects.filter(organization=provider, is_active=True).exists()
    assert not Membership.objects.filter(
        unit__organization=provider, ended_at__isnull=True
    ).exists()
    # In the provider's and its contractor's history.
    assert AdminChange.objects.filter(
        organization=cast.municipality, target_type="organization", target_id=str(provider.pk)
    ).exists()
    # Its users can no longer log in.
    staff.set_password("Testlösen1!")
    staff.save()
    response = client.post(reverse("accounts:logout"))
    response = client.post(
        reverse("accounts:login"), {"username": "omsorgssk", "password": "Testlösen1!"}
    )
    assert "Din organisation är inte längre aktiv i samplan" in response.content.decode()


def test_a_provider_with_active_subcontractors_is_not_closed(cast, sysadmin_actor):
    Organization.objects.create(
        name="Under AB",
        kind="private_provider",
        org_number="5566778899",
        contracted_by=cast.municipality,
        main_provider=cast.provider,
    )
    with pytest.raises(ValidationError) as refused:
        services.provider_close(actor=sysadmin_actor, organization=cast.provider)
    assert "underleverantörer" in str(refused.value)


def test_a_subcontractor_is_closed_the_same_way(cast, sysadmin_actor):
    from samplan.providers.tests.conftest import register

    sub = register(
        sysadmin_actor,
        contracted_by=cast.municipality,
        name="Under AB",
        main_provider=cast.provider,
    )
    assert services.provider_close(actor=sysadmin_actor, organization=sub) == 1  # the manager
    sub.refresh_from_db()
    assert not sub.is_active
    assert services.provider_close(actor=sysadmin_actor, organization=sub) == 0  # a double post


def test_the_provider_page_runs_a_fixed_number_of_queries(
    cast, login_as, work, second_unit, django_assert_num_queries
):
    client = login_as(cast.municipal_system_admin, cast.municipal_admin_unit)
    url = reverse("providers:provider_close", args=[cast.provider.pk])
    client.get(url)
    with django_assert_num_queries(11):
        page = client.get(url).content.decode()
    assert second_unit.name in page and work.patient.last_name not in page
    for number in range(3):
        UnitFactory(organization=cast.provider, name=f"Fler {number}")
        Builder(cast).send(work, MessageType.EXTRA_MESSAGE, second_unit, text="Hej")
    with django_assert_num_queries(11):
        assert client.get(url).status_code == 200


def test_the_administration_page_refuses_too(cast, login_as, work):
    """Administrera's own Inaktivera enhet goes through the same check."""
    client = login_as(cast.municipal_system_admin, cast.municipal_admin_unit)
    response = client.post(
        reverse("administration:unit_deactivate", args=[cast.provider_unit.pk]), follow=True
    )
    assert "Den kan inte avvecklas än" in response.content.decode()
    cast.provider_unit.refresh_from_db()
    assert cast.provider_unit.is_active


def test_deactivating_the_organisation_in_administrera_closes_it_down_the_same_way(
    cast, sysadmin_actor, work, second_unit
):
    from samplan.administration.services import organization_update

    staff = user_with_role("omsorgssk", second_unit)
    provider = Organization.objects.get(pk=cast.provider.pk)
    provider.is_active = False
    with pytest.raises(ValidationError):
        organization_update(actor=sysadmin_actor, organization=provider)
    assert Organization.objects.get(pk=provider.pk).is_active
    Delivery.objects.filter(unit=cast.provider_unit).update(state=DeliveryState.ACKNOWLEDGED)
    CaseParticipant.objects.filter(unit=cast.provider_unit).update(left_at=timezone.now())
    organization_update(actor=sysadmin_actor, organization=provider)
    assert not Organization.objects.get(pk=provider.pk).is_active
    assert not Unit.objects.filter(organization=provider, is_active=True).exists()
    assert not Membership.objects.filter(user=staff, ended_at__isnull=True).exists()
