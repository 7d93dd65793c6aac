"""Every write to the addressing register: one transaction each, permission checked here."""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from itertools import islice
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, models, transaction
from django.db.models import F, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from samplan.accounts.models import User
from samplan.addressing import access as register_access
from samplan.addressing.importing import check_file, check_rows
from samplan.addressing.models import (
    AreaRule,
    FallbackInbox,
    ImportKind,
    ImportStatus,
    PatientFilter,
    RegisterImport,
    ResidenceEntry,
)
from samplan.auditlog.history import admin_change_record, diff, snapshot
from samplan.auditlog.models import AdminAction
from samplan.core.actor import Actor, task_actor
from samplan.organizations.models import Organization, Unit

IMPORT_BATCH_SIZE = 1000
IMPORT_KEEP = datetime.timedelta(hours=24)


@dataclass(frozen=True)
class Register:
    """Patient filters and residence lists work alike: a unit, a person, a period."""

    kind: str
    model: type[PatientFilter] | type[ResidenceEntry]
    start: str
    end: str
    units: Callable[[User], QuerySet[Unit]]
    can_manage: Callable[[User, Unit], bool]


REGISTERS: dict[str, Register] = {
    ImportKind.PATIENT_FILTER: Register(
        kind=ImportKind.PATIENT_FILTER,
        model=PatientFilter,
        start="valid_from",
        end="valid_to",
        units=register_access.patient_filter_units,
        can_manage=register_access.can_manage_patient_filters,
    ),
    ImportKind.RESIDENCE: Register(
        kind=ImportKind.RESIDENCE,
        model=ResidenceEntry,
        start="moved_in",
        end="moved_out",
        units=register_access.residence_list_units,
        can_manage=register_access.can_manage_residence_list,
    ),
}


def _duplicate_error() -> ValidationError:
    return ValidationError(
        _("The person is already registered at this unit from that date."), code="duplicate"
    )


def register_entry_create(
    *,
    actor: Actor,
    kind: str,
    unit: Unit,
    identity_number: str,
    start: datetime.date,
    end: datetime.date | None,
) -> PatientFilter | ResidenceEntry:
    register = REGISTERS[kind]
    if not register.can_manage(actor.user, unit):
        raise PermissionDenied
    if end is not None and end < start:
        raise ValidationError(_("The end date is before the start date."))
    try:
        with transaction.atomic():
            entry = register.model.objects.create(
                unit=unit,
                identity_number=identity_number,
                created_by=actor.user,
                **{register.start: start, register.end: end},
            )
            admin_change_record(
                actor=actor,
                organization=unit.organization,
                action=AdminAction.CREATE,
                target=entry,
            )
    except IntegrityError:
        raise _duplicate_error() from None
    return entry


def register_entry_update(
    *,
    actor: Actor,
    entry: PatientFilter | ResidenceEntry,
    start: datetime.date,
    end: datetime.date | None,
) -> PatientFilter | ResidenceEntry:
    """Change the period (e.g. end a registration); unit and person stay as they are."""
    register = _register_of(entry)
    if not register.can_manage(actor.user, entry.unit):
        raise PermissionDenied
    if end is not None and end < start:
        raise ValidationError(_("The end date is before the start date."))
    fields = [register.start, register.end]
    before = snapshot(entry, fields)
    setattr(entry, register.start, start)
    setattr(entry, register.end, end)
    try:
        with transaction.atomic():
            entry.save(update_fields=[*fields, "updated_at"])
            admin_change_record(
                actor=actor,
                organization=entry.unit.organization,
                action=AdminAction.UPDATE,
                target=entry,
                changes=diff(before, snapshot(entry, fields)),
            )
    except IntegrityError:
        raise _duplicate_error() from None
    return entry


def register_entry_delete(*, actor: Actor, entry: PatientFilter | ResidenceEntry) -> None:
    """Remove a row entered by mistake (ending a registration is an update of its end date).
    The history keeps the removed row as a deactivation."""
    register = _register_of(entry)
    if not register.can_manage(actor.user, entry.unit):
        raise PermissionDenied
    with transaction.atomic():
        admin_change_record(
            actor=actor,
            organization=entry.unit.organization,
            action=AdminAction.DEACTIVATE,
            target=entry,
            changes={"removed": [str(entry), None]},
        )
        entry.delete()


def _register_of(entry: models.Model) -> Register:
    return next(r for r in REGISTERS.values() if isinstance(entry, r.model))


AREA_RULE_FIELDS = [
    "municipality_code",
    "postal_code_from",
    "postal_code_to",
    "message_type",
    "unit",
    "valid_from",
    "valid_to",
]


def _area_rule_duplicate() -> ValidationError:
    return ValidationError(_("The same area rule already exists."), code="duplicate")


def area_rule_save(
    *,
    actor: Actor,
    rule: AreaRule,
) -> AreaRule:
    """Create or change an area rule (the form has filled in `rule`)."""
    if not register_access.can_manage_area_rules(actor.user, rule.unit):
        raise PermissionDenied
    if rule.pk is not None:
        old = AreaRule.objects.select_related("unit").get(pk=rule.pk)
        if not register_access.can_manage_area_rules(actor.user, old.unit):
            raise PermissionDenied
        before = snapshot(old, AREA_RULE_FIELDS)
        action = AdminAction.UPDATE
    else:
        before = {}
        action = AdminAction.CREATE
        rule.created_by = actor.user
    try:
        with transaction.atomic():
            rule.save()
            admin_change_record(
                actor=actor,
                organization=rule.unit.organization,
                action=action,
                target=rule,
                changes=diff(before, snapshot(rule, AREA_RULE_FIELDS)),
            )
    except IntegrityError:
        raise _area_rule_duplicate() from None
    return rule


def area_rule_delete(*, actor: Actor, rule: AreaRule) -> None:
    if not register_access.can_manage_area_rules(actor.user, rule.unit):
        raise PermissionDenied
    with transaction.atomic():
        admin_change_record(
            actor=actor,
            organization=rule.unit.organization,
            action=AdminAction.DEACTIVATE,
            target=rule,
            changes={"removed": [str(rule), None]},
        )
        rule.delete()


def fallback_inbox_set(*, actor: Actor, organization: Organization, unit: Unit) -> FallbackInbox:
    if not register_access.can_set_fallback_inbox(actor.user, organization):
        raise PermissionDenied
    if unit.organization_id != organization.pk or not unit.has_inbox:
        raise ValidationError(_("Choose one of the organisation's units that has an inbox."))
    with transaction.atomic():
        inbox, created = FallbackInbox.objects.select_for_update().get_or_create(
            organization=organization, defaults={"unit": unit, "updated_by": actor.user}
        )
        before = {"unit": str(inbox.unit)} if not created else {}
        inbox.unit = unit
        inbox.updated_by = actor.user
        inbox.save()
        admin_change_record(
            actor=actor,
            organization=organization,
            action=AdminAction.CREATE if created else AdminAction.UPDATE,
            target=inbox,
            changes=diff(before, {"unit": str(unit)}),
        )
    return inbox


# --- Import ------------------------------------------------------------------------------


def register_import_purge(*, now: datetime.datetime | None = None) -> int:
    """Forget checked files nobody imported within IMPORT_KEEP, and old finished imports."""
    now = now or timezone.now()
    deleted, _counts = (
        RegisterImport.objects.filter(expires_at__lt=now)
        .exclude(status__in=[ImportStatus.QUEUED, ImportStatus.RUNNING])
        .delete()
    )
    return deleted


def register_import_check(
    *, actor: Actor, kind: str, file_name: str, data: bytes
) -> RegisterImport:
    """Check a file and keep the result for the user's choice (import the good rows or
    nothing). Raises importing.ImportFileError when the file as a whole is unusable."""
    register = REGISTERS[kind]
    units = list(register.units(actor.user).only("pk", "name", "hsa_id"))
    if not units:
        raise PermissionDenied
    result = check_file(kind=kind, name=file_name, data=data, units=units)
    now = timezone.now()
    register_import_purge(now=now)
    return RegisterImport.objects.create(
        kind=kind,
        uploaded_by=actor.user,
        uploaded_at=now,
        expires_at=now + IMPORT_KEEP,
        file_name=file_name[:200],
        total_rows=result.total,
        rows=result.good,
        errors=result.errors,
        good_count=len(result.good),
        error_count=len(result.errors),
    )


def register_import_start(*, actor: Actor, register_import: RegisterImport) -> RegisterImport:
    """The user chose "import the good rows": queue the import (once, however often posted)."""
    if register_import.uploaded_by_id != actor.user.pk:
        raise PermissionDenied
    if register_import.expires_at < timezone.now():
        raise ValidationError(_("The checked file has expired. Upload it again."))
    with transaction.atomic():
        claimed = RegisterImport.objects.filter(
            pk=register_import.pk, status=ImportStatus.CHECKED
        ).update(status=ImportStatus.QUEUED)
        if claimed:
            from samplan.addressing.tasks import run_register_import

            transaction.on_commit(lambda: run_register_import.enqueue(str(register_import.pk)))
    register_import.refresh_from_db()
    return register_import


def register_import_discard(*, actor: Actor, register_import: RegisterImport) -> RegisterImport:
    """The user chose "import nothing": the parsed rows are dropped at once."""
    if register_import.uploaded_by_id != actor.user.pk:
        raise PermissionDenied
    RegisterImport.objects.filter(pk=register_import.pk, status=ImportStatus.CHECKED).update(
        status=ImportStatus.DISCARDED, rows=[], finished_at=timezone.now()
    )
    register_import.refresh_from_db()
    return register_import


def register_import_run(*, import_id: str) -> None:
    """Write the good rows in batches, updating the progress row after each batch.

    Rows are matched on (unit, person, start date): a new key is created, an identical row is
    left alone, a row whose end date differs gets the file's end date. So importing the same
    file twice changes nothing, and a newer export from the same source updates the periods.
    Each batch is its own transaction so the progress is visible while it runs; a crash
    leaves whole batches, and running the same file again completes it.
    """
    now = timezone.now()
    if not RegisterImport.objects.filter(pk=import_id, status=ImportStatus.QUEUED).update(
        status=ImportStatus.RUNNING, started_at=now
    ):
        return  # already run, or discarded
    register_import = RegisterImport.objects.select_related("uploaded_by").get(pk=import_id)
    register = REGISTERS[register_import.kind]
    # The worker acts for the person who uploaded the file.
    actor = task_actor(register_import.uploaded_by)
    # Permissions may have changed since the check: write only rows the user may still keep.
    allowed = set(register.units(actor.user).values_list("pk", flat=True))
    try:
        for batch in _batched(register_import.rows, IMPORT_BATCH_SIZE):
            with transaction.atomic():
                created, updated, unchanged = _import_batch(register, batch, actor, allowed)
                RegisterImport.objects.filter(pk=import_id).update(
                    processed_rows=F("processed_rows") + len(batch),
                    created_count=F("created_count") + created,
                    updated_count=F("updated_count") + updated,
                    unchanged_count=F("unchanged_count") + unchanged,
                )
    except Exception:
        RegisterImport.objects.filter(pk=import_id).update(
            status=ImportStatus.FAILED, finished_at=timezone.now()
        )
        raise
    RegisterImport.objects.filter(pk=import_id).update(
        status=ImportStatus.DONE, rows=[], finished_at=timezone.now()
    )


def _batched(rows: list[Any], size: int) -> Iterable[list[Any]]:
    iterator = iter(rows)
    while batch := list(islice(iterator, size)):
        yield batch


def _import_batch(
    register: Register, batch: Iterable[list[Any]], actor: Actor, allowed: set[int]
) -> tuple[int, int, int]:
    rows = [row for row in batch if row[1] in allowed]
    model = register.model
    existing = {
        (unit_id, number, start.isoformat()): (pk, end)
        for pk, unit_id, number, start, end in model.objects.filter(
            unit_id__in={row[1] for row in rows},
            identity_number__in={row[2] for row in rows},
        ).values_list("pk", "unit_id", "identity_number", register.start, register.end)
    }
    now = timezone.now()
    new: list[models.Model] = []
    changed: list[models.Model] = []
    unchanged = 0
    for _line, unit_id, number, start_text, end_text in rows:
        start = datetime.date.fromisoformat(start_text)
        end = datetime.date.fromisoformat(end_text) if end_text else None
        found = existing.get((unit_id, number, start_text))
        if found is None:
            new.append(
                model(
                    unit_id=unit_id,
                    identity_number=number,
                    created_by=actor.user,
                    created_at=now,
                    updated_at=now,
                    **{register.start: start, register.end: end},
                )
            )
        elif found[1] == end:
            unchanged += 1
        else:
            changed.append(model(pk=found[0], updated_at=now, **{register.end: end}))
    # ignore_conflicts: a row someone added by hand meanwhile is not an error.
    model.objects.bulk_create(new, batch_size=IMPORT_BATCH_SIZE, ignore_conflicts=True)
    model.objects.bulk_update(changed, [register.end, "updated_at"], batch_size=IMPORT_BATCH_SIZE)
    return len(new), len(changed), unchanged


@dataclass(frozen=True)
class ReplaceResult:
    """What replacing a unit's register did: rows added (or whose end date changed), rows
    ended, and the rows refused (with their position in the call and the reason)."""

    added: list[tuple[str, str, str]]  # (identity number, start, end or "")
    updated: list[tuple[str, str, str]]
    ended: list[tuple[str, str, str]]  # (identity number, start, new end; "" if removed)
    refused: list[tuple[int, str]]


def register_replace(
    *, actor: Actor, kind: str, unit: Unit, rows: Sequence[tuple[str, Any, Any]]
) -> ReplaceResult:
    """The unit's register of `kind` becomes `rows` (identity number, start, end), as the
    source system (the municipality's record system) has it, in one transaction.

    Rows are checked as a file import checks them (importing.check_rows); refused rows are
    reported and left out. A standing row of the unit that is not among the good rows is
    ended: its end date becomes yesterday (removed if it had not begun before today). The
    caller decides who may do this (the API: an integrating system acting for the unit).
    """
    register = REGISTERS[kind]
    if kind == ImportKind.RESIDENCE and unit.kind not in register_access.RESIDENCE_UNIT_KINDS:
        raise ValidationError(
            _("Only a nursing home or disability services keep a residence list.")
        )
    checked = check_rows(
        (
            (position, [unit.name, number, start, end])
            for position, (number, start, end) in enumerate(rows, start=1)
        ),
        units=[unit],
    )
    today = timezone.localdate()
    yesterday = today - datetime.timedelta(days=1)
    model = register.model
    wanted = {(row[2], row[3]): row[4] for row in checked.good}
    added, updated, ended = [], [], []
    now = timezone.now()
    with transaction.atomic():
        standing = (
            model.objects.select_for_update()
            .filter(unit=unit)
            .filter(
                models.Q(**{f"{register.end}__isnull": True})
                | models.Q(**{f"{register.end}__gte": today})
            )
        )
        existing = {
            (row.identity_number, getattr(row, register.start).isoformat()): row
            for row in model.objects.filter(unit=unit, identity_number__in={k[0] for k in wanted})
        }
        for (number, start_text), end_text in wanted.items():
            end = datetime.date.fromisoformat(end_text) if end_text else None
            row = existing.get((number, start_text))
            if row is None:
                model.objects.create(
                    unit=unit,
                    identity_number=number,
                    created_by=actor.user,
                    created_at=now,
                    **{register.start: datetime.date.fromisoformat(start_text), register.end: end},
                )
                added.append((number, start_text, end_text))
            elif getattr(row, register.end) != end:
                model.objects.filter(pk=row.pk).update(**{register.end: end, "updated_at": now})
                updated.append((number, start_text, end_text))
        for row in standing:
            key = (row.identity_number, getattr(row, register.start).isoformat())
            if key in wanted:
                continue
            if getattr(row, register.start) > yesterday:
                model.objects.filter(pk=row.pk).delete()
                ended.append((*key, ""))
            else:
                model.objects.filter(pk=row.pk).update(
                    **{register.end: yesterday, "updated_at": now}
                )
                ended.append((*key, yesterday.isoformat()))
    return ReplaceResult(
        added=added,
        updated=updated,
        ended=ended,
        refused=[(line, message) for line, message in checked.errors],
    )
