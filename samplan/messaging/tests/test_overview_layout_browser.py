"""In a real browser: Översikt fits a 1366×768 screen (and uses a 1920 px one) without
sideways scrolling for a ward with its usual columns; rows with something new or overdue are
marked at the row's start."""

import pytest
from django.urls import reverse
from django.utils import timezone

from samplan.core.message_types import MessageType as M
from samplan.testing import TEST_PASSWORD

pytestmark = pytest.mark.browser

LONGEST_NAMES = [
    ("Maria-Christina", "Johansson-Lindqvist"),
    ("Karl-Erik Gustav", "Andersson Wallenberg"),
    ("Anna", "Öberg"),
]

# Everything of the table that must be on screen: its own box and every cell's.
OUTSIDE = """() => {
  const table = document.querySelector(".overview-table");
  const width = document.documentElement.clientWidth;
  const boxes = [table, ...table.querySelectorAll("th, td")];
  return {
    width,
    scrollWidth: document.documentElement.scrollWidth,
    tableRight: table.getBoundingClientRect().right,
    outside: boxes.filter(b => b.getBoundingClientRect().right > width + 0.5).length,
    wrapScrolls: (w => w.scrollWidth > w.clientWidth)(document.querySelector(".table-wrap")),
    content: document.querySelector("main").getBoundingClientRect().width,
  };
}"""


@pytest.fixture
def ward_with_cases(build):
    cast = build.cast
    cases = []
    for index in range(9):
        first, last = LONGEST_NAMES[index % len(LONGEST_NAMES)]
        case, _ = build.admitted(first_name=first, last_name=last)
        build.send(case, M.PLANNING_INFO, content={"needs": "Hemtjänst morgon och kväll"})
        build.send(
            case,
            M.CARE_CONTACT_APPOINTED,
            cast.ward,
            sender=(cast.care_centre_nurse, cast.care_centre),
            content={"name": "Eva Ek", "profession": "Distriktssköterska", "phone": "016-1"},
        )
        cases.append(case)
    return cases


def _log_in_as_ward_nurse(page, cast) -> None:
    page.goto(reverse("accounts:login"))
    page.get_by_label("Användarnamn").fill(cast.ward_nurse.username)
    page.get_by_label("Lösenord").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Logga in").click()
    page.wait_for_url("**" + reverse("discharge:overview"))


@pytest.mark.parametrize(("width", "height"), [(1366, 768), (1920, 1080)])
def test_overview_fits_the_screen(page, build, ward_with_cases, width, height):
    page.set_viewport_size({"width": width, "height": height})
    _log_in_as_ward_nurse(page, build.cast)
    rows = page.get_by_test_id("case-row")
    assert rows.count() == 9
    measured = page.evaluate(OUTSIDE)
    assert measured["outside"] == 0, measured
    assert measured["scrollWidth"] <= measured["width"], measured
    assert not measured["wrapScrolls"], measured
    if width == 1920:
        # The page uses the wide screen (up to its limit) instead of a 1,240 px column.
        assert measured["content"] > 1600, measured
    # Length of stay, and the new care-contact message marked at the row's start.
    newest = ward_with_cases[-1]
    expected = (timezone.localdate() - timezone.localtime(newest.admitted_at).date()).days
    assert rows.first.get_by_test_id("length-of-stay").inner_text() == str(expected)
    first_cell = rows.first.locator("th").first
    marker = first_cell.evaluate("th => getComputedStyle(th).boxShadow")
    assert "inset" in marker
    assert "Ny" in rows.first.locator("td[data-step='care_contact']").inner_text()
