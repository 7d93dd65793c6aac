"""Escalation of stuck messages to the unit's manager: the organisation's setting, once per
delivery, no patient data, the command the timer runs."""

from __future__ import annotations

import datetime
from io import StringIO

import pytest
from django.core import mail
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from samplan.accounts.models import Role
from samplan.auditlog.models import AdminChange
from samplan.core.actor import Actor
from samplan.messaging.escalation import escalations_send, unit_managers
from samplan.messaging.models import Delivery, EscalationSettings
from samplan.messaging.services import deliveries_acknowledge
from samplan.messaging.sms import LocmemBackend
from samplan.testing import user_with_role


@pytest.fixture
def manager(cast):
    return user_with_role(
        "chef", cast.home_care, Role.MANAGER, mobile="070-111 22 33", email="chef@testkommun.se"
    )


@pytest.fixture
def late(cast, build, settings):
    settings.SMS_BACKEND = "samplan.messaging.sms.LocmemBackend"
    _case, message = build.admitted(first_name="Hemlig", last_name="Patientsson")
    delivery = Delivery.objects.get(message=message, unit=cast.home_care)
    Delivery.objects.filter(pk=delivery.pk).update(
        due_at=timezone.now() - datetime.timedelta(hours=5)
    )
    return delivery


def turn_on(organization, hours=4):
    return EscalationSettings.objects.create(
        organization=organization, enabled=True, delay_hours=hours
    )


def test_the_manager_is_told_once(cast, manager, late):
    turn_on(cast.municipality)
    assert escalations_send() == 1
    assert [sms.to for sms in LocmemBackend.outbox] == ["070-111 22 33"]
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["chef@testkommun.se"]
    text = LocmemBackend.outbox[0].text
    assert text == "1 meddelande till Hemtjänst Öst har inte kvitterats i tid i samplan."
    for sent in (text, mail.outbox[0].subject, mail.outbox[0].body):
        assert "Patientsson" not in sent and "Inskrivningsmeddelande" not in sent
    assert Delivery.objects.get(pk=late.pk).escalated_at is not None
    # The next run (and the one after) tells nobody again.
    assert escalations_send() == 0
    assert len(LocmemBackend.outbox) == 1 and len(mail.outbox) == 1


def test_not_before_the_delay(cast, manager, late):
    turn_on(cast.municipality, hours=6)
    assert escalations_send() == 0
    assert escalations_send(now=timezone.now() + datetime.timedelta(hours=2)) == 1


def test_off_unless_the_organisation_asked(cast, manager, late):
    assert escalations_send() == 0
    EscalationSettings.objects.create(organization=cast.municipality, enabled=False)
    turn_on(cast.region)
    assert escalations_send() == 0
    assert LocmemBackend.outbox == [] and mail.outbox == []


def test_an_acknowledged_delivery_is_not_escalated(cast, manager, late):
    turn_on(cast.municipality)
    deliveries_acknowledge(
        actor=Actor(user=cast.home_care_nurse, unit=cast.home_care), delivery_ids=[late.pk]
    )
    assert escalations_send() == 0


def test_several_deliveries_of_a_unit_make_one_message(cast, build, manager, late):
    _case, message = build.admitted()
    Delivery.objects.filter(message=message, unit=cast.home_care).update(
        due_at=timezone.now() - datetime.timedelta(hours=5)
    )
    turn_on(cast.municipality)
    assert escalations_send() == 2
    assert len(LocmemBackend.outbox) == 1
    assert LocmemBackend.outbox[0].text.startswith("2 meddelanden till Hemtjänst Öst")


def test_the_manager_above_the_unit_when_it_has_none(cast, late):
    above = user_with_role(
        "forvchef", cast.municipal_admin_unit, Role.MANAGER, mobile="070-999 88 77", email=""
    )
    assert unit_managers(cast.home_care) == [above]
    turn_on(cast.municipality)
    assert escalations_send() == 1
    assert [sms.to for sms in LocmemBackend.outbox] == ["070-999 88 77"]
    assert mail.outbox == []


def test_a_failed_send_is_tried_again(cast, manager, late, settings):
    settings.SMS_BACKEND = "samplan.messaging.tests.test_escalation.FailingBackend"
    turn_on(cast.municipality)
    assert escalations_send() == 0
    assert Delivery.objects.get(pk=late.pk).escalated_at is None
    settings.SMS_BACKEND = "samplan.messaging.sms.LocmemBackend"
    assert escalations_send() == 1
    assert len(LocmemBackend.outbox) == 1


class FailingBackend:
    def send(self, numbers, text, key=""):
        raise OSError("gateway down")


def test_the_command(cast, manager, late):
    turn_on(cast.municipality)
    out = StringIO()
    call_command("messaging_escalate", stdout=out)
    assert out.getvalue().strip() == "escalated deliveries: 1"


# --- The setting -------------------------------------------------------------------------------


def escalation_url(organization) -> str:
    return reverse("messaging:stuck_escalation", args=[organization.pk])


def test_an_administrator_turns_it_on(client, login_as, cast):
    login_as(cast.municipal_local_admin, cast.municipal_admin_unit)
    response = client.post(escalation_url(cast.municipality), {"enabled": "on", "delay_hours": "3"})
    assert response.status_code == 302
    current = EscalationSettings.objects.get(organization=cast.municipality)
    assert current.enabled and current.delay_hours == 3
    change = AdminChange.objects.get(target_type="escalationsettings")
    assert change.changes["delay_hours"] == [4, 3]
    page = client.get(response.url).content.decode()
    assert "Inställningen för påminnelse till chef sparades." in page


def test_bad_hours_are_refused(client, login_as, cast):
    login_as(cast.municipal_local_admin, cast.municipal_admin_unit)
    response = client.post(escalation_url(cast.municipality), {"enabled": "on", "delay_hours": "0"})
    assert "Minst 1 timme." in client.get(response.url).content.decode()
    assert not EscalationSettings.objects.exists()


def test_super_users_and_other_organisations_cannot_change_it(client, login_as, cast):
    super_user = user_with_role("superanv", cast.home_care, Role.SUPER_USER)
    login_as(super_user, cast.home_care)
    data = {"enabled": "on", "delay_hours": "3"}
    assert client.post(escalation_url(cast.municipality), data).status_code == 404
    assert client.get(reverse("messaging:stuck")).context["escalation_form"] is None
    login_as(cast.outsider_admin, cast.outsider_unit)
    assert client.post(escalation_url(cast.municipality), data).status_code == 404
    assert not EscalationSettings.objects.exists()
