"""A plan's messages on messaging's pages (sip/threads.py): a stuck SIP message forwarded to
another unit summons that unit, the message page links to the plan, and a protected person's
name follows the plan's need-to-know (issue 14 point 7, the SIP half)."""

from __future__ import annotations

import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from samplan.accounts.models import Role
from samplan.core.actor import Actor
from samplan.core.message_types import MessageType
from samplan.discharge.services import case_open, case_send
from samplan.messaging.models import Delivery, DeliveryState
from samplan.messaging.services import (
    MessagingError,
    RecipientChoice,
    delivery_forward,
    stuck_delivery_forward,
)
from samplan.organizations.models import UnitKind
from samplan.patients.models import Patient, Protection
from samplan.sip import services
from samplan.sip.models import (
    Answer,
    EventKind,
    ParticipantRole,
    SipEvent,
    SipMessage,
    SipParticipant,
)
from samplan.sip.tests.conftest import accept, req, start, summon
from samplan.testing import UnitFactory, user_with_role

STUCK = reverse("messaging:stuck")
RECEIVED = reverse("messaging:received")
REASON = "Barnet bor i västra delen"


class Stuck:
    """The plan summoned BUP and the municipality's social services (Barn och familj), which
    did not acknowledge by the cut-off; a second social services unit to forward to, with its
    own worker, and a super user of the municipality."""

    def __init__(self, sip):
        self.sip = sip
        cast = sip.cast
        self.plan = start(sip)
        self.message = summon(sip, self.plan)
        self.late = Delivery.objects.get(message=self.message, unit=sip.social)
        Delivery.objects.filter(pk=self.late.pk).update(
            due_at=timezone.now() - datetime.timedelta(hours=3),
            arrived_at=timezone.now() - datetime.timedelta(hours=23),
        )
        self.west = UnitFactory(
            organization=cast.municipality, name="Barn och unga Väst", kind=UnitKind.SOCIAL_SERVICES
        )
        self.west_worker = user_with_role("vastsoc", self.west)
        self.super_user = user_with_role("superanv", sip.social, Role.SUPER_USER)
        self.plan_url = reverse("sip:detail", args=[self.plan.pk])
        self.message_url = reverse("messaging:message_detail", args=[self.message.pk])

    def forward(self, to_unit=None, reason: str = REASON) -> Delivery:
        return stuck_delivery_forward(
            actor=Actor(user=self.super_user, unit=self.sip.social),
            delivery_id=self.late.pk,
            to_unit=to_unit or self.west,
            reason=reason,
        )


@pytest.fixture
def stuck(sip) -> Stuck:
    return Stuck(sip)


def _protect(patient: Patient) -> None:
    Patient.objects.filter(pk=patient.pk).update(protection=Protection.PROTECTED_REGISTRATION)


# --- Forwarding a stuck summons ---------------------------------------------------------------


def test_a_forwarded_stuck_summons_lets_the_new_unit_open_the_plan(client, login_as, stuck):
    login_as(stuck.west_worker, stuck.west)
    assert client.get(stuck.plan_url).status_code == 404

    login_as(stuck.super_user, stuck.sip.social)
    assert stuck.late.pk in {row.delivery.pk for row in client.get(STUCK).context["page"]}
    response = client.post(
        reverse("messaging:stuck_forward", args=[stuck.late.pk]),
        {"to_unit": stuck.west.pk, "reason": REASON},
    )
    assert response.status_code == 302

    new = Delivery.objects.get(forwarded_from=stuck.late)
    assert new.unit == stuck.west and new.state == DeliveryState.NEW
    # The new unit is summoned as the summons' own units are: not yet answered, by the
    # cut-off after the forwarded delivery's arrival.
    joined = SipParticipant.objects.get(plan=stuck.plan, unit=stuck.west)
    assert joined.role == ParticipantRole.SUMMONED and joined.answer == Answer.PENDING
    assert joined.delivery_id == new.pk and joined.due_at == new.due_at
    event = SipEvent.objects.get(plan=stuck.plan, kind=EventKind.UNIT_JOINED)
    assert event.user == stuck.super_user and event.detail["units"] == ["Barn och unga Väst"]
    assert REASON in event.detail["text"]

    login_as(stuck.west_worker, stuck.west)
    received = client.get(RECEIVED)
    assert new.pk in {row.delivery_id for row in received.context["page"]}
    assert client.get(stuck.plan_url).status_code == 200
    # The message page links to the plan; the history names the forward and its reason.
    assert stuck.plan_url in _without_tokens(client.get(stuck.message_url))
    history = client.get(reverse("sip:history", args=[stuck.plan.pk])).content.decode()
    assert "Enhet kallad genom vidarebefordrat meddelande" in history and REASON in history
    # It answers the summons like any summoned unit, which acknowledges its delivery.
    accept(stuck.sip, stuck.plan, stuck.west_worker, stuck.west)
    assert Delivery.objects.get(pk=new.pk).state == DeliveryState.ACKNOWLEDGED


def test_a_unit_of_another_organisation_cannot_be_the_target(stuck, sip):
    for target in (sip.bup, sip.cast.outsider_unit):
        with pytest.raises(MessagingError):
            stuck.forward(to_unit=target)
    assert Delivery.objects.get(pk=stuck.late.pk).state == DeliveryState.NEW
    assert not SipParticipant.objects.filter(plan=stuck.plan, unit=sip.cast.outsider_unit)
    assert not SipEvent.objects.filter(plan=stuck.plan, kind=EventKind.UNIT_JOINED).exists()
    assert SipParticipant.objects.get(plan=stuck.plan, unit=sip.bup).answer == Answer.PENDING


def test_a_unit_that_declined_an_earlier_summons_is_summoned_again(stuck, sip):
    # West was summoned by an earlier summons of the plan and declined it.
    SipParticipant.objects.create(
        plan=stuck.plan,
        unit=stuck.west,
        role=ParticipantRole.SUMMONED,
        answer=Answer.DECLINED,
        decline_reason="Inte vår målgrupp",
    )
    new = stuck.forward()
    joined = SipParticipant.objects.get(plan=stuck.plan, unit=stuck.west)
    assert joined.answer == Answer.PENDING and joined.delivery_id == new.pk
    assert joined.decline_reason == "" and joined.answered_at is None
    # The decline stays in the history (its event); the new summons is an event of its own.
    assert SipEvent.objects.filter(plan=stuck.plan, kind=EventKind.UNIT_JOINED).count() == 1


def test_a_unit_that_already_sees_the_plan_is_left_as_it_is(stuck, sip):
    plan = stuck.plan
    actor = Actor(user=stuck.super_user, unit=sip.social)
    before = SipParticipant.objects.get(plan=plan, unit=sip.school)
    assert not services.sip_unit_join(
        actor=actor, plan_id=plan.pk, message_id=stuck.message.pk, unit=sip.school
    )
    assert SipParticipant.objects.get(pk=before.pk).role == ParticipantRole.INITIATOR
    assert not SipEvent.objects.filter(plan=plan, kind=EventKind.UNIT_JOINED).exists()


def test_a_forward_refused_late_leaves_the_plan_untouched(stuck):
    stuck.forward()
    # A double post: refused, nothing added twice.
    with pytest.raises(MessagingError):
        stuck.forward()
    assert SipParticipant.objects.filter(plan=stuck.plan, unit=stuck.west).count() == 1
    assert SipEvent.objects.filter(plan=stuck.plan, kind=EventKind.UNIT_JOINED).count() == 1


# --- The message page's link ------------------------------------------------------------------


def test_the_message_page_links_to_the_plan_for_a_unit_that_sees_it(client, login_as, stuck, sip):
    login_as(sip.psychologist, sip.bup)
    html = _without_tokens(client.get(stuck.message_url))
    assert f'href="{stuck.plan_url}"' in html and "Öppna planen" in html
    assert client.get(stuck.plan_url).status_code == 200
    # The initiating unit sent it and sees the plan.
    login_as(sip.counsellor, sip.school)
    assert f'href="{stuck.plan_url}"' in _without_tokens(client.get(stuck.message_url))


def test_no_link_to_the_plan_for_a_unit_that_declined(client, login_as, stuck, sip):
    services.sip_answer(
        actor=req(sip.psychologist, sip.bup), plan=stuck.plan, accept=False, reason="Ej aktuell"
    )
    login_as(sip.psychologist, sip.bup)
    response = client.get(stuck.message_url)
    assert response.status_code == 200  # the unit still holds the message
    assert stuck.plan_url not in response.content.decode()
    assert client.get(stuck.plan_url).status_code == 404


# --- A protected person's name ------------------------------------------------------------------


def _shown_in_received(client, delivery: Delivery) -> bool:
    rows = {row.delivery_id: row for row in client.get(RECEIVED).context["page"]}
    return rows[delivery.pk].display.identity_shown


def _without_tokens(response) -> str:
    """The page's main part without its random CSRF tokens, which can contain a short name by
    chance; the header is left out too, as it names the signed-in user, whose name may
    contain the child's short one ("Ek" in "Eklund")."""
    page = response.content.decode()
    main = page[page.index("<main") : page.index("</main>")]
    return re.sub(r'value="[A-Za-z0-9]{64}"', "", main)


def test_a_protected_name_is_shown_only_to_units_taking_part_in_the_plan(
    client, login_as, stuck, sip
):
    _protect(sip.child)
    name = sip.child.last_name
    bup_delivery = Delivery.objects.get(message=stuck.message, unit=sip.bup)

    # A summoned unit that has not answered takes part: the name is shown.
    login_as(sip.psychologist, sip.bup)
    assert _shown_in_received(client, bup_delivery)
    assert name in _without_tokens(client.get(stuck.message_url))
    # The initiating unit, in Skickade and on the message page.
    login_as(sip.counsellor, sip.school)
    sent = client.get(reverse("messaging:sent")).context["page"]
    assert [row.display.identity_shown for row in sent] == [True]
    assert name in _without_tokens(client.get(stuck.message_url))

    # Once BUP declined it no longer takes part, though it still holds the delivery.
    services.sip_answer(
        actor=req(sip.psychologist, sip.bup), plan=stuck.plan, accept=False, reason="Ej aktuell"
    )
    assert Delivery.objects.get(pk=bup_delivery.pk).state == DeliveryState.ACKNOWLEDGED
    login_as(sip.psychologist, sip.bup)
    assert not _shown_in_received(client, bup_delivery)
    assert name not in _without_tokens(client.get(stuck.message_url))

    # A unit the summons was forwarded to in the ordinary way was not summoned: no name.
    north = UnitFactory(
        organization=sip.cast.municipality, name="Socialtjänst Norr", kind=UnitKind.SOCIAL_SERVICES
    )
    forwarded = delivery_forward(
        actor=req(sip.social_worker, sip.social), delivery=stuck.late, to_unit=north
    )
    login_as(user_with_role("socnorr", north), north)
    assert not _shown_in_received(client, forwarded)
    assert name not in _without_tokens(client.get(stuck.message_url))


def test_a_protected_name_is_shown_to_the_unit_a_stuck_summons_was_forwarded_to(
    client, login_as, stuck, sip
):
    _protect(sip.child)
    new = stuck.forward()
    login_as(stuck.west_worker, stuck.west)
    assert _shown_in_received(client, new)
    assert sip.child.last_name in _without_tokens(client.get(stuck.message_url))


# --- Query counts -------------------------------------------------------------------------------


def test_mottagna_with_sip_messages_runs_a_fixed_number_of_queries(client, login_as, sip):
    login_as(sip.psychologist, sip.bup)
    plan = start(sip)
    summon(sip, plan)
    client.get(RECEIVED)  # session and caches warm

    def count() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(RECEIVED).status_code == 200
        return len(captured)

    one = count()
    for _ in range(3):
        summon(sip, start(sip))
    assert len(client.get(RECEIVED).context["page"]) == 4
    assert count() == one
    assert SipMessage.objects.count() == 4


# --- A summons sent on a discharge case belongs to both ------------------------------------------


def test_a_summons_on_a_case_links_to_both_and_a_forward_joins_both(client, login_as, sip):
    cast = sip.cast
    case, _ = case_open(
        actor=Actor(user=cast.ward_nurse, unit=cast.ward),
        patient=sip.child,
        admitted_at=timezone.now() - datetime.timedelta(days=1),
        opening_key="adm",
    )
    case_send(
        case=case,
        actor=Actor(user=cast.ward_nurse, unit=cast.ward),
        message_type=MessageType.ADMISSION_NOTICE,
        recipients=[RecipientChoice(unit=cast.care_centre, reason_code="x", reason_text="x")],
        idempotency_key="adm-notice",
    )
    initiator = req(cast.care_centre_nurse, cast.care_centre)
    plan = services.sip_create(
        actor=initiator,
        initiative=services.Initiative(purpose="Inför hemgång"),
        units=[cast.home_care],
        creation_key="case-plan",
        case=case,
        consent=services.ConsentGiven(given_by="person", given_at=timezone.now()),
    )
    message = services.sip_summons_send(actor=initiator, plan=plan, idempotency_key="sum")
    message_url = reverse("messaging:message_detail", args=[message.pk])
    plan_url = reverse("sip:detail", args=[plan.pk])
    case_url = reverse("discharge:case_detail", args=[case.pk])

    login_as(cast.home_care_nurse, cast.home_care)
    html = client.get(message_url).content.decode()
    assert f'href="{case_url}"' in html and f'href="{plan_url}"' in html

    late = Delivery.objects.get(message=message, unit=cast.home_care)
    Delivery.objects.filter(pk=late.pk).update(due_at=timezone.now() - datetime.timedelta(hours=1))
    west = UnitFactory(
        organization=cast.municipality, name="Hemtjänst Väst", kind=UnitKind.HOME_CARE
    )
    super_user = user_with_role("superanv", cast.home_care, Role.SUPER_USER)
    stuck_delivery_forward(
        actor=Actor(user=super_user, unit=cast.home_care),
        delivery_id=late.pk,
        to_unit=west,
        reason=REASON,
    )
    assert case.participants.filter(unit=west, left_at__isnull=True).exists()
    assert SipParticipant.objects.get(plan=plan, unit=west).answer == Answer.PENDING
    login_as(user_with_role("vastssk", west), west)
    assert client.get(plan_url).status_code == 200
    assert client.get(case_url).status_code == 200
