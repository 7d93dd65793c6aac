"""The plan page tells each party what is next for it (sign, wait for whom, finalise, and who
can); the unit picker leaves out the inboxes for unaddressed messages and offers a search;
the plan page's queries are pinned."""

import pytest
from django.urls import reverse

from samplan.addressing.models import FallbackInbox
from samplan.sip import process, versions
from samplan.sip.models import SipSignature
from samplan.sip.process import Readiness, Viewer
from samplan.sip.tests.conftest import accept, accept_all, req, sign_all, start, summon, write
from samplan.testing import UnitFactory, user_with_role

PARTY = Viewer(role="summoned", answer="accepted", may_work=True)
COORDINATOR = Viewer(role="summoned", answer="accepted", may_work=True, is_coordinator=True)
DONE = Readiness(unanswered=(), unsigned=(), missing_fields=())


def step(**kwargs):
    defaults = {
        "state": "planning",
        "viewer": PARTY,
        "consent_active": True,
        "signed_here": True,
        "readiness": DONE,
        "coordinator": "Karin Kurator (Elevhälsan)",
    }
    return process.next_step(**{**defaults, **kwargs})


def test_next_step_for_each_party():
    assert step(signed_here=False).code == "sign"
    waiting = step(
        readiness=Readiness(unanswered=("BUP",), unsigned=("Skolan",), missing_fields=())
    )
    assert waiting.code == "wait" and "BUP" in waiting.text and "Skolan" in waiting.text
    assert step(viewer=COORDINATOR).code == "finalise"
    others = step()
    assert others.code == "wait_coordinator" and "Karin Kurator (Elevhälsan)" in others.text
    assert step(coordinator="").code == "name_coordinator"
    pending = Viewer(role="summoned", answer="pending", may_work=True)
    assert step(viewer=pending, readiness=None).code == "answer"
    initiator = Viewer(role="initiator", answer="accepted", may_work=True)
    assert step(state="initiative", viewer=initiator, consent_active=False).code == "consent"
    assert step(state="initiative", viewer=initiator).code == "summon"
    assert step(state="finalised").code == "follow_up"


def _page(client, plan) -> str:
    return client.get(reverse("sip:detail", kwargs={"plan_id": plan.pk})).content.decode()


def test_the_plan_page_says_who_can_finalise_once_everyone_has_signed(sip, login_as):
    plan = start(sip)
    summon(sip, plan)
    accept_all(sip, plan)
    write(sip, plan)
    page = _page(login_as(sip.psychologist, sip.bup), plan)
    assert 'data-step="sign"' in page
    sign_all(sip, plan)
    page = _page(login_as(sip.psychologist, sip.bup), plan)
    assert 'data-step="wait_coordinator"' in page
    assert "Bara samordningsansvarig, Karin Kurator (Elevhälsan Skolan), kan slutjustera" in page
    page = _page(login_as(sip.counsellor, sip.school), plan)
    assert 'data-step="finalise"' in page


def test_the_unit_picker_leaves_out_inboxes_for_unaddressed_messages(sip, login_as):
    central = UnitFactory(organization=sip.cast.municipality, name="Kommunens reservadress")
    FallbackInbox.objects.create(organization=sip.cast.municipality, unit=central)
    plan = start(sip)
    page = (
        login_as(sip.counsellor, sip.school)
        .get(reverse("sip:units", kwargs={"plan_id": plan.pk}))
        .content.decode()
    )
    assert "Kommunens reservadress" not in page and "BUP-mottagningen" in page
    assert 'id="unit-filter"' in page and "sip/unit-filter.js" in page
    assert "---------" not in page


@pytest.mark.parametrize("extra", [0, 4])
def test_the_plan_page_makes_a_fixed_number_of_queries(
    sip, login_as, django_assert_num_queries, extra
):
    """However many units take part and sign: no query per participant or signature."""
    for number in range(6):
        UnitFactory(organization=sip.cast.region, name=f"Extra {number}")
    extras = [
        (user_with_role(f"extra{number}", unit), unit)
        for number, unit in enumerate(
            UnitFactory(organization=sip.cast.municipality, name=f"Deltagare {number}")
            for number in range(extra)
        )
    ]
    plan = start(sip, units=[sip.bup, sip.social, *(unit for _user, unit in extras)])
    summon(sip, plan)
    accept_all(sip, plan)
    for user, unit in extras:
        accept(sip, plan, user, unit)
    write(sip, plan)
    sign_all(sip, plan)
    for user, unit in extras:
        plan.refresh_from_db()
        versions.sip_sign(actor=req(user, unit), plan=plan, password=sip.password)
    assert SipSignature.objects.filter(version__plan=plan).count() == 3 + extra
    client = login_as(sip.psychologist, sip.bup)
    _page(client, plan)
    with django_assert_num_queries(plan_page_queries()):
        page = _page(client, plan)
    assert page.count('badge--ok">Signerad') == 3 + extra


# Session, user, memberships; the unit's row and every unit of the plan (one query); the
# plan (with its consent, the active one here); the access log (recent patients, chain head,
# insert, chain update); interventions; contacts; versions. Was 20 before the plan's units
# were read with the unit's own row and the log was told the unit takes part; 15 before the
# plan's read found the active consent; 14 before the units' rows brought their signatures;
# 13 before the plan's read brought the inbox badge's count.
PLAN_PAGE_QUERIES = 12


def plan_page_queries() -> int:
    """PostgreSQL writes the access log's row in one statement, its "many patients" check,
    the head's lock and move included (four statements on SQLite)."""
    from django.db import connection

    return PLAN_PAGE_QUERIES - 3 if connection.vendor == "postgresql" else PLAN_PAGE_QUERIES
