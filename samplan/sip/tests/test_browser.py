"""In the browser, as people work: a school counsellor starts a SIP for a child with the
guardian's consent and summons BUP and the municipality's social services; both accept; the plan
is written with three interventions, every unit signs, the coordinator finalises, the PDF opens,
and the follow-up makes version 2."""

import datetime
import re

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from samplan.core.tests.test_browser_session import screenshot
from samplan.sip.models import PlanState, SipPlan
from samplan.testing import TEST_PASSWORD

pytestmark = pytest.mark.browser


def log_in(page: Page, username: str) -> None:
    page.goto("/konto/logga-in/")
    page.get_by_label("Användarnamn").fill(username)
    page.get_by_label("Lösenord").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Logga in").click()


def log_out(page: Page) -> None:
    page.get_by_role("banner").get_by_role("button", name="Logga ut").click()
    expect(page.get_by_role("heading", name="Logga in i samplan")).to_be_visible()


def open_plan(page: Page, name: str) -> None:
    page.get_by_role("navigation", name="Huvudmeny").get_by_role("link", name="SIP").click()
    page.get_by_role("table").get_by_role("link", name=name).click()
    expect(page.get_by_role("heading", name="Samordnad individuell plan", level=1)).to_be_visible()


def answer_yes(page: Page, username: str, who: str) -> None:
    log_in(page, username)
    open_plan(page, "Alva Ek")
    page.get_by_role("link", name="Svara på kallelsen").click()
    page.get_by_label("Acceptera").check()
    page.get_by_label("Vem som deltar").fill(who)
    page.get_by_role("button", name="Skicka svaret").click()
    expect(page.get_by_role("status")).to_contain_text("Er enhet accepterade kallelsen")
    log_out(page)


def sign(page: Page, username: str) -> None:
    log_in(page, username)
    open_plan(page, "Alva Ek")
    page.get_by_role("link", name="Signera", exact=True).click()
    page.get_by_label("Ditt lösenord").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Signera", exact=True).click()
    expect(page.get_by_role("status")).to_contain_text("Er enhets del är signerad")
    log_out(page)


def intervention(page: Page, number: int, what: str, unit: str) -> None:
    group = page.get_by_role("group", name=f"Insats {number}")
    group.get_by_label("Insats", exact=True).fill(what)
    group.get_by_label("Ansvarig enhet").select_option(label=unit)


def test_school_counsellor_runs_a_sip_to_a_finalised_plan_and_a_follow_up(page, sip):
    follow_up = (timezone.localdate() + datetime.timedelta(days=90)).isoformat()

    # The counsellor starts the plan with the guardian's consent.
    log_in(page, "kurator")
    page.get_by_role("navigation", name="Huvudmeny").get_by_role("link", name="SIP").click()
    page.get_by_role("link", name="Starta en SIP").click()
    page.get_by_label("Personnummer").fill(sip.child.identity_number)
    page.get_by_label("Vårdnadshavare", exact=True).check()
    page.get_by_label("Namn på vårdnadshavare eller ställföreträdare").fill("Eva Ek")
    page.get_by_label("Relation eller uppdrag").fill("mamma")
    page.get_by_label("Syfte med planen").fill("Samordna stödet i skolan och hemma")
    page.get_by_label("Personens egna mål").fill("Gå i skolan varje dag")
    page.get_by_label("Föreslagen mötestid").fill("2030-05-02T09:00")
    page.get_by_label("Videomöte").check()
    page.get_by_label("Länk eller telefonnummer").fill("https://mote.example/sip")
    page.get_by_label("BUP-mottagningen").check()
    page.get_by_label("Barn och familj").check()
    screenshot(page, "sip-new")
    page.get_by_role("button", name="Starta planen").click()
    expect(page.get_by_role("status")).to_contain_text("Planen är startad")
    expect(page.get_by_test_id("patient-header")).to_contain_text("Alva Ek")
    page.get_by_role("button", name="Skicka kallelsen").click()
    expect(page.get_by_role("status")).to_contain_text("Kallelsen skickades")
    expect(page.get_by_text("Har inte svarat än")).to_contain_text("BUP-mottagningen")
    log_out(page)

    # Both summoned units accept.
    answer_yes(page, "psykolog", "Pia Psykolog, psykolog")
    answer_yes(page, "socsek", "Sam Socsek, socialsekreterare")

    # The counsellor writes the plan with three interventions.
    log_in(page, "kurator")
    open_plan(page, "Alva Ek")
    expect(page.get_by_text("Har inte svarat än")).to_have_count(0)
    page.get_by_role("link", name="Skriv planen").click()
    page.get_by_label("Personens mål").fill("Alva går i skolan varje dag och trivs")
    intervention(page, 1, "Samtal varje vecka", "BUP-mottagningen (Region Testland)")
    intervention(page, 2, "Familjebehandling", "Barn och familj (Testkommun)")
    intervention(page, 3, "Anpassad studiegång", "Elevhälsan Skolan (Testkommun)")
    page.get_by_label("Huvudman med samordningsansvar").select_option(label="Testkommun")
    page.get_by_label("Samordningsansvarig", exact=True).select_option(
        label="Karin Kurator (Elevhälsan Skolan)"
    )
    page.get_by_label("Personens delaktighet och synpunkter").fill("Alva var med och sa sitt")
    page.get_by_label("Datum för uppföljning").fill(follow_up)
    screenshot(page, "sip-edit")
    page.get_by_role("button", name="Spara planen").click()
    expect(page.get_by_role("status")).to_contain_text("Version 1 av planen sparades")
    expect(page.get_by_role("table").filter(has_text="Anpassad studiegång")).to_be_visible()
    log_out(page)

    # Every unit signs its part, each with its password.
    for username in ("kurator", "psykolog", "socsek"):
        sign(page, username)

    # The coordinator finalises after the question.
    log_in(page, "kurator")
    open_plan(page, "Alva Ek")
    page.get_by_role("link", name="Slutjustera").click()
    expect(page.get_by_text("Är det säkert att du vill slutjustera hela planen?")).to_be_visible()
    screenshot(page, "sip-finalise")
    page.get_by_role("button", name="OK").click()
    expect(page.get_by_role("status")).to_contain_text("Planen är slutjusterad")
    expect(page.get_by_role("main")).to_contain_text("slutjusterad och låst")
    screenshot(page, "sip-plan")

    # The person's copy opens as a PDF.
    pdf_link = page.get_by_role("link", name="Planen som PDF")
    response = page.request.get(pdf_link.get_attribute("href"))
    assert response.status == 200
    assert response.headers["content-type"] == "application/pdf"
    assert 5_000 < len(response.body()) < 2_000_000

    # The follow-up makes version 2 from the locked version 1.
    page.get_by_role("link", name="Uppföljning: ny version").click()
    expect(page.get_by_label("Uppföljning", exact=True)).to_be_checked()
    page.get_by_role("button", name="Gör den nya versionen").click()
    expect(page.get_by_role("status")).to_contain_text("Version 2 är gjord")
    expect(page.get_by_role("heading", name="Skriv planen")).to_be_visible()
    page.get_by_role("link", name=re.compile(r"^Plan \d+$")).click()
    expect(page.get_by_role("heading", name="Planen, version 2")).to_be_visible()

    plan = SipPlan.objects.get()
    assert plan.state == PlanState.PLANNING
    assert [(v.number, v.is_locked) for v in plan.versions.order_by("number")] == [
        (1, True),
        (2, False),
    ]
    assert plan.versions.get(number=1).interventions.count() == 3
    assert plan.versions.get(number=1).signatures.count() == 3
