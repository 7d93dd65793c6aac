"""Reads of patient data that other code builds on. They write no access-log row: callers
reach the patient through samplan.patients.access first, which does."""

from __future__ import annotations

import datetime

from django.db.models import Q, QuerySet
from django.utils import timezone

from samplan.accounts.models import User
from samplan.core.prepared import prepared
from samplan.organizations.models import Organization
from samplan.patients.access import reserve_format_region_ids
from samplan.patients.models import Consent, Patient, PatientLink, ReserveNumberFormat


def active_consent(patient: Patient, scope: str) -> Consent | None:
    """The patient's newest consent of `scope` that is given and not withdrawn, if any.

    The SIP plan requires one before anything is sent (domain.md §7).
    """
    rows = _active_consents(patient_id=patient.pk, scope=scope, now=timezone.now())
    return rows[0] if rows else None


@prepared
def _active_consents(*, patient_id: int, scope: str, now: datetime.datetime) -> QuerySet[Consent]:
    return Consent.objects.filter(
        patient_id=patient_id, scope=scope, withdrawn_at__isnull=True, given_at__lte=now
    ).order_by("-given_at", "-pk")[:1]


def patient_consents(patient: Patient) -> QuerySet[Consent]:
    """The patient page's consent list, newest first, with everything a row shows."""
    return (
        Consent.objects.filter(patient=patient)
        .select_related("recorded_by", "recorded_by_unit", "withdrawn_by", "withdrawn_by_unit")
        .order_by("-recorded_at", "-pk")
    )


def patient_links(patient: Patient) -> QuerySet[PatientLink]:
    """Reserve identities linked to the patient, or the link from this reserve identity."""
    return (
        PatientLink.objects.filter(Q(to_patient=patient) | Q(from_patient=patient))
        .select_related("linked_by", "linked_by_unit")
        .order_by("-linked_at", "-pk")
    )


def managed_regions(user: User) -> QuerySet[Organization]:
    """Regions whose reservnummer formats the user keeps."""
    return Organization.objects.filter(pk__in=reserve_format_region_ids(user)).order_by("name")


def managed_reserve_formats(user: User) -> QuerySet[ReserveNumberFormat]:
    """The format list of Administrera reservnummerformat."""
    return (
        ReserveNumberFormat.objects.filter(region_id__in=reserve_format_region_ids(user))
        .select_related("region")
        .order_by("region__name", "name")
    )
