"""Reads of the addressing register that other apps use."""

from __future__ import annotations

from django.utils import timezone

from samplan.addressing.models import PatientFilter, ResidenceEntry
from samplan.organizations.models import Unit
from samplan.patients.models import Patient


def unit_has_register_relation(unit: Unit, patient: Patient) -> bool:
    """Need-to-know through the register: the unit has an active patient filter for the
    person, or the person lives at the unit, today (Europe/Stockholm)."""
    today = timezone.localdate()
    number = patient.identity_number
    return (
        PatientFilter.objects.valid_on(today).filter(unit=unit, identity_number=number).exists()
        or ResidenceEntry.objects.valid_on(today).filter(unit=unit, identity_number=number).exists()
    )
