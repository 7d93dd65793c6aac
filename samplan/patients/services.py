"""Every write to patients, reserve-number formats, links and consents (domain.md §3).

Each service takes the actor (samplan.core.actor: the user, the unit acted for and the client
address the access log needs), checks permission with samplan.accounts.access, runs in one
transaction and writes its access-log row in it.
"""

from __future__ import annotations

import datetime
import uuid
from dataclasses import dataclass, fields

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from samplan.accounts.access import require
from samplan.auditlog.access_log import AccessAction, access_log_record
from samplan.auditlog.details import detail_code
from samplan.auditlog.history import admin_change_record, diff, snapshot
from samplan.auditlog.models import AdminAction
from samplan.core.actor import Actor
from samplan.organizations.models import Organization, Unit, UnitKind
from samplan.patients.access import (
    can_change_patient,
    can_manage_reserve_formats,
    can_work_with_patients,
)
from samplan.patients.identity import Identity, IdentityError, IdentityKind, parse_identity
from samplan.patients.merging import reassign_all
from samplan.patients.models import (
    MAX_IDENTITY_LENGTH,
    Consent,
    ConsentGiver,
    ConsentScope,
    Patient,
    PatientLink,
    Protection,
    ReserveNumberFormat,
)
from samplan.patients.reserve_formats import region_for, reserve_patterns_for

# A consent time a little ahead of the server clock is a clock difference, not the future.
CONSENT_CLOCK_TOLERANCE = datetime.timedelta(minutes=5)


@dataclass(frozen=True)
class PatientDetails:
    """What a person types about a patient besides the identity number.

    For patient_update, None means "leave as it is" (the edit form of a protected patient
    leaves out the contact fields, which its user may not see).
    """

    first_name: str | None = None
    last_name: str | None = None
    protection: str | None = None
    registered_municipality: str | None = None
    postal_code: str | None = None
    street_address: str | None = None
    city: str | None = None
    phone: str | None = None
    listed_care_centre: Unit | None = None
    clear_listed_care_centre: bool = False

    def values(self) -> dict[str, object]:
        result: dict[str, object] = {}
        for field in fields(self):
            if field.name == "clear_listed_care_centre":
                continue
            value = getattr(self, field.name)
            if value is not None:
                result[field.name] = value.strip() if isinstance(value, str) else value
        if self.clear_listed_care_centre:
            result["listed_care_centre"] = None
        return result


@dataclass(frozen=True)
class PatientCreation:
    patient: Patient
    created: bool  # False: the number already had a patient, who is returned instead


def _identity(value: str | Identity, unit: Unit | None) -> Identity:
    if isinstance(value, Identity):
        identity = value
    else:
        patterns = reserve_patterns_for(unit.organization if unit else None)
        identity = parse_identity(value, reserve_patterns=patterns)
    if len(identity.number) > MAX_IDENTITY_LENGTH:
        raise IdentityError(
            _("The number is too long: at most %(max)d characters.") % {"max": MAX_IDENTITY_LENGTH},
            code="too_long",
        )
    return identity


def _check_details(values: dict[str, object]) -> None:
    errors = {}
    if "protection" in values and values["protection"] not in Protection.values:
        errors["protection"] = _("Choose a kind of protection from the list.")
    listed = values.get("listed_care_centre")
    if listed is not None and listed.kind != UnitKind.PRIMARY_CARE_CENTRE:
        errors["listed_care_centre"] = _("Choose a primary care centre.")
    if errors:
        raise ValidationError(errors)


def _require_names(values: dict[str, object]) -> None:
    errors = {}
    if not values.get("first_name"):
        errors["first_name"] = _("Enter the first name.")
    if not values.get("last_name"):
        errors["last_name"] = _("Enter the last name.")
    if errors:
        raise ValidationError(errors)


def patient_create(
    *, actor: Actor, identity: str | Identity, details: PatientDetails
) -> PatientCreation:
    """One patient per person: a number that already has a patient returns that patient.

    The existing patient is not changed by what was typed. A double-posted form, or two users
    at once, therefore end with one patient.
    """
    unit = actor.unit
    require(can_work_with_patients(actor.user, unit))
    identity = _identity(identity, unit)
    values = details.values()
    _check_details(values)
    with transaction.atomic():
        patient = Patient.objects.filter(identity_number=identity.number).first()
        created = False
        if patient is None:
            _require_names(values)
            try:
                with transaction.atomic():
                    patient = Patient.objects.create(
                        identity_number=identity.number,
                        identity_kind=identity.kind,
                        birth_date=identity.birth_date,
                        reserve_issuer=region_for(unit.organization)
                        if identity.kind == IdentityKind.RESERVE
                        else None,
                        **values,
                    )
                created = True
            except IntegrityError:  # created by a parallel request in the meantime
                patient = Patient.objects.get(identity_number=identity.number)
        if patient.merged_into_id:
            patient = patient.merged_into
        access_log_record(
            actor=actor,
            patient=patient,
            action=AccessAction.CREATE,
            obj=patient,
            detail="" if created else detail_code("already_registered"),
        )
    return PatientCreation(patient=patient, created=created)


PATIENT_FIELDS = [
    "identity_number",
    "first_name",
    "last_name",
    "protection",
    "registered_municipality",
    "postal_code",
    "street_address",
    "city",
    "phone",
    "listed_care_centre",
]


def patient_update(
    *,
    actor: Actor,
    patient: Patient,
    details: PatientDetails,
    identity: str | Identity | None = None,
) -> Patient:
    """Change a patient's details, or correct a mistyped identity number.

    A protected identity cannot be lifted here (it follows the population register), and a
    reserve number becomes a personnummer only through patient_link_reserve.
    """
    unit = actor.unit
    require(can_change_patient(actor.user, unit, patient))
    values = details.values()
    _check_details(values)
    with transaction.atomic():
        patient = Patient.objects.select_for_update().get(pk=patient.pk)
        before = snapshot(patient, PATIENT_FIELDS)
        if identity is not None:
            parsed = _identity(identity, unit)
            if parsed.number != patient.identity_number:
                _check_identity_change(patient, parsed)
                values.update(
                    identity_number=parsed.number,
                    identity_kind=parsed.kind,
                    birth_date=parsed.birth_date,
                )
        if (
            patient.protection != Protection.NONE
            and values.get("protection", patient.protection) == Protection.NONE
        ):
            raise ValidationError(
                {
                    "protection": _(
                        "A protected identity cannot be removed here. It follows the "
                        "population register (Skatteverket)."
                    )
                }
            )
        for name, value in values.items():
            setattr(patient, name, value)
        _require_names({"first_name": patient.first_name, "last_name": patient.last_name})
        patient.save()
        changed = sorted(diff(before, snapshot(patient, PATIENT_FIELDS)))
        # Names of the changed fields only: values may be protected and the log is lean.
        access_log_record(
            actor=actor,
            patient=patient,
            action=AccessAction.UPDATE,
            obj=patient,
            detail=",".join(changed),
        )
    return patient


def _check_identity_change(patient: Patient, identity: Identity) -> None:
    was_reserve = patient.identity_kind == IdentityKind.RESERVE
    if was_reserve != (identity.kind == IdentityKind.RESERVE):
        raise IdentityError(
            _(
                "A reservnummer and a personnummer cannot replace each other here. To give a "
                "reserve identity its real personnummer, use Link to personnummer."
            ),
            code="kind_change",
        )
    if Patient.objects.filter(identity_number=identity.number).exclude(pk=patient.pk).exists():
        raise IdentityError(_("Another patient already has this number."), code="taken")


def patient_link_reserve(
    *, actor: Actor, reserve_patient: Patient, identity: str | Identity
) -> PatientLink:
    """Link a reserve identity to the real personnummer; everything moves with it.

    If the real number already has a patient, the reserve identity is merged into it.
    Otherwise a patient for the real number is created from the reserve identity's details
    and the reserve identity merged into that, so both cases take the same path: every
    function registered in samplan.patients.merging moves its rows, and the reserve record
    stays, with merged_into set, as the history of what happened under the reserve number
    (the append-only access log keeps pointing at it). Linking again returns the first link.
    """
    unit = actor.unit
    require(can_change_patient(actor.user, unit, reserve_patient))
    identity = _identity(identity, unit)
    if identity.kind == IdentityKind.RESERVE:
        raise IdentityError(
            _("Enter the real personnummer or samordningsnummer, not a reservnummer."),
            code="reserve_not_allowed",
        )
    with transaction.atomic():
        # The lock makes a second, parallel link of the same reserve identity wait, then see
        # merged_into and return the first link.
        reserve = Patient.objects.select_for_update().get(pk=reserve_patient.pk)
        if reserve.merged_into_id:
            return reserve.links_out.order_by("linked_at", "pk").first()
        if reserve.identity_kind != IdentityKind.RESERVE:
            raise IdentityError(_("Only a reservnummer can be linked."), code="not_reserve")
        target = Patient.objects.select_for_update().filter(identity_number=identity.number).first()
        created_patient = target is None
        if target is None:
            target = Patient.objects.create(
                identity_number=identity.number,
                identity_kind=identity.kind,
                birth_date=identity.birth_date,
                first_name=reserve.first_name,
                last_name=reserve.last_name,
                protection=reserve.protection,
                registered_municipality=reserve.registered_municipality,
                postal_code=reserve.postal_code,
                street_address=reserve.street_address,
                city=reserve.city,
                phone=reserve.phone,
                listed_care_centre_id=reserve.listed_care_centre_id,
            )
        elif reserve.protection != Protection.NONE and target.protection == Protection.NONE:
            # Never let a link lift a protection someone recorded.
            target.protection = reserve.protection
            target.save(update_fields=["protection", "updated_at"])
        moved = reassign_all(reserve, target)
        reserve.merged_into = target
        reserve.save(update_fields=["merged_into", "updated_at"])
        link = PatientLink.objects.create(
            from_patient=reserve,
            to_patient=target,
            from_identity=reserve.identity_number,
            to_identity=target.identity_number,
            created_patient=created_patient,
            linked_by=actor.user,
            linked_by_unit=unit,
            moved=moved,
        )
        for patient in (reserve, target):
            access_log_record(
                actor=actor,
                patient=patient,
                action=AccessAction.UPDATE,
                obj=link,
                detail=detail_code("reserve_linked"),
            )
    return link


def consent_record(
    *,
    actor: Actor,
    patient: Patient,
    given_by: str,
    given_at: datetime.datetime,
    scope: str,
    given_by_name: str = "",
    given_by_relation: str = "",
    scope_text: str = "",
    exclusions: str = "",
    form_token: uuid.UUID | None = None,
) -> Consent:
    """Record a consent. A form posted twice (same form_token) records it once."""
    unit = actor.unit
    require(can_change_patient(actor.user, unit, patient))
    errors = {}
    if given_by not in ConsentGiver.values:
        errors["given_by"] = _("Choose who gave the consent.")
    elif given_by != ConsentGiver.PERSON and not given_by_name.strip():
        errors["given_by_name"] = _("Enter the name of the guardian or representative.")
    if scope not in ConsentScope.values:
        errors["scope"] = _("Choose what the consent covers.")
    if given_at > timezone.now() + CONSENT_CLOCK_TOLERANCE:
        errors["given_at"] = _("The time of the consent cannot be in the future.")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        existing = _consent_of_token(form_token, patient)
        if existing is not None:
            return existing
        try:
            with transaction.atomic():
                consent = Consent.objects.create(
                    patient=patient,
                    given_by=given_by,
                    given_by_name=given_by_name.strip() if given_by != ConsentGiver.PERSON else "",
                    given_by_relation=given_by_relation.strip()
                    if given_by != ConsentGiver.PERSON
                    else "",
                    given_at=given_at,
                    scope=scope,
                    scope_text=scope_text.strip(),
                    exclusions=exclusions.strip(),
                    recorded_by=actor.user,
                    recorded_by_unit=unit,
                    form_token=form_token,
                )
        except IntegrityError:  # the same form, posted twice at once
            return _consent_of_token(form_token, patient)
        access_log_record(actor=actor, patient=patient, action=AccessAction.CREATE, obj=consent)
    return consent


def _consent_of_token(form_token: uuid.UUID | None, patient: Patient) -> Consent | None:
    """The consent an earlier post of the same form recorded, if any."""
    if form_token is None:
        return None
    existing = Consent.objects.filter(form_token=form_token).first()
    if existing is not None and existing.patient_id != patient.pk:
        raise ValidationError(_("This form was already used. Open the form again."))
    return existing


def consent_withdraw(*, actor: Actor, consent: Consent, reason: str = "") -> Consent:
    """Withdraw a consent; withdrawing one already withdrawn changes nothing."""
    unit = actor.unit
    require(can_change_patient(actor.user, unit, consent.patient))
    with transaction.atomic():
        locked = Consent.objects.select_for_update().get(pk=consent.pk)
        if locked.withdrawn_at is not None:
            return locked
        locked.withdrawn_at = timezone.now()
        locked.withdrawn_by = actor.user
        locked.withdrawn_by_unit = unit
        locked.withdrawn_reason = reason.strip()
        locked.save(
            update_fields=["withdrawn_at", "withdrawn_by", "withdrawn_by_unit", "withdrawn_reason"]
        )
        access_log_record(
            actor=actor,
            patient=consent.patient,
            action=AccessAction.UPDATE,
            obj=locked,
            detail=detail_code("consent_withdrawn"),
        )
    return locked


RESERVE_FORMAT_FIELDS = ["name", "regex", "check_digit", "active"]


def reserve_format_create(
    *,
    actor: Actor,
    region: Organization,
    name: str,
    regex: str,
    check_digit: str,
    active: bool = True,
) -> ReserveNumberFormat:
    require(can_manage_reserve_formats(actor.user, region))
    reserve_format = ReserveNumberFormat(
        region=region,
        name=name.strip(),
        regex=regex.strip(),
        check_digit=check_digit,
        active=active,
    )
    reserve_format.full_clean()
    with transaction.atomic():
        reserve_format.save()
        admin_change_record(
            actor=actor,
            organization=region,
            action=AdminAction.CREATE,
            target=reserve_format,
            changes=diff({}, snapshot(reserve_format, RESERVE_FORMAT_FIELDS)),
        )
    return reserve_format


def reserve_format_update(
    *,
    actor: Actor,
    reserve_format: ReserveNumberFormat,
    name: str,
    regex: str,
    check_digit: str,
    active: bool,
) -> ReserveNumberFormat:
    require(can_manage_reserve_formats(actor.user, reserve_format.region))
    with transaction.atomic():
        reserve_format = ReserveNumberFormat.objects.select_for_update().get(pk=reserve_format.pk)
        before = snapshot(reserve_format, RESERVE_FORMAT_FIELDS)
        reserve_format.name = name.strip()
        reserve_format.regex = regex.strip()
        reserve_format.check_digit = check_digit
        reserve_format.active = active
        reserve_format.full_clean()
        reserve_format.save()
        changes = diff(before, snapshot(reserve_format, RESERVE_FORMAT_FIELDS))
        if changes:
            admin_change_record(
                actor=actor,
                organization=reserve_format.region,
                action=AdminAction.UPDATE,
                target=reserve_format,
                changes=changes,
            )
    return reserve_format
