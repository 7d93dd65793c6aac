"""Every list that shows a patient writes its access-log rows (issue 17).

The object-page walker (test_logging_coverage.py) covers URLs that name one object. This one
covers the rest: every URL of the project without parameters (the lists, searches, boards,
registers, reports, Django's admin), opened by GET as each user of a small world in which
marked patients have cases with messages, SIP plans, patient filters and residence entries.
Wherever a page shows a marked patient (by name or personnummer), the same request must have
written an access-log row naming that patient, by that user and unit. A page that shows a
person without one fails the test, whichever app it is in and whoever added it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from django.urls import reverse

from samplan.auditlog.models import AccessLogEntry
from samplan.auditlog.tests.test_logging_coverage import _case, _sip_plan, _walk
from samplan.patients.identity import format_identity
from samplan.patients.models import Patient
from samplan.testing import Cast

MARK = "Listvandrare"

# Lists that must show a marked patient to someone in the world below: proof that the walk
# reaches them (a walker that sees no patient anywhere would pass for nothing).
MUST_SHOW = {
    "discharge:overview",
    "messaging:received",
    "messaging:sent",
    "sip:list",
    "addressing:filters",
}


@dataclass(frozen=True)
class Seat:
    user: Any
    unit: Any | None


def _mark(patient: Patient) -> Patient:
    patient.last_name = f"{MARK}{patient.pk}"
    patient.save(update_fields=["last_name"])
    return patient


def _world(cast: Cast) -> tuple[list[Seat], list[Patient]]:
    from django.utils import timezone

    from samplan.addressing.models import PatientFilter, ResidenceEntry
    from samplan.organizations.models import UnitKind
    from samplan.patients.testing import PatientFactory

    patients = []
    case, _ = _case(cast)
    patients.append(_mark(case.patient))
    discharged, _ = _case(cast, discharged=True)
    patients.append(_mark(discharged.patient))
    plan, counsellor, school = _sip_plan(cast, summoned=True)
    patients.append(_mark(plan.patient))
    today = timezone.localdate()
    filtered = _mark(PatientFactory())
    PatientFilter.objects.create(
        unit=cast.home_care, identity_number=filtered.identity_number, valid_from=today
    )
    nursing_home = cast.provider_unit
    nursing_home.kind = UnitKind.NURSING_HOME
    nursing_home.save()
    resident = _mark(PatientFactory())
    ResidenceEntry.objects.create(
        unit=nursing_home, identity_number=resident.identity_number, moved_in=today
    )
    patients += [filtered, resident]
    seats = [
        Seat(cast.ward_nurse, cast.ward),
        Seat(cast.home_care_nurse, cast.home_care),
        Seat(cast.care_centre_nurse, cast.care_centre),
        Seat(counsellor, school),
        Seat(cast.municipal_local_admin, cast.municipal_admin_unit),
        Seat(cast.municipal_system_admin, cast.municipal_admin_unit),
        Seat(cast.region_local_admin, cast.care_centre),
        Seat(cast.superuser, None),
    ]
    return seats, patients


def list_routes() -> list[str]:
    """Every named URL that reverses without arguments."""
    from django.urls import NoReverseMatch, get_resolver

    names = set()
    for route in _walk(get_resolver().url_patterns):
        if route.parameters:
            continue
        try:
            reverse(route.name)
        except NoReverseMatch:  # a regex route with a group (Django's admin app_list)
            continue
        names.add(route.name)
    return sorted(names)


def test_the_walk_finds_the_lists():
    names = set(list_routes())
    assert names >= MUST_SHOW
    assert {"patients:search", "organizations:directory", "logreview:search"} <= names


@pytest.mark.django_db
def test_every_list_that_shows_a_patient_logs_it(cast, client):
    from samplan.accounts.sessions import SESSION_UNIT_KEY

    seats, patients = _world(cast)
    by_name = {patient.last_name: patient for patient in patients}
    shown_on: set[str] = set()
    unlogged: list[str] = []
    for seat in seats:
        client.force_login(seat.user)
        if seat.unit is not None:
            session = client.session
            session[SESSION_UNIT_KEY] = seat.unit.pk
            session.save()
        for name in list_routes():
            before = AccessLogEntry.objects.order_by("-pk").values_list("pk", flat=True).first()
            response = client.get(reverse(name))
            if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
                continue
            html = response.content.decode()
            seen = [
                patient
                for mark, patient in by_name.items()
                if mark in html or format_identity(patient.identity_number) in html
            ]
            if not seen:
                continue
            shown_on.add(name)
            logged = set(
                AccessLogEntry.objects.filter(
                    pk__gt=before or 0, user=seat.user, unit=seat.unit
                ).values_list("patient_id", flat=True)
            )
            for patient in seen:
                if patient.pk not in logged:
                    unlogged.append(f"{name} as {seat.user.username}: {patient.last_name}")
        client.logout()
    assert not unlogged, "Lists showed patients without an access-log row:\n" + "\n".join(unlogged)
    assert shown_on >= MUST_SHOW, f"the walk saw no patient on {MUST_SHOW - shown_on}"
