"""Takeover (issue 14 point 5): units, residence lists and patient filters move from one provider
to another on a date, with open cases' and SIP plans' participations; the old provider's users
lose access; shown as a preview first, carried out by the task worker in one transaction; and
what happened before stays with the organisation that did the work, in reports and log review."""

from __future__ import annotations

import datetime
import io

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from samplan.accounts.access import working_units
from samplan.accounts.models import Membership, User
from samplan.addressing.models import PatientFilter, ResidenceEntry
from samplan.addressing.router import RoutingSubject, route
from samplan.auditlog.access_log import access_log_record
from samplan.auditlog.models import AdminChange
from samplan.core.actor import task_actor
from samplan.core.message_types import MessageType
from samplan.discharge.models import CaseParticipant
from samplan.discharge.testing import Builder
from samplan.logreview.selectors import organization_rows
from samplan.messaging.counts import received_total
from samplan.messaging.models import AlertSettings, Delivery, DeliveryState
from samplan.organizations.models import Organization, OrganizationKind, Unit, UnitKind
from samplan.providers import takeover as takeovers
from samplan.providers.models import Takeover, TakeoverState, TakeoverUnit
from samplan.providers.scheduled import scheduled_run
from samplan.reports.access import ReportReach
from samplan.reports.scope import report_deliveries
from samplan.sip.models import SipParticipant, SipPlan
from samplan.testing import UnitFactory, next_org_number, user_with_role

DAY = datetime.timedelta(days=1)


def on(day: datetime.date, hour: int = 1):
    return time_machine.travel(
        timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, 5)))
    )


@pytest.fixture
def receiver(cast) -> Organization:
    return Organization.objects.create(
        name="Nya Omsorg AB",
        kind=OrganizationKind.PRIVATE_PROVIDER,
        org_number=next_org_number("556"),
        contracted_by=cast.municipality,
    )


@pytest.fixture
def nursing_home(cast) -> Unit:
    return UnitFactory(
        organization=cast.provider, name="Omsorg AB Solgården", kind=UnitKind.NURSING_HOME
    )


@pytest.fixture
def scene(cast, nursing_home):
    """The old provider's units at work: registers, a case with an open delivery, a SIP plan,
    staff, alert settings, and a delivery already acknowledged (its history)."""
    past = timezone.localdate() - 30 * DAY
    builder = Builder(cast)
    case, _message = builder.admitted()
    builder.send(case, MessageType.PLANNING_INFO, cast.provider_unit)
    history_case, _message = builder.admitted()
    done = builder.send(history_case, MessageType.PLANNING_INFO, cast.provider_unit)
    staff = user_with_role("omsorgssk", cast.provider_unit)
    Delivery.objects.filter(message=done, unit=cast.provider_unit).update(
        state=DeliveryState.ACKNOWLEDGED, acknowledged_at=timezone.now(), acknowledged_by=staff
    )
    access_log_record(
        actor=task_actor(staff, cast.provider_unit), patient=case.patient, action="read", obj=case
    )
    PatientFilter.objects.create(
        unit=cast.provider_unit, identity_number=case.patient.identity_number, valid_from=past
    )
    ResidenceEntry.objects.create(unit=nursing_home, identity_number="194004049898", moved_in=past)
    plan = SipPlan.objects.create(
        patient=case.patient,
        initiator_unit=cast.ward,
        initiated_by=cast.ward_nurse,
        purpose="Samordna insatser",
        creation_key="k1",
    )
    SipParticipant.objects.create(
        plan=plan, unit=cast.provider_unit, role="summoned", answer="pending"
    )
    AlertSettings.objects.create(
        unit=cast.provider_unit, enabled=True, email_addresses=["hemtjanst@omsorg.se"]
    )
    return {"case": case, "plan": plan, "staff": staff, "done": done}


def plan_it(cast, receiver, nursing_home, day):
    return takeovers.takeover_plan(
        actor=task_actor(cast.municipal_system_admin, cast.municipal_admin_unit),
        from_organization=cast.provider,
        to_organization=receiver,
        takes_effect_on=day,
        units=[cast.provider_unit, nursing_home],
    )


def test_planning_shows_a_preview_and_moves_nothing(
    cast, login_as, receiver, nursing_home, scene, django_assert_num_queries
):
    day = timezone.localdate() + 7 * DAY
    client = login_as(cast.municipal_system_admin, cast.municipal_admin_unit)
    form = client.get(reverse("providers:takeover_new") + f"?fran={cast.provider.pk}")
    assert cast.provider_unit.name in form.content.decode()
    response = client.post(
        reverse("providers:takeover_new") + f"?fran={cast.provider.pk}",
        {
            "to_organization": receiver.pk,
            "takes_effect_on": day.isoformat(),
            "units": [cast.provider_unit.pk, nursing_home.pk],
        },
    )
    planned = Takeover.objects.get()
    assert response.status_code == 302
    successor = TakeoverUnit.objects.get(unit=cast.provider_unit).successor
    assert successor.organization == receiver and successor.active_from == day
    assert successor.name == cast.provider_unit.name and successor.hsa_id is None
    # Nothing moved yet.
    assert PatientFilter.objects.get().unit == cast.provider_unit
    assert Membership.objects.active_on().filter(user=scene["staff"]).exists()
    # Both organisations' histories have it.
    for organization in (cast.provider, receiver):
        assert AdminChange.objects.filter(
            organization=organization, target_type="takeover", target_id=str(planned.pk)
        ).exists()
    url = reverse("providers:takeover_detail", args=[planned.pk])
    client.get(url)
    with django_assert_num_queries(12):
        page = client.get(url).content.decode()
    assert "Förhandsvisning" in page
    preview = {row.unit: row for row in takeovers.takeover_preview(planned)}
    row = preview[cast.provider_unit]
    # Two open cases: the one with the open delivery, and the one whose delivery is handled.
    assert (row.patient_filters, row.deliveries, row.cases, row.plans, row.memberships) == (
        1,
        1,
        2,
        1,
        1,
    )
    assert preview[nursing_home].residents == 1


def test_the_task_worker_carries_it_out_on_the_date(cast, receiver, nursing_home, scene):
    day = timezone.localdate() + 7 * DAY
    planned = plan_it(cast, receiver, nursing_home, day)
    successor = TakeoverUnit.objects.get(unit=cast.provider_unit).successor
    new_home = TakeoverUnit.objects.get(unit=nursing_home).successor
    with on(day - DAY, 23):
        assert scheduled_run() == {"takeovers": 0}
    with on(day):
        call_command("providers_run", stdout=io.StringIO())
        planned.refresh_from_db()
        assert planned.state == TakeoverState.DONE
        # Registers: the old row ends the day before, the successor's runs from the date.
        old_filter = PatientFilter.objects.get(unit=cast.provider_unit)
        assert old_filter.valid_to == day - DAY
        assert PatientFilter.objects.get(unit=successor).valid_from == day
        assert ResidenceEntry.objects.get(unit=nursing_home).moved_out == day - DAY
        assert ResidenceEntry.objects.get(unit=new_home).moved_in == day
        person = RoutingSubject(
            identity_number=scene["case"].patient.identity_number, registered_municipality="0483"
        )
        units = [
            r.unit
            for r in route(patient=person, message_type="planning_info", sender_unit=cast.ward)
        ]
        assert units == [successor]
        # Open work moved: the delivery, the case participation, the SIP participation.
        passed_on = Delivery.objects.get(unit=successor)
        assert (
            passed_on.state == DeliveryState.NEW
            and passed_on.forwarded_from.unit == cast.provider_unit
        )
        assert CaseParticipant.objects.get(case=scene["case"], unit=successor).left_at is None
        assert (
            CaseParticipant.objects.get(case=scene["case"], unit=cast.provider_unit).left_at
            is not None
        )
        assert SipParticipant.objects.get(plan=scene["plan"]).unit == successor
        assert AlertSettings.objects.get(unit=successor).email_addresses == ["hemtjanst@omsorg.se"]
        # The old provider's users lose access; its units close the day before.
        staff = User.objects.get(pk=scene["staff"].pk)
        assert working_units(staff) == []
        cast.provider_unit.refresh_from_db()
        assert not cast.provider_unit.is_active and cast.provider_unit.active_to == day - DAY
        # Nothing left of the old provider: it is deactivated.
        assert not Organization.objects.get(pk=cast.provider.pk).is_active
        # A second run changes nothing.
        assert scheduled_run() == {"takeovers": 0}
        assert Delivery.objects.filter(unit=successor).count() == 1
        assert received_total(successor.pk) == 1  # Mottagna's maintained count follows


def test_history_stays_with_the_organisation_that_did_the_work(cast, receiver, nursing_home, scene):
    day = timezone.localdate() + 7 * DAY
    plan_it(cast, receiver, nursing_home, day)
    with on(day):
        scheduled_run()
    old_reach = ReportReach(Organization.objects.get(pk=cast.provider.pk), None)
    new_reach = ReportReach(receiver, None)
    acknowledged = Delivery.objects.get(message=scene["done"], unit=cast.provider_unit)
    assert report_deliveries(old_reach).filter(pk=acknowledged.pk).exists()
    assert not report_deliveries(new_reach).filter(pk=acknowledged.pk).exists()
    assert report_deliveries(new_reach).filter(unit__organization=receiver).count() == 1
    # The access-log row names the organisation acted for at the time.
    assert organization_rows(cast.provider).filter(user=scene["staff"]).count() == 1
    assert not organization_rows(receiver).filter(user=scene["staff"]).exists()
    # The case still shows both units took part (reports of the old provider count it).
    assert CaseParticipant.objects.filter(case=scene["case"], unit=cast.provider_unit).exists()


def test_it_runs_in_one_transaction(cast, receiver, nursing_home, scene, monkeypatch):
    day = timezone.localdate() + 7 * DAY
    planned = plan_it(cast, receiver, nursing_home, day)

    def broken(**kwargs):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(takeovers, "move_participations", broken)
    with on(day), pytest.raises(RuntimeError):
        scheduled_run()
    planned.refresh_from_db()
    assert planned.state == TakeoverState.PLANNED
    assert PatientFilter.objects.get().valid_to is None
    assert (
        Delivery.objects.get(unit=cast.provider_unit, message__case_link__case=scene["case"]).state
        == DeliveryState.NEW
    )
    assert Membership.objects.filter(user=scene["staff"], ended_at__isnull=True).exists()


def test_bad_input_and_forged_units_are_refused(cast, login_as, receiver, nursing_home):
    client = login_as(cast.municipal_system_admin, cast.municipal_admin_unit)
    url = reverse("providers:takeover_new") + f"?fran={cast.provider.pk}"
    past = client.post(
        url,
        {
            "to_organization": receiver.pk,
            "takes_effect_on": "2020-01-01",
            "units": [cast.provider_unit.pk],
        },
    )
    assert "Datumet kan inte ligga bakåt i tiden." in past.content.decode()
    forged = client.post(
        url,
        {
            "to_organization": receiver.pk,
            "takes_effect_on": (timezone.localdate() + DAY).isoformat(),
            "units": [cast.home_care.pk],  # a unit of another organisation
        },
    )
    assert "Välj ett giltigt alternativ" in forged.content.decode()
    assert not Takeover.objects.exists()
    with pytest.raises(ValidationError) as refused:
        takeovers.takeover_plan(
            actor=task_actor(cast.municipal_system_admin),
            from_organization=cast.provider,
            to_organization=receiver,
            takes_effect_on=timezone.localdate() + DAY,
            units=[cast.home_care],
        )
    assert "Varje enhet måste tillhöra den överlämnande organisationen." in str(refused.value)


def test_others_cannot_see_plan_or_cancel(cast, login_as, receiver, nursing_home):
    planned = plan_it(cast, receiver, nursing_home, timezone.localdate() + 7 * DAY)
    other_sys = user_with_role("annansys", cast.outsider_unit, "system_admin")
    for user, unit in [
        (other_sys, cast.outsider_unit),
        (cast.municipal_local_admin, cast.municipal_admin_unit),
        (user_with_role("omsorgssk", cast.provider_unit), cast.provider_unit),
    ]:
        client = login_as(user, unit)
        assert client.get(reverse("providers:takeover_detail", args=[planned.pk])).status_code in (
            403,
            404,
        )
        assert client.post(reverse("providers:takeover_cancel", args=[planned.pk])).status_code in (
            403,
            404,
        )
        response = client.get(reverse("providers:takeover_new") + f"?fran={cast.provider.pk}")
        assert (
            response.status_code == 403 or cast.provider_unit.name not in response.content.decode()
        )
    planned.refresh_from_db()
    assert planned.state == TakeoverState.PLANNED


def test_cancelling_closes_the_successors(cast, login_as, receiver, nursing_home):
    day = timezone.localdate() + 7 * DAY
    planned = plan_it(cast, receiver, nursing_home, day)
    client = login_as(cast.municipal_system_admin, cast.municipal_admin_unit)
    assert client.post(reverse("providers:takeover_cancel", args=[planned.pk])).status_code == 302
    planned.refresh_from_db()
    assert planned.state == TakeoverState.CANCELLED
    assert not Unit.objects.filter(organization=receiver, is_active=True).exists()
    with on(day):
        assert scheduled_run() == {"takeovers": 0}
    cast.provider_unit.refresh_from_db()
    assert cast.provider_unit.is_active


def test_the_list_runs_a_fixed_number_of_queries(
    cast, login_as, receiver, nursing_home, django_assert_num_queries
):
    plan_it(cast, receiver, nursing_home, timezone.localdate() + 7 * DAY)
    client = login_as(cast.municipal_system_admin, cast.municipal_admin_unit)
    client.get(reverse("providers:takeovers"))
    with django_assert_num_queries(5):
        assert client.get(reverse("providers:takeovers")).status_code == 200
    extra = UnitFactory(organization=cast.provider, name="Extra")
    takeovers.takeover_plan(
        actor=task_actor(cast.municipal_system_admin),
        from_organization=cast.provider,
        to_organization=receiver,
        takes_effect_on=timezone.localdate() + 9 * DAY,
        units=[extra],
    )
    with django_assert_num_queries(5):
        assert client.get(reverse("providers:takeovers")).status_code == 200
