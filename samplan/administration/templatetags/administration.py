"""Showing history rows (auditlog.AdminChange) in words: field names and values as labels."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django import template
from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from samplan.accounts.models import Membership, User
from samplan.auditlog.models import AdminChange
from samplan.organizations.models import Organization, Unit

register = template.Library()

TARGET_MODELS: dict[str, type[models.Model]] = {
    "user": User,
    "membership": Membership,
    "unit": Unit,
    "organization": Organization,
}
# Fields that have no translated verbose name of their own.
EXTRA_LABELS = {
    "locked_until": gettext_lazy("locked until"),
    "failed_login_count": gettext_lazy("failed logins in a row"),
    # accesslog_purge: how many of the organisation's access-log rows were removed.
    "purged_rows": gettext_lazy("access-log rows"),
    # A stuck message forwarded by a super user or administrator (messaging).
    "forwarded_to": gettext_lazy("forwarded to"),
}


@dataclass(frozen=True)
class ChangeItem:
    label: str
    old: str
    new: str


def _target_model(target_type: str) -> type[models.Model] | None:
    """The model of a history row's target: those above, or any installed model of that name
    (the apps above administration, e.g. access orders, write history rows too; found through
    the app registry, since administration may not import them)."""
    model = TARGET_MODELS.get(target_type)
    if model is None:
        model = next((m for m in apps.get_models() if m._meta.model_name == target_type), None)
    return model


def _field(model: type[models.Model] | None, name: str) -> models.Field | None:
    if model is None:
        return None
    try:
        return model._meta.get_field(name)
    except FieldDoesNotExist:
        return None


def _shown(field: models.Field | None, value: Any) -> str:
    if value is None or value == "":
        return "–"
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if field is not None and field.choices:
        return str(dict(field.flatchoices).get(value, value))
    return str(value)


@register.filter
def change_items(change: AdminChange) -> list[ChangeItem]:
    """Each changed field of a history row as label, old value and new value."""
    model = _target_model(change.target_type)
    items = []
    for name, pair in (change.changes or {}).items():
        field = _field(model, name)
        label = EXTRA_LABELS.get(name) or (field.verbose_name if field is not None else name)
        old, new = [*pair, None, None][:2] if isinstance(pair, list) else (None, pair)
        items.append(ChangeItem(capfirst(str(label)), _shown(field, old), _shown(field, new)))
    return items


@register.filter
def target_type_label(target_type: str) -> str:
    model = _target_model(target_type)
    return capfirst(str(model._meta.verbose_name)) if model else target_type
