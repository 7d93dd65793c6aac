"""Reads of the inbox lists and of a unit's deliveries: need-to-know checked, access logged.

Every list here runs a fixed number of queries whatever its length (a count, the page, one
query per related table, one INSERT into the access log) and is served by the indexes named
beside it.

Access log policy for lists: one row per patient shown on the page (action "view", or
"search" when a personnummer was searched, and `detail` naming the list and page). A list
shows names and identity numbers, so a patient's log extract must name every unit that saw
them, and reviewers can tell list rows from opened messages by `detail`. The rows of a page
are written in one INSERT. The header's new-message count shows no patient data and writes
no row.

Protected identity (domain.md §3): a list shows the name and number of a protected patient
only where the unit takes part in the message's case or plan now (or, for a message of neither,
still holds its delivery or sent it); elsewhere the placeholder.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field

from django.core.paginator import Page
from django.db.models import (
    FilteredRelation,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
)
from django.http import Http404

from samplan.accounts.access import administered_organization_ids, organization_ids_with_roles
from samplan.accounts.administering import can_edit_unit
from samplan.accounts.models import Role, User
from samplan.addressing.models import FallbackInbox
from samplan.auditlog.access_log import (
    AccessAction,
    access_log_record,
    access_log_record_many,
)
from samplan.auditlog.details import detail_code
from samplan.core.actor import Actor
from samplan.core.paging import DEFAULT_PAGE_SIZE, PageRequest, paginate
from samplan.core.prepared import counted, prepared
from samplan.messaging import threads
from samplan.messaging.counts import received_total
from samplan.messaging.forms import UNACKNOWLEDGED
from samplan.messaging.models import OPEN_STATES, Delivery, DeliveryState, Message
from samplan.organizations.models import Organization, Unit
from samplan.patients.access import can_work_with_patients
from samplan.patients.display import PatientDisplay, patient_display
from samplan.patients.models import MAX_IDENTITY_LENGTH

_PATIENT = "message__patient"
_HELD_STATES = (DeliveryState.NEW, DeliveryState.READ, DeliveryState.ACKNOWLEDGED)


# --- Who may use a unit's inbox ----------------------------------------------------------------


def can_use_inbox(user: User, unit: Unit | None) -> bool:
    """Mottagna, Skickade, Översikt, Skapa and the message page: patient work in the unit
    (the inbox shows patients; administrator roles alone do not open it)."""
    return can_work_with_patients(user, unit)


def can_edit_alert_settings(user: User, unit: Unit) -> bool:
    """Avisering: the unit's own users keep its numbers and addresses; the organisation's
    local (and system) administrators may too, as part of the unit's contact data."""
    return unit.has_inbox and (can_work_with_patients(user, unit) or can_edit_unit(user, unit))


def require_inbox(actor: Actor) -> None:
    """The inbox is for patient work in the current unit; others get 404, like a forged id."""
    if not can_use_inbox(actor.user, actor.unit):
        raise Http404


def log_list_page(
    actor: Actor, patients: list, *, list_name: str, page: Page, searched: str
) -> None:
    access_log_record_many(
        actor=actor,
        patients=patients,
        action=AccessAction.SEARCH if searched else AccessAction.VIEW,
        searched_identity=searched,
        detail=detail_code("list_page", list=list_name, page=page.number),
    )
    if searched and not patients:
        # A search that found nothing is logged too, with what was searched.
        access_log_record(
            actor=actor,
            patient=None,
            action=AccessAction.SEARCH,
            searched_identity=searched,
            detail=detail_code("list_no_match", list=list_name),
        )


def search_rejected(actor: Actor, *, typed: str, list_name: str) -> None:
    """A search by a number that is no personnummer is logged too, with what was typed (as
    Sök patient does); nothing is shown."""
    access_log_record(
        actor=actor,
        patient=None,
        action=AccessAction.SEARCH,
        searched_identity="".join(typed.split()).upper()[:MAX_IDENTITY_LENGTH],
        detail=detail_code("list_invalid_number", list=list_name),
    )


def _open_deliveries(unit_id: int) -> QuerySet[Delivery]:
    return Delivery.objects.filter(unit_id=unit_id, state__in=OPEN_STATES)


def new_count(unit: Unit) -> int:
    """The unit's deliveries nobody has acknowledged yet, read or not (header badge, Mottagna
    tab): "new" lasts until the unit acknowledges, as the 12:00 routine does. One COUNT on the
    partial index delivery_unit_open_due_idx (unit, due_at) WHERE state IN ('new', 'read')."""
    return _open_deliveries(unit.pk).count()


def new_count_column(unit_id: int) -> Subquery:
    """new_count as a column of another statement: a page that reads a row of its own anyway
    (the case page's case, Översikt's first page) carries the header's count in it, and the
    header does not count again (context_processors.known_new_count). The same COUNT, read
    from the same index alone (the unit's id is in it, the delivery's id is not)."""
    return Subquery(counted(_open_deliveries(unit_id), of="unit"))


# --- Mottagna ---------------------------------------------------------------------------------


@dataclass
class ReceivedRow:
    delivery: Delivery
    display: PatientDisplay
    overdue: bool

    @property
    def is_new(self) -> bool:
        """Not acknowledged yet: red until someone in the unit acknowledges."""
        return self.delivery.state in OPEN_STATES

    @property
    def is_unread(self) -> bool:
        return self.delivery.state == DeliveryState.NEW

    @property
    def can_acknowledge(self) -> bool:
        return self.delivery.state in OPEN_STATES


def received_deliveries(
    unit: Unit,
    *,
    now: datetime.datetime,
    state: str = "",
    message_type: str = "",
    overdue: bool = False,
    identity: str = "",
) -> _PickedFirst:
    """The unit's deliveries, newest first, as the paginator reads them. Indexes:
    delivery_unit_arrived_idx (unit, -arrived_at) for the plain list, delivery_unit_state_idx
    (unit, state, -arrived_at) with a state, delivery_unit_open_due_idx (unit, due_at) WHERE
    open for "overdue only"; a search goes from the patient's unique identity number through
    message_patient_sent_idx. The type is a column of the joined message, checked on the
    unit's rows."""
    deliveries = Delivery.objects.filter(unit_id=unit.pk)
    if state == UNACKNOWLEDGED:
        # delivery_unit_open_due_idx (unit, due_at) WHERE state IN ('new', 'read').
        deliveries = deliveries.filter(state__in=OPEN_STATES)
    elif state:
        deliveries = deliveries.filter(state=state)
    if message_type:
        deliveries = deliveries.filter(message__message_type=message_type)
    if overdue:
        deliveries = deliveries.filter(state__in=OPEN_STATES, due_at__lt=now)
    if identity:
        deliveries = deliveries.filter(message__patient__identity_number=identity)
    return _PickedFirst(deliveries.order_by("-arrived_at", "-pk"), unit.pk)


class _PickedFirst:
    """The unit's chosen deliveries as the paginator reads them: a page's rows are picked
    by their ids with the LIMIT inside, then read with what the list shows, as the first
    page's prepared read does (`_received_first_rows`). The count is the chosen ids'."""

    ordered = True  # newest first; the paginator warns about an unordered list

    def __init__(self, chosen: QuerySet[Delivery], unit_id: int) -> None:
        self.chosen = chosen
        self.unit_id = unit_id

    def count(self) -> int:
        return self.chosen.count()

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, key: slice) -> list[Delivery]:
        picked = self.chosen.values("pk")[key]
        return list(_received_rows(Delivery.objects.filter(pk__in=picked), self.unit_id))


def _received_rows(deliveries: QuerySet[Delivery], unit_id: int) -> QuerySet[Delivery]:
    """What the list shows of each delivery, newest first."""
    # Whether each row's message belongs to a case or plan, and whether the unit takes part
    # in it, are correlated lookups on the delivery's own message_id: no join through
    # messaging_message, so the paginator's COUNT (which drops unused annotations) stays on
    # the delivery indexes alone.
    # The list shows no message text or content: leave them (and their JSON decoding) out.
    # Nor the delivery's handling, the message's other times and keys, nor more of the
    # sender and the care centre than their names: each column is a converter and a value
    # to set per row (a time also a parse), some 300 per page.
    return (
        deliveries.select_related("message__sender_unit", f"{_PATIENT}__listed_care_centre")
        .annotate(
            in_thread=threads.in_thread("message_id"),
            takes_part=threads.unit_takes_part(unit_id, "message_id"),
        )
        .defer(
            *_unshown("", Delivery, kept=_LISTED_DELIVERY),
            *_unshown("message", Message, kept=_LISTED_MESSAGE),
            *_unshown("message__sender_unit", Unit, kept={"id", "name"}),
            *_unshown(f"{_PATIENT}__listed_care_centre", Unit, kept={"id", "name"}),
            f"{_PATIENT}__created_at",
            f"{_PATIENT}__updated_at",
        )
        .order_by("-arrived_at", "-pk")
    )


# What Mottagna shows of a delivery and its message (received_rows.py, ReceivedRow).
_LISTED_DELIVERY = {"id", "message", "unit", "state", "arrived_at", "due_at"}
_LISTED_MESSAGE = {"id", "message_type", "patient", "sender_unit"}


@prepared(shape=("limit",), warm=lambda: [{"unit_id": 1, "limit": DEFAULT_PAGE_SIZE + 1}])
def _received_first_rows(*, unit_id: int, limit: int) -> QuerySet[Delivery]:
    """The plain list's first page (and one row more): Mottagna as opened twice a day.

    The page's deliveries are picked by a LIMIT of their own, inside: PostgreSQL then plans
    `in_thread` and `takes_part` for those rows only. With the LIMIT outside, it planned them
    for the unit's whole inbox and hashed every message of every case the unit takes part
    in: 200-300 ms of the database's CPU per page for a municipal intake unit in 10,000
    cases (scale 1), 1 ms this way (bench/RESULTS.md, session 7)."""
    newest = Delivery.objects.filter(unit_id=unit_id).order_by("-arrived_at", "-pk")
    return _received_rows(Delivery.objects.filter(pk__in=newest.values("pk")[:limit]), unit_id)


def received_page(
    actor: Actor,
    *,
    paging: PageRequest,
    now: datetime.datetime,
    identity: str = "",
    **filters: object,
) -> Page:
    """Mottagna: one page of the current unit's deliveries as ReceivedRows; logs each patient.

    The plain list (no filter, no search) takes its length from the unit's maintained count
    (samplan.messaging.counts), one primary-key read instead of a COUNT over all its
    deliveries; a filtered list counts on its index."""
    require_inbox(actor)
    unit_id = actor.unit.pk
    plain = not identity and not any(filters.values())
    page = paginate(
        paging,
        lambda: received_deliveries(actor.unit, now=now, identity=identity, **filters),
        count=(lambda: received_total(unit_id)) if plain else None,
        first_rows=(lambda n: _received_first_rows(unit_id=unit_id, limit=n)) if plain else None,
    )
    rows = []
    for delivery in page.object_list:
        participant = delivery.takes_part or (
            not delivery.in_thread and delivery.state in _HELD_STATES
        )
        rows.append(
            ReceivedRow(
                delivery=delivery,
                display=patient_display(delivery.message.patient, participant=participant),
                overdue=delivery.is_overdue(now),
            )
        )
    page.object_list = rows
    log_list_page(
        actor,
        [row.delivery.message.patient for row in rows],
        list_name="received",
        page=page,
        searched=identity,
    )
    return page


# --- Skickade ---------------------------------------------------------------------------------


@dataclass
class SentRow:
    message: Message
    display: PatientDisplay
    deliveries: list[Delivery] = field(default_factory=list)


def sent_messages(unit: Unit, *, message_type: str = "", identity: str = "") -> QuerySet[Message]:
    """The unit's sent messages, newest first: message_sender_sent_idx (sender_unit,
    -sent_at); each message's deliveries come in one more query through
    delivery_message_unit_unique (message, unit)."""
    messages = Message.objects.filter(sender_unit_id=unit.pk)
    if message_type:
        messages = messages.filter(message_type=message_type)
    if identity:
        messages = messages.filter(patient__identity_number=identity)
    deliveries = Delivery.objects.select_related("unit", "forwarded_from__unit").order_by(
        "arrived_at", "pk"
    )
    return (
        messages.select_related("patient__listed_care_centre", "sender_user", "refers_to")
        .prefetch_related(Prefetch("deliveries", queryset=deliveries))
        .annotate(
            in_thread=threads.in_thread("pk"), takes_part=threads.unit_takes_part(unit.pk, "pk")
        )
        .order_by("-sent_at", "-pk")
    )


def sent_page(actor: Actor, *, paging: PageRequest, identity: str = "", **filters: object) -> Page:
    """Skickade: one page of the unit's sent messages as SentRows; logs each patient."""
    require_inbox(actor)
    page = paginate(paging, sent_messages(actor.unit, identity=identity, **filters))
    rows = [
        SentRow(
            message=message,
            display=patient_display(
                message.patient, participant=message.takes_part or not message.in_thread
            ),
            deliveries=list(message.deliveries.all()),
        )
        for message in page.object_list
    ]
    page.object_list = rows
    log_list_page(
        actor,
        [row.message.patient for row in rows],
        list_name="sent",
        page=page,
        searched=identity,
    )
    return page


# --- One message ------------------------------------------------------------------------------


def delivery_of_unit(actor: Actor, message_id: int) -> Delivery | None:
    """The current unit's delivery of a message, if it has one (for the message page and its
    actions). Reads no patient data; the page fetches the message through message_for_unit."""
    require_inbox(actor)
    rows = _unit_delivery(message_id=message_id, unit_id=actor.unit.pk)
    return rows[0] if rows else None


@prepared
def _unit_delivery(*, message_id: int, unit_id: int) -> QuerySet[Delivery]:
    return Delivery.objects.select_related("read_by", "acknowledged_by", "handled_by").filter(
        message_id=message_id, unit_id=unit_id
    )[:1]


def own_delivery_or_404(actor: Actor, message_id: int) -> Delivery:
    delivery = delivery_of_unit(actor, message_id)
    if delivery is None:
        raise Http404
    return delivery


def delivery_to_forward(actor: Actor, message_id: int) -> Delivery:
    """The current unit's delivery of a message, for its forward page (else 404), with what
    the page names the message by: its type, when it was sent and by which unit. The page
    shows no person (the message page that leads to it did, and logged it), so no patient
    data is read and nothing is logged."""
    require_inbox(actor)
    rows = _delivery_to_forward(message_id=message_id, unit_id=actor.unit.pk)
    if not rows:
        raise Http404
    return rows[0]


@prepared
def _delivery_to_forward(*, message_id: int, unit_id: int) -> QuerySet[Delivery]:
    return (
        Delivery.objects.select_related("message__sender_unit")
        .only(
            "state",
            "arrived_at",
            "due_at",
            "unit_id",
            "message__message_type",
            "message__sent_at",
            "message__sender_unit__name",
        )
        .filter(message_id=message_id, unit_id=unit_id)[:1]
    )


def message_for_unit(actor: Actor, message_id: int) -> Message:
    """A message the current unit sent or received (else 404); writes one log row.

    The message comes with what the page needs of the process it belongs to (threads.py):
    whether it belongs to one (`in_thread`), whether the unit takes part in it now
    (`takes_part`), and the process's own values for its link (e.g. `case_id`).
    """
    return _logged(actor, _message_of_unit, message_id)


def message_and_delivery_for_unit(actor: Actor, message_id: int) -> tuple[Message, Delivery | None]:
    """For the message page: message_for_unit with the current unit's delivery of it, if any
    (as delivery_of_unit reads it, without its users), in the same query, and of the sender,
    the patient's care centre and the sender's user only what the page shows. The message
    comes with the unit's new-message count for the page's header as `unit_new_count`
    (new_count_column): opening a new delivery marks it read, which does not change it."""
    message = _logged(actor, _message_page_row, message_id)
    # Without a delivery of the unit, the filtered relation sets no attribute at all.
    return message, getattr(message, "unit_delivery", None)


def _logged(actor: Actor, read: Callable[..., list[Message]], message_id: int) -> Message:
    if not can_work_with_patients(actor.user, actor.unit):
        raise Http404
    rows = read(message_id=message_id, unit_id=actor.unit.pk)
    if not rows:
        raise Http404
    message = rows[0]
    # The unit sent the message or it was addressed to it (by the router, a colleague's
    # choice or a forwarding): that is its need-to-know relation to the person, so the row
    # is not flagged "not a participant" (and three relation queries are spared).
    access_log_record(
        actor=actor,
        patient=message.patient,
        action=AccessAction.VIEW,
        obj=message,
        participant=True,
    )
    return message


def _of_unit(message_id: int, unit_id: int) -> QuerySet[Message]:
    """The message if the unit sent it or has a delivery of it, with that delivery.

    The unit's delivery is joined through a filtered relation: one row at most
    (delivery_message_unit_unique), so no DISTINCT and no second read for it."""
    return (
        Message.objects.annotate(
            unit_delivery=FilteredRelation("deliveries", condition=Q(deliveries__unit_id=unit_id))
        )
        .select_related(
            "patient__listed_care_centre", "sender_unit", "sender_user", "unit_delivery"
        )
        .filter(pk=message_id)
        .filter(Q(sender_unit_id=unit_id) | Q(unit_delivery__isnull=False))
        .annotate(
            in_thread=threads.in_thread("pk"),
            takes_part=threads.unit_takes_part(unit_id, "pk"),
            **threads.thread_annotations("pk"),
        )
        .order_by()
    )


@prepared
def _message_of_unit(*, message_id: int, unit_id: int) -> QuerySet[Message]:
    return _of_unit(message_id, unit_id)[:1]


@prepared
def _message_page_row(*, message_id: int, unit_id: int) -> QuerySet[Message]:
    # Each column is a converter to find and a value to set per query: the units' and the
    # user's other columns (about 40) were a noticeable part of the page's ORM time.
    return (
        _of_unit(message_id, unit_id)
        .defer(
            "uuid",
            "idempotency_key",
            *_unshown("sender_unit", Unit, kept={"id", "name"}),
            *_unshown("patient__listed_care_centre", Unit, kept={"id", "name"}),
            *_unshown("sender_user", User, kept=_NAMED),
            "patient__created_at",
            "patient__updated_at",
            "unit_delivery__reason_code",
            "unit_delivery__escalated_at",
            "unit_delivery__changed_at",
        )
        .annotate(unit_new_count=new_count_column(unit_id))[:1]
    )


# What the pages show of a user: user.get_full_name|default:user.username.
_NAMED = {"id", "username", "first_name", "last_name"}


def _unshown(path: str, model: type, *, kept: set[str]) -> list[str]:
    """The columns of the related row at `path` ("" for the row itself) other than those
    `kept`, to defer."""
    prefix = f"{path}__" if path else ""
    return [f"{prefix}{f.name}" for f in model._meta.concrete_fields if f.name not in kept]


def unit_takes_part_in_message(unit: Unit, message: Message, delivery: Delivery | None) -> bool:
    """Whether the unit sees a protected patient's name on this message (module docstring).

    `message` comes from message_for_unit, which read whether it belongs to a case or plan
    and whether the unit takes part in that now."""
    if message.in_thread:
        return message.takes_part
    if message.sender_unit_id == unit.pk:
        return True
    return delivery is not None and delivery.state in _HELD_STATES


def message_history(message: Message, unit: Unit, delivery: Delivery | None) -> list[Delivery]:
    """Deliveries the unit may follow: all of them for the sender; for a receiver its own and
    those it led to (forwarded to, or the fallback's copy when it returned it)."""
    if message.sender_unit_id == unit.pk:
        return _deliveries_of_message(message_id=message.pk, delivery_id=None)
    if delivery is None:
        return []
    return _deliveries_of_message(message_id=message.pk, delivery_id=delivery.pk)


@prepared(
    warm=lambda: [{"message_id": 1, "delivery_id": None}, {"message_id": 1, "delivery_id": 1}]
)
def _deliveries_of_message(*, message_id: int, delivery_id: int | None) -> QuerySet[Delivery]:
    """All the message's deliveries (delivery_id None), or one and those it led to."""
    # Of the units and users, the history shows names only (see _message_page_row).
    deliveries = (
        Delivery.objects.select_related(
            "unit", "read_by", "acknowledged_by", "handled_by", "forwarded_from__unit"
        )
        .defer(
            "reason_code",
            "reason_text",
            "escalated_at",
            "changed_at",
            *_unshown("unit", Unit, kept={"id", "name"}),
            *_unshown("forwarded_from", Delivery, kept={"id", "unit"}),
            *_unshown("forwarded_from__unit", Unit, kept={"id", "name"}),
            *_unshown("read_by", User, kept=_NAMED),
            *_unshown("acknowledged_by", User, kept=_NAMED),
            *_unshown("handled_by", User, kept=_NAMED),
        )
        .filter(message_id=message_id)
    )
    if delivery_id is not None:
        deliveries = deliveries.filter(Q(pk=delivery_id) | Q(forwarded_from_id=delivery_id))
    return deliveries.order_by("arrived_at", "pk")


def forward_targets(unit: Unit, *, named: str = "") -> QuerySet[Unit]:
    """Units of the own organisation that can receive messages now (unit_org_parent_idx).

    `named`: only those whose name contains the text, or whose HSA-id it is (any case; on
    SQLite, whose LIKE folds only A-Z, "VÅRD" does not find "Vård"). A region has hundreds
    of units with an inbox: the forward page lets the user narrow its list by typing."""
    units = (
        Unit.objects.active_on()
        .filter(organization_id=unit.organization_id, has_inbox=True)
        .exclude(pk=unit.pk)
        .order_by("name")
    )
    named = named.strip()
    if named:
        units = units.filter(Q(name__icontains=named) | Q(hsa_id__iexact=named))
    return units


# --- Stuck messages (Fastnade meddelanden) --------------------------------------------------
#
# Super users and administrators follow up the organisation's messages that got stuck
# (seeds 000, 003: "Meddelanden får inte bli liggande!"): deliveries nobody acknowledged by
# their cut-off, and messages in the organisation's fallback inbox. They forward them, with
# a reason, to the right unit (services.stuck_delivery_forward).

LATE = "late"
FALLBACK = "fallback"


def stuck_organization_ids(user: User) -> set[int]:
    """Organisations whose stuck messages the user sees and forwards: those where they are a
    super user (first-line support reaches the whole organisation, domain.md §2) and those
    they administer (local and system administrators). A deactivated user has none."""
    return organization_ids_with_roles(user, {Role.SUPER_USER}) | administered_organization_ids(
        user
    )


def can_handle_stuck(user: User, organization_id: int | None = None) -> bool:
    ids = stuck_organization_ids(user)
    return bool(ids) if organization_id is None else organization_id in ids


def stuck_organizations(user: User) -> QuerySet[Organization]:
    return Organization.objects.filter(pk__in=stuck_organization_ids(user)).order_by("name")


def can_edit_escalation(user: User, organization_id: int) -> bool:
    """The manager escalation's delay is the organisation's administrators' to set."""
    return organization_id in administered_organization_ids(user)


def fallback_unit_ids(organization_id: int) -> list[int]:
    """The organisation's fallback inbox (one at most, addressing.FallbackInbox)."""
    return list(
        FallbackInbox.objects.filter(organization_id=organization_id).values_list(
            "unit_id", flat=True
        )
    )


@dataclass
class StuckRow:
    delivery: Delivery
    display: PatientDisplay
    late: bool
    in_fallback: bool
    age: datetime.timedelta

    @property
    def age_hours(self) -> int:
        return int(self.age.total_seconds() // 3600)


def stuck_deliveries(
    organization_id: int,
    *,
    now: datetime.datetime,
    fallback_ids: list[int],
    kind: str = "",
    unit_id: int | None = None,
) -> QuerySet[Delivery]:
    """The organisation's open deliveries that are late (past their cut-off) or in its
    fallback inbox, oldest cut-off first.

    Indexes: delivery_open_due_idx (due_at) WHERE state IN ('new', 'read') for the late ones,
    delivery_unit_open_due_idx (unit, due_at) WHERE open for the fallback inbox's (and for a
    chosen unit); the organisation is checked on the joined unit (unit_org_parent_idx)."""
    late = Q(due_at__lt=now)
    in_fallback = Q(unit_id__in=fallback_ids)
    deliveries = Delivery.objects.filter(
        state__in=OPEN_STATES, unit__organization_id=organization_id
    )
    if kind == LATE:
        deliveries = deliveries.filter(late)
    elif kind == FALLBACK:
        deliveries = deliveries.filter(in_fallback)
    else:
        deliveries = deliveries.filter(late | in_fallback)
    if unit_id:
        deliveries = deliveries.filter(unit_id=unit_id)
    # The list shows no message text or content: leave them out.
    return (
        deliveries.select_related("unit", "message__sender_unit", f"{_PATIENT}__listed_care_centre")
        .defer("message__text", "message__content")
        .order_by("due_at", "pk")
    )


def stuck_page(
    actor: Actor,
    *,
    organization_id: int,
    paging: PageRequest,
    now: datetime.datetime,
    kind: str = "",
    unit_id: int | None = None,
) -> Page:
    """Fastnade meddelanden: one page of the organisation's stuck deliveries as StuckRows;
    every patient shown is logged, like any inbox list. 404 unless the user handles the
    organisation's stuck messages.

    The list is a support duty, not a case the actor's unit takes part in: a protected
    person's name and number are replaced by the placeholder here."""
    if not can_handle_stuck(actor.user, organization_id):
        raise Http404
    fallback_ids = fallback_unit_ids(organization_id)
    page = paginate(
        paging,
        stuck_deliveries(
            organization_id, now=now, fallback_ids=fallback_ids, kind=kind, unit_id=unit_id
        ),
    )
    rows = [
        StuckRow(
            delivery=delivery,
            display=patient_display(delivery.message.patient, participant=False),
            late=delivery.due_at < now,
            in_fallback=delivery.unit_id in fallback_ids,
            age=now - delivery.arrived_at,
        )
        for delivery in page.object_list
    ]
    page.object_list = rows
    log_list_page(
        actor,
        [row.delivery.message.patient for row in rows],
        list_name="stuck",
        page=page,
        searched="",
    )
    return page


def stuck_delivery_for_forward(actor: Actor, delivery_id: int) -> Delivery:
    """One delivery of an organisation whose stuck messages the actor handles, for the
    forward page (else 404, like a forged id); writes one access-log row for its patient."""
    delivery = (
        Delivery.objects.select_related(
            "unit__organization", "message__sender_unit", f"{_PATIENT}__listed_care_centre"
        )
        .defer("message__text", "message__content")
        .filter(pk=delivery_id, unit__organization_id__in=stuck_organization_ids(actor.user))
        .first()
    )
    if delivery is None:
        raise Http404
    access_log_record(
        actor=actor,
        patient=delivery.message.patient,
        action=AccessAction.VIEW,
        obj=delivery.message,
        detail=detail_code("stuck_delivery"),
    )
    return delivery


def stuck_forward_targets(
    organization_id: int, *, exclude_unit_id: int | None = None
) -> QuerySet[Unit]:
    """Units of the organisation that can receive messages now (unit_org_parent_idx)."""
    units = Unit.objects.active_on().filter(organization_id=organization_id, has_inbox=True)
    if exclude_unit_id:
        units = units.exclude(pk=exclude_unit_id)
    return units.order_by("name")


def stuck_units(organization_id: int) -> QuerySet[Unit]:
    """The unit filter's choices: the organisation's units with an inbox."""
    return Unit.objects.filter(organization_id=organization_id, has_inbox=True).order_by("name")
