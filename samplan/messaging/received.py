"""Mottagna's read: one page of the current unit's deliveries as plain value rows; logs each
patient shown.

The same read as access.received_page, which built five model instances per row (the
delivery, its message, the sender, the patient and the patient's care centre): with their
signals and descriptors that was about a tenth of the page's CPU. Here each row is one tuple
of the columns the list shows; only the patient is a Patient instance (one per patient, with
the columns patient_display reads), since patient_display and the access log take one, so both
see exactly what they saw before. The queries are the same ones with fewer columns: the same
joins, conditions, order and indexes (see access.received_deliveries), and the same number.
"""

from __future__ import annotations

import datetime

from django.core.paginator import Page
from django.db.models import QuerySet

from samplan.core.actor import Actor
from samplan.core.paging import DEFAULT_PAGE_SIZE, PageRequest, paginate
from samplan.core.prepared import prepared
from samplan.messaging import access, threads
from samplan.messaging.counts import received_total
from samplan.messaging.models import OPEN_STATES, Delivery, DeliveryState
from samplan.patients.display import DISPLAY_FIELDS, PatientDisplay, patient_display
from samplan.patients.models import Patient

_HELD_STATES = (DeliveryState.NEW, DeliveryState.READ, DeliveryState.ACKNOWLEDGED)

# What patient_display reads, as columns (listed_care_centre_id last, then its name).
_PATIENT_COLUMNS = tuple(Patient._meta.get_field(name).attname for name in DISPLAY_FIELDS)
_PATIENT_NAMES = ("id", *_PATIENT_COLUMNS)
# Model.from_db takes a partial row in the model's field order.
_PATIENT_ORDER = tuple(
    field.attname for field in Patient._meta.concrete_fields if field.attname in _PATIENT_NAMES
)
_PATIENT_PICK = tuple(_PATIENT_NAMES.index(name) for name in _PATIENT_ORDER)

# The row's columns: the delivery's and its message's first (as ReceivedRow's fields read
# them), then whether the unit takes part, then the patient's.
_ROW_COLUMNS = (
    "pk",
    "message_id",
    "state",
    "arrived_at",
    "due_at",
    "message__message_type",
    "message__sender_unit__name",
    "in_thread",
    "takes_part",
    "message__patient_id",
    *(f"message__patient__{name}" for name in _PATIENT_COLUMNS),
    "message__patient__listed_care_centre__name",
)
_PATIENT_START = _ROW_COLUMNS.index("message__patient_id")


class ReceivedRow:
    """One delivery of the list, as received_rows.py shows it."""

    __slots__ = (
        "arrived_at",
        "delivery_id",
        "display",
        "due_at",
        "message_id",
        "message_type",
        "overdue",
        "patient",
        "sender_name",
        "state",
    )

    delivery_id: int
    message_id: int
    state: str
    arrived_at: datetime.datetime
    due_at: datetime.datetime
    message_type: str
    sender_name: str
    display: PatientDisplay
    overdue: bool
    patient: Patient

    @property
    def is_new(self) -> bool:
        """Not acknowledged yet: red until someone in the unit acknowledges."""
        return self.state in OPEN_STATES

    @property
    def is_unread(self) -> bool:
        return self.state == DeliveryState.NEW


class _Named:
    """The patient's listed care centre, of which patient_display reads the name."""

    __slots__ = ("name", "pk")

    def __init__(self, pk: int, name: str) -> None:
        self.pk, self.name = pk, name


def _received_values(deliveries: QuerySet[Delivery], unit_id: int) -> QuerySet:
    """The columns the list shows of each delivery, newest first (access._received_rows'
    joins and look-ups, as value rows)."""
    return (
        deliveries.annotate(
            in_thread=threads.in_thread("message_id"),
            takes_part=threads.unit_takes_part(unit_id, "message_id"),
        )
        .order_by("-arrived_at", "-pk")
        .values_list(*_ROW_COLUMNS)
    )


@prepared(shape=("limit",), warm=lambda: [{"unit_id": 1, "limit": DEFAULT_PAGE_SIZE + 1}])
def _received_first_values(*, unit_id: int, limit: int) -> QuerySet:
    """The plain list's first page (and one row more), its deliveries picked by a LIMIT of
    their own, inside, as in access._received_first_rows (why: there); each row ends with
    the unit's new-message count for the header and the tabs (access.new_count_column)."""
    newest = Delivery.objects.filter(unit_id=unit_id).order_by("-arrived_at", "-pk")
    return (
        _received_values(Delivery.objects.filter(pk__in=newest.values("pk")[:limit]), unit_id)
        .annotate(unit_new_count=access.new_count_column(unit_id))
        .values_list(*_ROW_COLUMNS, "unit_new_count")
    )


class _PickedFirst:
    """The unit's chosen deliveries as the paginator reads them: a page's rows are picked by
    their ids with the LIMIT inside, then read as values. The count is the chosen ids'."""

    ordered = True  # newest first; the paginator warns about an unordered list

    def __init__(self, chosen: QuerySet[Delivery], unit_id: int) -> None:
        self.chosen = chosen
        self.unit_id = unit_id

    def count(self) -> int:
        return self.chosen.count()

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, key: slice) -> list[tuple]:
        picked = self.chosen.values("pk")[key]
        return list(_received_values(Delivery.objects.filter(pk__in=picked), self.unit_id))


def _patient(values: tuple, db: str) -> Patient:
    """The row's patient with the columns patient_display reads (the others deferred)."""
    patient = Patient.from_db(db, _PATIENT_ORDER, [values[i] for i in _PATIENT_PICK])
    listed_id, listed_name = values[-2], values[-1]
    if listed_id is not None:
        # Patient.listed_care_centre would read the unit: its name came with the row.
        patient._state.fields_cache["listed_care_centre"] = _Named(listed_id, listed_name)
    return patient


def _rows(values: list[tuple], now: datetime.datetime) -> list[ReceivedRow]:
    db = Delivery.objects.db
    patients: dict[int, Patient] = {}
    rows = []
    for value in values:
        row = ReceivedRow()
        (
            row.delivery_id,
            row.message_id,
            row.state,
            row.arrived_at,
            row.due_at,
            row.message_type,
            row.sender_name,
            in_thread,
            takes_part,
        ) = value[:_PATIENT_START]
        patient_values = value[_PATIENT_START:]
        patient = patients.get(patient_values[0])
        if patient is None:
            patient = patients[patient_values[0]] = _patient(patient_values, db)
        participant = takes_part or (not in_thread and row.state in _HELD_STATES)
        row.patient = patient
        row.display = patient_display(patient, participant=participant)
        # The model's rule, on the row's state and due time (all it reads).
        row.overdue = Delivery.is_overdue(row, now)
        rows.append(row)
    return rows


def received_page(
    actor: Actor,
    *,
    paging: PageRequest,
    now: datetime.datetime,
    identity: str = "",
    **filters: object,
) -> Page:
    """Mottagna: one page of the current unit's deliveries as ReceivedRows; logs each patient
    (access.log_list_page). The plain list takes its length from the unit's maintained count,
    as access.received_page does. The page's `unit_new_count` is the header's count when the
    plain list's first page read it (None otherwise: the header counts on its own)."""
    access.require_inbox(actor)
    unit_id = actor.unit.pk
    plain = not identity and not any(filters.values())
    new_count: list[int] = []

    def first_rows(n: int) -> list[tuple]:
        rows = _received_first_values(unit_id=unit_id, limit=n)
        if rows:
            new_count.append(rows[0][-1])
        return [row[:-1] for row in rows]

    def chosen() -> _PickedFirst:
        picked = access.received_deliveries(actor.unit, now=now, identity=identity, **filters)
        return _PickedFirst(picked.chosen, unit_id)

    page = paginate(
        paging,
        chosen,
        count=(lambda: received_total(unit_id)) if plain else None,
        first_rows=first_rows if plain else None,
    )
    page.unit_new_count = new_count[0] if new_count else None
    rows = _rows(page.object_list, now)
    page.object_list = rows
    access.log_list_page(
        actor,
        [row.patient for row in rows],
        list_name="received",
        page=page,
        searched=identity,
    )
    return page
