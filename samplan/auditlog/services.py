"""Writing the administrative history."""

from __future__ import annotations

from typing import Any

from django.db import models

from samplan.auditlog.models import AdminChange
from samplan.organizations.models import Organization, Unit


def _plain(value: Any) -> Any:
    if isinstance(value, models.Model):
        return str(value)
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


def admin_change_record(
    *,
    actor: Any,
    actor_unit: Unit | None,
    organization: Organization,
    action: str,
    target: models.Model,
    changes: dict[str, list[Any]] | None = None,
) -> AdminChange:
    return AdminChange.objects.create(
        actor=actor,
        actor_unit=actor_unit,
        organization=organization,
        action=action,
        target_type=target._meta.model_name,
        target_id=str(target.pk),
        target_repr=str(target)[:300],
        changes=changes or {},
    )
