"""CaseParticipant.case_admitted_at, the copy of the case's admission time that Översikt's
open list is read in order by: every participation carries it, the list's order is the case's
own (newest or oldest admission first, ties by case), and the migration fills it in."""

import datetime

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from samplan.core.actor import Actor
from samplan.discharge import board, services
from samplan.discharge.forms import OPEN_CASES, OverviewSort
from samplan.discharge.models import CaseParticipant, DischargeCase
from samplan.discharge.process import CaseState
from samplan.discharge.tests.casekit import M, notify, open_case, send
from samplan.organizations.models import UnitKind
from samplan.patients.testing import PatientFactory
from samplan.testing import UnitFactory, build_cast, user_with_role


def carried(case) -> set:
    return set(CaseParticipant.objects.filter(case=case).values_list("case_admitted_at", flat=True))


def test_every_way_of_taking_part_carries_the_cases_admission(cast):
    case = open_case(cast, PatientFactory(), hours_ago=30)
    notify(cast, case)
    newcomer = UnitFactory(organization=cast.municipality, kind=UnitKind.HOME_CARE)
    send(cast, case, M.PLANNING_INFO, to=[newcomer])
    other_ward = UnitFactory(organization=cast.region, kind=UnitKind.HOSPITAL_WARD_SOMATIC)
    user_with_role("ortoped", other_ward)
    services.case_transfer(
        actor=Actor(user=cast.ward_nurse, unit=cast.ward), case=case, to_ward=other_ward
    )
    joined = UnitFactory(organization=cast.municipality, kind=UnitKind.HOME_CARE)
    services.case_participant_join(
        actor=Actor(user=cast.ward_nurse, unit=other_ward), case=case, unit=joined
    )
    units = set(CaseParticipant.objects.filter(case=case).values_list("unit_id", flat=True))
    assert {cast.ward.pk, other_ward.pk, newcomer.pk, joined.pk, cast.home_care.pk} <= units
    assert carried(case) == {case.admitted_at}


def _listed(unit, sort: str) -> list[int]:
    rows = board._overview_first_rows(
        unit_id=unit.pk, identity="", limit=50, state=OPEN_CASES, sort=sort
    )
    assert {row[-1] for row in rows} == {len(rows)}  # each row ends with the list's number
    return [row[0] for row in rows]


def test_the_open_list_keeps_the_cases_order_ties_included(cast):
    now = timezone.now().replace(microsecond=0)
    admissions = [5, 1, 3, 3, 8, 1, 2]  # hours ago, with ties
    cases = []
    for hours in admissions:
        case = open_case(cast, PatientFactory())
        DischargeCase.objects.filter(pk=case.pk).update(
            admitted_at=now - datetime.timedelta(hours=hours)
        )
        CaseParticipant.objects.filter(case=case).update(
            case_admitted_at=now - datetime.timedelta(hours=hours)
        )
        cases.append(case.pk)
    closed = open_case(cast, PatientFactory(), hours_ago=4)
    notify(cast, closed)
    send(cast, closed, M.CASE_WITHDRAWN, content={"reason": "deceased"})
    own = DischargeCase.objects.filter(pk__in=cases)
    newest = list(own.order_by("-admitted_at", "-pk").values_list("pk", flat=True))
    oldest = list(own.order_by("admitted_at", "pk").values_list("pk", flat=True))
    assert _listed(cast.ward, OverviewSort.NEWEST) == newest
    assert _listed(cast.ward, OverviewSort.OLDEST) == oldest
    # The lists read in order are ordered by the participation's copy, the others are not.
    listed = board.overview_filtered(cast.ward, now=now, state=OPEN_CASES)
    assert "case_admitted_at" in str(listed.query).rsplit("ORDER BY", 1)[1]
    by_name = board.overview_filtered(cast.ward, now=now, sort=OverviewSort.NAME)
    assert "case_admitted_at" not in str(by_name.query)
    everything = board.overview_filtered(cast.ward, now=now, state="all")
    assert "case_admitted_at" not in str(everything.query)
    assert closed.pk in everything.values_list("pk", flat=True)


BEFORE = [("discharge", "0007_participant_case_open")]
AFTER = [("discharge", "0008_participant_case_admitted_at")]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
def test_the_migration_copies_each_cases_admission():
    cast = build_cast()
    _migrate(BEFORE)
    admitted = {}
    for days, state in ((1, CaseState.ADMITTED), (40, CaseState.CLOSED), (3, CaseState.READY)):
        case = DischargeCase.objects.create(
            patient=PatientFactory(),
            ward=cast.ward,
            care_type="somatic",
            admitted_at=timezone.now() - datetime.timedelta(days=days),
            region=cast.region,
            opened_by=cast.ward_nurse,
            state=state,
        )
        admitted[case.pk] = case.admitted_at
        # Written as the old table has it: no case_admitted_at column yet.
        with connection.cursor() as cursor:
            for unit in (cast.ward, cast.home_care):
                cursor.execute(
                    "INSERT INTO discharge_caseparticipant (case_id, unit_id, role, joined_at)"
                    " VALUES (%s, %s, %s, %s)",
                    [case.pk, unit.pk, "ward", timezone.now()],
                )
    new = _migrate(AFTER)
    participant = new.get_model("discharge", "CaseParticipant")
    got = participant.objects.values_list("case_id", "case_admitted_at")
    assert len(got) == 6
    assert all(at == admitted[case_id] for case_id, at in got)
    _migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
