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


@dataclass(frozen=True)
class FeedPage:
    items: list[Delivery]
    next_cursor: str
    has_more: bool


def unit_feed(unit: Unit, *, cursor: str = "", limit: int = 100) -> FeedPage:
    """One page of the unit's changes after `cursor` ("" for the beginning)."""
    deliveries = Delivery.objects.filter(unit_id=unit.pk, changed_at__lte=timezone.now() - SETTLE)
    if cursor:
        after, after_id = cursor_decode(cursor)
        deliveries = deliveries.filter(changed_at__gte=after).filter(
            Q(changed_at__gt=after) | Q(id__gt=after_id)
        )
    rows = list(
        deliveries.select_related("message", "message__sender_unit").order_by("changed_at", "id")[
            : limit + 1
        ]
    )
    has_more = len(rows) > limit
    rows = rows[:limit]
    next_cursor = cursor_encode(rows[-1].changed_at, rows[-1].pk) if rows else cursor
    return FeedPage(items=rows, next_cursor=next_cursor, has_more=has_more)
