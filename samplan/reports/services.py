"""Writes of the reports app: the frozen monthly national statistics (reports.national).

statistics_snapshot_for makes a closed month's snapshot the first time it is asked for;
statistics_snapshot_recount replaces it at a system administrator's request, keeping the old
one. Both count from the report facts, so the caller brings them up to date first
(reports.facts.refresh).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from samplan.accounts.access import is_system_administrator
from samplan.auditlog.history import admin_change_record
from samplan.auditlog.models import AdminAction
from samplan.core.actor import Actor
from samplan.organizations.models import Organization, OrganizationKind
from samplan.reports.models import CaseFact, StatisticsRow, StatisticsSnapshot
from samplan.reports.national import CARE_TYPES, count_month, is_closed


def _make(region: Organization, month: datetime.date, user=None) -> StatisticsSnapshot:
    lines = count_month(region.pk, month, timezone.localdate())
    snapshot = StatisticsSnapshot.objects.create(
        region=region,
        month=month,
        made_at=timezone.now(),
        made_by=user,
        days=sum(line.days for line in lines),
        patients=sum(line.patients for line in lines),
    )
    StatisticsRow.objects.bulk_create(
        StatisticsRow(
            snapshot=snapshot,
            municipality_id=line.municipality_id,
            care_type=line.care_type,
            days=line.days,
            patients=line.patients,
        )
        for line in lines
    )
    return snapshot


def current_snapshot(region_id: int, month: datetime.date) -> StatisticsSnapshot | None:
    return StatisticsSnapshot.objects.filter(
        region_id=region_id, month=month, superseded_at__isnull=True
    ).first()


def statistics_snapshot_for(*, region: Organization, month: datetime.date) -> StatisticsSnapshot:
    """The region's frozen figures of a closed month, made now if this is the first time
    the month is asked for. Two first requests at once make one snapshot (the unique
    constraint; the loser reads the winner's)."""
    if not is_closed(month, timezone.localdate()):
        raise ValueError("only a closed month is frozen")
    found = current_snapshot(region.pk, month)
    if found is not None:
        return found
    try:
        with transaction.atomic():
            return _make(region, month)
    except IntegrityError:
        found = current_snapshot(region.pk, month)
        if found is None:
            raise
        return found


def can_recount(user, region: Organization) -> bool:
    return is_system_administrator(user, region)


def statistics_snapshot_recount(
    *, actor: Actor, region: Organization, month: datetime.date, replacing: int
) -> StatisticsSnapshot:
    """Count a closed month again: the snapshot `replacing` (the one the administrator saw)
    is superseded and kept, a new one made, and the recount written to the administrative
    change history. Posting the same form twice recounts once: the second post names a
    snapshot already superseded and gets the current one back."""
    if not can_recount(actor.user, region):
        raise PermissionDenied
    if not is_closed(month, timezone.localdate()):
        raise ValidationError(_("Only a month that has ended can be recounted."))
    with transaction.atomic():
        old = (
            StatisticsSnapshot.objects.select_for_update()
            .filter(pk=replacing, region=region, month=month)
            .first()
        )
        if old is None:
            raise ValidationError(_("The figures to recount were not found."))
        if old.superseded_at is not None:
            current = current_snapshot(region.pk, month)
            if current is not None:
                return current
        old.superseded_at = timezone.now()
        old.save(update_fields=["superseded_at"])
        new = _make(region, month, actor.user)
        admin_change_record(
            actor=actor,
            organization=region,
            action=AdminAction.UPDATE,
            target=new,
            changes={"days": [old.days, new.days], "patients": [old.patients, new.patients]},
        )
    return new


@dataclass(frozen=True)
class StatisticsLine:
    region: Organization
    municipality: Organization
    care_type: str
    days: int
    patients: int


@dataclass(frozen=True)
class NationalStatistics:
    """A month's figures as one organisation may see them."""

    month: datetime.date
    lines: list[StatisticsLine]
    snapshots: list[StatisticsSnapshot]  # the frozen figures shown ([]: preliminary)
    history: list[StatisticsSnapshot]  # earlier snapshots of the month, superseded

    @property
    def preliminary(self) -> bool:
        return not self.snapshots


def national_statistics(*, organization: Organization, month: datetime.date) -> NationalStatistics:
    """A region's lines for the month, or a municipality's (from each region it has cases
    with): frozen for a closed month (made now if never asked for before), live for the
    current one. Every municipality a region has lines for gets both care types' lines."""
    today = timezone.localdate()
    municipality_id = None
    if organization.kind == OrganizationKind.REGION:
        region_ids = [organization.pk]
    else:
        municipality_id = organization.pk
        region_ids = sorted(
            set(
                CaseFact.objects.filter(municipality_id=organization.pk)
                .values_list("region_id", flat=True)
                .distinct()
                .order_by()
            )
        )
    regions = Organization.objects.in_bulk(region_ids)
    snapshots: list[StatisticsSnapshot] = []
    history: list[StatisticsSnapshot] = []
    raw: list[tuple[int, int, str, int, int]] = []
    if is_closed(month, today):
        snapshots = [statistics_snapshot_for(region=regions[pk], month=month) for pk in region_ids]
        rows = StatisticsRow.objects.filter(snapshot__in=snapshots)
        if municipality_id is not None:
            rows = rows.filter(municipality_id=municipality_id)
        raw = list(
            rows.values_list(
                "snapshot__region_id", "municipality_id", "care_type", "days", "patients"
            )
        )
        history = list(
            StatisticsSnapshot.objects.filter(
                region_id__in=region_ids, month=month, superseded_at__isnull=False
            )
            .select_related("made_by")
            .order_by("-made_at")
        )
    else:
        for pk in region_ids:
            raw += [
                (pk, line.municipality_id, line.care_type, line.days, line.patients)
                for line in count_month(pk, month, today, municipality_id)
            ]
    lines = _lines(raw, regions)
    return NationalStatistics(month, lines, snapshots, history)


def _lines(
    raw: list[tuple[int, int, str, int, int]], regions: dict[int, Organization]
) -> list[StatisticsLine]:
    figures = {(r, m, c): (d, p) for r, m, c, d, p in raw}
    pairs = sorted({(r, m) for r, m, _, _, _ in raw})
    names = Organization.objects.in_bulk({m for _, m in pairs})
    lines = [
        StatisticsLine(regions[r], names[m], care, *figures.get((r, m, care), (0, 0)))
        for r, m in pairs
        for care in CARE_TYPES
    ]
    lines.sort(
        key=lambda line: (
            line.region.name,
            line.municipality.name,
            CARE_TYPES.index(line.care_type),
        )
    )
    return lines


def snapshot_lines(
    snapshot: StatisticsSnapshot, organization: Organization
) -> list[StatisticsLine]:
    """One snapshot's lines as `organization` may see them (a municipality: its own)."""
    rows = snapshot.rows.all()
    if organization.kind != OrganizationKind.REGION:
        rows = rows.filter(municipality_id=organization.pk)
    raw = [
        (snapshot.region_id, m, c, d, p)
        for m, c, d, p in rows.values_list("municipality_id", "care_type", "days", "patients")
    ]
    return _lines(raw, {snapshot.region_id: snapshot.region})
