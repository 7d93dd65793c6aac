"""Deviations reported from a SIP plan and from a message: the link kept, the button on the
page, and the same need-to-know as from a case."""

from __future__ import annotations

import pytest
from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from samplan.core.actor import Actor
from samplan.deviations import access, services
from samplan.deviations.models import Category
from samplan.sip.tests.conftest import (
    sip,  # noqa: F401 (the `sip` fixture)
    start,
)

pytestmark = pytest.mark.django_db


def _report(user, unit, organization, **link):
    return services.deviation_report(
        actor=Actor(user=user, unit=unit),
        category=Category.SIP_LATE,
        occurred_at=timezone.now(),
        description="SIP-mötet hölls inte.",
        organization_ids=[organization.pk],
        submission_key=f"k-{link}",
        **link,
    )


def test_from_a_plan(sip, handlers, login_as):  # noqa: F811 (the fixture)
    plan = start(sip)
    page = login_as(sip.counsellor, sip.school).get(reverse("sip:detail", args=[plan.pk]))
    assert f"{reverse('deviations:new')}?plan={plan.pk}" in page.content.decode()
    deviation = _report(sip.counsellor, sip.school, sip.cast.region, plan_id=plan.pk)
    assert deviation.plan == plan and deviation.patient == sip.child
    reporter = access.deviation_for_unit(Actor(user=sip.counsellor, unit=sip.school), deviation.pk)
    assert reporter.patient_shown
    handler = access.deviation_for_unit(
        Actor(user=handlers.region, unit=handlers.region_unit), deviation.pk
    )
    assert not handler.patient_shown
    # A unit that does not take part in the plan cannot link it.
    with pytest.raises(Http404):
        _report(sip.cast.home_care_nurse, sip.cast.home_care, sip.cast.region, plan_id=plan.pk)


def test_from_a_message(cast, handlers, build, login_as):
    case, notice = build.admitted()
    client = login_as(cast.home_care_nurse, cast.home_care)
    page = client.get(reverse("deviations:new") + f"?meddelande={notice.pk}")
    assert page.status_code == 200
    assert list(page.context["form"].fields["organizations"].queryset) == [cast.region]
    deviation = _report(cast.home_care_nurse, cast.home_care, cast.region, message_id=notice.pk)
    assert deviation.message == notice and deviation.patient == case.patient
    assert access.deviation_for_unit(
        Actor(user=cast.home_care_nurse, unit=cast.home_care), deviation.pk
    ).patient_shown
    with pytest.raises(Http404):
        _report(cast.outsider, cast.outsider_unit, cast.region, message_id=notice.pk)
    assert client.get(reverse("deviations:new") + "?meddelande=1&plan=2").status_code == 404
