"""Who may work with patients, and the only way views reach patient data.

The rules (can_work_with_patients, can_change_patient, unit_may_see_patient, the reserve
number formats) are built on the role primitives of samplan.accounts.access. The accessors
take the actor (the user and the unit acted for), decide whether that unit may see the
patient (unit_may_see_patient), write one access-log row in the same place, and raise Http404
for a patient the unit may not know exists, so a forged id and a missing one look the same.
Fetching a patient logs a view; the services log each change on top. A person is looked up
by identity number through patient_by_identity only, wherever the look-up happens.
"""

from __future__ import annotations

import enum

from django.db import models
from django.http import Http404

from samplan.accounts.access import (
    PATIENT_WORK_ROLES,
    roles_in_unit,
    system_administered_organization_ids,
)
from samplan.accounts.models import User
from samplan.auditlog.access_log import AccessAction, access_log_record
from samplan.auditlog.details import detail_code
from samplan.core.actor import Actor
from samplan.organizations.models import Organization, OrganizationKind, Unit
from samplan.patients.identity import Identity
from samplan.patients.models import MAX_IDENTITY_LENGTH, Consent, Patient
from samplan.patients.relations import unit_has_relation

# --- Who may work with patients ------------------------------------------------------------


def can_work_with_patients(user: User, unit: Unit | None) -> bool:
    """Search patients, open patient pages, create patients and record consent for `unit`."""
    return unit is not None and bool(roles_in_unit(user, unit) & PATIENT_WORK_ROLES)


def unit_may_see_patient(unit: Unit, patient: Patient) -> bool:
    """Need-to-know: a case or plan the unit takes part in, or its own addressing row.

    The relations are registered by the apps that own them (samplan.patients.relations).
    """
    return unit_has_relation(unit, patient)


def can_change_patient(user: User, unit: Unit | None, patient: Patient) -> bool:
    """Change details, link a reserve number, record or withdraw consent."""
    return (
        unit is not None
        and can_work_with_patients(user, unit)
        and unit_may_see_patient(unit, patient)
    )


def reserve_format_region_ids(user: User) -> set[int]:
    """Regions whose reservnummer formats the user maintains: their system administrators'."""
    ids = system_administered_organization_ids(user)
    if not ids:
        return set()
    return set(
        Organization.objects.filter(pk__in=ids, kind=OrganizationKind.REGION).values_list(
            "pk", flat=True
        )
    )


def can_manage_reserve_formats(user: User, region: Organization | None = None) -> bool:
    """Any region (for the menu and list) or the given one."""
    ids = reserve_format_region_ids(user)
    return bool(ids) if region is None else region.pk in ids


# --- Need-to-know accessors ------------------------------------------------------------------

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


class Reach(enum.Enum):
    """What a look-up by identity number rests its need to know on (patient_by_identity)."""

    # The unit's own relation to the person (a case, a plan, its addressing row): a person
    # the unit has none with is reported as nobody, so a search never reveals a registration.
    UNIT_RELATION = "unit_relation"
    # A role whose duty is to look people up in the whole organisation (log review, PDL 4 kap
    # 3 §): the person is returned and the row is not flagged "not a participant".
    REVIEW_ROLE = "review_role"
    # An administrator keeping the addressing register or simulating routing: the person is
    # returned; the log writer flags the row when the unit has no relation to the person.
    ADMINISTRATOR = "administrator"


def patient_by_identity(
    actor: Actor,
    number: str,
    *,
    reach: Reach = Reach.UNIT_RELATION,
    action: str = AccessAction.SEARCH,
    obj: models.Model | None = None,
    object_type: str = "",
    detail: str = "",
    log_found: bool = True,
) -> Patient | None:
    """The patient with identity number `number` as far as `reach` lets the actor know, else
    None; writes the access-log row. Every look-up of a person by number goes through here.

    A reserve number linked to a real one (merged_into) gives the real person. The row names
    the patient found; for nobody (or a person hidden by the unit's need to know) it is a row
    with the number searched, whose flags still say whether that number is a protected or
    unrelated person. A row that names the person by a view (`action` VIEW, e.g. a register
    entry's page, with `obj`) does not repeat the number. `log_found` False: the caller writes
    the row that names the found person itself, with what only it knows (the log extract's
    print row counts the rows printed; the log review's look-up leads to the search page,
    which logs the search for the person); a number that finds nobody is logged here all the
    same.
    """
    found = Patient.objects.select_related(*_PATIENT_RELATED).filter(identity_number=number).first()
    if found is not None:
        found = _current(found)
        if reach is Reach.UNIT_RELATION and (
            actor.unit is None or not unit_may_see_patient(actor.unit, found)
        ):
            found = None
    if found is not None and not log_found:
        return found
    if reach is Reach.REVIEW_ROLE:
        participant: bool | None = True
    elif reach is Reach.UNIT_RELATION and found is not None:
        participant = True
    else:
        participant = None
    access_log_record(
        actor=actor,
        patient=found,
        action=action,
        obj=obj,
        object_type=object_type,
        searched_identity="" if found is not None and action == AccessAction.VIEW else number,
        detail=detail,
        participant=participant,
    )
    return found


def patient_search(actor: Actor, *, identity: Identity | None, typed: str) -> Patient | None:
    """Sök patient: the patient with that number if the unit may see it, else None.

    A number nobody has and a patient the unit has no relation to give the same None, so a
    search never reveals that a person is registered. Every search, also of an invalid
    number (identity None), writes one row with what was searched.
    """
    if identity is not None:
        return patient_by_identity(actor, identity.number)
    searched = "".join(typed.split()).upper()
    access_log_record(
        actor=actor,
        patient=None,
        action=AccessAction.SEARCH,
        searched_identity=searched[:MAX_IDENTITY_LENGTH],
        detail=detail_code("invalid_number"),
    )
    return None
