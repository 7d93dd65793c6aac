"""In the browser: a municipal local administrator imports a residence list with one bad row,
imports only the good rows, and sees the routing simulator's answer change."""

from __future__ import annotations

import datetime
import os
import re
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import Locator, Page, expect

from samplan.addressing.models import ResidenceEntry
from samplan.demo.builder import build_demo
from samplan.demo.data import DEMO_PASSWORD
from samplan.demo.patients import WOMAN, identity_numbers, skatteverket_test_number
from samplan.patients.identity import format_identity

pytestmark = pytest.mark.browser

# Set SAMPLAN_SCREENSHOTS=/tmp to keep pictures of the pages for a look at the design.
SCREENSHOTS = os.environ.get("SAMPLAN_SCREENSHOTS")


def screenshot(page: Page, name: str) -> None:
    if SCREENSHOTS:
        page.screenshot(path=os.path.join(SCREENSHOTS, f"samplan-{name}.png"), full_page=True)


def log_in(page: Page, username: str) -> None:
    page.goto("/konto/logga-in/")
    page.get_by_label("Användarnamn").fill(username)
    page.get_by_label("Lösenord").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Logga in").click()


def open_register(page: Page) -> None:
    page.get_by_role("navigation", name="Huvudmeny").get_by_role(
        "link", name="Adresseringsregister"
    ).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Adresseringsregister")


def simulate(page: Page, personnummer: str) -> Locator:
    """Runs the simulator for an admission notice today; returns the result section."""
    open_register(page)
    page.get_by_role("link", name="Adresseringssimulator").click()
    page.get_by_label("Personnummer").fill(personnummer)
    page.get_by_label("Meddelandetyp").select_option(label="Inskrivningsmeddelande")
    page.get_by_role("button", name="Visa mottagare").click()
    result = page.get_by_role("region", name=re.compile("Mottagare den"))
    expect(result).to_be_visible()
    return result


def test_admin_imports_a_residence_list_with_a_bad_row_and_the_routing_changes(
    page: Page, tmp_path: Path
):
    build_demo()
    today = timezone.localdate()
    moved_in = today - datetime.timedelta(days=7)
    # Göte Larsson lives at home: listed at a care centre, reached by the area rule.
    gote = format_identity(identity_numbers()["gote"])
    newcomer = format_identity(skatteverket_test_number(datetime.date(1944, 4, 4), WOMAN))
    mistyped = gote[:-1] + str((int(gote[-1]) + 1) % 10)  # wrong check digit

    log_in(page, "annika.persson")
    result = simulate(page, gote)
    # The reasons are folded away ("Varför?"), so only the proposed units are list items.
    proposed = result.get_by_role("listitem")
    expect(proposed).to_have_count(2)
    expect(proposed.nth(0)).to_contain_text("Vårdcentralen Katrineholm Norr")
    expect(proposed.nth(1)).to_contain_text("Mottagningsenheten vård och omsorg")
    screenshot(page, "simulator-before-import")

    csv_file = tmp_path / "boendelista-strandgarden.csv"
    csv_file.write_text(
        "enhet;personnummer;inflyttning;utflyttning\n"
        f"Strandgården;{gote};{moved_in.isoformat()};\n"
        f"Strandgården;{mistyped};{moved_in.isoformat()};\n"
        f"Furuliden;{newcomer};{moved_in.isoformat()};\n",
        encoding="utf-8",
    )
    open_register(page)
    page.get_by_role("link", name="Importera från fil").click()
    page.get_by_label("Register").select_option(label="Boendelista")
    page.get_by_label("Fil (CSV eller XLSX)").set_input_files(csv_file)
    page.get_by_role("button", name="Kontrollera filen").click()

    expect(page.get_by_role("heading", level=1)).to_contain_text("boendelista-strandgarden.csv")
    bad_rows = page.get_by_role("region", name="Rader som inte kan importeras")
    rows = bad_rows.get_by_role("row")
    expect(rows).to_have_count(2)  # the heading row and line 3
    bad = rows.nth(1)
    expect(bad.get_by_role("rowheader")).to_have_text("3")
    expect(bad.get_by_role("cell")).to_contain_text(
        "Kontrollsiffran (den sista siffran) stämmer inte"
    )
    screenshot(page, "import-checked")
    assert not ResidenceEntry.objects.filter(identity_number=gote.replace("-", "")).exists()

    page.get_by_role("button", name="Importera bara de 2 godkända raderna").click()
    progress = page.get_by_role("status").filter(has_text="Importerad")
    expect(progress).to_contain_text("2 nya, 0 med ändrat slutdatum, 0 fanns redan i registret")
    expect(page.get_by_role("button", name=re.compile("Importera bara"))).to_have_count(0)
    screenshot(page, "import-done")

    result = simulate(page, gote)
    proposed = result.get_by_role("listitem")
    expect(proposed).to_have_count(3)
    first = proposed.first
    expect(first).to_contain_text("Strandgården")
    expect(proposed.nth(1)).to_contain_text("Vårdcentralen Katrineholm Norr")
    first.get_by_text("Varför?").click()
    expect(first.get_by_role("listitem")).to_have_text(
        f"Boendelista: bor på Strandgården sedan {moved_in.isoformat()}"
    )
    screenshot(page, "simulator-after-import")
    entries = ResidenceEntry.objects.filter(moved_in=moved_in).select_related("unit", "created_by")
    assert {(e.identity_display, e.unit.name) for e in entries} == {
        (gote, "Strandgården"),
        (newcomer, "Furuliden"),
    }
    assert {e.created_by.username for e in entries} == {"annika.persson"}
