"""Reads for log review (Logggranskning) and log extracts (Loggutdrag), domain.md §8.

A reviewer sees the rows of one organisation: those written by anyone acting for one of its
units (AccessLogEntry.organization). Every function takes that organisation, so a forged id
of another organisation's row, review or unit finds nothing.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import connections, router
from django.db.models import Case, Count, Q, QuerySet, When
from django.http import Http404

from samplan.accounts.models import User
from samplan.auditlog.models import AccessLogEntry, LogReview, LogReviewEntry
from samplan.core.localtime import start_of_local_day
from samplan.core.prepared import counted, prepared
from samplan.organizations.models import Organization, Unit
from samplan.patients.display import DISPLAY_FIELDS
from samplan.patients.models import Patient

BIGINT_END = 1 << 63
FLAG_FIELDS = ("not_participant", "protected_identity", "outside_hours", "many_patients")
# Everything a row on the review pages shows, in one query per page.
ROW_RELATED = ("user", "unit", "organization", "patient__listed_care_centre")


@dataclass(frozen=True)
class LogFilters:
    """What a reviewer searches for; every part optional."""

    patient: Patient | None = None
    user: User | None = None
    unit: Unit | None = None
    date_from: datetime.date | None = None
    date_to: datetime.date | None = None
    action: str = ""
    flags: tuple[str, ...] = field(default_factory=tuple)  # rows with all of these flags
    flagged_only: bool = False  # rows with any flag
    # The reserve identities linked to the patient when read with them (person_by_pk);
    # None: person_identities reads them.
    linked: tuple[Patient, ...] | None = None

    def describe(self) -> str:
        """The filters as one line of text, for the reviewer's own log row and reviews."""
        parts = []
        if self.patient is not None:
            parts.append(f"patient={self.patient.pk}")
        if self.user is not None:
            parts.append(f"user={self.user.username}")
        if self.unit is not None:
            parts.append(f"unit={self.unit.pk}")
        if self.date_from:
            parts.append(f"from={self.date_from.isoformat()}")
        if self.date_to:
            parts.append(f"to={self.date_to.isoformat()}")
        if self.action:
            parts.append(f"action={self.action}")
        parts.extend(f"flag={flag}" for flag in self.flags)
        if self.flagged_only:
            parts.append("flagged")
        return " ".join(parts)


def organization_rows(organization: Organization) -> QuerySet[AccessLogEntry]:
    return AccessLogEntry.objects.filter(organization=organization)


def filter_rows(rows: QuerySet[AccessLogEntry], filters: LogFilters) -> QuerySet[AccessLogEntry]:
    return _filtered(rows, **_plain_filters(filters))


def _plain_filters(filters: LogFilters) -> dict[str, object]:
    """The filters as plain values (ids, times), as a prepared query takes them."""
    patient_ids: list[int] = []
    identity_numbers: list[str] = []
    if filters.patient is not None:
        # The person's rows, also under a reservnummer later linked to them, and searches
        # for their numbers that showed nobody (a unit without relation probing for the
        # person is exactly what a reviewer looks for).
        if filters.linked is None:
            identities = person_identities(filters.patient)
        else:
            identities = [filters.patient, *filters.linked]
        patient_ids = [person.pk for person in identities]
        identity_numbers = [person.identity_number for person in identities]
    since = before = None
    if filters.date_from is not None:
        since = start_of_local_day(filters.date_from)
    if filters.date_to is not None:
        before = start_of_local_day(filters.date_to + datetime.timedelta(days=1))
    return {
        "patient_ids": patient_ids,
        "identity_numbers": identity_numbers,
        "user_id": filters.user.pk if filters.user is not None else None,
        "unit_id": filters.unit.pk if filters.unit is not None else None,
        "since": since,
        "before": before,
        "action": filters.action,
        "flags": tuple(filters.flags),
        "flagged_only": filters.flagged_only,
    }


def _filtered(
    rows: QuerySet[AccessLogEntry],
    *,
    patient_ids: list[int],
    identity_numbers: list[str],
    user_id: int | None,
    unit_id: int | None,
    since: datetime.datetime | None,
    before: datetime.datetime | None,
    action: str,
    flags: tuple[str, ...],
    flagged_only: bool,
) -> QuerySet[AccessLogEntry]:
    if patient_ids:
        rows = rows.filter(Q(patient__in=patient_ids) | Q(searched_identity__in=identity_numbers))
    if user_id is not None:
        rows = rows.filter(user_id=user_id)
    if unit_id is not None:
        rows = rows.filter(unit_id=unit_id)
    if since is not None:
        rows = rows.filter(at__gte=since)
    if before is not None:
        rows = rows.filter(at__lt=before)
    if action:
        rows = rows.filter(action=action)
    for flag in flags:
        rows = rows.filter(**{flag: True})
    if flagged_only:
        # The same condition as the partial index accesslog_org_flagged_idx.
        rows = rows.filter(
            Q(not_participant=True)
            | Q(protected_identity=True)
            | Q(outside_hours=True)
            | Q(many_patients=True)
        )
    return rows


def person_identities(patient: Patient) -> list[Patient]:
    """The person and the reserve identities linked to them: access-log rows keep naming the
    identity that was looked at (patients.merging), so a person's log covers all of them."""
    return [patient, *Patient.objects.filter(merged_into=patient).only("pk", "identity_number")]


def review_rows(organization: Organization, filters: LogFilters) -> QuerySet[AccessLogEntry]:
    """The organisation's rows matching `filters`, newest first, ready to show."""
    return (
        filter_rows(organization_rows(organization), filters)
        .select_related(*ROW_RELATED)
        .order_by("-at", "-pk")
    )


def review_page_readers(
    organization: Organization, filters: LogFilters
) -> tuple[Callable[[int], list[EntryValues]], Callable[[], int]]:
    """The first rows and the count of review_rows(organization, filters) as prepared
    queries (core.paging.paginate's first_rows and count): the search page as opened. The
    first rows are EntryValues, read as plain values, not AccessLogEntry instances."""
    values = {"organization_id": organization.pk, **_plain_filters(filters)}
    per_identity = _per_identity()

    def first_rows(limit: int) -> list[EntryValues]:
        return _entries(_first_review_rows(limit=limit, per_identity=per_identity, **values))

    def count() -> int:
        if per_identity and values["patient_ids"]:
            return sum(_person_count(**values))
        (number,) = _review_count(**values)
        return number

    return first_rows, count


def _usual_search() -> list[dict[str, object]]:
    """A search by one patient, the usual one (for the start-up's warm-up)."""
    plain = {
        "organization_id": 1,
        "patient_ids": [1],
        "identity_numbers": ["x"],
        "user_id": None,
        "unit_id": None,
        "since": None,
        "before": None,
        "action": "",
        "flags": (),
        "flagged_only": False,
    }
    return [plain]


# What a row of the search shows, read as plain values: the page's rows as model instances
# (an entry, its user, unit, organisation, patient and listing each) were about a third of
# the page's CPU. The patient's columns are those patient_display reads.
_ENTRY_COLUMNS = (
    "pk",
    "at",
    "user_id",
    "user_hsa_id",
    "unit_id",
    "patient_id",
    "searched_identity",
    "action",
    "object_type",
    "detail",
    "client_address",
    "integration_client",
    *FLAG_FIELDS,
    "user__username",
    "user__first_name",
    "user__last_name",
    "unit__name",
    "unit__hsa_id",
)
# What patient_display reads, as columns (listed_care_centre_id last: _patient reads it so).
_PATIENT_COLUMNS = tuple(Patient._meta.get_field(name).attname for name in DISPLAY_FIELDS)
_ROW_COLUMNS = (
    *_ENTRY_COLUMNS,
    *(f"patient__{name}" for name in _PATIENT_COLUMNS),
    "patient__listed_care_centre__name",
)


class _Named:
    """A related row of which the page shows the name (a unit, a listing)."""

    __slots__ = ("name", "pk")

    def __init__(self, pk: int, name: str) -> None:
        self.pk, self.name = pk, name


class _UnitValues(_Named):
    """The unit of a row: its name, and its HSA-id for the row's filter link."""

    __slots__ = ("hsa_id",)

    def __init__(self, pk: int, name: str, hsa_id: str | None) -> None:
        super().__init__(pk, name)
        self.hsa_id = hsa_id


class _UserValues:
    """The user of a row as logreview.presentation and the row markup read it."""

    __slots__ = ("first_name", "last_name", "pk", "username")

    def __init__(self, pk: int, username: str, first_name: str, last_name: str) -> None:
        self.pk, self.username = pk, username
        self.first_name, self.last_name = first_name, last_name

    def get_full_name(self) -> str:
        # As AbstractUser.get_full_name.
        return f"{self.first_name} {self.last_name}".strip()


class EntryValues:
    """An access-log row of the search's first page, with what presentation.entry_rows and
    the row markup read of an AccessLogEntry fetched with ROW_RELATED (the same attribute
    names), built from one tuple of plain values. The page's patients are few: each is one
    Patient instance, shared by its rows."""

    __slots__ = (*(name for name in _ENTRY_COLUMNS if "__" not in name), "patient", "unit", "user")

    @property
    def id(self) -> int:
        return self.pk


# The entry's own columns come first in _ENTRY_COLUMNS, then its user's and unit's.
_ENTRY_FIELDS = tuple(name for name in _ENTRY_COLUMNS if "__" not in name)
_PATIENT_START = len(_ENTRY_COLUMNS)


def _entries(rows: list[tuple]) -> list[EntryValues]:
    users: dict[int, _UserValues] = {}
    units: dict[int, _UnitValues] = {}
    patients: dict[int, Patient] = {}
    found = []
    fields = len(_ENTRY_FIELDS)
    for row in rows:
        entry = EntryValues()
        for name, value in zip(_ENTRY_FIELDS, row, strict=False):
            setattr(entry, name, value)
        user_id, unit_id, patient_id = entry.user_id, entry.unit_id, entry.patient_id
        if user_id not in users:
            users[user_id] = _UserValues(user_id, *row[fields : fields + 3])
        entry.user = users[user_id]
        if unit_id is not None and unit_id not in units:
            units[unit_id] = _UnitValues(unit_id, *row[fields + 3 : fields + 5])
        entry.unit = units.get(unit_id)
        if patient_id is not None and patient_id not in patients:
            patients[patient_id] = _patient(patient_id, row[_PATIENT_START:])
        entry.patient = patients.get(patient_id)
        found.append(entry)
    return found


def _patient(patient_id: int, values: tuple) -> Patient:
    """The row's patient, with the columns patient_display reads (the others deferred)."""
    read = dict(zip(_PATIENT_COLUMNS, values, strict=False))
    read["id"] = patient_id
    # Model.from_db takes a partial row in the model's field order.
    names = [field.attname for field in Patient._meta.concrete_fields if field.attname in read]
    patient = Patient.from_db(AccessLogEntry.objects.db, names, [read[name] for name in names])
    listed_id, listed_name = values[-2], values[-1]
    if listed_id is not None:
        # Patient.listed_care_centre would read the unit: its name came with the row.
        patient._state.fields_cache["listed_care_centre"] = _Named(listed_id, listed_name)
    return patient


def _per_identity() -> bool:
    """Whether the database takes a LIMIT in each part of a UNION (PostgreSQL; not SQLite)."""
    return connections[
        router.db_for_read(AccessLogEntry)
    ].features.supports_slicing_ordering_in_compound


@prepared(
    shape=("flags", "limit"),
    warm=lambda: [{**_usual_search()[0], "limit": 51, "per_identity": _per_identity()}],
)
def _first_review_rows(
    *, organization_id: int, limit: int, per_identity: bool = False, **filters: object
) -> QuerySet:
    rows = AccessLogEntry.objects.filter(organization_id=organization_id)
    if per_identity and (filters["patient_ids"] or filters["identity_numbers"]):
        # A person's newest rows: "patient in (...) or searched number in (...)" made
        # PostgreSQL read every row of the person (a bitmap scan of both indexes) and sort
        # them, which grows with the log. Each identity's newest `limit` rows are read in
        # order from its own index (accesslog_patient_org_at_idx, accesslog_searched_idx)
        # instead, and the newest of those kept: the same rows, whatever the log's size.
        rest = {**filters, "patient_ids": [], "identity_numbers": []}
        parts = [
            _filtered(rows, **rest)
            .filter(**condition)
            .order_by("-at", "-pk")
            .values_list("pk", flat=True)[:limit]
            for condition in (
                *({"patient_id": pk} for pk in filters["patient_ids"]),
                *({"searched_identity": number} for number in filters["identity_numbers"]),
            )
        ]
        rows = AccessLogEntry.objects.filter(pk__in=parts[0].union(*parts[1:], all=True))
    else:
        rows = _filtered(rows, **filters)
    return rows.order_by("-at", "-pk").values_list(*_ROW_COLUMNS)[:limit]


@prepared(shape=("flags",), warm=_usual_search)
def _review_count(*, organization_id: int, **filters: object) -> QuerySet:
    return counted(
        _filtered(AccessLogEntry.objects.filter(organization_id=organization_id), **filters)
    )


@prepared(shape=("flags",), warm=_usual_search)
def _person_count(
    *, organization_id: int, patient_ids: list[int], identity_numbers: list[str], **filters: object
) -> QuerySet:
    """_review_count for a person (PostgreSQL): the rows naming one of the person's
    identities, counted in accesslog_patient_org_at_idx alone, and the searches for one of
    their numbers that named nobody else of theirs (two numbers, summed).

    "patient in (...) or searched number in (...)" was a bitmap scan of both indexes that
    fetched every row of the person from the table to check its organisation: on a log that
    no longer fits in memory, a read from disk per row, growing with the person's history.
    """
    rows = _filtered(
        AccessLogEntry.objects.filter(organization_id=organization_id),
        patient_ids=[],
        identity_numbers=[],
        **filters,
    )
    # patient_id: in the index and never null in these rows (count(id) read the table).
    by_patient = counted(rows.filter(patient_id__in=patient_ids), of="patient")
    if not identity_numbers:
        return by_patient
    searches = counted(
        rows.filter(searched_identity__in=identity_numbers).exclude(patient_id__in=patient_ids)
    )
    return by_patient.union(searches, all=True)


def organization_units(organization: Organization) -> QuerySet[Unit]:
    """The organisation's units, among which a typed unit filter is looked for (units_by_name):
    nothing is read until then."""
    return Unit.objects.filter(organization=organization)


# How many units of one name a typed unit filter reads at most: enough to tell one from several.
UNITS_NAMED_AT_MOST = 10


def units_by_name(units: QuerySet[Unit], text: str) -> list[Unit]:
    """The units among `units` that a reviewer's typed unit filter names, in one read: the
    unit with that HSA-id (unique), else those with that name, in any case, the text trimmed.
    One unit: found; none: no such unit; several: the name is not enough (ask for the HSA-id).

    A region has hundreds to thousands of units, so they are looked for, not listed. On
    PostgreSQL any letter's case is ignored; SQLite's LIKE (Django's iexact) ignores only the
    case of A-Z, so "VÅRD" does not find "Vård" there."""
    text = text.strip()
    if not text:
        return []
    by_hsa_id = Q(hsa_id__iexact=text)
    found = list(
        units.filter(by_hsa_id | Q(name__iexact=text))
        .only("pk", "name", "hsa_id")
        # The HSA-id's unit first, so the limit never leaves it out.
        .order_by(Case(When(by_hsa_id, then=0), default=1), "name", "pk")[:UNITS_NAMED_AT_MOST]
    )
    typed = text.upper()
    return [unit for unit in found if (unit.hsa_id or "").upper() == typed][:1] or found


def user_by_name(text: str) -> User | None:
    """The user a reviewer typed: a username or an HSA-id, in any case."""
    text = text.strip()
    if not text:
        return None
    return User.objects.filter(Q(username__iexact=text) | Q(hsa_id__iexact=text)).first()


def person_by_pk(patient_id: int | None) -> tuple[Patient | None, tuple[Patient, ...]]:
    """The patient and the reserve identities linked to them (person_identities), in one
    read: the search by patient needs both."""
    if patient_id is None or not 0 < patient_id < BIGINT_END:
        # Out of the id column's range: nobody (a prepared query would pass it on as is).
        return None, ()
    found = _person(patient_id=patient_id)
    patient = next((person for person in found if person.pk == patient_id), None)
    if patient is None:
        return None, ()
    return patient, tuple(
        person
        for person in found
        if person.pk != patient_id and person.merged_into_id == patient_id
    )


@prepared
def _person(*, patient_id: int) -> QuerySet:
    return Patient.objects.select_related("listed_care_centre").filter(
        Q(pk=patient_id) | Q(merged_into_id=patient_id)
    )


def reviews_for(organization: Organization) -> QuerySet[LogReview]:
    return (
        LogReview.objects.filter(organization=organization)
        .select_related("reviewer", "reviewer_unit")
        .annotate(
            entry_count=Count("items"),
            checked_count=Count("items", filter=Q(items__checked=True)),
        )
        .order_by("-created_at", "-pk")
    )


def review_for(organization: Organization, review_id: int) -> LogReview:
    review = (
        LogReview.objects.select_related("reviewer", "reviewer_unit")
        .filter(organization=organization, pk=review_id)
        .first()
    )
    if review is None:
        raise Http404
    return review


def review_items(review: LogReview) -> QuerySet[LogReviewEntry]:
    related = tuple(f"entry__{name}" for name in ROW_RELATED)
    return review.items.select_related(*related).order_by("-entry__at", "-entry_id")


def extract_rows(
    organization: Organization,
    patient: Patient,
    date_from: datetime.date | None,
    date_to: datetime.date | None,
) -> QuerySet[AccessLogEntry]:
    """What the person's log extract lists: the organisation's units' accesses to the
    person's data, oldest first. Searches that showed nobody are not accesses to data."""
    rows = filter_rows(
        organization_rows(organization).filter(patient__in=person_identities(patient)),
        LogFilters(date_from=date_from, date_to=date_to),
    )
    return rows.select_related("unit", "user", "organization").order_by("at", "pk")
