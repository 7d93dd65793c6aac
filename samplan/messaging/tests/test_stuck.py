"""Fastnade meddelanden: the organisation-wide list of late deliveries and of the fallback
inbox's messages, forwarding one with a reason, and who may do it (issue 14 points 7-8)."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from samplan.accounts.models import Membership, Role
from samplan.addressing.models import FallbackInbox
from samplan.auditlog.models import AccessLogEntry, AdminChange
from samplan.core.actor import Actor
from samplan.core.message_types import MessageType
from samplan.discharge.models import CaseEvent, CaseEventKind, CaseParticipant
from samplan.messaging.access import FALLBACK, LATE, stuck_organization_ids
from samplan.messaging.counts import received_total
from samplan.messaging.models import Delivery, DeliveryState
from samplan.messaging.services import (
    MessagingError,
    deliveries_acknowledge,
    stuck_delivery_forward,
)
from samplan.organizations.models import UnitKind
from samplan.patients.models import Protection
from samplan.testing import UnitFactory, user_with_role

STUCK = reverse("messaging:stuck")


class Stuck:
    """The municipality with a fallback inbox, a second home-care unit to forward to, a super
    user, and a case whose admission notice home care did not acknowledge by the cut-off."""

    def __init__(self, cast, build):
        self.cast = cast
        self.build = build
        municipality = cast.municipality
        self.central = UnitFactory(
            organization=municipality, name="Central brevlåda", kind=UnitKind.MUNICIPAL_INTAKE
        )
        FallbackInbox.objects.create(organization=municipality, unit=self.central)
        self.west = UnitFactory(
            organization=municipality, name="Hemtjänst Väst", kind=UnitKind.HOME_CARE
        )
        self.west_nurse = user_with_role("vastssk", self.west)
        self.super_user = user_with_role("superanv", cast.home_care, Role.SUPER_USER)
        self.case, self.message = build.admitted()
        self.late = self.delivery(self.message, cast.home_care)
        self.make_late(self.late)

    @staticmethod
    def delivery(message, unit) -> Delivery:
        return Delivery.objects.get(message=message, unit=unit)

    @staticmethod
    def make_late(delivery, hours: int = 3) -> None:
        Delivery.objects.filter(pk=delivery.pk).update(
            due_at=timezone.now() - datetime.timedelta(hours=hours),
            arrived_at=timezone.now() - datetime.timedelta(hours=hours + 20),
        )

    def to_central(self):
        """A message on a new case that the router could only place in the fallback inbox."""
        case = self.build.case()
        message = self.build.send(case, MessageType.ADMISSION_NOTICE, self.central)
        return self.delivery(message, self.central)


@pytest.fixture
def stuck(cast, build):
    return Stuck(cast, build)


def forward_url(delivery) -> str:
    return reverse("messaging:stuck_forward", args=[delivery.pk])


# --- Who sees the list ------------------------------------------------------------------------


def test_super_user_sees_late_deliveries_and_the_fallback_inbox(client, login_as, stuck, cast):
    in_central = stuck.to_central()
    on_time = stuck.build.admitted()[1]  # home care may still acknowledge it
    login_as(stuck.super_user, cast.home_care)
    response = client.get(STUCK)
    assert response.status_code == 200
    rows = {row.delivery.pk: row for row in response.context["page"]}
    assert set(rows) == {stuck.late.pk, in_central.pk}
    assert rows[stuck.late.pk].late and not rows[stuck.late.pk].in_fallback
    assert rows[in_central.pk].in_fallback and not rows[in_central.pk].late
    assert rows[stuck.late.pk].age_hours == 23
    html = response.content.decode()
    assert "Fastnade meddelanden" in html
    assert "Hemtjänst Öst" in html and "Central brevlåda" in html
    assert "23 timmar" in html
    assert stuck.delivery(on_time, cast.home_care).pk not in rows
    # The region's care centre got the same notice late too: another organisation's row.
    care_centre = stuck.delivery(stuck.message, cast.care_centre)
    stuck.make_late(care_centre)
    response = client.get(STUCK)
    assert care_centre.pk not in {row.delivery.pk for row in response.context["page"]}


def test_reading_the_list_logs_each_patient(client, login_as, stuck, cast):
    stuck.to_central()
    login_as(stuck.super_user, cast.home_care)
    client.get(STUCK)
    rows = AccessLogEntry.objects.filter(user=stuck.super_user)
    assert rows.count() == 2
    assert {row.detail for row in rows} == {"list_page|list=stuck&page=1"}
    assert stuck.case.patient_id in {row.patient_id for row in rows}


def test_protected_identity_is_hidden_in_the_list(client, login_as, stuck, cast):
    case, message = stuck.build.admitted(protection=Protection.PROTECTED_REGISTRATION)
    stuck.make_late(stuck.delivery(message, cast.home_care))
    login_as(stuck.super_user, cast.home_care)
    response = client.get(STUCK)
    # Only the page's main part: the header names the signed-in user, whose random surname
    # may be the patient's.
    page = response.content.decode()
    main = page[page.index("<main") : page.index("</main>")]
    assert case.patient.last_name not in main
    assert case.patient.identity_number not in page


@pytest.mark.parametrize("who", ["municipal_local_admin", "municipal_system_admin"])
def test_administrators_see_the_list(client, login_as, stuck, cast, who):
    login_as(getattr(cast, who), cast.municipal_admin_unit)
    response = client.get(STUCK)
    assert response.status_code == 200
    assert [row.delivery.pk for row in response.context["page"]] == [stuck.late.pk]
    assert response.context["escalation_form"] is not None


def test_a_user_without_the_role_is_refused(client, login_as, stuck, cast):
    login_as(cast.home_care_nurse, cast.home_care)
    assert client.get(STUCK).status_code == 403
    assert client.get(forward_url(stuck.late)).status_code == 403
    response = client.post(forward_url(stuck.late), {"to_unit": stuck.west.pk, "reason": "x"})
    assert response.status_code == 403
    assert not AccessLogEntry.objects.filter(user=cast.home_care_nurse).exists()
    assert Delivery.objects.get(pk=stuck.late.pk).state == DeliveryState.NEW


def test_another_organisation_sees_only_its_own(client, login_as, stuck, cast):
    login_as(cast.outsider_admin, cast.outsider_unit)
    response = client.get(STUCK, {"organisation": cast.municipality.pk})
    assert response.status_code == 200
    assert response.context["organization"] == cast.other_municipality
    assert list(response.context["page"]) == []
    # A forged id of the municipality's delivery: missing, not forbidden, and nothing logged.
    assert client.get(forward_url(stuck.late)).status_code == 404
    response = client.post(forward_url(stuck.late), {"to_unit": stuck.west.pk, "reason": "x"})
    assert response.status_code == 404
    assert Delivery.objects.get(pk=stuck.late.pk).state == DeliveryState.NEW
    assert not AccessLogEntry.objects.filter(user=cast.outsider_admin).exists()


def test_a_revoked_super_user_is_refused(client, login_as, stuck, cast):
    Membership.objects.filter(user=stuck.super_user).update(ended_at=timezone.now())
    login_as(stuck.super_user, cast.home_care)
    assert client.get(STUCK).status_code in (302, 403)
    assert stuck_organization_ids(stuck.super_user) == set()
    with pytest.raises(MessagingError):
        stuck_delivery_forward(
            actor=Actor(user=stuck.super_user, unit=cast.home_care),
            delivery_id=stuck.late.pk,
            to_unit=stuck.west,
            reason="Fel enhet",
        )


def test_a_deactivated_account_is_logged_out(client, login_as, stuck, cast):
    login_as(stuck.super_user, cast.home_care)
    type(stuck.super_user).objects.filter(pk=stuck.super_user.pk).update(is_active=False)
    response = client.get(STUCK)
    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:login"))


def test_the_header_links_the_list_for_those_roles_only(client, login_as, stuck, cast):
    login_as(stuck.super_user, cast.home_care)
    assert STUCK in client.get(reverse("patients:search")).content.decode()
    login_as(cast.home_care_nurse, cast.home_care)
    assert STUCK not in client.get(reverse("patients:search")).content.decode()


# --- Filters and paging ------------------------------------------------------------------------


def test_filters_by_kind_and_unit(client, login_as, stuck, cast):
    in_central = stuck.to_central()
    login_as(stuck.super_user, cast.home_care)

    def shown(**params):
        return {row.delivery.pk for row in client.get(STUCK, params).context["page"]}

    assert shown(kind=LATE) == {stuck.late.pk}
    assert shown(kind=FALLBACK) == {in_central.pk}
    assert shown(unit=stuck.central.pk) == {in_central.pk}
    assert shown(unit=cast.home_care.pk) == {stuck.late.pk}
    # A bad value (a unit of another organisation, a forged kind) is ignored.
    assert shown(unit=cast.outsider_unit.pk, kind="x") == {stuck.late.pk, in_central.pk}


def test_the_list_runs_a_fixed_number_of_queries(
    client, login_as, stuck, cast, django_assert_num_queries
):
    login_as(stuck.super_user, cast.home_care)
    client.get(STUCK)  # session and caches warm

    def count_queries() -> int:
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as captured:
            assert client.get(STUCK).status_code == 200
        return len(captured)

    # Session, user, memberships, organisation, fallback inbox, the page's rows (with their
    # unit, message, sender and patient), the access log (chain, one INSERT, chain), the
    # escalation setting, the header's count, the unit filter's choices. PostgreSQL writes
    # the log's rows in one statement (lock, insert, head).
    one = count_queries()
    assert one == (10 if connection.vendor == "postgresql" else 12)
    for _ in range(4):
        stuck.to_central()
        _case, message = stuck.build.admitted()
        stuck.make_late(stuck.delivery(message, cast.home_care))
    assert len(client.get(STUCK).context["page"]) == 9
    with django_assert_num_queries(one):
        client.get(STUCK)


def test_the_list_is_paged(client, login_as, stuck, cast):
    for _ in range(21):
        stuck.to_central()
    login_as(stuck.super_user, cast.home_care)
    first = client.get(STUCK)
    assert len(first.context["page"]) == 20
    assert first.context["page"].paginator.count == 22
    assert len(client.get(STUCK, {"page": 2}).context["page"]) == 2


# --- Forwarding --------------------------------------------------------------------------------


def test_forward_with_a_reason_reaches_the_new_unit_and_it_can_open_the_case(
    client, login_as, stuck, cast
):
    case_url = reverse("discharge:case_detail", args=[stuck.case.pk])
    login_as(stuck.west_nurse, stuck.west)
    assert client.get(case_url).status_code == 404

    login_as(stuck.super_user, cast.home_care)
    page = client.get(forward_url(stuck.late))
    assert page.status_code == 200
    assert AccessLogEntry.objects.filter(
        user=stuck.super_user, patient=stuck.case.patient, detail="stuck_delivery"
    ).exists()
    response = client.post(
        forward_url(stuck.late),
        {"to_unit": stuck.west.pk, "reason": "Patienten bor i Västs område"},
    )
    assert response.status_code == 302
    assert response.url.startswith(STUCK)

    original = Delivery.objects.get(pk=stuck.late.pk)
    assert original.state == DeliveryState.FORWARDED
    assert original.forward_reason == "Patienten bor i Västs område"
    assert original.handled_by == stuck.super_user
    new = Delivery.objects.get(forwarded_from=original)
    assert new.unit == stuck.west and new.state == DeliveryState.NEW
    assert new.reason_code == "forwarded_stuck"
    assert "Patienten bor i Västs område" in new.reason_text
    # Mottagna's maintained count follows (samplan.messaging.counts).
    assert received_total(stuck.west.pk) == Delivery.objects.filter(unit=stuck.west).count()
    assert new.due_at > timezone.now()
    assert CaseParticipant.objects.filter(
        case=stuck.case, unit=stuck.west, left_at__isnull=True
    ).exists()
    assert CaseEvent.objects.filter(
        case=stuck.case, kind=CaseEventKind.PARTICIPANT_ADDED, detail__unit_name="Hemtjänst Väst"
    ).exists()
    change = AdminChange.objects.get(target_type="delivery", target_id=str(original.pk))
    assert change.organization == cast.municipality
    assert change.changes["forward_reason"] == ["", "Patienten bor i Västs område"]

    # The new unit has it in Mottagna as a normal delivery and can open the case.
    login_as(stuck.west_nurse, stuck.west)
    received = client.get(reverse("messaging:received"))
    assert new.pk in {row.delivery_id for row in received.context["page"]}
    case_page = client.get(case_url)
    assert case_page.status_code == 200
    # The forward and its reason are in the case's timeline and the message's history.
    assert "Patienten bor i Västs område" in case_page.content.decode()
    login_as(cast.ward_nurse, cast.ward)
    message_page = client.get(reverse("messaging:message_detail", args=[stuck.message.pk]))
    assert "Patienten bor i Västs område" in message_page.content.decode()
    # The list no longer shows it.
    login_as(stuck.super_user, cast.home_care)
    assert stuck.late.pk not in {row.delivery.pk for row in client.get(STUCK).context["page"]}


def test_forward_from_the_fallback_inbox(client, login_as, stuck, cast):
    in_central = stuck.to_central()
    login_as(cast.municipal_local_admin, cast.municipal_admin_unit)
    response = client.post(
        forward_url(in_central), {"to_unit": stuck.west.pk, "reason": "Hör till Väst"}
    )
    assert response.status_code == 302
    assert Delivery.objects.get(forwarded_from=in_central).unit == stuck.west
    # In the organisation's administrative history, in words.
    history = client.get(reverse("administration:history", args=[cast.municipality.pk]))
    html = history.content.decode()
    assert "Vidarebefordrat till" in html and "Hör till Väst" in html
    assert "Orsak till vidarebefordran" in html


def test_an_empty_reason_is_refused(client, login_as, stuck, cast):
    login_as(stuck.super_user, cast.home_care)
    response = client.post(forward_url(stuck.late), {"to_unit": stuck.west.pk, "reason": "  "})
    assert response.status_code == 400
    assert "Ange varför meddelandet vidarebefordras." in response.content.decode()
    assert Delivery.objects.get(pk=stuck.late.pk).state == DeliveryState.NEW


def test_a_unit_of_another_organisation_is_refused(client, login_as, stuck, cast):
    login_as(stuck.super_user, cast.home_care)
    for target in (cast.outsider_unit.pk, cast.care_centre.pk, "99999999999999999999", "x"):
        response = client.post(forward_url(stuck.late), {"to_unit": target, "reason": "Fel"})
        assert response.status_code == 400
        assert "Välj en enhet med inkorg i den organisation" in response.content.decode()
    assert Delivery.objects.get(pk=stuck.late.pk).state == DeliveryState.NEW
    # The service refuses it too, whatever a form let through.
    with pytest.raises(MessagingError, match="Välj en enhet i Testkommun"):
        stuck_delivery_forward(
            actor=Actor(user=stuck.super_user, unit=cast.home_care),
            delivery_id=stuck.late.pk,
            to_unit=cast.outsider_unit,
            reason="Fel",
        )
    assert Delivery.objects.filter(message=stuck.message).count() == 2


def test_a_delivery_acknowledged_meanwhile_is_not_forwarded(client, login_as, stuck, cast):
    login_as(stuck.super_user, cast.home_care)
    assert client.get(forward_url(stuck.late)).status_code == 200
    deliveries_acknowledge(
        actor=Actor(user=cast.home_care_nurse, unit=cast.home_care), delivery_ids=[stuck.late.pk]
    )
    response = client.post(forward_url(stuck.late), {"to_unit": stuck.west.pk, "reason": "Fel"})
    assert response.status_code == 400
    assert "Meddelandet har redan hanterats" in response.content.decode()
    assert not Delivery.objects.filter(unit=stuck.west).exists()


def test_a_double_post_forwards_once(client, login_as, stuck, cast):
    login_as(stuck.super_user, cast.home_care)
    data = {"to_unit": stuck.west.pk, "reason": "Hör till Väst"}
    assert client.post(forward_url(stuck.late), data).status_code == 302
    second = client.post(forward_url(stuck.late), data)
    assert second.status_code == 400
    assert Delivery.objects.filter(unit=stuck.west).count() == 1
    assert AdminChange.objects.filter(target_type="delivery").count() == 1


def test_a_delivery_that_is_not_stuck_is_not_forwarded(client, login_as, stuck, cast):
    on_time = stuck.delivery(stuck.build.admitted()[1], cast.home_care)
    login_as(stuck.super_user, cast.home_care)
    response = client.post(forward_url(on_time), {"to_unit": stuck.west.pk, "reason": "Fel"})
    assert response.status_code == 400
    assert "Meddelandet har inte fastnat" in response.content.decode()
    assert Delivery.objects.get(pk=on_time.pk).state == DeliveryState.NEW


def test_a_unit_that_already_has_the_message_is_refused(client, login_as, stuck, cast):
    other_case = stuck.build.case()
    message = stuck.build.send(other_case, MessageType.ADMISSION_NOTICE, cast.home_care, stuck.west)
    late = stuck.delivery(message, cast.home_care)
    stuck.make_late(late)
    login_as(stuck.super_user, cast.home_care)
    response = client.post(forward_url(late), {"to_unit": stuck.west.pk, "reason": "Fel"})
    assert response.status_code == 400
    assert "Hemtjänst Väst" in response.content.decode()
    assert Delivery.objects.get(pk=late.pk).state == DeliveryState.NEW


def test_a_forged_delivery_id_is_missing(client, login_as, stuck, cast):
    login_as(stuck.super_user, cast.home_care)
    assert client.get(reverse("messaging:stuck_forward", args=[999999])).status_code == 404
    assert (
        client.post(
            reverse("messaging:stuck_forward", args=[999999]), {"to_unit": stuck.west.pk}
        ).status_code
        == 404
    )


def test_a_system_administrator_chooses_among_the_organisations(client, login_as, stuck, cast):
    """The municipality's system administrator also handles its contracted provider's."""
    message = stuck.build.send(stuck.build.case(), MessageType.ADMISSION_NOTICE, cast.provider_unit)
    late = stuck.delivery(message, cast.provider_unit)
    stuck.make_late(late)
    login_as(cast.municipal_system_admin, cast.municipal_admin_unit)
    own = client.get(STUCK)
    assert own.context["organization"] == cast.municipality
    assert own.context["many_organizations"]
    provider = client.get(STUCK, {"organisation": cast.provider.pk})
    assert provider.context["organization"] == cast.provider
    assert [row.delivery.pk for row in provider.context["page"]] == [late.pk]
