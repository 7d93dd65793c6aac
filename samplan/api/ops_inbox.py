"""The unit's inbox through the API: the change feed, reading a message, acknowledging."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema
from pydantic import Field

from samplan.api import feed, journal
from samplan.api.auth import act
from samplan.api.models import Scope
from samplan.api.presenting import message_out
from samplan.api.problems import ERROR_RESPONSES, WRITE_ERROR_RESPONSES, ApiProblem
from samplan.api.schemas import (
    AcknowledgeIn,
    AcknowledgeOut,
    FeedPageOut,
    IdempotencyHeader,
    IdPath,
    JournalNoteOut,
    MessageOut,
    PersonHeader,
    UnitHeader,
)
from samplan.messaging import access as messaging_access
from samplan.messaging.models import OPEN_STATES, Delivery, DeliveryState
from samplan.messaging.services import deliveries_acknowledge, delivery_mark_read

router = Router(tags=["Inbox"])


class FeedQuery(Schema):
    cursor: str = Field("", max_length=200, description="From the last page; empty at first.")
    limit: int = Field(100, ge=1, le=feed.MAX_LIMIT)


@router.get(
    "/feed",
    response={200: FeedPageOut, **ERROR_RESPONSES},
    summary="A unit's change feed of deliveries since a cursor",
    operation_id="feed",
)
def feed_read(
    request: HttpRequest,
    unit: UnitHeader,
    query: Query[FeedQuery],
    person: PersonHeader = None,
) -> dict[str, object]:
    """Deliveries to the unit that are new or changed (read, acknowledged, forwarded,
    returned, cancelled) after `cursor`, oldest change first. No patient data: fetch the
    message to see it. Poll with the `next_cursor` of the last page; an empty page keeps it."""
    actor = act(request, unit=unit, person=person, scope=Scope.INBOX_READ)
    try:
        page = feed.unit_feed(actor.unit, cursor=query.cursor, limit=query.limit)
    except feed.BadCursor:
        detail = _("The cursor is not one this feed gave out.")
        raise ApiProblem(
            "invalid", detail, errors=[{"field": "query.cursor", "detail": detail}]
        ) from None
    return {
        "items": page.items,
        "next_cursor": page.next_cursor,
        "has_more": page.has_more,
    }


@router.get(
    "/messages/{message_id}",
    response={200: MessageOut, **ERROR_RESPONSES},
    summary="Read one message the unit sent or received",
    operation_id="message_read",
)
def message_read(
    request: HttpRequest, message_id: IdPath, unit: UnitHeader, person: PersonHeader = None
) -> dict[str, object]:
    """The message, with this unit's delivery; a new delivery becomes read. Writes one
    access-log row naming the system, the unit and the person. 404 unless the unit sent or
    received it."""
    actor = act(request, unit=unit, person=person, scope=Scope.INBOX_READ)
    message = messaging_access.message_for_unit(actor, message_id)
    delivery = messaging_access.delivery_of_unit(actor, message_id)
    if delivery is not None and delivery.state == DeliveryState.NEW:
        delivery_mark_read(actor=actor, delivery=delivery)
        delivery = messaging_access.delivery_of_unit(actor, message_id)
    participant = messaging_access.unit_takes_part_in_message(actor.unit, message, delivery)
    if delivery is not None:
        delivery.unit = actor.unit
    return message_out(message, participant=participant, delivery=delivery)


@router.post(
    "/deliveries/acknowledge",
    response={200: AcknowledgeOut, **WRITE_ERROR_RESPONSES},
    summary="Acknowledge one or many deliveries (kvittera)",
    operation_id="deliveries_acknowledge",
)
def acknowledge(
    request: HttpRequest,
    unit: UnitHeader,
    body: AcknowledgeIn,
    person: PersonHeader = None,
    idempotency_key: IdempotencyHeader = None,
) -> dict[str, object]:
    """Acknowledges the unit's open deliveries among `delivery_ids`, as the system's service
    user. Ids that are not open in this unit's inbox are listed as not acknowledged (without
    saying whether they exist)."""
    actor = act(request, unit=unit, person=person, scope=Scope.DELIVERIES_ACKNOWLEDGE)
    wanted = list(dict.fromkeys(body.delivery_ids))
    open_ids = set(
        Delivery.objects.filter(
            pk__in=wanted, unit_id=actor.unit.pk, state__in=OPEN_STATES
        ).values_list("pk", flat=True)
    )
    deliveries_acknowledge(actor=actor, delivery_ids=sorted(open_ids))
    done = set(
        Delivery.objects.filter(
            pk__in=open_ids, state=DeliveryState.ACKNOWLEDGED, acknowledged_by=actor.user
        ).values_list("pk", flat=True)
    )
    return {
        "acknowledged": [pk for pk in wanted if pk in done],
        "not_acknowledged": [pk for pk in wanted if pk not in done],
    }


@router.get(
    "/messages/{message_id}/journal-note",
    response={200: JournalNoteOut, **ERROR_RESPONSES},
    summary="The plain-text journal note for a message the unit sent or received",
    operation_id="message_journal_note",
)
def message_journal_note(
    request: HttpRequest, message_id: IdPath, unit: UnitHeader, person: PersonHeader = None
) -> dict[str, object]:
    """For the unit's own record system, so the message is written once. Writes one
    access-log row, as reading the message does."""
    actor = act(request, unit=unit, person=person, scope=Scope.INBOX_READ)
    message = messaging_access.message_for_unit(actor, message_id)
    delivery = messaging_access.delivery_of_unit(actor, message_id)
    if delivery is not None:
        delivery.unit = actor.unit
    participant = messaging_access.unit_takes_part_in_message(actor.unit, message, delivery)
    return {"text": journal.message_note(message, participant=participant, delivery=delivery)}
