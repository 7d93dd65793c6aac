"""In the browser, the whole discharge journey across three organisations (issue 4, item 11).

The people are the demo's: Anna Lindqvist, nurse on Avdelning 11 Medicin (Region Sörmland);
Elin Johansson, needs assessor in Katrineholms kommun (team Syd, which the area rule gives
the countryside around Valla); Tove Lundin, nurse at Valla Läkarhus vårdcentral, a private
care centre contracted by the region: its own organisation, so the case joins three. The
patient is Gunvor Ahlgren of Valla, listed at that care centre, whom the demo leaves without
a case.

Each person works in a browser context of their own (own cookies and session), at the same
time, as they would at three desks. The clock is set with time-machine: travel() patches
time for the whole process, so the live server's thread sees the same day and hour as the
test, and the 12:00 cut-off and the grace days fall where the test says.
"""

from __future__ import annotations

import datetime
import os
import re
from collections.abc import Callable, Iterator
from decimal import Decimal

import pytest
import time_machine
from django.utils import timezone
from playwright.sync_api import Browser, Page, expect

from samplan.core.actor import Actor
from samplan.core.localtime import local_instant
from samplan.core.message_types import MessageType
from samplan.core.tests.browser import DEFAULT_TIMEOUT_MS
from samplan.demo.builder import build_demo
from samplan.demo.data import DEMO_PASSWORD
from samplan.demo.patients import identity_numbers
from samplan.discharge.models import DailyAmount, DischargeCase
from samplan.discharge.process import CaseState
from samplan.discharge.recipients import propose_recipients
from samplan.discharge.services import case_open, case_send
from samplan.patients.identity import format_identity

pytestmark = pytest.mark.browser

M = MessageType
WARD = "Avdelning 11 Medicin"
ASSESSMENT = "Biståndshandläggning äldre, team Syd"
WARD_CHOICE = f"{WARD} (Region Sörmland)"
ASSESSMENT_CHOICE = f"{ASSESSMENT} (Katrineholms kommun)"
CARE_CENTRE = "Valla Läkarhus vårdcentral"
# Set SAMPLAN_SCREENSHOTS=/tmp to keep pictures of the pages for a look at the design.
SCREENSHOTS = os.environ.get("SAMPLAN_SCREENSHOTS")


def screenshot(page: Page, name: str) -> None:
    if SCREENSHOTS:
        page.screenshot(path=os.path.join(SCREENSHOTS, f"samplan-{name}.png"), full_page=True)


def at(day: datetime.date, hour: int, minute: int = 0) -> datetime.datetime:
    """A Swedish wall-clock time."""
    return local_instant(day, datetime.time(hour, minute))


def wall(moment: datetime.datetime) -> str:
    """A time as a datetime-local input takes it."""
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


@pytest.fixture
def desk(browser: Browser, live_server) -> Iterator[Callable[[], Page]]:
    """Opens another person's browser (own context and cookies), as the `page` fixture does."""
    contexts = []

    def open_page() -> Page:
        context = browser.new_context(
            base_url=live_server.url,
            locale="sv-SE",
            timezone_id="Europe/Stockholm",
            viewport={"width": 1280, "height": 800},
        )
        context.set_default_timeout(DEFAULT_TIMEOUT_MS)
        contexts.append(context)
        return context.new_page()

    yield open_page
    for context in contexts:
        context.close()


def log_in(page: Page, username: str, unit: str | None = None) -> None:
    """Logs in; a person with several units chooses `unit` ("name (organisation)")."""
    page.goto("/konto/logga-in/")
    page.get_by_label("Användarnamn").fill(username)
    page.get_by_label("Lösenord").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Logga in").click()
    if unit is not None:
        main = page.get_by_role("main")
        main.get_by_label("Enhet").select_option(label=unit)
        main.get_by_role("button", name="Välj enhet").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Inkorg: Översikt")


def send_on_case(page: Page, label: str, fields: dict[str, str] | None = None) -> None:
    """From the case page: open the send form `label`, fill it in, send to the proposal."""
    page.get_by_role("region", name="Skicka").get_by_role("link", name=label, exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(label)
    for name, value in (fields or {}).items():
        page.get_by_label(name).fill(value)
    page.get_by_role("button", name="Skicka", exact=True).click()
    expect(page.get_by_role("status").filter(has_text=f"{label} skickades")).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_have_text("Utskrivningsärende")


def open_case_from_overview(page: Page, name: str) -> None:
    """From Översikt (the start page): the case of the patient called `name`."""
    row = page.get_by_test_id("case-row").filter(has_text=name)
    row.get_by_role("rowheader").get_by_role("link").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Utskrivningsärende")


def acknowledge_received(page: Page, identity: str, count: int) -> None:
    """Mottagna: find the patient's messages, tick every one still open, Kvittera valda."""
    page.get_by_role("navigation", name="Huvudmeny").get_by_role(
        "link", name=re.compile(r"^Inkorg")
    ).click()
    page.get_by_role("link", name=re.compile(r"^Mottagna")).click()
    page.get_by_label("Personnummer").fill(identity)
    page.get_by_role("button", name="Sök").click()
    boxes = page.get_by_test_id("delivery-row").get_by_role("checkbox")
    expect(boxes).to_have_count(count)
    for box in boxes.all():
        box.check()
    page.get_by_role("button", name="Kvittera valda").click()
    done = f"{count} meddelanden kvitterade" if count > 1 else "1 meddelande kvitterat"
    expect(page.get_by_role("status").filter(has_text=done)).to_be_visible()


def liability(page: Page):
    return page.get_by_test_id("liability")


def clock(day: datetime.date, hour: int, minute: int = 0):
    """Sets the clock (for the live server too) to a Swedish wall time; it runs on from there."""
    return time_machine.travel(at(day, hour, minute), tick=True)


def test_the_whole_journey_across_three_organisations(page: Page, desk):
    day = timezone.localdate() - datetime.timedelta(days=1)
    ward, assessor, care_centre = page, desk(), desk()

    with clock(day, 8, 0):
        build_demo()
        gunvor = format_identity(identity_numbers()["gunvor"])

        # The ward nurse opens the case and sends the admission notice.
        log_in(ward, "anna.lindqvist", WARD_CHOICE)
        ward.get_by_role("navigation", name="Huvudmeny").get_by_role(
            "link", name="Nytt ärende"
        ).click()
        ward.get_by_label("Personnummer").fill(gunvor)
        ward.get_by_label("Inskriven").fill(wall(at(day, 7, 40)))
        ward.get_by_role("button", name="Öppna ärendet").click()
        expect(ward.get_by_role("status")).to_contain_text("Ärendet är öppnat")
        screenshot(ward, "journey-case-opened")

        ward.get_by_role("region", name="Skicka").get_by_role(
            "link", name="Inskrivningsmeddelande"
        ).click()
        # The router proposes the care centre she is listed at and, by the area rule for
        # the countryside, the needs assessors of team Syd; Varför? tells why.
        proposals = ward.get_by_test_id("proposal")
        expect(proposals).to_have_count(2)
        expect(proposals.nth(0)).to_contain_text(CARE_CENTRE)
        expect(proposals.nth(0)).to_contain_text("Valla Läkarhus AB")
        expect(proposals.nth(1)).to_contain_text(ASSESSMENT)
        proposals.nth(0).get_by_text("Varför?").click()
        expect(proposals.nth(0).get_by_role("listitem")).to_have_text("Listad på vårdcentral")
        proposals.nth(1).get_by_text("Varför?").click()
        expect(proposals.nth(1).get_by_role("listitem")).to_contain_text("641 91–641 99")
        screenshot(ward, "journey-admission-notice")
        ward.get_by_role("button", name="Skicka", exact=True).click()
        expect(ward.get_by_role("status")).to_contain_text(
            "Inskrivningsmeddelande skickades till 2 enheter"
        )

        # The needs assessor sees it as new (red) in Översikt, opens it and acknowledges.
        log_in(assessor, "elin.johansson", ASSESSMENT_CHOICE)
        row = assessor.get_by_test_id("case-row").filter(has_text="Gunvor Ahlgren")
        cell = row.locator('[data-step="admission"]')
        # In words and in red (cell--new), to be acknowledged by today's cut-off.
        expect(cell.get_by_role("link")).to_have_text(re.compile(r"^\W*Ny$"))
        expect(cell).to_contain_text(f"senast {day.isoformat()} 12:00")
        expect(cell.locator(".cell")).to_have_class(re.compile("cell--new"))
        screenshot(assessor, "journey-assessor-overview")
        cell.get_by_role("link").click()
        expect(assessor.get_by_role("heading", level=1)).to_have_text("Inskrivningsmeddelande")
        assessor.get_by_role("button", name="Kvittera").click()
        expect(assessor.get_by_role("status")).to_contain_text("Meddelandet är kvitterat")
        assessor.get_by_role("link", name="Öppna ärendet").click()
        send_on_case(
            assessor,
            "Vårdrapport",
            {
                "Vårdrapport": "Hemtjänst två gånger dagligen före inskrivningen.",
                "Skriven av (namn)": "Elin Johansson",
                "Yrke": "Biståndshandläggare",
            },
        )

        # The care centre (a private provider) acknowledges and appoints the care contact.
        log_in(care_centre, "tove.lundin")
        row = care_centre.get_by_test_id("case-row").filter(has_text="Gunvor Ahlgren")
        row.locator('[data-step="admission"]').get_by_role("link").click()
        care_centre.get_by_role("button", name="Kvittera").click()
        care_centre.get_by_role("link", name="Öppna ärendet").click()
        send_on_case(
            care_centre,
            "Fast vårdkontakt utsedd",
            {
                "Namn på den fasta vårdkontakten": "Tove Lundin",
                "Yrke": "Distriktssköterska",
                "Telefon": "0150-450 12",
            },
        )

    # The doctor judges her ready at 10:15. Sessions end after 30 idle minutes, so each
    # person logs in again when they come back to the case hours later.
    with clock(day, 10, 15):
        log_in(ward, "anna.lindqvist", WARD_CHOICE)
        open_case_from_overview(ward, "Gunvor Ahlgren")
        send_on_case(ward, "Utskrivningsklar")
        # The care contact summons to a SIP meeting.
        log_in(care_centre, "tove.lundin")
        open_case_from_overview(care_centre, "Gunvor Ahlgren")
        send_on_case(
            care_centre,
            "Kallelse till SIP",
            {
                "Föreslagen mötestid": wall(at(day, 13, 30)),
                "Plats, eller video eller telefon": "Avdelning 11, samtalsrummet",
            },
        )

    # Before the 12:00 cut-off each unit works through its new messages in Mottagna.
    with clock(day, 11, 30):
        log_in(ward, "anna.lindqvist", WARD_CHOICE)
        acknowledge_received(ward, gunvor, 3)  # care report, care contact, summons
        log_in(assessor, "elin.johansson", ASSESSMENT_CHOICE)
        acknowledge_received(assessor, gunvor, 3)  # care contact, ready notice, summons
        log_in(care_centre, "tove.lundin")
        acknowledge_received(care_centre, gunvor, 2)  # care report, ready notice

    # Discharged the same afternoon: no day with payment liability.
    with clock(day, 14, 40):
        log_in(ward, "anna.lindqvist", WARD_CHOICE)
        open_case_from_overview(ward, "Gunvor Ahlgren")
        send_on_case(ward, "Utskrivningsmeddelande")
        send_on_case(
            ward,
            "Information vid utskrivning",
            {"Information vid utskrivning": "Läkemedelslista och ordinationer bifogas."},
        )
        steps = ward.get_by_role("region", name="Steg")
        for message_type in (
            M.ADMISSION_NOTICE,
            M.CARE_CONTACT_APPOINTED,
            M.READY_FOR_DISCHARGE,
            M.SIP_SUMMONS,
        ):
            expect(steps.get_by_test_id(f"step-{message_type}")).to_contain_text(
                "Kvitterat av alla mottagare"
            )
        for message_type in (M.DISCHARGE_NOTICE, M.DISCHARGE_INFO):
            expect(steps.get_by_test_id(f"step-{message_type}")).to_contain_text(
                "Skickat, väntar på kvittens"
            )
        # Every delivery so far was acknowledged before its cut-off.
        expect(ward.get_by_text(re.compile(r"inte kvitterad.* i tid"))).to_have_count(0)

        panel = liability(ward)
        # Day 0 is the day of the ready notice (sent before 12:00); the liability would have
        # started after the three grace days, but she went home the same day.
        start = day + datetime.timedelta(days=3)
        expect(panel).to_contain_text(f"dag 0: {day.isoformat()}")
        expect(panel).to_contain_text(f"Betalningsansvar från {start.isoformat()} 00:00")
        expect(panel).to_contain_text("Dagar med betalningsansvar 0")
        expect(panel).to_contain_text("Belopp 0 kr")
        expect(panel).to_contain_text("Patienten skrevs ut innan betalningsansvaret började.")
        screenshot(ward, "journey-discharged")

        ward.get_by_role("link", name="Avsluta ärendet").click()
        ward.get_by_role("button", name="Avsluta ärendet").click()
        expect(ward.get_by_role("status").filter(has_text="Ärendet avslutades")).to_be_visible()
        expect(ward.get_by_role("region", name="Ärendet")).to_contain_text("Avslutat")
        expect(ward.get_by_role("region", name="Skicka")).to_contain_text(
            "Er enhet har inget att skicka"
        )
        screenshot(ward, "journey-closed")

    case = DischargeCase.objects.get(patient__identity_number=gunvor.replace("-", ""))
    assert case.state == CaseState.CLOSED
    assert case.region.name == "Region Sörmland" and case.municipality.name == "Katrineholms kommun"
    organisations = set(case.participants.values_list("unit__organization__name", flat=True))
    assert organisations == {"Region Sörmland", "Katrineholms kommun", "Valla Läkarhus AB"}
    sent = list(case.messages.order_by("sent_at", "pk").values_list("message_type", flat=True))
    assert sent == [
        M.ADMISSION_NOTICE,
        M.CARE_REPORT,
        M.CARE_CONTACT_APPOINTED,
        M.READY_FOR_DISCHARGE,
        M.SIP_SUMMONS,
        M.DISCHARGE_NOTICE,
        M.DISCHARGE_INFO,
    ]


def _send(case, user, unit, message_type, content=None):
    """An earlier step of the stay, sent through the service to the proposed units."""
    return case_send(
        case=case,
        actor=Actor(user=user, unit=unit),
        message_type=message_type,
        recipients=[p.choice() for p in propose_recipients(case, message_type, unit)],
        idempotency_key=f"earlier-{message_type}",
        content=content,
    )


def test_past_the_grace_days_the_case_shows_liable_days_and_amount(page: Page, desk):
    # Day 0 a week and more ago; the liable days in one calendar year, so one amount applies.
    day0 = timezone.localdate() - datetime.timedelta(days=10)
    if (day0 + datetime.timedelta(days=5)).year != day0.year:
        day0 -= datetime.timedelta(days=7)
    admitted = day0 - datetime.timedelta(days=2)
    ward, assessor = page, desk()

    # The start of the stay, through the services: admitted, notified, care contact named.
    with clock(admitted, 8, 30):
        demo = build_demo()
        DailyAmount.objects.update_or_create(year=day0.year, defaults={"amount": Decimal(9300)})
        nurse, ward_unit = demo.users["anna.lindqvist"], demo.units["MSEAVD11"]
        case, _created = case_open(
            actor=Actor(user=nurse, unit=ward_unit),
            patient=demo.patients["gunvor"],
            admitted_at=at(admitted, 7, 50),
            opening_key="grace-days",
        )
        _send(case, nurse, ward_unit, M.ADMISSION_NOTICE, {"ward_phone": "016-10 32 11"})
    with clock(admitted + datetime.timedelta(days=1), 10, 0):
        _send(
            case,
            demo.users["tove.lundin"],
            demo.units["VLHVC"],
            M.CARE_CONTACT_APPOINTED,
            {"name": "Tove Lundin", "profession": "Distriktssköterska", "phone": "0150-450 12"},
        )

    # Day 0, 09:00: the ward sends the ready notice in the browser, before the cut-off.
    with clock(day0, 9, 0):
        log_in(ward, "anna.lindqvist", WARD_CHOICE)
        open_case_from_overview(ward, "Gunvor Ahlgren")
        send_on_case(ward, "Utskrivningsklar")
        expect(liability(ward)).to_contain_text("Fristdagarna har inte gått ut än.")

    # Five days later she is still in hospital: three liable days so far.
    start = day0 + datetime.timedelta(days=3)
    with clock(day0 + datetime.timedelta(days=5), 14, 0):
        log_in(ward, "anna.lindqvist", WARD_CHOICE)
        open_case_from_overview(ward, "Gunvor Ahlgren")
        panel = liability(ward)
        expect(panel).to_contain_text("Dagar med betalningsansvar 3 (hittills)")

        # She goes home at 14:00: the midnights from day 3 to day 5 count.
        send_on_case(ward, "Utskrivningsmeddelande")
        expect(panel).to_contain_text(f"dag 0: {day0.isoformat()}")
        expect(panel).to_contain_text(f"Betalningsansvar från {start.isoformat()} 00:00")
        expect(panel).to_contain_text("Dagar med betalningsansvar 3")
        expect(panel).not_to_contain_text("hittills")
        expect(panel).to_contain_text(re.compile(r"Belopp\s+27\s900\s+kr"))
        expect(panel).not_to_contain_text("Varför kommunen inte betalar")
        screenshot(ward, "journey-liable-days")

        # The municipality, which pays, sees the same figures on the case.
        log_in(assessor, "elin.johansson", ASSESSMENT_CHOICE)
        open_case_from_overview(assessor, "Gunvor Ahlgren")
        expect(liability(assessor)).to_contain_text("Dagar med betalningsansvar 3")
        expect(liability(assessor)).to_contain_text(re.compile(r"Belopp\s+27\s900\s+kr"))
