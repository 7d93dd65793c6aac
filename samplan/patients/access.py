"""The only way views reach patient data: need-to-know checked, access log written.

Every function here takes the actor (the user and the unit acted for), decides whether that
unit may see the patient (samplan.accounts.access.unit_may_see_patient), writes one access-log
row in the same place, and raises Http404 for a patient the unit may not know exists, so a
forged id and a missing one look the same. Fetching a patient logs a view; the services log
each change on top.
"""

from __future__ import annotations

from django.http import Http404

from samplan.accounts.access import unit_may_see_patient
from samplan.auditlog.access_log import AccessAction, access_log_record
from samplan.auditlog.details import detail_code
from samplan.core.actor import Actor
from samplan.patients.identity import Identity
from samplan.patients.models import MAX_IDENTITY_LENGTH, Consent, Patient

_PATIENT_RELATED = ("merged_into__listed_care_centre", "listed_care_centre")


def _current(patient: Patient) -> Patient:
    """A linked reserve identity stands for the real one (services.patient_link_reserve)."""
    return patient.merged_into if patient.merged_into_id else patient


def _visible_patient(actor: Actor, patient_id: int) -> Patient:
    patient = Patient.objects.select_related(*_PATIENT_RELATED).filter(pk=patient_id).first()
    if patient is None:
        raise Http404
    patient = _current(patient)
    if actor.unit is None or not unit_may_see_patient(actor.unit, patient):
        raise Http404
    return patient


def patient_for_unit(actor: Actor, patient_id: int) -> Patient:
    """The patient, if the unit may see it (else 404); writes a view row.

    For a reserve identity that was linked, returns the real patient: callers compare the
    pk with the one asked for and redirect.
    """
    patient = _visible_patient(actor, patient_id)
    access_log_record(
        actor=actor, patient=patient, action=AccessAction.VIEW, obj=patient, participant=True
    )
    return patient


def consent_for_unit(actor: Actor, patient_id: int, consent_id: int) -> Consent:
    """One consent of a patient the unit may see (else 404); writes a view row."""
    patient = _visible_patient(actor, patient_id)
    consent = (
        Consent.objects.select_related("recorded_by", "recorded_by_unit")
        .filter(pk=consent_id, patient=patient)
        .first()
    )
    if consent is None:
        raise Http404
    consent.patient = patient
    access_log_record(
        actor=actor, patient=patient, action=AccessAction.VIEW, obj=consent, participant=True
    )
    return consent


def patient_search(actor: Actor, *, identity: Identity | None, typed: str) -> Patient | None:
    """Sök patient: the patient with that number if the unit may see it, else None.

    A number nobody has and a patient the unit has no relation to give the same None, so a
    search never reveals that a person is registered. Every search, also of an invalid
    number (identity None), writes one row with what was searched.
    """
    patient = None
    if identity is not None:
        found = (
            Patient.objects.select_related(*_PATIENT_RELATED)
            .filter(identity_number=identity.number)
            .first()
        )
        if found is not None:
            found = _current(found)
            if actor.unit is not None and unit_may_see_patient(actor.unit, found):
                patient = found
        searched = identity.number
    else:
        searched = "".join(typed.split()).upper()
    access_log_record(
        actor=actor,
        patient=patient,
        action=AccessAction.SEARCH,
        searched_identity=searched[:MAX_IDENTITY_LENGTH],
        detail="" if identity is not None else detail_code("invalid_number"),
        participant=True if patient is not None else None,
    )
    return patient
