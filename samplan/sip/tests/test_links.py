"""Ways into a plan from elsewhere: the discharge case page and a summons message's page."""

import datetime

from django.urls import reverse
from django.utils import timezone

from samplan.core.actor import Actor
from samplan.core.message_types import MessageType
from samplan.discharge.services import case_open, case_send
from samplan.messaging.services import RecipientChoice
from samplan.patients.testing import PatientFactory
from samplan.sip.models import SipMessage
from samplan.sip.tests.conftest import start, summon

START_SIP = "Starta samordnad individuell plan (SIP)"


def _case_with_care_centre(cast):
    case, _ = case_open(
        actor=Actor(user=cast.ward_nurse, unit=cast.ward),
        patient=PatientFactory(),
        admitted_at=timezone.now() - datetime.timedelta(hours=3),
        opening_key="open",
    )
    case_send(
        case=case,
        actor=Actor(user=cast.ward_nurse, unit=cast.ward),
        message_type=MessageType.ADMISSION_NOTICE,
        recipients=[RecipientChoice(unit=cast.care_centre, reason_code="x", reason_text="Vald")],
        idempotency_key="adm",
    )
    return case


def test_case_page_offers_a_plan_to_the_care_contact_unit(cast, login_as):
    case = _case_with_care_centre(cast)
    url = reverse("discharge:case_detail", args=[case.pk])
    html = login_as(cast.care_centre_nurse, cast.care_centre).get(url).content.decode()
    assert START_SIP in html and f"{reverse('sip:new')}?arende={case.pk}" in html


def test_case_page_offers_no_plan_to_the_ward(cast, login_as):
    case = _case_with_care_centre(cast)
    url = reverse("discharge:case_detail", args=[case.pk])
    response = login_as(cast.ward_nurse, cast.ward).get(url)
    # The ward sees the case page itself (a refused page would lack the offer too)...
    assert response.status_code == 200
    html = response.content.decode()
    assert case.patient.last_name in html and reverse("sip:new") not in html
    # ...without the offer to start a plan.
    assert START_SIP not in html


def test_summons_message_links_to_its_plan(sip, login_as):
    plan = start(sip)
    summon(sip, plan)
    message = SipMessage.objects.filter(plan=plan).select_related("message").first().message
    html = (
        login_as(sip.psychologist, sip.bup)
        .get(reverse("messaging:message_detail", args=[message.pk]))
        .content.decode()
    )
    assert f'href="{reverse("sip:detail", args=[plan.pk])}"' in html
