"""The SIP plan page's loops written in Python (templatetags/plan_blocks.py) give the markup the
template loops gave: the loops as they were are kept in tests/reference/ and rendered beside
the tags for realistic plans (accepted, declined and overdue answers, signatures current and
to renew, a locked version and its follow-up, interventions with and without profession and
dates), in Swedish and English. Only the length of runs of whitespace may differ."""

import datetime
import re
from pathlib import Path

import pytest
from django.template import Context, Engine
from django.urls import reverse
from django.utils import timezone, translation

from samplan.organizations.models import Profession
from samplan.sip import services, versions
from samplan.sip.content import InterventionData
from samplan.sip.models import SipParticipant
from samplan.sip.templatetags.plan_blocks import (
    sip_intervention_rows,
    sip_participant_rows,
    sip_signature_items,
    sip_version_rows,
)
from samplan.sip.tests.conftest import (
    TEST_PASSWORD,
    accept,
    finalised_plan,
    full_text,
    req,
    start,
    summon,
    write,
)

REFERENCE = Path(__file__).parent / "reference"


def reference(name: str):
    engine = Engine(
        loaders=["django.template.loaders.app_directories.Loader"],
        libraries={"i18n": "django.templatetags.i18n"},
    )
    return engine.from_string((REFERENCE / name).read_text(encoding="utf-8"))


def squeeze(html: str) -> str:
    return re.sub(r"\s+", " ", str(html)).strip()


def interventions(sip):
    nurse, _ = Profession.objects.get_or_create(
        code="test-ssk", defaults={"name": "Sjuksköterska <& co>"}
    )
    return (
        InterventionData(
            what="Samtal varje vecka\n& <mer>",
            unit=sip.bup,
            profession=nurse,
            starts_on=datetime.date(2026, 3, 2),
            ends_on=datetime.date(2026, 6, 30),
            status="ongoing",
        ),
        InterventionData(what="Familjebehandling", unit=sip.social),
    )


@pytest.fixture
def pending_plan(sip):
    """Summoned; BUP accepted, social services still to answer and late; written and signed
    by BUP, then written again (BUP must sign again)."""
    sip.bup.name = 'BUP "Norr" <&>'
    sip.bup.save()
    plan = start(sip)
    summon(sip, plan)
    accept(sip, plan, sip.psychologist, sip.bup)
    SipParticipant.objects.filter(plan=plan, unit=sip.social).update(
        due_at=timezone.now() - datetime.timedelta(days=1)
    )
    write(sip, plan, full_text(sip, interventions=interventions(sip)))
    plan.refresh_from_db()
    versions.sip_sign(actor=req(sip.psychologist, sip.bup), plan=plan, password=TEST_PASSWORD)
    write(sip, plan, full_text(sip, goals="Nya mål", interventions=interventions(sip)))
    return plan


@pytest.fixture
def declined_plan(sip):
    plan = start(sip)
    summon(sip, plan)
    services.sip_answer(
        actor=req(sip.social_worker, sip.social),
        plan=plan,
        accept=False,
        reason="Inte vår målgrupp <ännu>",
    )
    return plan


def _compare(page_context):
    for name, new, context in (
        (
            "participant_rows.html",
            sip_participant_rows(page_context["participants"]),
            page_context,
        ),
        ("signature_items.html", sip_signature_items(page_context["statuses"]), page_context),
        (
            "version_rows.html",
            sip_version_rows(page_context["plan"], page_context["versions"]),
            page_context,
        ),
        (
            "intervention_rows.html",
            sip_intervention_rows(page_context["text"].interventions),
            page_context,
        ),
    ):
        old = reference(name).render(Context(context))
        assert squeeze(new) == squeeze(old), name


@pytest.mark.parametrize("language", ["sv", "en"])
@pytest.mark.parametrize("which", ["pending", "declined", "finalised"])
def test_the_blocks_give_the_old_loops_markup(
    sip, login_as, pending_plan, declined_plan, which, language
):
    if which == "finalised":
        plan = finalised_plan(sip)
        plan.refresh_from_db()
        versions.sip_version_new(actor=req(sip.counsellor, sip.school), plan=plan)
    else:
        plan = pending_plan if which == "pending" else declined_plan
    response = login_as(sip.counsellor, sip.school).get(reverse("sip:detail", args=[plan.pk]))
    assert response.status_code == 200
    page_context = {
        name: response.context[name]
        for name in ("participants", "statuses", "versions", "plan", "text")
    }
    with translation.override(language):
        _compare(page_context)
    if which == "pending":
        participants = page_context["participants"]
        assert any(getattr(p, "overdue", False) for p in participants)
        assert any(s.earlier for s in page_context["statuses"])
        page = response.content.decode()
        assert "BUP &quot;Norr&quot; &lt;&amp;&gt;" in page
        assert "Sjuksköterska &lt;&amp; co&gt;" in page
    if which == "finalised":
        assert len(page_context["versions"]) == 2
        assert any(v.locked_at for v in page_context["versions"])
