"""Provider start (issue 14 point 4): a system administrator registers a private provider ahead
of its start; nothing of it routes and no one logs in before the start date; the checklist shows
what is missing. Other organisations, forged fields and bad input are refused."""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from samplan.accessrequests.access import managed_unit_ids
from samplan.accounts.access import working_units
from samplan.accounts.models import Membership, Role, User
from samplan.addressing.models import PatientFilter, ResidenceEntry
from samplan.addressing.router import RoutingSubject, route
from samplan.auditlog.models import AdminChange
from samplan.core.actor import task_actor
from samplan.messaging.models import AlertSettings
from samplan.organizations.models import Organization, Unit, UnitKind
from samplan.providers.checklist import checklist_complete, provider_checklist
from samplan.providers.models import ProviderStart
from samplan.providers.tests.conftest import register
from samplan.testing import TEST_PASSWORD, MembershipFactory, next_org_number, user_with_role

PERSON = "191212121212"


def form_data(cast, **extra) -> dict:
    data = {
        "name": "Nya Omsorg AB",
        "org_number": "556677-8899",  # a valid check digit
        "hsa_id": "",
        "contracted_by": cast.municipality.pk,
        "main_provider": "",
        "starts_on": (timezone.localdate() + datetime.timedelta(days=30)).isoformat(),
        "manager_first_name": "Anna",
        "manager_last_name": "Ansvarig",
        "manager_email": "anna@nyaomsorg.se",
        "manager_mobile": "070-1112233",
        "manager_username": "anna.ansvarig",
        "units-TOTAL_FORMS": "3",
        "units-INITIAL_FORMS": "0",
        "units-MIN_NUM_FORMS": "1",
        "units-MAX_NUM_FORMS": "10",
        "units-0-name": "Nya Omsorg Hemtjänst",
        "units-0-kind": UnitKind.HOME_CARE,
        "units-0-hsa_id": "",
        "units-0-has_inbox": "on",
        "units-1-name": "Nya Omsorg Äldreboende",
        "units-1-kind": UnitKind.NURSING_HOME,
        "units-1-hsa_id": "SE5566778899-1001",
        "units-1-has_inbox": "on",
        "units-2-name": "",
        "units-2-kind": "",
        "units-2-hsa_id": "",
    }
    data.update(extra)
    return data


def test_system_admin_registers_a_provider(cast, login_as):
    client = login_as(cast.municipal_system_admin, cast.municipal_admin_unit)
    response = client.post(reverse("providers:register"), form_data(cast))
    assert response.status_code == 302, response.content.decode()
    provider = Organization.objects.get(org_number="5566778899")
    assert response["Location"] == reverse("providers:checklist", args=[provider.pk])
    assert provider.kind == "private_provider" and provider.contracted_by == cast.municipality
    start = timezone.localdate() + datetime.timedelta(days=30)
    assert provider.starts_on == start
    top, home = (
        Unit.objects.get(name="Nya Omsorg Hemtjänst"),
        Unit.objects.get(name="Nya Omsorg Äldreboende"),
    )
    assert top.parent is None and home.parent == top
    assert top.active_from == start and home.active_from == start
    assert home.hsa_id == "SE5566778899-1001"
    manager = User.objects.get(username="anna.ansvarig")
    assert manager.organization == provider and manager.mobile == "070-1112233"
    assert not manager.has_usable_password()
    membership = Membership.objects.get(user=manager)
    assert (membership.unit, membership.role, membership.valid_from) == (top, Role.MANAGER, start)
    assert ProviderStart.objects.get(organization=provider).responsible_manager == manager
    # Every step in the history, the provider's and (for the organisation) its contractor's.
    kinds = set(
        AdminChange.objects.filter(organization=provider).values_list("target_type", flat=True)
    )
    assert kinds == {"organization", "unit", "user", "membership", "providerstart"}
    assert AdminChange.objects.filter(
        organization=cast.municipality, target_type="organization", target_id=str(provider.pk)
    ).exists()
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert "Inte startad" in page.content.decode()


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("org_number", "556677-8890", "Organisationsnumrets kontrollsiffra är fel."),
        ("org_number", "55667788", "Ett organisationsnummer har 10 siffror."),
        ("starts_on", "2020-01-01", "Datumet kan inte ligga bakåt i tiden."),
        ("manager_email", "inte-en-adress", "Fyll i en giltig e-postadress."),
    ],
)
def test_bad_input_gets_a_plain_swedish_error(cast, login_as, field, value, message):
    client = login_as(cast.municipal_system_admin, cast.municipal_admin_unit)
    response = client.post(reverse("providers:register"), form_data(cast, **{field: value}))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Organization.objects.filter(name="Nya Omsorg AB").exists()
    assert not User.objects.filter(username="anna.ansvarig").exists()


def test_a_forged_contracting_organisation_is_refused(cast, login_as):
    """The municipal system admin may not register a provider for another municipality."""
    client = login_as(cast.municipal_system_admin, cast.municipal_admin_unit)
    response = client.post(
        reverse("providers:register"), form_data(cast, contracted_by=cast.other_municipality.pk)
    )
    assert response.status_code == 200
    assert not Organization.objects.filter(name="Nya Omsorg AB").exists()


def test_a_duplicate_unit_hsa_id_is_refused_and_nothing_is_half_written(cast, login_as):
    Unit.objects.filter(pk=cast.home_care.pk).update(hsa_id="SE5566778899-1001")
    client = login_as(cast.municipal_system_admin, cast.municipal_admin_unit)
    response = client.post(reverse("providers:register"), form_data(cast))
    assert "En annan enhet har redan detta HSA-id." in response.content.decode()
    assert not Organization.objects.filter(name="Nya Omsorg AB").exists()


def test_a_double_post_registers_once(cast, login_as):
    client = login_as(cast.municipal_system_admin, cast.municipal_admin_unit)
    client.post(reverse("providers:register"), form_data(cast))
    second = client.post(reverse("providers:register"), form_data(cast))
    assert second.status_code == 200
    assert Organization.objects.filter(org_number="5566778899").count() == 1


def test_others_cannot_register_or_see(cast, login_as, sysadmin_actor):
    provider = register(sysadmin_actor, contracted_by=cast.municipality)
    # A local administrator (not a system administrator) and an ordinary user: refused.
    for user, unit in [
        (cast.municipal_local_admin, cast.municipal_admin_unit),
        (cast.home_care_nurse, cast.home_care),
    ]:
        client = login_as(user, unit)
        assert client.get(reverse("providers:register")).status_code == 403
        assert client.get(reverse("providers:list")).status_code == 403
    # A system administrator whose role has ended (revoked): refused like anyone else.
    revoked = user_with_role("f.d.sys", cast.municipal_admin_unit, Role.SYSTEM_ADMIN)
    Membership.objects.filter(user=revoked).update(ended_at=timezone.now())
    client = login_as(revoked)
    assert client.get(reverse("providers:register")).status_code == 403
    assert client.get(reverse("providers:checklist", args=[provider.pk])).status_code == 404
    # Another municipality's system administrator: the provider is missing to them.
    other_sys = user_with_role("annansys", cast.outsider_unit, Role.SYSTEM_ADMIN)
    client = login_as(other_sys, cast.outsider_unit)
    assert client.get(reverse("providers:checklist", args=[provider.pk])).status_code == 404
    assert provider.name not in client.get(reverse("providers:list")).content.decode()


def test_nothing_routes_before_the_start_date(cast, sysadmin_actor, fallback_inbox):
    start = timezone.localdate() + datetime.timedelta(days=7)
    provider = register(sysadmin_actor, contracted_by=cast.municipality, starts_on=start)
    unit = Unit.objects.get(organization=provider)
    PatientFilter.objects.create(unit=unit, identity_number=PERSON, valid_from=timezone.localdate())
    person = RoutingSubject(identity_number=PERSON, registered_municipality="0483")

    def units_on(day: datetime.date) -> list[Unit]:
        recipients = route(
            patient=person, message_type="admission_notice", sender_unit=cast.ward, at=day
        )
        return [recipient.unit for recipient in recipients]

    assert units_on(timezone.localdate()) == [fallback_inbox]
    assert units_on(start - datetime.timedelta(days=1)) == [fallback_inbox]
    assert units_on(start) == [unit]
    # Even a unit dated earlier by hand: the organisation's start date holds it back.
    Unit.objects.filter(pk=unit.pk).update(active_from=None)
    assert units_on(timezone.localdate()) == [fallback_inbox]


def test_no_one_logs_in_before_the_start_date(cast, client, sysadmin_actor):
    start = timezone.localdate() + datetime.timedelta(days=7)
    provider = register(sysadmin_actor, contracted_by=cast.municipality, starts_on=start)
    manager = ProviderStart.objects.get(organization=provider).responsible_manager
    manager.set_password(TEST_PASSWORD)
    manager.save()
    # A membership dated from today by hand: still no unit to act for before the start.
    MembershipFactory(user=manager, unit=Unit.objects.get(organization=provider))
    assert working_units(User.objects.get(pk=manager.pk)) == []
    response = client.post(
        reverse("accounts:login"), {"username": manager.username, "password": TEST_PASSWORD}
    )
    assert response.status_code == 200
    assert f"Din organisation börjar i samplan {start.isoformat()}" in response.content.decode()
    assert "_auth_user_id" not in client.session
    # A wrong password gets the ordinary answer: the start date is told only to the owner.
    response = client.post(
        reverse("accounts:login"), {"username": manager.username, "password": "Fel-lösen1"}
    )
    assert "Fel användarnamn eller lösenord." in response.content.decode()
    with time_machine.travel(
        timezone.make_aware(datetime.datetime.combine(start, datetime.time(8, 0)))
    ):
        response = client.post(
            reverse("accounts:login"), {"username": manager.username, "password": TEST_PASSWORD}
        )
        assert response.status_code == 302
        assert working_units(User.objects.get(pk=manager.pk)) != []


def test_the_checklist_shows_what_is_missing(cast, sysadmin_actor):
    provider = register(
        sysadmin_actor,
        contracted_by=cast.municipality,
        unit_kinds=(UnitKind.HOME_CARE, UnitKind.NURSING_HOME),
    )
    missing = {item.key for item in provider_checklist(provider) if not item.done}
    assert missing == {"manager", "local_admin", "alerts", "residence_lists"}
    top, nursing_home = Unit.objects.filter(organization=provider).order_by("pk")
    manager = ProviderStart.objects.get(organization=provider).responsible_manager
    manager.set_password(TEST_PASSWORD)
    manager.save()
    user_with_role("lokaladmin", top, Role.LOCAL_ADMIN)
    for unit in (top, nursing_home):
        AlertSettings.objects.create(unit=unit, enabled=True, email_addresses=["a@example.se"])
    ResidenceEntry.objects.create(
        unit=nursing_home, identity_number=PERSON, moved_in=timezone.localdate()
    )
    items = provider_checklist(provider)
    assert checklist_complete(items), [item for item in items if not item.done]


def test_pages_run_a_fixed_number_of_queries(
    cast, login_as, sysadmin_actor, django_assert_num_queries
):
    provider = register(sysadmin_actor, contracted_by=cast.municipality)
    client = login_as(cast.municipal_system_admin, cast.municipal_admin_unit)
    client.get(reverse("providers:list"))  # warm the session
    with django_assert_num_queries(5):
        client.get(reverse("providers:list"))
    for number in range(3):
        register(
            sysadmin_actor,
            contracted_by=cast.municipality,
            name=f"Fler {number}",
            username=f"fler{number}",
        )
    with django_assert_num_queries(5):
        assert client.get(reverse("providers:list")).status_code == 200
    with django_assert_num_queries(9):
        assert client.get(reverse("providers:checklist", args=[provider.pk])).status_code == 200


def test_a_subcontractor_is_ordered_for_by_the_main_provider(cast, sysadmin_actor):
    main = register(sysadmin_actor, contracted_by=cast.municipality, name="Huvud AB")
    sub = register(
        sysadmin_actor,
        contracted_by=cast.municipality,
        name="Under AB",
        username="underchef",
        main_provider=main,
    )
    assert sub.main_provider == main
    main_manager = ProviderStart.objects.get(organization=main).responsible_manager
    sub_units = set(Unit.objects.filter(organization=sub).values_list("pk", flat=True))
    with time_machine.travel(
        timezone.make_aware(datetime.datetime.combine(main.starts_on, datetime.time(8, 0)))
    ):
        manager = User.objects.get(pk=main_manager.pk)
        assert sub_units <= managed_unit_ids(manager)
        # The subcontractor's own manager does not reach the main provider's units.
        sub_manager = User.objects.get(username="underchef")
        main_units = set(Unit.objects.filter(organization=main).values_list("pk", flat=True))
        assert not main_units & managed_unit_ids(sub_manager)


def test_a_subcontractor_must_share_the_main_providers_contractor(cast, sysadmin_actor):
    main = register(sysadmin_actor, contracted_by=cast.municipality, name="Huvud AB")
    other = Organization.objects.create(
        name="Tredje kommunen", kind="municipality", org_number=next_org_number("212")
    )
    with pytest.raises(ValidationError):
        register(
            task_actor(cast.superuser),
            contracted_by=other,
            name="Under AB",
            username="underchef",
            main_provider=main,
        )
