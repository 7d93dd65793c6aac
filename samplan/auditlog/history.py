"""The history of administrative changes (who changed which user, unit, organisation or setting,
when, and what): written by every administrative service, read by Administrera → Historik."""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING, Any

from django.db import models
from django.utils import timezone

from samplan.auditlog.models import (
    AdminChange,
)
from samplan.core.actor import Actor

if TYPE_CHECKING:
    from samplan.organizations.models import Organization


def _plain(value: Any) -> Any:
    if isinstance(value, models.Model):
        return str(value)
    if isinstance(value, datetime.datetime):
        # Read by people in Sweden: local time to the minute, not UTC with microseconds.
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


def snapshot(instance: models.Model, fields: list[str]) -> dict[str, Any]:
    """Field values of `instance` as plain JSON values, for diffing before and after a change."""
    return {name: _plain(getattr(instance, name)) for name in fields}


def diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    return {
        name: [before.get(name), value]
        for name, value in after.items()
        if before.get(name) != value
    }


def instance_diff(
    before: models.Model, after: models.Model, fields: list[str]
) -> dict[str, list[Any]]:
    """Changed fields between two versions of one object, as readable [old, new] pairs.

    Compares stored values (a foreign key's id, not its name, so a move between two units of
    the same name is still a change) and records the readable form of each.
    """
    changes: dict[str, list[Any]] = {}
    for name in fields:
        attname = before._meta.get_field(name).attname
        if getattr(before, attname) != getattr(after, attname):
            changes[name] = [_plain(getattr(before, name)), _plain(getattr(after, name))]
    return changes


def admin_change_record(
    *,
    actor: Actor,
    organization: Organization,
    action: str,
    target: models.Model,
    changes: dict[str, list[Any]] | None = None,
) -> AdminChange:
    return AdminChange.objects.create(
        actor=actor.user,
        actor_unit=actor.unit,
        organization=organization,
        action=action,
        target_type=target._meta.model_name,
        target_id=str(target.pk),
        target_repr=str(target)[:300],
        changes=changes or {},
    )
