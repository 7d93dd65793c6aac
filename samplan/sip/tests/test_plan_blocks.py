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
from samplan.sip.selectors import part_statuses
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
    # The page's rows bring their units' signatures: the same statuses as the version's
    # signatures give (selectors.part_statuses).
    version = page_context["plan"].current_version
    expected = part_statuses(plan, version)
    assert [
        (
            s.participant.unit_id,
            s.signature and (s.signature.signed_at, s.signature.user.username),
            s.earlier,
        )
        for s in page_context["statuses"]
    ] == [
        (
            s.participant.unit_id,
            s.signature and (s.signature.signed_at, s.signature.user.username),
            s.earlier,
        )
        for s in expected
    ]
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


# The plan page's panels (issue 18): each tag beside the block of plan_detail.html it replaced,
# rendered by the project's template engine with the page's own context and request (so the
# context processors' csrf_token and show_report_deviation are there too).
PANELS = {
    "plan_head.html": "{% sip_plan_head plan version next_step %}",
    "plan_consent.html": "{% sip_consent_panel plan consent consent_withdrawn actions %}",
    "plan_actions.html": "{% sip_actions_panel %}",
    "plan_units.html": "{% sip_units_panel participants unanswered %}",
    "plan_initiative.html": "{% sip_initiative_panel plan %}",
    "plan_text.html": "{% sip_plan_text text %}",
    "plan_signatures.html": "{% sip_signatures_panel statuses readiness %}",
    "plan_versions.html": "{% sip_versions_panel plan versions %}",
}
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="[^"]*"')


# deviations/_report_button.html is a tag now (deviations/templatetags/deviation_blocks.py, held
# equal to the old partial by deviations/tests/test_deviation_blocks.py): the reference panels
# use the tag where they included the partial.
_REPORT_BUTTON = '{% include "deviations/_report_button.html" with parameter="plan" pk=plan.pk %}'


def _reference_source(name: str) -> str:
    source = (REFERENCE / name).read_text(encoding="utf-8")
    return source.replace(
        _REPORT_BUTTON, '{% load deviation_blocks %}{% report_button "plan" plan.pk %}'
    )


def _page_markup(template_source: str, context: dict, request) -> str:
    from django.template import engines

    html = engines["django"].from_string(template_source).render(context, request)
    return CSRF.sub('name="csrfmiddlewaretoken" value=""', squeeze(html))


def _compare_panels(client, plan) -> str:
    """Compares every panel in Swedish and English; returns the page as served."""
    response = client.get(reverse("sip:detail", args=[plan.pk]))
    assert response.status_code == 200
    names = [
        "plan",
        "version",
        "next_step",
        "consent",
        "consent_withdrawn",
        "actions",
        "participants",
        "unanswered",
        "not_sent",
        "summons_key",
        "text",
        "statuses",
        "readiness",
        "versions",
        "viewer",
        "display",
    ]
    context = {name: response.context[name] for name in names}
    for language in ("sv", "en"):
        with translation.override(language):
            for name, tag in PANELS.items():
                old = _page_markup(_reference_source(name), context, response.wsgi_request)
                new = _page_markup("{% load plan_blocks %}" + tag, context, response.wsgi_request)
                assert new == old, (name, language)
                if name not in ("plan_signatures.html",):
                    assert new, name
            # sip/_plan_top.html stays for the plan's other pages; the plan page writes its
            # breadcrumbs in Python and includes the patient header itself.
            old = _page_markup('{% include "sip/_plan_top.html" %}', context, response.wsgi_request)
            new = _page_markup(
                "{% load plan_blocks %}{% sip_breadcrumbs plan %}"
                "{% load patient_blocks %}{% patient_header display %}",
                context,
                response.wsgi_request,
            )
            assert new == old, ("_plan_top.html", language)
    return response.content.decode()


def _escaping_names(sip) -> None:
    sip.bup.name = 'BUP "Norr" <&>'
    sip.bup.save()
    sip.school.name = "Elevhälsan <Skolan> & co"
    sip.school.save()


@pytest.mark.parametrize("viewer", ["coordinator", "participant", "unanswered"])
def test_the_panels_of_a_summoned_plan(sip, login_as, viewer):
    """Summoned, BUP accepted (signed, then the text changed), social services late."""
    _escaping_names(sip)
    plan = start(sip)

    type(plan).objects.filter(pk=plan.pk).update(
        purpose="Stöd <i>hemma</i> & i skolan",
        questions="Vad <gör> vi?",
        meeting_link="https://x.example/?a=1&b=2",
    )
    summon(sip, plan)
    accept(sip, plan, sip.psychologist, sip.bup)
    SipParticipant.objects.filter(plan=plan, unit=sip.social).update(
        due_at=timezone.now() - datetime.timedelta(days=1)
    )
    write(sip, plan, full_text(sip, interventions=interventions(sip)))
    plan.refresh_from_db()
    versions.sip_sign(actor=req(sip.psychologist, sip.bup), plan=plan, password=TEST_PASSWORD)
    write(sip, plan, full_text(sip, goals="Nya <mål>", interventions=interventions(sip)))
    user, unit = {
        "coordinator": (sip.counsellor, sip.school),
        "participant": (sip.psychologist, sip.bup),
        "unanswered": (sip.social_worker, sip.social),
    }[viewer]
    page = _compare_panels(login_as(user, unit), plan)
    assert "Elevhälsan &lt;Skolan&gt; &amp; co" in page
    assert "Stöd &lt;i&gt;hemma&lt;/i&gt; &amp; i skolan" in page


@pytest.mark.parametrize("consent", [True, False])
def test_the_panels_of_a_draft(sip, login_as, consent):
    """Started, the units chosen and not yet summoned; with and without a consent."""
    _escaping_names(sip)
    plan = start(sip, consent=consent)
    _compare_panels(login_as(sip.counsellor, sip.school), plan)


def test_the_panels_with_the_consent_withdrawn(sip, login_as):
    from samplan.patients.models import Consent

    plan = start(sip)
    Consent.objects.filter(pk=plan.consent_id).update(withdrawn_at=timezone.now())
    _compare_panels(login_as(sip.counsellor, sip.school), plan)


@pytest.mark.parametrize("viewer", ["coordinator", "participant"])
def test_the_panels_of_a_finalised_plan_and_its_follow_up(sip, login_as, viewer):
    """Finalised with every signature; then a follow-up version (two versions to compare)."""
    _escaping_names(sip)
    plan = finalised_plan(sip)
    user, unit = (
        (sip.counsellor, sip.school) if viewer == "coordinator" else (sip.psychologist, sip.bup)
    )
    _compare_panels(login_as(user, unit), plan)
    versions.sip_version_new(actor=req(sip.counsellor, sip.school), plan=plan)
    plan.refresh_from_db()
    _compare_panels(login_as(user, unit), plan)


def test_the_panels_of_a_closed_plan(sip, login_as):
    plan = finalised_plan(sip)
    services.sip_close(
        actor=req(sip.counsellor, sip.school), plan=plan, reason="other", text="Flyttat <bort>"
    )
    plan.refresh_from_db()
    page = _compare_panels(login_as(sip.counsellor, sip.school), plan)
    assert "Flyttat &lt;bort&gt;" in page
