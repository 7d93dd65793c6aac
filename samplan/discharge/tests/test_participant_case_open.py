"""CaseParticipant.case_open, the copy of "the case is open" that Översikt finds a unit's open
cases by: every way a case ends sets it false on all its participations, nothing else does,
and the database keeps it in step with the case whatever changes the case's state."""

import datetime

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from samplan.core.actor import Actor
from samplan.discharge import board, services
from samplan.discharge.forms import ALL_CASES, OPEN_CASES
from samplan.discharge.models import CaseParticipant, DischargeCase
from samplan.discharge.process import CaseState
from samplan.discharge.tests.casekit import M, notify, open_case, send
from samplan.organizations.models import UnitKind
from samplan.patients.testing import PatientFactory
from samplan.testing import UnitFactory, build_cast, user_with_role


def flags(case) -> dict[int, bool]:
    return dict(CaseParticipant.objects.filter(case=case).values_list("unit_id", "case_open"))


@pytest.fixture
def case(cast):
    case = open_case(cast, PatientFactory())
    notify(cast, case)
    return case


def test_participations_of_an_open_case_say_open(cast, case):
    send(cast, case, M.READY_FOR_DISCHARGE)
    assert flags(case) == {cast.ward.pk: True, cast.home_care.pk: True, cast.care_centre.pk: True}


def test_closing_marks_every_participation_also_one_that_ended(cast, case):
    other_ward = UnitFactory(organization=cast.region, kind=UnitKind.HOSPITAL_WARD_SOMATIC)
    other_nurse = user_with_role("ortoped", other_ward)
    services.case_transfer(
        actor=Actor(user=cast.ward_nurse, unit=cast.ward), case=case, to_ward=other_ward
    )
    case.refresh_from_db()
    send(cast, case, M.READY_FOR_DISCHARGE, user=other_nurse, unit=other_ward)
    send(cast, case, M.DISCHARGE_NOTICE, user=other_nurse, unit=other_ward)
    assert all(flags(case).values())
    services.case_close(actor=Actor(user=other_nurse, unit=other_ward), case=case)
    case.refresh_from_db()
    assert case.state == CaseState.CLOSED
    assert flags(case) == dict.fromkeys(
        [cast.ward.pk, other_ward.pk, cast.home_care.pk, cast.care_centre.pk], False
    )


def test_a_refused_close_leaves_the_participations_open(cast, case):
    with pytest.raises(services.CaseError):
        services.case_close(actor=Actor(user=cast.ward_nurse, unit=cast.ward), case=case)
    assert all(flags(case).values())


def test_withdrawal_marks_every_participation_also_those_it_adds(cast, case):
    newcomer = UnitFactory(organization=cast.municipality, kind=UnitKind.HOME_CARE)
    send(
        cast, case, M.CASE_WITHDRAWN, to=[cast.home_care, newcomer], content={"reason": "deceased"}
    )
    assert case.state == CaseState.WITHDRAWN
    assert newcomer.pk in flags(case)
    assert not any(flags(case).values())


def test_a_cancellation_keeps_the_case_open(cast, case):
    ready = send(cast, case, M.READY_FOR_DISCHARGE)
    services.case_cancel_message(
        actor=Actor(user=cast.ward_nurse, unit=cast.ward),
        message=ready,
        reason="Fel",
        idempotency_key="cancel-ready",
    )
    assert all(flags(case).values())


def test_a_unit_joining_a_closed_case_joins_it_closed(cast, case):
    send(cast, case, M.CASE_WITHDRAWN, content={"reason": "deceased"})
    newcomer = UnitFactory(organization=cast.municipality, kind=UnitKind.HOME_CARE)
    actor = Actor(user=cast.ward_nurse, unit=cast.ward)
    assert services.case_participant_join(actor=actor, case=case, unit=newcomer)
    assert flags(case)[newcomer.pk] is False


def _open_list(unit) -> list[int]:
    return list(
        board.overview_filtered(unit, now=timezone.now(), state=OPEN_CASES).values_list(
            "pk", flat=True
        )
    )


def _open_count(unit) -> int:
    (number,) = board._overview_count(unit_id=unit.pk, identity="", state=OPEN_CASES, care_type="")
    return number


def test_overview_finds_open_cases_by_the_flag_the_database_keeps(cast, case):
    closed = open_case(cast, PatientFactory())
    notify(cast, closed)
    send(cast, closed, M.CASE_WITHDRAWN, content={"reason": "deceased"})
    assert _open_list(cast.ward) == [case.pk] and _open_count(cast.ward) == 1
    # The open list reads the flag alone; "all cases" does not, so it lists the closed case too.
    with CaptureQueriesContext(connection) as queries:
        _open_list(cast.ward)
        _open_count(cast.ward)
    assert all("case_open" in query["sql"] for query in queries.captured_queries)
    assert not any('"state"' in query["sql"] for query in queries.captured_queries)
    listed = board.overview_filtered(cast.ward, now=timezone.now(), state=ALL_CASES)
    assert set(listed.values_list("pk", flat=True)) == {case.pk, closed.pk}
    assert "case_open" not in str(listed.query)


@pytest.mark.parametrize("final", [CaseState.CLOSED, CaseState.WITHDRAWN])
def test_the_database_keeps_the_flag_whatever_changes_the_state(cast, case, final):
    """Not only the services: a state set by the admin, a data fix in SQL or a later service
    that forgets moves the participations with it (the trigger of migration discharge 0009,
    on PostgreSQL and on SQLite; a migration that rebuilds the case table on SQLite drops it,
    and this test fails until the trigger is made again)."""
    send(cast, case, M.READY_FOR_DISCHARGE)
    DischargeCase.objects.filter(pk=case.pk).update(state=final)
    assert not any(flags(case).values())
    assert _open_list(cast.ward) == [] and _open_count(cast.ward) == 0
    # Back to an open state (a correction): the flag follows, for every participation.
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE discharge_dischargecase SET state = %s WHERE id = %s",
            [CaseState.DISCHARGED, case.pk],
        )
    assert all(flags(case).values()) and len(flags(case)) == 3
    assert _open_list(cast.home_care) == [case.pk] and _open_count(cast.home_care) == 1
    # A participation that ended follows too, and a save of the whole case keeps them all.
    CaseParticipant.objects.filter(case=case, unit=cast.care_centre).update(left_at=timezone.now())
    case.refresh_from_db()
    case.state = CaseState.CLOSED
    case.save()
    assert flags(case) == dict.fromkeys(
        [cast.ward.pk, cast.home_care.pk, cast.care_centre.pk], False
    )


def test_the_database_keeps_the_admission_copy_too(cast, case):
    later = case.admitted_at + datetime.timedelta(hours=3)
    DischargeCase.objects.filter(pk=case.pk).update(admitted_at=later)
    assert set(
        CaseParticipant.objects.filter(case=case).values_list("case_admitted_at", flat=True)
    ) == {later}


BEFORE = [("discharge", "0006_case_message_link")]
AFTER = [("discharge", "0007_participant_case_open")]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
def test_the_migration_marks_the_participations_of_ended_cases():
    cast = build_cast()
    states = [CaseState.ADMITTED, CaseState.DISCHARGED, CaseState.CLOSED, CaseState.WITHDRAWN]
    _migrate(BEFORE)
    cases = {}
    for state in states:
        case = DischargeCase.objects.create(
            patient=PatientFactory(),
            ward=cast.ward,
            care_type="somatic",
            admitted_at=timezone.now(),
            region=cast.region,
            opened_by=cast.ward_nurse,
            state=state,
        )
        cases[state] = case
        # Written as the old table has it: no case_open column yet.
        with connection.cursor() as cursor:
            for unit in (cast.ward, cast.home_care):
                cursor.execute(
                    "INSERT INTO discharge_caseparticipant (case_id, unit_id, role, joined_at)"
                    " VALUES (%s, %s, %s, %s)",
                    [case.pk, unit.pk, "ward", timezone.now()],
                )
    new = _migrate(AFTER)
    participant = new.get_model("discharge", "CaseParticipant")
    got = {
        (case_id, unit_id): is_open
        for case_id, unit_id, is_open in participant.objects.values_list(
            "case_id", "unit_id", "case_open"
        )
    }
    expected = {
        (cases[state].pk, unit.pk): state in (CaseState.ADMITTED, CaseState.DISCHARGED)
        for state in states
        for unit in (cast.ward, cast.home_care)
    }
    assert got == expected
    _migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
