"""Deviations (samplan.deviations) for a generated bench database, built from its cases.

Called by bench/generate.py after everything else, or alone on a database it generated
before (`generate.py --only-deviations`, since scale 1 takes a quarter of an hour to make):

    bench/fresh-copy.sh samplan_bench h15a_s1
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/h15a_s1 \\
        .venv/bin/python bench/generate.py --only-deviations

What it makes (about 4,000 deviations at scale 1: one for every 15 cases): a receiving unit
per organisation; deviations reported by a municipal unit taking part in the case about the
region (60 %), by the ward about the municipality (35 %, a tenth of them also about a second
municipality), and free-standing ones between the region and a municipality (5 %); every
category; reported within ten days of the admission, the event a few hours before. The state
follows the age: most older ones answered (median about 9 days, lognormal) and closed, recent
ones still received or under investigation, some overdue; with a note per state change and a
comment on a third. The same --seed gives the same rows; the tables' own sequences give the
ids, so it can be added to a database that holds data already (it refuses one that already
has deviations).
"""

from __future__ import annotations

import datetime
import math
import random
import time
from collections import defaultdict

from django.db import transaction

from samplan.accounts.models import Membership
from samplan.core.localtime import STOCKHOLM
from samplan.deviations.models import (
    DEFAULT_ANSWER_DAYS,
    Category,
    Deviation,
    DeviationNote,
    DeviationRecipient,
    DeviationSettings,
    DeviationState,
    NoteKind,
)
from samplan.discharge.models import CaseParticipant, DischargeCase
from samplan.organizations.models import Organization, OrganizationKind, Unit

CASES_PER_DEVIATION = 15
BATCH = 2000
HOUR = datetime.timedelta(hours=1)
DAY = datetime.timedelta(days=1)
CATEGORY_WEIGHTS = {
    Category.MESSAGE_LATE: 30,
    Category.INFORMATION: 25,
    Category.WRONG_RECIPIENT: 8,
    Category.MEDICATION: 12,
    Category.AIDS: 8,
    Category.PLANNING: 10,
    Category.SIP_LATE: 4,
    Category.OTHER: 3,
}


def _settings(rng: random.Random) -> dict[int, int]:
    """A receiving unit per region and municipality (the first administration unit, else the
    first unit); returns organisation id → unit id."""
    receivers: dict[int, int] = {}
    for organization_id, unit_id in (
        Unit.objects.filter(
            organization__kind__in=[OrganizationKind.REGION, OrganizationKind.MUNICIPALITY]
        )
        .order_by("organization_id", "parent_id", "pk")
        .values_list("organization_id", "pk")
    ):
        receivers.setdefault(organization_id, unit_id)
    DeviationSettings.objects.bulk_create(
        [DeviationSettings(organization_id=o, receiving_unit_id=u) for o, u in receivers.items()],
        ignore_conflicts=True,
    )
    return receivers


def _answer_delay(rng: random.Random) -> datetime.timedelta:
    return datetime.timedelta(days=min(60.0, rng.lognormvariate(math.log(9), 0.6)))


def build_deviations(*, seed: int = 7, end: datetime.datetime | None = None) -> int:
    """Adds the deviations (module docstring); returns how many."""
    started = time.perf_counter()
    if Deviation.objects.exists():
        raise SystemExit("The database already has deviations.")
    rng = random.Random(seed * 31 + 15)
    receivers = _settings(rng)
    kinds = dict(Organization.objects.values_list("pk", "kind"))
    municipalities = [pk for pk, kind in kinds.items() if kind == OrganizationKind.MUNICIPALITY]
    unit_organization = dict(Unit.objects.values_list("pk", "organization_id"))
    user_of_unit: dict[int, int] = {}
    for unit_id, user_id in Membership.objects.order_by("pk").values_list("unit_id", "user_id"):
        user_of_unit.setdefault(unit_id, user_id)
    any_user = next(iter(user_of_unit.values()))
    cases = list(
        DischargeCase.objects.order_by("pk").values_list(
            "pk", "patient_id", "ward_id", "region_id", "municipality_id", "admitted_at"
        )
    )
    end = end or max(c[5] for c in cases)
    chosen = sorted(rng.sample(range(len(cases)), len(cases) // CASES_PER_DEVIATION))
    chosen_ids = {cases[i][0] for i in chosen}
    municipal_unit: dict[int, int] = {}
    for case_id, unit_id in (
        CaseParticipant.objects.filter(unit__organization__kind=OrganizationKind.MUNICIPALITY)
        .order_by("case_id", "pk")
        .values_list("case_id", "unit_id")
    ):
        if case_id in chosen_ids:
            municipal_unit.setdefault(case_id, unit_id)
    categories, weights = zip(*CATEGORY_WEIGHTS.items(), strict=True)
    made = 0
    pending: list[tuple[Deviation, list[DeviationRecipient], list[list[DeviationNote]]]] = []

    def flush() -> None:
        nonlocal pending
        with transaction.atomic():
            Deviation.objects.bulk_create([d for d, _r, _n in pending])
            recipients = []
            for deviation, rows, _notes in pending:
                for row in rows:
                    row.deviation = deviation
                    recipients.append(row)
            DeviationRecipient.objects.bulk_create(recipients, batch_size=BATCH)
            notes = []
            for _d, rows, note_lists in pending:
                for row, row_notes in zip(rows, note_lists, strict=True):
                    for note in row_notes:
                        note.recipient = row
                        notes.append(note)
            DeviationNote.objects.bulk_create(notes, batch_size=BATCH)
        pending = []

    for n, index in enumerate(chosen):
        case_id, patient_id, ward_id, case_region, municipality_id, admitted_at = cases[index]
        draw = rng.random()
        linked = True
        if draw < 0.60 and case_id in municipal_unit:
            reporting_unit = municipal_unit[case_id]
            concerned = [case_region]
        elif draw < 0.95:
            reporting_unit = ward_id
            concerned = [municipality_id]
            if rng.random() < 0.1:
                other = rng.choice(municipalities)
                if other != municipality_id:
                    concerned.append(other)
        else:
            linked = False
            reporting_unit = ward_id
            concerned = [rng.choice(municipalities)]
        reported_at = min(end - HOUR, admitted_at + rng.uniform(0.1, 10) * DAY)
        occurred_at = reported_at - rng.uniform(0.5, 30) * HOUR
        category = rng.choices(categories, weights)[0]
        reporting_organization = unit_organization[reporting_unit]
        user = user_of_unit.get(reporting_unit, any_user)
        deviation = Deviation(
            reporting_unit_id=reporting_unit,
            reported_by_id=user,
            reported_at=reported_at,
            occurred_at=occurred_at,
            category=category,
            description="Avvikelse i samverkan (genererad för prestandamätning).",
            patient_id=patient_id if linked else None,
            case_id=case_id if linked else None,
            submission_key=f"bench-{n}",
        )
        rows, note_lists = [], []
        age = (end - reported_at) / DAY
        local_day = reported_at.astimezone(STOCKHOLM).date()
        for organization_id in concerned:
            if organization_id is None or organization_id == reporting_organization:
                continue
            receiving = receivers.get(organization_id)
            handler = user_of_unit.get(receiving, any_user)
            answered_at = closed_at = None
            state = DeviationState.RECEIVED
            notes: list[DeviationNote] = []
            delay = _answer_delay(rng)
            if rng.random() < 0.85 and reported_at + delay < end:
                answered_at = reported_at + delay
                investigating_at = reported_at + delay * rng.uniform(0.1, 0.6)
                notes.append(
                    DeviationNote(
                        kind=NoteKind.STATE,
                        state=DeviationState.INVESTIGATING,
                        user_id=handler,
                        unit_id=receiving,
                        created_at=investigating_at,
                    )
                )
                notes.append(
                    DeviationNote(
                        kind=NoteKind.ANSWER,
                        text="Utrett och åtgärdat.",
                        state=DeviationState.ANSWERED,
                        user_id=handler,
                        unit_id=receiving,
                        created_at=answered_at,
                    )
                )
                state = DeviationState.ANSWERED
                closing = answered_at + rng.uniform(0.5, 10) * DAY
                if closing < end and rng.random() < 0.8:
                    closed_at = closing
                    state = DeviationState.CLOSED
                    notes.append(
                        DeviationNote(
                            kind=NoteKind.STATE,
                            state=DeviationState.CLOSED,
                            user_id=user,
                            unit_id=reporting_unit,
                            created_at=closed_at,
                        )
                    )
            elif age > 2 and rng.random() < 0.6:
                state = DeviationState.INVESTIGATING
                notes.append(
                    DeviationNote(
                        kind=NoteKind.STATE,
                        state=state,
                        user_id=handler,
                        unit_id=receiving,
                        created_at=reported_at + rng.uniform(0.2, min(age, 10)) * DAY,
                    )
                )
            if rng.random() < 0.3:
                notes.append(
                    DeviationNote(
                        kind=NoteKind.COMMENT,
                        text="Kan ni beskriva förloppet närmare?",
                        state=state,
                        user_id=handler,
                        unit_id=receiving,
                        created_at=reported_at + rng.uniform(0.1, 1) * DAY,
                    )
                )
            notes.sort(key=lambda note: note.created_at)
            rows.append(
                DeviationRecipient(
                    organization_id=organization_id,
                    unit_id=receiving,
                    state=state,
                    reported_at=reported_at,
                    reporting_organization_id=reporting_organization,
                    category=category,
                    due_on=local_day + DEFAULT_ANSWER_DAYS * DAY,
                    answer="Utrett och åtgärdat." if answered_at else "",
                    answered_at=answered_at,
                    answered_by_id=handler if answered_at else None,
                    closed_at=closed_at,
                    reminded_at=reported_at + DEFAULT_ANSWER_DAYS * DAY
                    if state in (DeviationState.RECEIVED, DeviationState.INVESTIGATING)
                    and age > DEFAULT_ANSWER_DAYS
                    else None,
                )
            )
            note_lists.append(notes)
        if not rows:
            continue
        pending.append((deviation, rows, note_lists))
        made += 1
        if len(pending) >= BATCH:
            flush()
    if pending:
        flush()
    counts: dict[str, int] = defaultdict(int)
    for state in DeviationRecipient.objects.values_list("state", flat=True):
        counts[state] += 1
    print(
        f"deviations: {made:,} ({', '.join(f'{c:,} {s}' for s, c in sorted(counts.items()))}; "
        f"{DeviationNote.objects.count():,} notes) "
        f"in {time.perf_counter() - started:.0f} s"
    )
    return made
