"""The maintained count of a unit's deliveries (UnitDeliveryCount): Mottagna's page count.

`received_count_add` is called by every service that creates deliveries, inside its
transaction, after the INSERT; `received_total` is what the list reads instead of a COUNT.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import IntegrityError, transaction
from django.db.models import Count, F, QuerySet

from samplan.core.prepared import prepared
from samplan.messaging.models import Delivery, UnitDeliveryCount


def received_count_add(unit_ids: Iterable[int], *, each: int = 1) -> None:
    """`each` deliveries more (one by default) for each unit in `unit_ids` (one UPDATE; the
    rows are locked in primary-key order by every writer, so two sends to overlapping units
    cannot deadlock).

    A unit without a row yet gets one with its real count, which already includes the
    deliveries just inserted. Two transactions creating the same row at once: the second
    waits on the primary key, fails, and adds its one to the first's row instead.
    """
    ids = sorted(set(unit_ids))
    if not ids:
        return
    updated = UnitDeliveryCount.objects.filter(unit_id__in=ids).update(
        received=F("received") + each
    )
    if updated == len(ids):
        return
    have = set(UnitDeliveryCount.objects.filter(unit_id__in=ids).values_list("unit_id", flat=True))
    for unit_id in ids:
        if unit_id in have:
            continue
        try:
            with transaction.atomic():
                UnitDeliveryCount.objects.create(
                    unit_id=unit_id, received=Delivery.objects.filter(unit_id=unit_id).count()
                )
        except IntegrityError:
            UnitDeliveryCount.objects.filter(unit_id=unit_id).update(received=F("received") + each)


def received_total(unit_id: int) -> int | None:
    """The unit's deliveries in every state (one primary-key read), or None without a row."""
    found = _received_total(unit_id=unit_id)
    return found[0] if found else None


@prepared
def _received_total(*, unit_id: int) -> QuerySet:
    # Prepared: Mottagna reads it on every view, and building and compiling the query was
    # most of its cost. The unit is the primary key: one row at most, no ordering needed.
    return UnitDeliveryCount.objects.filter(unit_id=unit_id).values_list("received", flat=True)


def received_counts_rebuild() -> int:
    """Sets every unit's row to its real count (after a bulk load such as bench/generate.py,
    and in the migration that brings the table). Returns the number of units counted."""
    totals = Delivery.objects.values("unit_id").annotate(n=Count("pk")).values_list("unit_id", "n")
    rows = [UnitDeliveryCount(unit_id=unit_id, received=n) for unit_id, n in totals]
    with transaction.atomic():
        UnitDeliveryCount.objects.all().delete()
        UnitDeliveryCount.objects.bulk_create(rows, batch_size=1000)
    return len(rows)
