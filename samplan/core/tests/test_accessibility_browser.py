"""In a real browser: axe-core (from npm) finds no serious or critical violation on the main
pages, as the ward nurse, the municipal unit, the SIP parties, the local administrator, the log
reviewer and the report viewer see them."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from samplan.accounts.models import Role
from samplan.discharge.testing import Builder
from samplan.sip.tests.conftest import accept_all, sip, start, summon, write  # noqa: F401
from samplan.testing import TEST_PASSWORD, user_with_role

pytestmark = pytest.mark.browser

AXE = Path(settings.BASE_DIR) / "node_modules" / "axe-core" / "axe.min.js"
SERIOUS = ("serious", "critical")


def log_in(page, user, unit_name: str | None = None) -> None:
    page.goto(reverse("accounts:login"))
    page.get_by_label("Användarnamn").fill(user.username)
    page.get_by_label("Lösenord").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Logga in").click()
    page.wait_for_load_state()
    if unit_name and "valj-enhet" in page.url:
        page.get_by_label(unit_name).check()
        page.get_by_role("button", name="Välj enhet").click()
        page.wait_for_load_state()


def violations(page) -> list[dict]:
    """axe-core's serious and critical findings on the page as it is now."""
    if not AXE.exists():
        pytest.fail(f"{AXE} is missing; `make install` runs npm install (axe-core).")
    # Through the DevTools protocol, not a <script> tag: the pages' CSP forbids inline scripts.
    page.evaluate(AXE.read_text() + "\n;undefined")
    found = page.evaluate(
        """async () => (await axe.run(document, {resultTypes: ["violations"]})).violations
            .map(v => ({id: v.id, impact: v.impact,
                        nodes: v.nodes.slice(0, 3).map(n => n.target.join(" "))}))"""
    )
    return [v for v in found if v["impact"] in SERIOUS]


def check(page, path: str) -> None:
    page.goto(path)
    page.wait_for_load_state()
    assert violations(page) == [], path


def test_login_page(page):
    check(page, reverse("accounts:login"))


def test_the_ward_and_the_municipal_units_pages(page, cast):
    build = Builder(cast)
    case, message = build.admitted(first_name="Alma", last_name="Andersson")
    log_in(page, cast.ward_nurse)
    for path in (
        reverse("discharge:overview"),
        reverse("messaging:received"),
        reverse("messaging:sent"),
        reverse("discharge:case_detail", args=[case.pk]),
        reverse("help:manual", args=["avdelning"]),
    ):
        check(page, path)
    page.context.clear_cookies()
    log_in(page, cast.home_care_nurse)
    check(page, reverse("messaging:message_detail", args=[message.pk]))
    # With the forward and return parts open, and after acknowledging.
    page.get_by_text("Returnera (felsänt)", exact=True).first.click()
    assert violations(page) == []
    page.get_by_role("button", name="Kvittera").click()
    page.wait_for_load_state()
    # The keyboard focus is on the status line that says it is done, not on the page body.
    page.wait_for_function("document.activeElement && document.activeElement.id === 'status-line'")
    assert "kvitterat" in page.locator("#status-line").inner_text()
    assert violations(page) == []


def test_the_sip_plan_page(page, sip):  # noqa: F811
    plan = start(sip)
    summon(sip, plan)
    accept_all(sip, plan)
    write(sip, plan)
    log_in(page, sip.psychologist)
    check(page, reverse("sip:detail", kwargs={"plan_id": plan.pk}))
    check(page, reverse("sip:list"))
    page.context.clear_cookies()
    log_in(page, sip.counsellor)
    check(page, reverse("sip:units", kwargs={"plan_id": plan.pk}))


def test_administration_log_review_and_reports(page, cast):
    log_in(page, cast.municipal_local_admin)
    check(page, reverse("administration:index"))
    page.context.clear_cookies()
    reviewer = user_with_role("granskare", cast.home_care, Role.LOG_REVIEWER)
    log_in(page, reviewer)
    check(page, reverse("logreview:search"))
    page.context.clear_cookies()
    viewer = user_with_role("rapportlasare", cast.home_care, Role.REPORT_VIEWER)
    log_in(page, viewer)
    check(page, reverse("reports:index"))
    check(page, reverse("reports:liability"))
    check(page, reverse("reports:acknowledgements"))
