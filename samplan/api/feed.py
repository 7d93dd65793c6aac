"""A unit's change feed of deliveries: what changed since an opaque cursor.

Each delivery appears once per change, in its state after the change (new, read,
acknowledged, forwarded, returned, cancelled), in (changed_at, id) order, which is stable.
The cursor is the (changed_at, id) of the last item given. One indexed range query on
(unit, changed_at, id) per page, whatever the size of the delivery table; no patient data,
so no access-log row (reading a message through the API writes one).

Changes younger than SETTLE are held back to the next poll, so a change whose transaction
commits a moment after it took its time cannot fall behind a cursor already handed out.
"""

from __future__ import annotations

import base64
import binascii
import datetime
from dataclasses import dataclass

from django.db.models import Q
from django.utils import timezone

from samplan.messaging.models import Delivery
from samplan.organizations.models import Unit

SETTLE = datetime.timedelta(seconds=2)
MAX_LIMIT = 500


class BadCursor(ValueError):
    pass


def cursor_encode(changed_at: datetime.datetime, delivery_id: int) -> str:
    raw = f"{changed_at.astimezone(datetime.UTC).isoformat()}|{delivery_id}"
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def cursor_decode(cursor: str) -> tuple[datetime.datetime, int]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        when, _sep, pk = base64.urlsafe_b64decode(padded.encode("ascii")).decode().partition("|")
        moment = datetime.datetime.fromisoformat(when)
        if moment.tzinfo is None:
            raise ValueError(when)
        return moment, int(pk)
    except (ValueError, UnicodeError, binascii.Error):
        raise BadCursor(cursor) from None


# The columns a feed item shows, read as plain values: a page is up to 500 rows, and
# building Delivery, Message and Unit instances (with the message's text and content) for
# each cost more CPU than the rest of the request (bench/apibench.py, bench/RESULTS.md).
_COLUMNS = {
    "delivery_id": "id",
    "message_id": "message_id",
    "message_uuid": "message__uuid",
    "message_type": "message__message_type",
    "state": "state",
    "changed_at": "changed_at",
    "arrived_at": "arrived_at",
    "due_at": "due_at",
    "sender_id": "message__sender_unit_id",
    "sender_name": "message__sender_unit__name",
    "sender_hsa_id": "message__sender_unit__hsa_id",
}


@dataclass(frozen=True)
class FeedPage:
    items: list[dict[str, object]]
    next_cursor: str
    has_more: bool


def _item(row: dict[str, object]) -> dict[str, object]:
    item = {key: row[key] for key in _COLUMNS if not key.startswith("sender_")}
    item["message_uuid"] = str(row["message_uuid"])
    item["sender"] = {
        "id": row["sender_id"],
        "name": row["sender_name"],
        "hsa_id": row["sender_hsa_id"] or None,
    }
    return item


def unit_feed(unit: Unit, *, cursor: str = "", limit: int = 100) -> FeedPage:
    """One page of the unit's changes after `cursor` ("" for the beginning): each item the
    delivery's id, state and times, its message's id, uuid and type, and the sending unit."""
    # The settle horizon is applied to the rows read, not in the WHERE clause: with both
    # ends of changed_at given as parameters, PostgreSQL's generic plan for the prepared
    # statement guessed a narrow range and read the unit's whole history through a bitmap
    # scan and a sort (240 ms for the busiest unit at scale 0.1, not 0.5 ms); with the lower
    # end only, every plan walks the index in order and stops after the page.
    horizon = timezone.now() - SETTLE
    deliveries = Delivery.objects.filter(unit_id=unit.pk)
    if cursor:
        after, after_id = cursor_decode(cursor)
        deliveries = deliveries.filter(changed_at__gte=after).filter(
            Q(changed_at__gt=after) | Q(id__gt=after_id)
        )
    keys = list(_COLUMNS)
    rows = [
        dict(zip(keys, values, strict=True))
        for values in deliveries.order_by("changed_at", "id").values_list(*_COLUMNS.values())[
            : limit + 1
        ]
    ]
    # Ordered by changed_at, so the unsettled rows are the last ones read.
    rows = [row for row in rows if row["changed_at"] <= horizon]
    has_more = len(rows) > limit
    rows = rows[:limit]
    last = rows[-1] if rows else None
    next_cursor = cursor_encode(last["changed_at"], last["delivery_id"]) if last else cursor
    return FeedPage(items=[_item(row) for row in rows], next_cursor=next_cursor, has_more=has_more)
