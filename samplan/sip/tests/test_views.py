"""The SIP pages: each allowed for the right unit and refused for another unit, another
organisation, a unit that declined, an anonymous visitor, and forged ids."""

import datetime
import ipaddress
import uuid

import pytest
from django.urls import reverse
from django.utils import timezone

from samplan.accounts.authmethod import SESSION_AUTH_METHOD_KEY
from samplan.accounts.smartcard import SESSION_CARD_KEY
from samplan.auditlog.models import AccessLogEntry
from samplan.core.actor import Actor, AuthMethod
from samplan.discharge.services import case_open
from samplan.messaging.models import Message
from samplan.patients.models import Consent, Patient
from samplan.patients.testing import make_personnummer
from samplan.sip import services, versions
from samplan.sip.models import PlanState, SipPlan, SipSignature, SipVersion
from samplan.sip.tests.conftest import (
    accept_all,
    finalised_plan,
    full_text,
    req,
    sign_all,
    start,
    summon,
    write,
)
from samplan.testing import user_with_role

PLAN_PAGES = [
    ("sip:detail", {}),
    ("sip:initiative_edit", {}),
    ("sip:units", {}),
    ("sip:consent", {}),
    ("sip:answer", {}),
    ("sip:edit", {}),
    ("sip:sign", {}),
    ("sip:finalise", {}),
    ("sip:version_new", {}),
    ("sip:close", {}),
    ("sip:history", {}),
    ("sip:compare", {}),
    ("sip:form_prefilled", {}),
    ("sip:version", {"number": 1}),
    ("sip:version_pdf", {"number": 1}),
]


def url(name: str, plan: SipPlan, **kwargs) -> str:
    return reverse(name, kwargs={"plan_id": plan.pk, **kwargs})


@pytest.fixture
def summoned(sip):
    """A plan whose summons is out; social services has declined, BUP not yet answered."""
    plan = start(sip)
    summon(sip, plan)
    services.sip_answer(
        actor=req(sip.social_worker, sip.social), plan=plan, accept=False, reason="Nej"
    )
    return plan


@pytest.mark.parametrize(("name", "kwargs"), PLAN_PAGES)
@pytest.mark.parametrize("who", ["other_unit", "other_org", "declined", "admin"])
def test_plan_pages_are_404_for_units_without_need_to_know(
    sip, summoned, login_as, name, kwargs, who
):
    cast = sip.cast
    user, unit = {
        "other_unit": (cast.home_care_nurse, cast.home_care),
        "other_org": (cast.outsider, cast.outsider_unit),
        "declined": (sip.social_worker, sip.social),
        "admin": (user_with_role("skoladmin", sip.school, "local_admin"), sip.school),
    }[who]
    client = login_as(user, unit)
    assert client.get(url(name, summoned, **kwargs)).status_code == 404
    assert client.post(url(name, summoned, **kwargs)).status_code == 404


@pytest.mark.parametrize(("name", "kwargs"), PLAN_PAGES)
def test_plan_pages_need_login(sip, summoned, client, name, kwargs):
    response = client.get(url(name, summoned, **kwargs))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


@pytest.mark.parametrize(("name", "kwargs"), PLAN_PAGES)
def test_forged_plan_ids_are_404(sip, summoned, login_as, name, kwargs):
    client = login_as(sip.counsellor, sip.school)
    assert client.get(reverse(name, kwargs={"plan_id": 99999, **kwargs})).status_code == 404


def test_list_and_new_need_a_sip_role(sip, login_as, client):
    for name in ("sip:list", "sip:new"):
        assert client.get(reverse(name)).status_code == 302
    admin = user_with_role("skoladmin", sip.school, "local_admin")
    client = login_as(admin, sip.school)
    assert client.get(reverse("sip:list")).status_code == 403
    assert client.get(reverse("sip:new")).status_code == 403
    assert client.get(reverse("sip:form_blank")).status_code == 404


def test_plan_page_shows_the_plan_to_the_initiator_and_a_summoned_unit(sip, summoned, login_as):
    client = login_as(sip.counsellor, sip.school)
    page = client.get(url("sip:detail", summoned)).content.decode()
    assert "Alva Ek" in page and "BUP-mottagningen" in page
    assert "Samordna stödet i skolan och hemma" in page
    client = login_as(sip.psychologist, sip.bup)
    page = client.get(url("sip:detail", summoned)).content.decode()
    assert reverse("sip:answer", kwargs={"plan_id": summoned.pk}) in page


# --- starting a plan -------------------------------------------------------------------------


def new_plan_data(sip, **changes):
    data = {
        "identity": make_personnummer(datetime.date(2013, 6, 1)),
        "first_name": "Nova",
        "last_name": "Lind",
        "purpose": "Samordna stödet",
        "person_goals": "Trivas i skolan",
        "meeting_mode": "video",
        "meeting_link": "https://mote.example/abc",
        "meeting_at": "2030-05-02T09:00",
        "units": [str(sip.bup.pk), str(sip.social.pk)],
        "consent_given": "guardian",
        "consent_name": "Lena Lind",
        "consent_relation": "mamma",
        "consent_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
        "creation_key": str(uuid.uuid4()),
    }
    data.update(changes)
    return data


def test_start_a_plan_with_consent(sip, login_as):
    client = login_as(sip.counsellor, sip.school)
    form = client.get(reverse("sip:new")).content.decode()
    assert "BUP-mottagningen" in form and f'value="{sip.school.pk}"' not in form
    data = new_plan_data(sip)
    response = client.post(reverse("sip:new"), data)
    plan = SipPlan.objects.get()
    assert response.status_code == 302 and response["Location"] == url("sip:detail", plan)
    assert plan.patient.first_name == "Nova"
    assert plan.meeting_mode == "video"
    assert Consent.objects.get(patient=plan.patient).given_by_name == "Lena Lind"
    # Posted twice: still one plan.
    client.post(reverse("sip:new"), data)
    assert SipPlan.objects.count() == 1


def test_start_keeps_the_input_on_errors(sip, login_as):
    client = login_as(sip.counsellor, sip.school)
    response = client.post(
        reverse("sip:new"),
        new_plan_data(sip, purpose="", meeting_link="", consent_name="", first_name=""),
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "Trivas i skolan" in page
    assert not SipPlan.objects.exists()


def test_start_refuses_forged_units(sip, login_as):
    client = login_as(sip.counsellor, sip.school)
    for forged in (str(sip.school.pk), "99999", str(sip.cast.hospital.pk)):  # own, none, no inbox
        response = client.post(reverse("sip:new"), new_plan_data(sip, units=[forged]))
        assert response.status_code == 200
    assert not SipPlan.objects.exists()


def test_start_from_a_case_needs_the_case(sip, login_as):
    cast = sip.cast
    case, _ = case_open(
        actor=Actor(user=cast.ward_nurse, unit=cast.ward),
        patient=Patient.objects.create(
            identity_number=make_personnummer(),
            identity_kind="personal",
            first_name="A",
            last_name="B",
        ),
        admitted_at=timezone.now(),
        opening_key="x",
    )
    client = login_as(sip.counsellor, sip.school)
    assert client.get(reverse("sip:new") + f"?arende={case.pk}").status_code == 404
    client = login_as(cast.ward_nurse, cast.ward)
    page = client.get(reverse("sip:new") + f"?arende={case.pk}")
    assert page.status_code == 200
    assert 'name="identity"' not in page.content.decode()


# --- summons and answers --------------------------------------------------------------------


def test_send_summons_by_post_only(sip, login_as):
    plan = start(sip)
    client = login_as(sip.counsellor, sip.school)
    assert client.get(url("sip:send", plan)).status_code == 405
    response = client.post(url("sip:send", plan), {"key": "abc"})
    assert response.status_code == 302
    client.post(url("sip:send", plan), {"key": "abc"})
    assert Message.objects.count() == 1
    plan.refresh_from_db()
    assert plan.state == PlanState.PLANNING


def test_a_summoned_unit_cannot_send_the_summons(sip, summoned, login_as):
    client = login_as(sip.psychologist, sip.bup)
    client.post(url("sip:send", summoned), {"key": "x"})
    assert Message.objects.count() == 1


def test_send_without_consent_says_why(sip, login_as):
    plan = start(sip, consent=False)
    client = login_as(sip.counsellor, sip.school)
    response = client.post(url("sip:send", plan), {"key": "k"}, follow=True)
    assert "samtycke" in response.content.decode()
    assert not Message.objects.exists()


def test_consent_from_the_plan(sip, login_as):
    plan = start(sip, consent=False)
    client = login_as(sip.counsellor, sip.school)
    response = client.post(
        url("sip:consent", plan),
        {
            "given_by": "person",
            "given_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
            "form_token": str(uuid.uuid4()),
        },
    )
    assert response.status_code == 302
    assert Consent.objects.get().scope == "sip"


def test_answer_accept_and_decline(sip, login_as):
    plan = start(sip)
    summon(sip, plan)
    client = login_as(sip.psychologist, sip.bup)
    response = client.post(url("sip:answer", plan), {"answer": "accept", "attendees": ""})
    assert response.status_code == 200  # who attends is needed
    response = client.post(url("sip:answer", plan), {"answer": "accept", "attendees": "Pia"})
    assert response.status_code == 302
    client = login_as(sip.social_worker, sip.social)
    response = client.post(url("sip:answer", plan), {"answer": "decline", "reason": "Nej"})
    assert response["Location"] == reverse("sip:list")
    answers = dict(plan.participants.values_list("unit__name", "answer"))
    assert answers["BUP-mottagningen"] == "accepted" and answers["Barn och familj"] == "declined"


def test_message_link_leads_to_the_plan(sip, summoned, login_as):
    message = summoned.messages.get().message
    client = login_as(sip.psychologist, sip.bup)
    response = client.get(reverse("sip:message_plan", kwargs={"message_id": message.pk}))
    assert response["Location"] == url("sip:detail", summoned)
    client = login_as(sip.cast.outsider, sip.cast.outsider_unit)
    response = client.get(reverse("sip:message_plan", kwargs={"message_id": message.pk}))
    assert response.status_code == 404


# --- writing --------------------------------------------------------------------------------


@pytest.fixture
def accepted(sip):
    plan = start(sip)
    summon(sip, plan)
    accept_all(sip, plan)
    plan.refresh_from_db()
    return plan


def plan_form_data(sip, plan, **changes):
    version = SipVersion.objects.get(pk=plan.current_version_id)
    data = {
        "version_number": version.number,
        "revision": version.revision,
        "goals": "Gå i skolan",
        "others_do": "",
        "responsible_principal": sip.cast.municipality.pk,
        "coordinator": f"{sip.school.pk}-{sip.counsellor.pk}",
        "participation": "Alva deltog",
        "relatives_views": "",
        "follow_up_date": (timezone.localdate() + datetime.timedelta(days=60)).isoformat(),
        "follow_up_how": "Möte",
        f"contact_name_{sip.bup.pk}": "Pia Psykolog",
        f"contact_phone_{sip.bup.pk}": "016-1",
        "insats-TOTAL_FORMS": "3",
        "insats-INITIAL_FORMS": "0",
        "insats-MIN_NUM_FORMS": "0",
        "insats-MAX_NUM_FORMS": "50",
    }
    for index, (what, unit) in enumerate(
        [("Samtal", sip.bup), ("Familjestöd", sip.social), ("Anpassning", sip.school)]
    ):
        data[f"insats-{index}-what"] = what
        data[f"insats-{index}-unit"] = unit.pk
        data[f"insats-{index}-status"] = "planned"
    data.update(changes)
    return data


def test_write_the_plan(sip, accepted, login_as):
    client = login_as(sip.psychologist, sip.bup)
    page = client.get(url("sip:edit", accepted)).content.decode()
    assert "Insats 1" in page
    response = client.post(url("sip:edit", accepted), plan_form_data(sip, accepted))
    assert response.status_code == 302
    version = SipVersion.objects.get(pk=accepted.current_version_id)
    assert version.goals == "Gå i skolan" and version.coordinator == sip.counsellor
    assert version.interventions.count() == 3
    assert version.contacts.get().name == "Pia Psykolog"


def test_stale_save_keeps_the_text_and_shows_the_other_change(sip, accepted, login_as):
    stale = plan_form_data(sip, accepted, goals="Min text som inte får försvinna")
    write(sip, accepted, full_text(sip, goals="Den andres ändring"), sip.social_worker, sip.social)
    client = login_as(sip.psychologist, sip.bup)
    response = client.post(url("sip:edit", accepted), stale)
    assert response.status_code == 200
    page = response.content.decode()
    assert "Min text som inte får försvinna" in page
    assert "Den andres ändring" in page
    assert "Sam Socsek" in page
    version = SipVersion.objects.get(pk=accepted.current_version_id)
    assert version.goals == "Den andres ändring"
    # The re-shown form carries the current revision: saving it again goes through.
    assert f'name="revision" value="{version.revision}"' in page
    stale["revision"] = version.revision
    assert client.post(url("sip:edit", accepted), stale).status_code == 302
    version.refresh_from_db()
    assert version.goals == "Min text som inte får försvinna"


@pytest.mark.parametrize(
    "forged",
    [
        {"insats-0-unit": "99999"},
        {"coordinator": "1-1"},
        {"responsible_principal": "99999"},
    ],
)
def test_write_refuses_forged_ids(sip, accepted, login_as, forged):
    client = login_as(sip.counsellor, sip.school)
    response = client.post(url("sip:edit", accepted), plan_form_data(sip, accepted, **forged))
    assert response.status_code == 200
    assert SipVersion.objects.get(pk=accepted.current_version_id).revision == 1


def test_a_pending_unit_cannot_write(sip, summoned, login_as):
    client = login_as(sip.psychologist, sip.bup)
    response = client.post(url("sip:edit", summoned), plan_form_data(sip, summoned))
    assert response.status_code == 200
    assert SipVersion.objects.get(pk=summoned.current_version_id).revision == 1


# --- signing and finalising -----------------------------------------------------------------


@pytest.fixture
def written(sip, accepted):
    write(sip, accepted)
    accepted.refresh_from_db()
    return accepted


def test_sign_with_password(sip, written, login_as):
    client = login_as(sip.psychologist, sip.bup)
    assert 'type="password"' in client.get(url("sip:sign", written)).content.decode()
    response = client.post(url("sip:sign", written), {"password": "Fel123!x"})
    assert response.status_code == 200
    assert "lösenord" in response.content.decode()
    assert not SipSignature.objects.exists()
    response = client.post(url("sip:sign", written), {"password": sip.password})
    assert response.status_code == 302
    assert SipSignature.objects.get().method == "password"


def test_sign_with_card_asks_no_password(sip, written, login_as, settings):
    settings.SMART_CARD_LOGIN = True
    settings.SMART_CARD_TRUSTED_PROXIES = [ipaddress.ip_network("127.0.0.1/32")]
    client = login_as(sip.psychologist, sip.bup)
    session = client.session
    session[SESSION_CARD_KEY] = "CN=Pia"
    session.save()
    headers = {"HTTP_X_SSL_CLIENT_VERIFY": "SUCCESS", "HTTP_X_SSL_CLIENT_S_DN": "CN=Pia"}
    page = client.get(url("sip:sign", written), **headers).content.decode()
    assert 'type="password"' not in page
    response = client.post(url("sip:sign", written), {}, **headers)
    assert response.status_code == 302
    assert SipSignature.objects.get().method == "smart_card"


def test_sign_after_siths_login_through_the_idp_asks_no_password(sip, written, login_as):
    client = login_as(sip.psychologist, sip.bup)
    session = client.session
    session[SESSION_AUTH_METHOD_KEY] = AuthMethod.SAML
    session.save()
    assert 'type="password"' not in client.get(url("sip:sign", written)).content.decode()
    assert client.post(url("sip:sign", written), {}).status_code == 302
    assert SipSignature.objects.get().method == "smart_card"


def test_user_without_the_signing_role_cannot_sign(sip, written, login_as):
    reviewer = user_with_role("bupgranskare", sip.bup, "report_viewer")
    client = login_as(reviewer, sip.bup)
    assert client.post(url("sip:sign", written), {"password": sip.password}).status_code == 404
    assert not SipSignature.objects.exists()


def test_finalise_asks_first_and_needs_all_signatures(sip, written, login_as):
    client = login_as(sip.counsellor, sip.school)
    page = client.get(url("sip:finalise", written)).content.decode()
    assert "Är det säkert att du vill slutjustera hela planen?" not in page  # not signed yet
    client.post(url("sip:finalise", written), {"confirm": "yes"})
    written.refresh_from_db()
    assert written.state == PlanState.PLANNING
    sign_all(sip, written)
    page = client.get(url("sip:finalise", written)).content.decode()
    assert "Är det säkert att du vill slutjustera hela planen?" in page
    client.post(url("sip:finalise", written), {})  # Avbryt is a link; no confirm: nothing
    written.refresh_from_db()
    assert written.state == PlanState.PLANNING
    client.post(url("sip:finalise", written), {"confirm": "yes"})
    written.refresh_from_db()
    assert written.state == PlanState.FINALISED


def test_only_the_coordinator_finalises(sip, written, login_as):
    sign_all(sip, written)
    client = login_as(sip.psychologist, sip.bup)
    client.post(url("sip:finalise", written), {"confirm": "yes"})
    written.refresh_from_db()
    assert written.state == PlanState.PLANNING


# --- versions, comparison, history, closing ---------------------------------------------------


def test_new_version_compare_and_history(sip, login_as):
    plan = finalised_plan(sip)
    client = login_as(sip.psychologist, sip.bup)
    response = client.post(url("sip:version_new", plan), {"reason": "follow_up"})
    assert response["Location"] == url("sip:edit", plan)
    write(sip, plan, full_text(sip, goals="Nya mål vid uppföljningen"))
    page = client.get(url("sip:compare", plan) + "?old=1&new=2").content.decode()
    assert "Alva går i skolan varje dag" in page and "Nya mål vid uppföljningen" in page
    entry = AccessLogEntry.objects.order_by("-pk").first()
    assert "compared" in entry.detail
    page = client.get(url("sip:compare", plan) + "?old=2&new=2").content.decode()
    assert "två olika versioner" in page
    history = client.get(url("sip:history", plan)).content.decode()
    assert "Nya mål vid uppföljningen" in history
    assert "Planen slutjusterad" in history
    version_page = client.get(url("sip:version", plan, number=1)).content.decode()
    assert "Alva går i skolan varje dag" in version_page
    assert client.get(url("sip:version", plan, number=9)).status_code == 404


def test_close_with_reason(sip, summoned, login_as):
    client = login_as(sip.counsellor, sip.school)
    assert client.post(url("sip:close", summoned), {"reason": "other"}).status_code == 200
    response = client.post(url("sip:close", summoned), {"reason": "not_needed"})
    assert response.status_code == 302
    summoned.refresh_from_db()
    assert summoned.state == PlanState.CLOSED


def test_summoned_unit_cannot_close(sip, summoned, login_as):
    client = login_as(sip.psychologist, sip.bup)
    assert client.post(url("sip:close", summoned), {"reason": "not_needed"}).status_code == 200
    summoned.refresh_from_db()
    assert summoned.state == PlanState.PLANNING


def test_initiative_edit_before_the_summons_only(sip, login_as):
    plan = start(sip)
    client = login_as(sip.counsellor, sip.school)
    data = {
        "purpose": "Nytt syfte",
        "meeting_mode": "in_person",
        "revision": plan.revision,
    }
    assert client.post(url("sip:initiative_edit", plan), data).status_code == 302
    plan.refresh_from_db()
    assert plan.purpose == "Nytt syfte"
    data["purpose"] = "Ännu ett"
    response = client.post(url("sip:initiative_edit", plan), data)  # an old revision
    assert response.status_code == 200 and "Ännu ett" in response.content.decode()
    assert "medan du skrev" in response.content.decode()
    plan.refresh_from_db()
    assert plan.purpose == "Nytt syfte"
    assert f'name="revision" value="{plan.revision}"' in response.content.decode()
    summon(sip, plan)
    data["revision"] = SipPlan.objects.get(pk=plan.pk).revision
    assert client.post(url("sip:initiative_edit", plan), data).status_code == 200


def test_units_choose_refuses_forged_units(sip, login_as):
    plan = start(sip, units=[sip.bup])
    client = login_as(sip.counsellor, sip.school)
    response = client.post(url("sip:units", plan), {"units": ["99999"]})
    assert response.status_code == 200
    response = client.post(url("sip:units", plan), {"units": [str(sip.social.pk)]})
    assert response.status_code == 302
    assert set(plan.participants.values_list("unit__name", flat=True)) == {
        "Elevhälsan Skolan",
        "Barn och familj",
    }


def test_sign_page_lists_what_is_signed(sip, written, login_as):
    client = login_as(sip.social_worker, sip.social)
    page = client.get(url("sip:sign", written)).content.decode()
    assert "Samtal varje vecka" in page


def test_signed_parts_show_on_the_plan(sip, written, login_as):
    versions.sip_sign(actor=req(sip.psychologist, sip.bup, card=True), plan=written, password=None)
    client = login_as(sip.counsellor, sip.school)
    page = client.get(url("sip:detail", written)).content.decode()
    assert "Pia Psykolog" in page and "Signerad" in page


@pytest.mark.parametrize(
    "name",
    [
        "sip:edit",
        "sip:sign",
        "sip:finalise",
        "sip:version_new",
        "sip:close",
        "sip:initiative_edit",
        "sip:units",
    ],
)
def test_pages_a_unit_cannot_use_now_lead_back_to_the_plan(sip, summoned, login_as, name):
    client = login_as(sip.psychologist, sip.bup)  # not answered yet: it may only answer
    response = client.get(url(name, summoned))
    assert response.status_code == 302
    assert response["Location"] == url("sip:detail", summoned)
    client = login_as(sip.counsellor, sip.school)
    assert client.get(url("sip:answer", summoned))["Location"] == url("sip:detail", summoned)
