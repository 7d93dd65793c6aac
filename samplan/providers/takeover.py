"""Övertagande (seed 002): on a date, units move from one provider to another.

Planning creates, for each unit, a successor unit under the taking-over organisation, active
from the date (a unit's HSA-id carries its organisation's number, so a new principal means a
new unit in HSA too). On the date the task worker carries the takeover out in one transaction:
the patient filters and residence-list rows running on the date move to the successor (the old
row ends the day before, so the register's history stays true), open deliveries are passed on
to the successor's inbox, participations in open cases and SIP plans move, every membership in
the old units ends (the old provider's users lose access), and the old units close the day
before the date.

Nothing that already happened is re-keyed: deliveries, case participations, access-log rows
(which record the organisation acted for) and administrative history stay with the old unit
and so keep counting for the organisation that did the work at the time, in reports and in
log review alike.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from samplan.accounts import access
from samplan.accounts import services as account_services
from samplan.accounts.access import require
from samplan.accounts.models import Membership
from samplan.addressing.models import PatientFilter, ResidenceEntry
from samplan.administration import open_work as closing
from samplan.administration import services as organization_services
from samplan.auditlog.history import admin_change_record
from samplan.auditlog.models import AdminAction
from samplan.core.actor import Actor
from samplan.messaging import hooks
from samplan.messaging.alerts import alerts_queue
from samplan.messaging.counts import received_count_add
from samplan.messaging.models import AlertSettings, Delivery, DeliveryState
from samplan.organizations.models import Organization, Unit
from samplan.providers import access as provider_access
from samplan.providers.models import Takeover, TakeoverState, TakeoverUnit
from samplan.providers.services import move_participations

SUCCESSOR_COPIED_FIELDS = [
    "name",
    "kind",
    "has_inbox",
    "phone",
    "email",
    "visiting_address",
    "opening_hours",
]


def _running_filters(unit_ids: Sequence[int], day: datetime.date):
    return PatientFilter.objects.filter(unit_id__in=list(unit_ids)).filter(
        Q(valid_to__isnull=True) | Q(valid_to__gte=day)
    )


def _running_residences(unit_ids: Sequence[int], day: datetime.date):
    return ResidenceEntry.objects.filter(unit_id__in=list(unit_ids)).filter(
        Q(moved_out__isnull=True) | Q(moved_out__gte=day)
    )


def _standing_memberships(unit_ids: Sequence[int]):
    today = timezone.localdate()
    return Membership.objects.filter(unit_id__in=list(unit_ids), ended_at__isnull=True).filter(
        Q(valid_to__isnull=True) | Q(valid_to__gte=today)
    )


@dataclass(frozen=True)
class UnitPreview:
    unit: Unit
    successor: Unit
    patient_filters: int
    residents: int
    deliveries: int
    cases: int
    plans: int
    memberships: int


def _per_unit(rows: object) -> dict[int, int]:
    return dict(
        rows.order_by().values("unit_id").annotate(n=Count("id")).values_list("unit_id", "n")
    )


def takeover_preview(takeover: Takeover) -> list[UnitPreview]:
    """What will move for each unit, counted as of now (the page shown before the date):
    seven queries whatever the number of units."""
    rows = list(takeover.units.select_related("unit", "successor"))
    day = takeover.takes_effect_on
    ids = [row.unit_id for row in rows]
    filters = _per_unit(_running_filters(ids, day))
    residents = _per_unit(_running_residences(ids, day))
    deliveries = _per_unit(closing.open_deliveries(ids))
    cases = _per_unit(closing.open_cases(ids))
    plans = _per_unit(closing.open_plans(ids))
    memberships = _per_unit(_standing_memberships(ids))
    return [
        UnitPreview(
            unit=row.unit,
            successor=row.successor,
            patient_filters=filters.get(row.unit_id, 0),
            residents=residents.get(row.unit_id, 0),
            deliveries=deliveries.get(row.unit_id, 0),
            cases=cases.get(row.unit_id, 0),
            plans=plans.get(row.unit_id, 0),
            memberships=memberships.get(row.unit_id, 0),
        )
        for row in rows
    ]


def _record(actor: Actor, takeover: Takeover, action: str, changes: dict) -> None:
    """In both organisations' histories."""
    for organization in (takeover.from_organization, takeover.to_organization):
        admin_change_record(
            actor=actor, organization=organization, action=action, target=takeover, changes=changes
        )


def takeover_plan(
    *,
    actor: Actor,
    from_organization: Organization,
    to_organization: Organization,
    takes_effect_on: datetime.date,
    units: Sequence[Unit],
) -> Takeover:
    """Plans the takeover and creates the successor units, active from the date."""
    require(provider_access.can_plan_takeover(actor.user, from_organization, to_organization))
    errors: dict[str, str] = {}
    if takes_effect_on < timezone.localdate():
        errors["takes_effect_on"] = _("The date cannot be in the past.")
    if from_organization.pk == to_organization.pk:
        errors["to_organization"] = _("Choose another organisation than the one handing over.")
    elif not to_organization.is_active:
        errors["to_organization"] = _("The taking-over organisation is not active.")
    if not units:
        errors["units"] = _("Choose at least one unit.")
    elif any(unit.organization_id != from_organization.pk for unit in units):
        errors["units"] = _("Every unit must belong to the handing-over organisation.")
    elif any(not unit.is_active for unit in units):
        errors["units"] = _("A closed unit cannot be taken over.")
    elif TakeoverUnit.objects.filter(
        unit__in=list(units), takeover__state=TakeoverState.PLANNED
    ).exists():
        errors["units"] = _("A unit is already part of another planned takeover.")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        takeover = Takeover.objects.create(
            from_organization=from_organization,
            to_organization=to_organization,
            takes_effect_on=takes_effect_on,
            planned_by=actor.user,
        )
        successors: dict[int, Unit] = {}
        # Parents before children, so a successor sits under its parent's successor.
        chosen = {unit.pk for unit in units}
        ordered = sorted(units, key=lambda unit: (len(unit.ancestors()), unit.name))
        for unit in ordered:
            successor = Unit(
                organization=to_organization,
                parent=successors.get(unit.parent_id) if unit.parent_id in chosen else None,
                active_from=takes_effect_on,
                **{name: getattr(unit, name) for name in SUCCESSOR_COPIED_FIELDS},
            )
            organization_services.unit_create(actor=actor, unit=successor)
            successors[unit.pk] = successor
            TakeoverUnit.objects.create(takeover=takeover, unit=unit, successor=successor)
        _record(
            actor,
            takeover,
            AdminAction.CREATE,
            {
                "takes_effect_on": [None, takes_effect_on.isoformat()],
                "units": [None, ", ".join(unit.name for unit in ordered)],
            },
        )
    return takeover


def takeover_cancel(*, actor: Actor, takeover: Takeover) -> None:
    """Cancels a planned takeover; the successor units (not yet started) close with it."""
    require(
        provider_access.can_plan_takeover(
            actor.user, takeover.from_organization, takeover.to_organization
        )
    )
    with transaction.atomic():
        stored = Takeover.objects.select_for_update().get(pk=takeover.pk)
        if stored.state != TakeoverState.PLANNED:
            return
        stored.state = TakeoverState.CANCELLED
        stored.finished_at = timezone.now()
        stored.save(update_fields=["state", "finished_at"])
        for row in stored.units.select_related("successor"):
            Unit.objects.filter(pk=row.successor_id).update(is_active=False)
            admin_change_record(
                actor=actor,
                organization=takeover.to_organization,
                action=AdminAction.DEACTIVATE,
                target=row.successor,
                changes={"is_active": [True, False]},
            )
        _record(actor, takeover, AdminAction.UPDATE, {"state": ["planned", "cancelled"]})
        takeover.state = stored.state


def _move_filters(old: Unit, new: Unit, day: datetime.date) -> int:
    moved = 0
    for row in _running_filters([old.pk], day):
        if row.valid_from >= day:
            if not PatientFilter.objects.filter(
                unit=new, identity_number=row.identity_number, valid_from=row.valid_from
            ).exists():
                PatientFilter.objects.filter(pk=row.pk).update(unit=new)
                moved += 1
            continue
        PatientFilter.objects.filter(pk=row.pk).update(valid_to=day - datetime.timedelta(days=1))
        _, created = PatientFilter.objects.get_or_create(
            unit=new,
            identity_number=row.identity_number,
            valid_from=day,
            defaults={"valid_to": row.valid_to, "created_by": row.created_by},
        )
        moved += created
    return moved


def _move_residences(old: Unit, new: Unit, day: datetime.date) -> int:
    moved = 0
    for row in _running_residences([old.pk], day):
        if row.moved_in >= day:
            if not ResidenceEntry.objects.filter(
                unit=new, identity_number=row.identity_number, moved_in=row.moved_in
            ).exists():
                ResidenceEntry.objects.filter(pk=row.pk).update(unit=new)
                moved += 1
            continue
        ResidenceEntry.objects.filter(pk=row.pk).update(moved_out=day - datetime.timedelta(days=1))
        _, created = ResidenceEntry.objects.get_or_create(
            unit=new,
            identity_number=row.identity_number,
            moved_in=day,
            defaults={"moved_out": row.moved_out, "created_by": row.created_by},
        )
        moved += created
    return moved


def _pass_on_deliveries(actor: Actor, old: Unit, new: Unit, reason: str) -> int:
    """The old unit's unacknowledged deliveries reach the successor's inbox as new deliveries
    (across organisations, which an ordinary forward is not allowed to do), keeping their
    answer time; the old ones are marked forwarded."""
    now = timezone.now()
    created = []
    for delivery in Delivery.objects.select_for_update().filter(
        unit=old, state__in=[DeliveryState.NEW, DeliveryState.READ]
    ):
        if Delivery.objects.filter(message_id=delivery.message_id, unit=new).exists():
            continue
        Delivery.objects.filter(pk=delivery.pk).update(
            state=DeliveryState.FORWARDED, handled_at=now, handled_by=actor.user, changed_at=now
        )
        created.append(
            Delivery.objects.create(
                message_id=delivery.message_id,
                unit=new,
                reason_code="forwarded",
                reason_text=reason[:300],
                arrived_at=now,
                due_at=delivery.due_at,
                forwarded_from=delivery,
            )
        )
    if created:
        received_count_add([new.pk], each=len(created))  # Mottagna's maintained count
        alerts_queue(unit_ids=[new.pk])
        hooks.deliveries_created([delivery.pk for delivery in created])
    return len(created)


def _copy_alert_settings(old: Unit, new: Unit) -> None:
    settings = AlertSettings.objects.filter(unit=old).first()
    if settings is not None and not AlertSettings.objects.filter(unit=new).exists():
        AlertSettings.objects.create(
            unit=new,
            enabled=settings.enabled,
            sms_numbers=settings.sms_numbers,
            email_addresses=settings.email_addresses,
        )


def takeover_carry_out(*, actor: Actor, takeover: Takeover, today: datetime.date) -> bool:
    """Carries out a planned takeover whose date has come, in one transaction. Returns False
    (and changes nothing) when it is not planned any more or its date has not come: a second
    run, or two workers at once, do it once."""
    with transaction.atomic():
        stored = (
            Takeover.objects.select_for_update()
            .select_related("from_organization", "to_organization")
            .filter(pk=takeover.pk, state=TakeoverState.PLANNED, takes_effect_on__lte=today)
            .first()
        )
        if stored is None:
            return False
        day = stored.takes_effect_on
        reason = _("Takeover by %(name)s") % {"name": stored.to_organization.name}
        totals = {
            "patient_filters": 0,
            "residents": 0,
            "deliveries": 0,
            "cases": 0,
            "plans": 0,
            "memberships": 0,
        }
        rows = list(stored.units.select_related("unit", "successor"))
        for row in rows:
            old, new = row.unit, row.successor
            if not new.is_active:
                Unit.objects.filter(pk=new.pk).update(is_active=True)
            totals["patient_filters"] += _move_filters(old, new, day)
            totals["residents"] += _move_residences(old, new, day)
            totals["deliveries"] += _pass_on_deliveries(actor, old, new, reason)
            moved = move_participations(actor=actor, unit=old, to_unit=new, reason=reason)
            totals["cases"] += moved["cases"]
            totals["plans"] += moved["plans"]
            _copy_alert_settings(old, new)
        old_ids = [row.unit_id for row in rows]
        totals["memberships"] = account_services.memberships_close(
            actor=actor, memberships=Membership.objects.filter(unit_id__in=old_ids)
        )
        last_day = day - datetime.timedelta(days=1)
        for row in rows:
            Unit.objects.filter(pk=row.unit_id).update(is_active=False, active_to=last_day)
            admin_change_record(
                actor=actor,
                organization=stored.from_organization,
                action=AdminAction.DEACTIVATE,
                target=row.unit,
                changes={
                    "is_active": [True, False],
                    "active_to": [None, last_day.isoformat()],
                    "successor": [None, f"{row.successor} ({stored.to_organization})"],
                },
            )
        # Nothing left of the handing-over organisation: it is deactivated too, so none of its
        # users can log in any more.
        if not Unit.objects.filter(organization=stored.from_organization, is_active=True).exists():
            Organization.objects.filter(pk=stored.from_organization_id).update(is_active=False)
            admin_change_record(
                actor=actor,
                organization=stored.from_organization,
                action=AdminAction.DEACTIVATE,
                target=stored.from_organization,
                changes={"is_active": [True, False]},
            )
        stored.state = TakeoverState.DONE
        stored.finished_at = timezone.now()
        stored.result = totals
        stored.save(update_fields=["state", "finished_at", "result"])
        _record(
            actor,
            stored,
            AdminAction.UPDATE,
            {"state": ["planned", "done"], **{name: [0, count] for name, count in totals.items()}},
        )
        access.forget_memberships(actor.user)
    return True


def takeovers_due(*, actor: Actor, today: datetime.date) -> int:
    """The planned takeovers whose date has come (served by takeover_due_idx)."""
    due = Takeover.objects.filter(state=TakeoverState.PLANNED, takes_effect_on__lte=today)
    return sum(takeover_carry_out(actor=actor, takeover=takeover, today=today) for takeover in due)
