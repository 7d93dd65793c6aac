"""Översikt: one row per case the unit takes part in, cells per step, filters, search,
sorting, paging, the access log, and a fixed number of queries; the SQL of "overdue only"
agrees with the cell function."""

import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from samplan.auditlog.models import AccessLogEntry
from samplan.core.message_types import MessageType
from samplan.discharge import board
from samplan.discharge.board_cells import has_overdue
from samplan.discharge.forms import ALL_CASES
from samplan.discharge.models import DischargeCase
from samplan.messaging.models import Delivery, DeliveryState
from samplan.organizations.models import Agreement

STOCKHOLM = ZoneInfo("Europe/Stockholm")
M = MessageType


def url(**params):
    query = "&".join(f"{k}={v}" for k, v in params.items())
    return reverse("discharge:overview") + (f"?{query}" if query else "")


def rows(html):
    return html.count('data-testid="case-row"')


def local(*args):
    return datetime.datetime(*args, tzinfo=STOCKHOLM)


@pytest.fixture(autouse=True)
def _long_sessions(settings):
    settings.SESSION_IDLE_MINUTES = 100_000


def test_one_row_per_case_with_patient_ward_and_cells(client, cast, login_as, build):
    case, _ = build.admitted(first_name="Alma", last_name="Andersson")
    build.case(first_name="Bertil", last_name="Berg")  # no notice yet: only the ward takes part
    login_as(cast.home_care_nurse, cast.home_care)
    html = client.get(url()).content.decode()
    assert rows(html) == 1
    assert "Alma Andersson" in html and "Bertil" not in html
    assert case.patient.identity_display in html and "Avd 1 Medicin" in html
    assert case.admitted_at.astimezone(STOCKHOLM).strftime("%Y-%m-%d") in html
    admission = html[html.index('data-step="admission"') :]
    assert "cell--new" in admission[:300] and "Ny" in admission[:300]
    client.logout()
    login_as(cast.ward_nurse, cast.ward)
    html = client.get(url()).content.decode()
    assert rows(html) == 2 and "Skickat" in html and "Ska skickas" in html


def test_other_units_and_organisations_see_no_rows(client, cast, login_as, build):
    build.admitted(first_name="Alma", last_name="Andersson")
    login_as(cast.outsider, cast.outsider_unit)
    html = client.get(url()).content.decode()
    assert rows(html) == 0 and "Alma" not in html and "Inga ärenden." in html
    assert not AccessLogEntry.objects.exists()


def test_filters_state_care_type_search_and_sort(client, cast, login_as, build):
    build.admitted(first_name="Alma", last_name="Östberg")
    psych, _ = build.admitted(first_name="Bertil", last_name="Andersson")
    withdrawn, _ = build.admitted(
        identity_number="191212121212", first_name="Cilla", last_name="Berg"
    )
    DischargeCase.objects.filter(pk=psych.pk).update(care_type="psychiatric")
    DischargeCase.objects.filter(pk=withdrawn.pk).update(state="withdrawn")
    login_as(cast.home_care_nurse, cast.home_care)
    assert rows(client.get(url()).content.decode()) == 2  # open cases by default
    assert rows(client.get(url(state="all")).content.decode()) == 3
    html = client.get(url(state="withdrawn")).content.decode()
    assert rows(html) == 1 and "Cilla" in html
    html = client.get(url(care_type="psychiatric")).content.decode()
    assert rows(html) == 1 and "Bertil" in html
    html = client.get(url(sort="name")).content.decode()
    assert html.index("Andersson") < html.index("Östberg")
    response = client.post(url(state="all"), {"identity": "19121212-1212"})
    html = client.get(response.url).content.decode()
    assert rows(html) == 1 and "Cilla" in html
    # Nonsense in the address is ignored.
    assert rows(client.get(url(state="x", sort="y", care_type="z")).content.decode()) == 2


def test_page_size_and_log_rows(client, cast, login_as, build):
    for _ in range(22):
        build.admitted()
    login_as(cast.home_care_nurse, cast.home_care)
    with CaptureQueriesContext(connection) as queries:
        html = client.get(url()).content.decode()
    assert rows(html) == 20
    # The first page's query counts the whole list too (no COUNT query of its own): the open
    # list read in order with a subquery, the others with a window; a later page asks for the
    # count on its own, with the same answer.
    assert "<caption>22 " in html
    counts = [q["sql"] for q in queries if "COUNT(" in q["sql"] and "dischargecase" in q["sql"]]
    assert len(counts) == 1 and "LIMIT" in counts[0] and "OVER" not in counts[0]
    assert (
        AccessLogEntry.objects.filter(
            detail="list_page|list=overview&page=1", action="view"
        ).count()
        == 20
    )
    html = client.get(url(page=2)).content.decode()
    assert rows(html) == 2 and "<caption>22 " in html
    assert AccessLogEntry.objects.filter(detail="list_page|list=overview&page=2").count() == 2
    assert rows(client.get(url(size=50)).content.decode()) == 22
    with CaptureQueriesContext(connection) as queries:
        html = client.get(url(state="all")).content.decode()
    assert rows(html) == 20 and "<caption>22 " in html
    counts = [q["sql"] for q in queries if "COUNT(" in q["sql"] and "dischargecase" in q["sql"]]
    assert len(counts) == 1 and "OVER" in counts[0]


def _count(client, **params):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url(size=50, **params))
    assert response.status_code == 200
    return len(queries), rows(response.content.decode())


@pytest.mark.parametrize("params", [{}, {"overdue": "on", "state": "all"}])
def test_a_fixed_number_of_queries_whatever_the_cases(client, cast, login_as, build, params):
    for _ in range(5):
        case, _ = build.admitted()
        build.send(case, M.PLANNING_INFO, cast.home_care)
    login_as(cast.home_care_nurse, cast.home_care)
    client.get(url())
    Delivery.objects.update(due_at=local(2020, 1, 1, 12))  # all overdue: every row shows
    few, shown = _count(client, **params)
    assert shown == 5
    for _ in range(45):
        case, _ = build.admitted()
        build.send(case, M.PLANNING_INFO, cast.home_care)
    Delivery.objects.update(due_at=local(2020, 1, 1, 12))
    many, shown = _count(client, **params)
    assert shown == 50 and many == few


# --- "Overdue only" in SQL agrees with the cells ---------------------------------------------

MONDAY = local(2030, 3, 4, 8, 0)
NOW_TUESDAY = local(2030, 3, 5, 10, 0)
NOW_FRIDAY = local(2030, 3, 8, 10, 0)


def _acknowledge_all(cast, *cases, keep=()):
    for delivery in Delivery.objects.filter(message__case_link__case__in=cases).exclude(
        pk__in=keep
    ):
        Delivery.objects.filter(pk=delivery.pk).update(
            state=DeliveryState.ACKNOWLEDGED, acknowledged_at=delivery.arrived_at
        )


@pytest.fixture
def scenario(cast, build):
    """Cases whose overdue items fall on different units at different times."""
    Agreement.objects.create(
        region=cast.region,
        municipality=cast.other_municipality,
        valid_from=datetime.date(2030, 1, 1),
        admission_notice_hours=48,
    )
    cases = {}
    with time_machine.travel(MONDAY, tick=False):
        admitted = MONDAY - datetime.timedelta(hours=1)
        # A: the ward has not sent the admission notice (24 h).
        cases["A"] = build.case(admitted_at=admitted)
        # C: the same, under an agreement that gives 48 hours.
        cases["C"] = build.case(admitted_at=admitted, registered_municipality="0484")
        for name in "BDEF":
            cases[name] = build.case(admitted_at=admitted)
    with time_machine.travel(local(2030, 3, 4, 9, 0), tick=False):
        notices = {name: build.send(cases[name]) for name in "BDEF"}
    with time_machine.travel(local(2030, 3, 4, 10, 0), tick=False):
        # D: ready, SIP needed; the care centre must summon by Thursday's end.
        build.send(cases["D"], M.READY_FOR_DISCHARGE)
        DischargeCase.objects.filter(pk=cases["D"].pk).update(sip_needed=True)
    with time_machine.travel(local(2030, 3, 4, 14, 0), tick=False):
        # E: discharged on Monday without the information at discharge.
        build.send(cases["E"], M.DISCHARGE_NOTICE)
    # B: home care has not acknowledged its admission notice (due Monday 12:00).
    late = Delivery.objects.get(message=notices["B"], unit=cast.home_care)
    _acknowledge_all(cast, *cases.values(), keep=[late.pk])
    return cases


def _overdue_by_sql(unit, now):
    return set(
        board.overview_filtered(unit, now=now, state=ALL_CASES, overdue=True).values_list(
            "pk", flat=True
        )
    )


def _overdue_by_cells(unit, now):
    cases = board.listed_cases(
        board.listed_columns(board.overview_filtered(unit, now=now, state=ALL_CASES))
    )
    return {row.case.pk for row in board.overview_rows(unit, cases, now) if has_overdue(row.cells)}


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (NOW_TUESDAY, {"ward": "AE", "home_care": "B", "care_centre": ""}),
        (NOW_FRIDAY, {"ward": "ACE", "home_care": "B", "care_centre": "D"}),
    ],
)
def test_overdue_only_agrees_with_the_cells(cast, scenario, now, expected):
    for unit_name, names in expected.items():
        unit = getattr(cast, unit_name)
        wanted = {scenario[name].pk for name in names}
        assert _overdue_by_cells(unit, now) == wanted, unit_name
        assert _overdue_by_sql(unit, now) == wanted, unit_name


def test_overdue_only_on_the_page(client, cast, login_as, scenario):
    with time_machine.travel(NOW_TUESDAY, tick=False):
        login_as(cast.ward_nurse, cast.ward)
        html = client.get(url(overdue="on")).content.decode()
        assert rows(html) == 2 and html.count('row--overdue"') == 2
        assert "Försenad" in html
        assert rows(client.get(url()).content.decode()) == 6


def test_the_pages_messages_and_deliveries_are_read_by_compiled_queries(
    client, cast, login_as, build
):
    """overview_rows' read is prepared: a page of cases puts its ids into SQL compiled once
    per number of cases (not compiled again per page), with the same rows."""
    from samplan.core.prepared import _NOT_CACHED

    for _ in range(3):
        case, _ = build.admitted()
        build.send(case, M.PLANNING_INFO, cast.home_care)
    login_as(cast.home_care_nurse, cast.home_care)
    html = client.get(url()).content.decode()
    # New for home care: each case's admission notice and planning information.
    assert rows(html) == 3 and html.count('cell cell--new"') == 6
    for run in (board._page_messages,):
        plans = [plan for shape in run.shapes.values() for plan in shape.plans.values()]
        assert plans and all(plan is not _NOT_CACHED for plan in plans), run.__qualname__


# --- The rows' patients are column values: the same display and log as a Patient ------------


@pytest.mark.parametrize("language", ["sv", "en"])
def test_listed_patients_display_as_their_patients(cast, build, language):
    """Översikt reads each case's patient as column values (ListedPatient), not a Patient:
    patient_display gives the same PatientDisplay from both, and the access log reads the
    same id and protection."""
    from django.utils import translation

    from samplan.auditlog.subjects import subjects
    from samplan.patients.display import patient_display
    from samplan.patients.identity import IdentityKind
    from samplan.patients.models import Patient, Protection

    build.case(first_name="Alma", last_name="Andersson", listed_care_centre=cast.care_centre)
    build.case(
        first_name="Bo", protection=Protection.PROTECTED_REGISTRATION, listed_care_centre=None
    )
    build.case(
        identity_number="991234567890",
        identity_kind=IdentityKind.RESERVE,
        birth_date=None,
        postal_code="",
    )
    build.case(
        identity_number="191212721212",
        identity_kind=IdentityKind.COORDINATION,
        birth_date=None,
        city="",
    )
    with translation.override(language):
        listed = board.listed_cases(
            board.listed_columns(
                board.overview_filtered(cast.ward, now=None, state=ALL_CASES, sort="oldest")
            )
        )
        assert len(listed) == 4
        for case in listed:
            patient = Patient.objects.get(pk=case.patient.pk)
            for participant in (True, False):
                assert patient_display(case.patient, participant=participant) == patient_display(
                    patient, participant=participant
                )
            assert subjects().is_protected(case.patient) == subjects().is_protected(patient)
            assert case.patient.pk == DischargeCase.objects.get(pk=case.pk).patient_id
