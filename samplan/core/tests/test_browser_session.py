"""In the browser, as a person works: log in, choose and switch unit, Telefonlista, log out."""

import os
import re

import pytest
from playwright.sync_api import Page, expect

from samplan.demo.builder import build_demo
from samplan.demo.data import DEMO_PASSWORD

pytestmark = pytest.mark.browser

LOGIN = "/konto/logga-in/"
# Set SAMPLAN_SCREENSHOTS=/tmp to keep pictures of the pages for a look at the design.
SCREENSHOTS = os.environ.get("SAMPLAN_SCREENSHOTS")


def screenshot(page: Page, name: str) -> None:
    if SCREENSHOTS:
        page.screenshot(path=os.path.join(SCREENSHOTS, f"samplan-{name}.png"))


def log_in(page: Page, username: str, password: str) -> None:
    page.goto(LOGIN)
    page.get_by_label("Användarnamn").fill(username)
    page.get_by_label("Lösenord").fill(password)
    page.get_by_role("button", name="Logga in").click()


def test_nurse_on_two_wards_chooses_switches_finds_a_phone_number_and_logs_out(page):
    build_demo()
    log_in(page, "anna.lindqvist", DEMO_PASSWORD)

    expect(page.get_by_role("heading", name="Välj enhet att logga in på")).to_be_visible()
    screenshot(page, "choose-unit")
    # Until a unit is chosen, the header offers no second unit picker.
    expect(page.get_by_role("banner").get_by_label("Byt enhet")).to_have_count(0)
    main = page.get_by_role("main")
    main.get_by_label("Enhet").select_option(label="Avdelning 12 Hjärtmedicin (Region Sörmland)")
    main.get_by_role("button", name="Välj enhet").click()

    header = page.get_by_role("banner")
    expect(header).to_contain_text("Anna Lindqvist")
    expect(header).to_contain_text("Avdelning 12 Hjärtmedicin")
    # A ward nurse's start page is the unit's daily work screen.
    expect(page.get_by_role("heading", level=1)).to_have_text("Inkorg: Översikt")

    header.get_by_label("Byt enhet").select_option(label="Avdelning 11 Medicin (Region Sörmland)")
    header.get_by_role("button", name="Byt", exact=True).click()
    expect(page.get_by_role("status")).to_contain_text("Du arbetar nu i Avdelning 11 Medicin")
    expect(header).to_contain_text("Avdelning 11 Medicin")
    expect(header.get_by_test_id("current-unit")).to_contain_text("Avdelning 11 Medicin")
    screenshot(page, "start")

    page.get_by_role("navigation", name="Huvudmeny").get_by_role(
        "link", name="Telefonlista"
    ).click()
    expect(page.get_by_role("heading", name="Telefonlista")).to_be_visible()
    screenshot(page, "telefonlista")
    page.get_by_label("Sök enhet, telefon eller HSA-id").fill("lövås")
    page.get_by_role("button", name="Sök").click()
    table = page.get_by_role("table")
    row = table.get_by_role("row", name=re.compile("Lövåsgården"))
    expect(row).to_contain_text("0150-574 10")
    expect(row).to_contain_text("Katrineholms kommun")
    expect(table.get_by_role("row")).to_have_count(2)  # the heading row and Lövåsgården

    page.get_by_label("Sök enhet, telefon eller HSA-id").fill("")
    page.get_by_label("Organisation").select_option(label="Region Sörmland")
    page.get_by_label("Typ av enhet").select_option(label="Vårdcentral")
    page.get_by_role("button", name="Sök").click()
    expect(
        table.get_by_role("row", name=re.compile("Vårdcentralen Katrineholm Norr"))
    ).to_be_visible()
    expect(table).not_to_contain_text("Lövåsgården")

    page.get_by_role("button", name="Logga ut").click()
    expect(page.get_by_role("heading", name="Logga in i samplan")).to_be_visible()
    expect(page.get_by_role("status")).to_contain_text("Du är utloggad")
    page.goto("/telefonlista/")
    expect(page).to_have_url(re.compile(r"/konto/logga-in/"))


def test_a_failed_login_says_so_in_swedish(page):
    build_demo()
    log_in(page, "anna.lindqvist", "Fel-lösen1")
    expect(page.get_by_role("alert")).to_have_text("Fel användarnamn eller lösenord.")
    screenshot(page, "login-failed")
    expect(page.get_by_label("Användarnamn")).to_have_value("anna.lindqvist")
    expect(page.get_by_role("banner")).not_to_contain_text("Anna Lindqvist")
