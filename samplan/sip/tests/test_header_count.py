"""The plan page reads the header's new-message count with the plan (as the case page does):
the acting unit's count, and no COUNT statement of its own."""

from django.urls import reverse

from samplan.messaging.access import new_count
from samplan.messaging.models import Delivery, DeliveryState
from samplan.messaging.testing import header_count
from samplan.sip.tests.conftest import start, summon


def _header(client, plan) -> tuple[str, list[str]]:
    return header_count(client, reverse("sip:detail", kwargs={"plan_id": plan.pk}))


def _words(count: int) -> str:
    return f"{count} {'ny' if count == 1 else 'nya'}"


def test_the_plan_page_shows_the_acting_units_count_without_counting(sip, login_as):
    plan = start(sip)
    summon(sip, plan)  # the summoned units receive the summons
    assert new_count(sip.bup) > 0
    client = login_as(sip.psychologist, sip.bup)
    client.get(reverse("sip:detail", kwargs={"plan_id": plan.pk}))
    assert _header(client, plan) == (_words(new_count(sip.bup)), [])
    Delivery.objects.filter(unit=sip.bup).update(state=DeliveryState.ACKNOWLEDGED)
    assert _header(client, plan) == ("0 nya", [])
    # The initiating unit, on the same plan: its own count.
    school = login_as(sip.counsellor, sip.school)
    assert _header(school, plan) == (_words(new_count(sip.school)), [])
