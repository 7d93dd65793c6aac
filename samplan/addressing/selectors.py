"""Reads of the addressing register that other apps use."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone

from samplan.accounts import access
from samplan.accounts.models import User
from samplan.addressing import access as register_access
from samplan.addressing.models import AreaRule, PatientFilter, RegisterImport, ResidenceEntry
from samplan.auditlog.access_log import AccessAction, access_log_record_many
from samplan.core.actor import Actor
from samplan.organizations.models import Organization, OrganizationKind, Unit
from samplan.patients.models import Patient

if TYPE_CHECKING:
    from samplan.addressing.services import Register


def unit_has_register_relation(unit: Unit, patient: Patient) -> bool:
    """Need-to-know through the register: the unit has an active patient filter for the
    person, or the person lives at the unit, today (Europe/Stockholm)."""
    today = timezone.localdate()
    number = patient.identity_number
    return (
        PatientFilter.objects.valid_on(today).filter(unit=unit, identity_number=number).exists()
        or ResidenceEntry.objects.valid_on(today).filter(unit=unit, identity_number=number).exists()
    )


def register_entries(
    register: Register,
    user: User,
    *,
    number: str = "",
    unit_id: int | None = None,
    current_only: bool = True,
) -> QuerySet:
    """The register rows the user keeps, ordered by person (identity index)."""
    rows = register.model.objects.filter(unit__in=register.units(user)).select_related(
        "unit", "created_by"
    )
    if number:
        rows = rows.filter(identity_number=number)
    if unit_id is not None:
        rows = rows.filter(unit_id=unit_id)
    if current_only:
        rows = rows.valid_on(timezone.localdate())
    return rows.order_by("identity_number", register.start, "pk")


def register_page_log(
    actor: Actor, entries: Sequence[PatientFilter | ResidenceEntry]
) -> dict[str, Patient]:
    """One access-log row for each person of the register page who is a patient in samplan
    (the page shows their personnummer), so their log extract names the unit that looked. One
    query for the persons (returned by identity number, for the page to show their names), one
    batch for the rows."""
    numbers = {entry.identity_number for entry in entries}
    if not numbers:
        return {}
    persons = {
        p.identity_number: p
        for p in Patient.objects.filter(identity_number__in=numbers).only(
            "pk", "identity_number", "first_name", "last_name", "protection"
        )
    }
    access_log_record_many(
        actor=actor,
        patients=list(persons.values()),
        action=AccessAction.VIEW,
        object_type=entries[0]._meta.model_name,
        detail=f"addressing:{entries[0]._meta.model_name} list",
    )
    return persons


def register_entry_for(register: Register, user: User, pk: int) -> PatientFilter | ResidenceEntry:
    """One row the user keeps; 404 for rows of units the user does not keep."""
    return get_object_or_404(
        register.model.objects.select_related("unit__organization"),
        pk=pk,
        unit__in=register.units(user),
    )


def area_rules_for(user: User) -> QuerySet[AreaRule]:
    return (
        AreaRule.objects.filter(unit__in=register_access.area_rule_units(user))
        .select_related("unit__organization")
        .order_by("municipality_code", "postal_code_from", "message_type", "pk")
    )


def area_rule_for(user: User, pk: int) -> AreaRule:
    return get_object_or_404(
        AreaRule.objects.select_related("unit__organization"),
        pk=pk,
        unit__in=register_access.area_rule_units(user),
    )


def organizations_with_fallback(user: User) -> QuerySet[Organization]:
    return (
        access.administered_organizations(user)
        .select_related("fallback_inbox__unit")
        .order_by("name")
    )


def organizations_missing_fallback(user: User) -> list[Organization]:
    """Municipalities and regions the user administers that have no fallback inbox yet."""
    return list(
        access.administered_organizations(user)
        .filter(
            kind__in=[OrganizationKind.MUNICIPALITY, OrganizationKind.REGION],
            fallback_inbox__isnull=True,
        )
        .order_by("name")
    )


def recent_imports(user: User, limit: int = 10) -> list[RegisterImport]:
    return list(
        RegisterImport.objects.filter(uploaded_by=user)
        .defer("rows", "errors")
        .order_by("-uploaded_at")[:limit]
    )


def register_import_for(user: User, pk: str) -> RegisterImport:
    """Only the user who uploaded a file sees it (it holds identity numbers)."""
    return get_object_or_404(RegisterImport, pk=pk, uploaded_by=user)
