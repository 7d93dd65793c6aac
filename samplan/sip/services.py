"""Every write to plans: start, summon, answer, write, sign, finalise, new version, close,
consent, and the reminders the worker sends.

Each function takes the actor (samplan.core.actor: the user, the unit acted for, the session
and the client address the access log needs), checks the right with samplan.accounts.access
and the process rules in process.py, runs in one transaction, records a SipEvent and writes
its access-log row. The plan has been fetched through access.plan_for_unit before (need-to-know).
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Sequence
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from samplan.accounts.access import (
    SIP_ROLES,
    can_change_patient,
    can_finalise_sip,
    can_sign_sip_part,
    can_work_with_patients,
    can_work_with_sip,
)
from samplan.accounts.models import Membership, User
from samplan.auditlog.access_log import AccessAction, access_log_record
from samplan.auditlog.details import detail_code
from samplan.core.actor import Actor
from samplan.core.localtime import local_date
from samplan.core.message_types import MessageType
from samplan.discharge import process as discharge_process
from samplan.discharge.access import cases_for_unit
from samplan.discharge.cases import case_send
from samplan.discharge.models import DischargeCase
from samplan.messaging.models import Message
from samplan.messaging.services import (
    MessagingError,
    RecipientChoice,
    deliveries_acknowledge,
    message_send,
)
from samplan.organizations.models import Organization, OrganizationKind, Unit
from samplan.patients.identity import Identity
from samplan.patients.models import Consent, ConsentScope, Patient
from samplan.patients.selectors import active_consent
from samplan.patients.services import PatientDetails, consent_record, patient_create
from samplan.sip import process
from samplan.sip.content import PlanText, changes, plan_text_of
from samplan.sip.models import (
    Answer,
    CloseReason,
    EventKind,
    MeetingMode,
    MessageKind,
    ParticipantRole,
    PlanState,
    SignatureMethod,
    SipContact,
    SipEvent,
    SipIntervention,
    SipMessage,
    SipParticipant,
    SipPlan,
    SipSignature,
    SipVersion,
    VersionReason,
)

logger = logging.getLogger(__name__)


class SipError(Exception):
    """A refused plan action; the message is plain Swedish for the user."""


class StaleEdit(SipError):
    """Someone saved the plan after the form was opened. `missed` are their saves (SipEvents),
    `version` the plan's current version, whose revision a new form must carry."""

    def __init__(self, message: str, *, missed: list[SipEvent], version: SipVersion) -> None:
        super().__init__(message)
        self.missed = missed
        self.version = version


class StaleInitiative(SipError):
    """The initiative was changed after the form was opened; `revision` is the current one."""

    def __init__(self, message: str, *, revision: int) -> None:
        super().__init__(message)
        self.revision = revision


@dataclass(frozen=True)
class Initiative:
    purpose: str
    person_goals: str = ""
    questions: str = ""
    proposed_coordinator: str = ""
    meeting_at: datetime.datetime | None = None
    meeting_mode: str = MeetingMode.IN_PERSON
    meeting_place: str = ""
    meeting_link: str = ""
    invited_others: str = ""

    def values(self) -> dict[str, object]:
        return {
            name: value.strip() if isinstance(value, str) else value
            for name, value in self.__dict__.items()
        }


@dataclass(frozen=True)
class ConsentGiven:
    """A consent to the SIP given by the person, a guardian or a legal representative."""

    given_by: str
    given_at: datetime.datetime
    given_by_name: str = ""
    given_by_relation: str = ""
    scope_text: str = ""
    exclusions: str = ""


# --- small helpers ---------------------------------------------------------------------------


def _event(
    plan: SipPlan,
    kind: str,
    *,
    user: User | None,
    unit: Unit | None,
    version: SipVersion | None = None,
    revision: int | None = None,
    **detail: object,
) -> SipEvent:
    return SipEvent.objects.create(
        plan=plan,
        version=version,
        kind=kind,
        user=user,
        unit=unit,
        revision=revision,
        detail=detail,
    )


def _log(actor: Actor, plan: SipPlan, action: str, detail: str) -> None:
    access_log_record(actor=actor, patient=plan.patient, action=action, obj=plan, detail=detail)


def _lock(plan: SipPlan) -> SipPlan:
    """The plan row, locked for the rest of the transaction (serialises writes to one plan)."""
    return SipPlan.objects.select_for_update().select_related("patient").get(pk=plan.pk)


def _participation(plan: SipPlan, unit: Unit) -> SipParticipant | None:
    return SipParticipant.objects.filter(plan=plan, unit=unit).first()


def viewer_for(actor: Actor, plan: SipPlan) -> process.Viewer:
    """The acting unit's place in the plan, read fresh inside the service's transaction."""
    participation = _participation(plan, actor.unit) if actor.unit else None
    version = plan.current_version
    return process.Viewer(
        role=participation.role if participation else None,
        answer=participation.answer if participation else None,
        may_work=can_work_with_sip(actor.user, actor.unit),
        is_coordinator=version is not None
        and actor.unit is not None
        and version.coordinator_id == actor.user.pk
        and version.coordinator_unit_id == actor.unit.pk,
    )


def _require(allowed: bool, message: str) -> None:
    if not allowed:
        raise SipError(message)


def principal_of(organization: Organization) -> Organization:
    """A private provider acts for the region or municipality that contracted it."""
    node = organization
    for _depth in range(10):
        if node.kind != OrganizationKind.PRIVATE_PROVIDER or node.contracted_by_id is None:
            return node
        node = node.contracted_by
    return node


def _check_summoned_units(units: Sequence[Unit], initiator: Unit) -> None:
    today = timezone.localdate()
    seen: set[int] = set()
    for unit in units:
        if unit.pk == initiator.pk:
            raise SipError(_("Your own unit takes part as the initiator; do not summon it."))
        if unit.pk in seen:
            raise SipError(_("%(unit)s is chosen twice.") % {"unit": unit.name})
        seen.add(unit.pk)
        if not unit.has_inbox or not unit.is_active_on(today):
            raise SipError(
                _("%(unit)s cannot be summoned: it has no inbox or is not active.")
                % {"unit": unit.name}
            )


def case_may_carry_summons(case: DischargeCase, unit: Unit) -> bool:
    """Whether `unit` may send the case's SIP summons: it takes part in the open case and is
    the kind of unit the discharge process lets send it (the care contact's)."""
    kind = discharge_process.principal_kind(unit.organization)
    return (
        case.is_open
        and discharge_process.may_send(unit.kind, kind, MessageType.SIP_SUMMONS)
        and cases_for_unit(unit.pk).filter(pk=case.pk).exists()
    )


# --- start a plan ------------------------------------------------------------------------------


def _patient_for(actor: Actor, identity: Identity, details: PatientDetails | None) -> Patient:
    """The person by identity number: registered through the patients app when new."""
    if can_work_with_patients(actor.user, actor.unit):
        return patient_create(
            actor=actor, identity=identity, details=details or PatientDetails()
        ).patient
    # A unit manager may start a SIP but not register people (samplan.patients' rule).
    patient = Patient.objects.filter(identity_number=identity.number).first()
    if patient is None:
        raise SipError(
            _(
                "The person is not registered in samplan. A user of your unit registers the "
                "person first (Search patient, New patient)."
            )
        )
    return patient.merged_into if patient.merged_into_id else patient


def sip_create(
    *,
    actor: Actor,
    initiative: Initiative,
    units: Sequence[Unit],
    creation_key: str,
    identity: Identity | None = None,
    patient_details: PatientDetails | None = None,
    case: DischargeCase | None = None,
    consent: ConsentGiven | None = None,
) -> SipPlan:
    """Initiativ: opens a plan for the person, in state initiative; nothing is sent yet.

    The person is the case's patient when started from a discharge case (`case`, fetched
    through discharge.access.case_for_unit), otherwise the one with `identity`. `units` are the
    units to summon. A consent given to the SIP can be recorded at once. A form posted twice
    (same creation_key) returns the first plan.
    """
    user, unit = actor.user, actor.unit
    if not can_work_with_sip(user, unit):
        raise PermissionDenied
    existing = SipPlan.objects.filter(initiated_by=user, creation_key=creation_key).first()
    if existing is not None:
        return existing
    if not initiative.purpose.strip():
        raise ValidationError({"purpose": _("Describe the purpose of the plan.")})
    if not unit.has_inbox:
        raise SipError(
            _(
                "Your unit has no inbox, so it cannot receive the plan's reminders. Start the "
                "plan from a unit with an inbox."
            )
        )
    _check_summoned_units(units, unit)
    if case is not None and not case_may_carry_summons(case, unit):
        raise SipError(
            _(
                "On a discharge case the SIP summons is sent by the unit of the named care "
                "contact (primary care centre or outpatient psychiatry) while the case is open. "
                "Start a plan of its own instead."
            )
        )
    now = timezone.now()
    try:
        with transaction.atomic():
            if case is not None:
                patient = case.patient
            elif identity is not None:
                patient = _patient_for(actor, identity, patient_details)
            else:
                raise ValidationError({"identity": _("Enter a personnummer.")})
            plan = SipPlan.objects.create(
                patient=patient,
                initiator_unit=unit,
                initiated_by=user,
                created_at=now,
                case=case,
                creation_key=creation_key,
                **initiative.values(),
            )
            SipParticipant.objects.create(
                plan=plan,
                unit=unit,
                role=ParticipantRole.INITIATOR,
                answer=Answer.ACCEPTED,
                answered_at=now,
                answered_by=user,
            )
            SipParticipant.objects.bulk_create(
                SipParticipant(plan=plan, unit=u, role=ParticipantRole.SUMMONED) for u in units
            )
            version = SipVersion.objects.create(
                plan=plan,
                number=1,
                reason=VersionReason.INITIAL,
                created_by=user,
                updated_by=user,
                goals=initiative.person_goals.strip(),
            )
            SipPlan.objects.filter(pk=plan.pk).update(current_version=version)
            plan.current_version = version
            _event(plan, EventKind.CREATED, user=user, unit=unit, version=version, revision=1)
            if units:
                _event(
                    plan,
                    EventKind.UNITS_CHOSEN,
                    user=user,
                    unit=unit,
                    units=[u.name for u in units],
                )
            _log(actor, plan, AccessAction.CREATE, detail_code("sip_started"))
            if consent is not None:
                _record_consent(actor, plan, consent, form_token=None)
    except IntegrityError:
        existing = SipPlan.objects.filter(initiated_by=user, creation_key=creation_key).first()
        if existing is None:
            raise
        return existing
    return plan


def _record_consent(
    actor: Actor, plan: SipPlan, consent: ConsentGiven, form_token: object
) -> Consent:
    if not can_change_patient(actor.user, actor.unit, plan.patient):
        raise SipError(
            _("Consent is recorded by a user of the unit (not by a manager's role alone).")
        )
    recorded = consent_record(
        actor=actor,
        patient=plan.patient,
        given_by=consent.given_by,
        given_at=consent.given_at,
        scope=ConsentScope.SIP,
        given_by_name=consent.given_by_name,
        given_by_relation=consent.given_by_relation,
        scope_text=consent.scope_text,
        exclusions=consent.exclusions,
        form_token=form_token,
    )
    _event(
        plan,
        EventKind.CONSENT_RECORDED,
        user=actor.user,
        unit=actor.unit,
        given_by=recorded.get_given_by_display(),
    )
    return recorded


def sip_consent_record(
    *, actor: Actor, plan: SipPlan, consent: ConsentGiven, form_token: object
) -> Consent:
    """Samtycke: records the person's consent to the SIP (scope SIP) from the plan."""
    with transaction.atomic():
        plan = _lock(plan)
        _require(
            process.may_record_consent(plan.state, viewer_for(actor, plan)),
            _("You cannot record consent on this plan."),
        )
        return _record_consent(actor, plan, consent, form_token)


def sip_initiative_update(
    *, actor: Actor, plan: SipPlan, initiative: Initiative, revision: int
) -> SipPlan:
    """Change the initiative before the summons is sent (optimistic lock on plan.revision)."""
    if not initiative.purpose.strip():
        raise ValidationError({"purpose": _("Describe the purpose of the plan.")})
    with transaction.atomic():
        plan = _lock(plan)
        _require(
            process.may_change_initiative(plan.state, viewer_for(actor, plan)),
            _("The initiative can only be changed by the initiating unit before the summons."),
        )
        if plan.revision != revision:
            raise StaleInitiative(
                _(
                    "Someone else changed the initiative while you were writing. Your text is "
                    "kept below: check the initiative and save again."
                ),
                revision=plan.revision,
            )
        values = initiative.values()
        changed = sorted(name for name, value in values.items() if getattr(plan, name) != value)
        if not changed:
            return plan
        SipPlan.objects.filter(pk=plan.pk).update(revision=plan.revision + 1, **values)
        _event(plan, EventKind.INITIATIVE_CHANGED, user=actor.user, unit=actor.unit, fields=changed)
        _log(actor, plan, AccessAction.UPDATE, detail_code("sip_initiative_changed"))
    plan.refresh_from_db()
    return plan


def sip_units_choose(*, actor: Actor, plan: SipPlan, units: Sequence[Unit]) -> list[Unit]:
    """Kalla: the units to summon next. Units already summoned stay; the not yet summoned
    become exactly those in `units`. Returns the units added."""
    with transaction.atomic():
        plan = _lock(plan)
        _require(
            process.may_summon(plan.state, viewer_for(actor, plan)),
            _("Only the initiating unit summons units, before the plan is finalised."),
        )
        current = {p.unit_id: p for p in SipParticipant.objects.filter(plan=plan)}
        wanted = [
            u for u in units if u.pk not in current or current[u.pk].answer == Answer.NOT_SENT
        ]
        _check_summoned_units(wanted, plan.initiator_unit)
        wanted_ids = {u.pk for u in wanted}
        SipParticipant.objects.filter(plan=plan, answer=Answer.NOT_SENT).exclude(
            unit_id__in=wanted_ids
        ).delete()
        added = [u for u in wanted if u.pk not in current]
        SipParticipant.objects.bulk_create(
            SipParticipant(plan=plan, unit=u, role=ParticipantRole.SUMMONED) for u in added
        )
        if added or len(wanted_ids) != sum(
            1 for p in current.values() if p.answer == Answer.NOT_SENT
        ):
            _event(
                plan,
                EventKind.UNITS_CHOSEN,
                user=actor.user,
                unit=actor.unit,
                units=[u.name for u in wanted],
            )
    return added


# --- summons and answers ------------------------------------------------------------------------


def _summons_text(plan: SipPlan) -> str:
    """The summons as the receiving units read it, in Swedish (the product's language)."""
    with translation.override(settings.LANGUAGE_CODE):
        return render_to_string("sip/summons_message.txt", {"plan": plan}).strip()


def _summons_content(plan: SipPlan) -> dict[str, object]:
    return {
        "sip_plan": plan.pk,
        "purpose": plan.purpose,
        "questions": plan.questions,
        "meeting_at": plan.meeting_at.isoformat() if plan.meeting_at else "",
        "meeting_mode": plan.meeting_mode,
        "meeting_place": plan.meeting_place,
        "meeting_link": plan.meeting_link,
        "invited_others": plan.invited_others,
        "proposed_coordinator": plan.proposed_coordinator,
    }


def sip_summons_send(*, actor: Actor, plan: SipPlan, idempotency_key: str) -> Message:
    """Skicka kallelse: one sip_summons message, one delivery per unit chosen and not yet
    summoned; each unit's answer is due by the cut-off after arrival (the delivery's due_at).

    Nothing is sent without the person's active consent to the SIP. On a plan started from an
    open discharge case the summons goes through discharge.cases.case_send, so it is the case's
    SIP summons (its deadline, the payment-liability condition, the case's timeline).
    """
    user, unit = actor.user, actor.unit
    already = (
        Message.objects.filter(sender_user=user, idempotency_key=idempotency_key)
        .select_related("sip_link")
        .first()
    )
    if already is not None:
        return already
    with transaction.atomic():
        plan = _lock(plan)
        _require(
            process.may_summon(plan.state, viewer_for(actor, plan)),
            _("Only the initiating unit sends the summons, before the plan is finalised."),
        )
        consent = active_consent(plan.patient, ConsentScope.SIP)
        if consent is None:
            raise SipError(
                _(
                    "Nothing was sent: the person's consent to the SIP is not recorded, or it "
                    "was withdrawn. Record the consent first."
                )
            )
        waiting = list(
            SipParticipant.objects.filter(plan=plan, answer=Answer.NOT_SENT)
            .select_related("unit__organization")
            .order_by("unit__name")
        )
        if not waiting:
            raise SipError(_("Choose at least one unit to summon."))
        recipients = [
            RecipientChoice(
                unit=p.unit,
                reason_code="sip_summoned",
                reason_text=_("Summoned to a SIP by %(unit)s") % {"unit": unit.name},
            )
            for p in waiting
        ]
        common = {
            "user": user,
            "unit": unit,
            "recipients": recipients,
            "idempotency_key": idempotency_key,
            "content": _summons_content(plan),
            "text": _summons_text(plan),
        }
        try:
            if plan.case_id is not None and plan.case.is_open:
                message = case_send(case=plan.case, message_type=MessageType.SIP_SUMMONS, **common)
            else:
                message = message_send(
                    sender_user=user,
                    sender_unit=unit,
                    patient=plan.patient,
                    message_type=MessageType.SIP_SUMMONS,
                    recipients=recipients,
                    idempotency_key=idempotency_key,
                    content=common["content"],
                    text=common["text"],
                )
        except MessagingError as refused:
            raise SipError(str(refused)) from None
        SipMessage.objects.create(plan=plan, message=message, kind=MessageKind.SUMMONS)
        deliveries = {d.unit_id: d for d in message.deliveries.all()}
        for participant in waiting:
            delivery = deliveries[participant.unit_id]
            SipParticipant.objects.filter(pk=participant.pk).update(
                answer=Answer.PENDING, delivery=delivery, due_at=delivery.due_at
            )
        SipPlan.objects.filter(pk=plan.pk).update(
            state=process.next_state(plan.state, process.Action.SEND_SUMMONS), consent=consent
        )
        _event(
            plan,
            EventKind.SUMMONS_SENT,
            user=user,
            unit=unit,
            units=[p.unit.name for p in waiting],
            message=message.pk,
        )
        _log(actor, plan, AccessAction.UPDATE, detail_code("sip_summons_sent"))
    return message


def sip_answer(
    *,
    actor: Actor,
    plan: SipPlan,
    accept: bool,
    attendees: str = "",
    reason: str = "",
) -> SipParticipant:
    """Acceptera (naming who attends) or Neka (with a reason); acknowledges the summons."""
    user, unit = actor.user, actor.unit
    attendees, reason = attendees.strip(), reason.strip()
    if accept and not attendees:
        raise ValidationError({"attendees": _("Name who attends from your unit.")})
    if not accept and not reason:
        raise ValidationError({"reason": _("Say why your unit declines.")})
    with transaction.atomic():
        plan = _lock(plan)
        participant = _participation(plan, unit)
        viewer = viewer_for(actor, plan)
        if participant is None or not process.may_answer(plan.state, viewer):
            raise SipError(_("Your unit has already answered this summons, or was not summoned."))
        now = timezone.now()
        SipParticipant.objects.filter(pk=participant.pk).update(
            answer=Answer.ACCEPTED if accept else Answer.DECLINED,
            answered_at=now,
            answered_by=user,
            attendees=attendees if accept else "",
            decline_reason="" if accept else reason,
        )
        if participant.delivery_id:
            deliveries_acknowledge(delivery_ids=[participant.delivery_id], user=user, unit=unit)
        late = bool(participant.due_at and now > participant.due_at)
        if accept:
            _event(plan, EventKind.ACCEPTED, user=user, unit=unit, attendees=attendees, late=late)
        else:
            _event(plan, EventKind.DECLINED, user=user, unit=unit, reason=reason, late=late)
        _log(
            actor,
            plan,
            AccessAction.UPDATE,
            detail_code("sip_summons_accepted" if accept else "sip_summons_declined"),
        )
        participant.refresh_from_db()
    return participant


# --- writing the plan ----------------------------------------------------------------------------


def _plan_units(plan: SipPlan) -> dict[int, SipParticipant]:
    """Units the plan's text may name: the initiator and the summoned units not declined."""
    return {
        p.unit_id: p
        for p in SipParticipant.objects.filter(
            plan=plan, answer__in=process.VISIBLE_ANSWERS
        ).select_related("unit__organization__contracted_by")
    }


def parties(plan: SipPlan) -> list[SipParticipant]:
    """The units that write and sign: the initiator and every summoned unit that accepted."""
    return list(
        SipParticipant.objects.filter(plan=plan, answer=Answer.ACCEPTED)
        .select_related("unit__organization__contracted_by")
        .order_by("role", "unit__name")
    )


def coordinator_allowed(user_id: int, unit_id: int, party_unit_ids: set[int]) -> bool:
    """The coordinator works in a party unit and holds a SIP role there today."""
    return (
        unit_id in party_unit_ids
        and Membership.objects.active_on()
        .filter(user_id=user_id, unit_id=unit_id, role__in=SIP_ROLES, user__is_active=True)
        .exists()
    )


def _check_text(plan: SipPlan, text: PlanText) -> None:
    """Every unit, principal and person the text names must belong to the plan (forged ids)."""
    named = _plan_units(plan)
    party_ids = {p.unit_id for p in parties(plan)}
    errors: dict[str, str] = {}
    for item in text.interventions:
        if item.unit.pk not in named:
            errors["interventions"] = _("Choose a responsible unit among the plan's units.")
        if not item.what.strip():
            errors["interventions"] = _("Describe each intervention.")
        if item.starts_on and item.ends_on and item.ends_on < item.starts_on:
            errors["interventions"] = _("An intervention ends before it starts.")
    for contact in text.contacts:
        if contact.unit.pk not in named:
            errors["contacts"] = _("Contact persons are given for the plan's units.")
    if text.responsible_principal is not None:
        principals = {principal_of(p.unit.organization).pk for p in named.values()}
        if text.responsible_principal.pk not in principals:
            errors["responsible_principal"] = _("Choose the principal of one of the plan's units.")
    if (text.coordinator is None) != (text.coordinator_unit is None) or (
        text.coordinator is not None
        and not coordinator_allowed(text.coordinator.pk, text.coordinator_unit.pk, party_ids)
    ):
        errors["coordinator"] = _("Choose a coordinator who works in one of the plan's units.")
    if errors:
        raise ValidationError(errors)


def _write_text(version: SipVersion, text: PlanText, user: User) -> None:
    if version.is_locked:  # never: a change to a locked version goes to a copy first
        raise SipError(_("A finalised version cannot be changed."))
    SipVersion.objects.filter(pk=version.pk).update(
        goals=text.goals.strip(),
        others_do=text.others_do.strip(),
        responsible_principal=text.responsible_principal,
        coordinator=text.coordinator,
        coordinator_unit=text.coordinator_unit,
        participation=text.participation.strip(),
        relatives_views=text.relatives_views.strip(),
        follow_up_date=text.follow_up_date,
        follow_up_how=text.follow_up_how.strip(),
        updated_at=timezone.now(),
        updated_by=user,
    )
    # The draft's rows are replaced whole; a locked version's rows are never touched.
    SipIntervention.objects.filter(version=version).delete()
    SipIntervention.objects.bulk_create(
        SipIntervention(
            version=version,
            position=position,
            what=item.what.strip(),
            unit=item.unit,
            principal=principal_of(item.unit.organization),
            profession=item.profession,
            starts_on=item.starts_on,
            ends_on=item.ends_on,
            status=item.status,
        )
        for position, item in enumerate(text.interventions, start=1)
    )
    SipContact.objects.filter(version=version).delete()
    SipContact.objects.bulk_create(
        SipContact(version=version, unit=c.unit, name=c.name.strip(), phone=c.phone.strip())
        for c in text.contacts
        if c.name.strip()
    )


def _copy_version(plan: SipPlan, locked: SipVersion, reason: str, user: User) -> SipVersion:
    """The next version, a copy of the locked one (which is never changed)."""
    if not locked.is_locked:
        raise SipError(_("Only a finalised version is copied into a new one."))
    new = SipVersion.objects.create(
        plan=plan,
        number=locked.number + 1,
        reason=reason,
        based_on=locked,
        created_by=user,
        updated_by=user,
        goals=locked.goals,
        others_do=locked.others_do,
        responsible_principal_id=locked.responsible_principal_id,
        coordinator_id=locked.coordinator_id,
        coordinator_unit_id=locked.coordinator_unit_id,
        participation=locked.participation,
        relatives_views=locked.relatives_views,
        follow_up_date=locked.follow_up_date,
        follow_up_how=locked.follow_up_how,
    )
    SipIntervention.objects.bulk_create(
        SipIntervention(
            version=new,
            position=row.position,
            what=row.what,
            unit_id=row.unit_id,
            principal_id=row.principal_id,
            profession_id=row.profession_id,
            starts_on=row.starts_on,
            ends_on=row.ends_on,
            status=row.status,
        )
        for row in locked.interventions.all()
    )
    SipContact.objects.bulk_create(
        SipContact(version=new, unit_id=row.unit_id, name=row.name, phone=row.phone)
        for row in locked.contacts.all()
    )
    SipPlan.objects.filter(pk=plan.pk).update(
        current_version=new,
        state=process.next_state(plan.state, process.Action.NEW_VERSION),
        next_follow_up=None,
    )
    plan.current_version = new
    plan.state = PlanState.PLANNING
    return new


def missed_saves(plan: SipPlan, version_number: int, revision: int) -> list[SipEvent]:
    """What others saved, made or finalised after the form's version and revision."""
    return list(
        SipEvent.objects.filter(
            plan=plan,
            kind__in=(EventKind.SAVED, EventKind.VERSION_CREATED, EventKind.FINALISED),
        )
        .filter(
            Q(version__number__gt=version_number)
            | Q(version__number=version_number, revision__gt=revision)
        )
        .select_related("user", "unit", "version")
        .order_by("at", "pk")
    )


def sip_plan_save(
    *,
    actor: Actor,
    plan: SipPlan,
    version_number: int,
    revision: int,
    text: PlanText,
) -> SipVersion:
    """Spara: writes the current version's text if the form was opened on what is current.

    Optimistic locking: the form carries the version number and revision it was opened on. If
    anyone saved since, StaleEdit is raised with their saves and nothing is written, so the
    view can show the other person's change and keep the user's text. A save that changes
    nothing writes nothing. On a finalised plan the change makes a new version (the locked one
    stays as it was). Signatures of an earlier revision stop counting (see process.py).
    """
    user, unit = actor.user, actor.unit
    with transaction.atomic():
        plan = _lock(plan)
        version = SipVersion.objects.select_for_update().get(pk=plan.current_version_id)
        _require(
            process.may_edit_plan(plan.state, viewer_for(actor, plan)),
            _("Your unit cannot change this plan."),
        )
        if version.number != version_number or version.revision != revision:
            raise StaleEdit(
                _(
                    "Someone else saved the plan while you were writing, so your save was not "
                    "made. Your text is kept below. Their changes are listed: compare, "
                    "adjust, and save again."
                ),
                missed=missed_saves(plan, version_number, revision),
                version=version,
            )
        _check_text(plan, text)
        found = changes(plan_text_of(version), text)
        if not found:
            return version
        if version.is_locked:
            version = _copy_version(plan, version, VersionReason.CHANGE, user)
            _event(
                plan,
                EventKind.VERSION_CREATED,
                user=user,
                unit=unit,
                version=version,
                revision=version.revision,
                number=version.number,
                reason=VersionReason.CHANGE,
            )
        new_revision = version.revision + 1
        _write_text(version, text, user)
        SipVersion.objects.filter(pk=version.pk).update(revision=new_revision)
        _event(
            plan,
            EventKind.SAVED,
            user=user,
            unit=unit,
            version=version,
            revision=new_revision,
            changes=found,
        )
        _log(
            actor,
            plan,
            AccessAction.UPDATE,
            detail_code("sip_version_saved", version=version.number),
        )
        version.refresh_from_db()
    return version


# --- signing, finalising, versions, closing -----------------------------------------------------


def signatures_in_force(version: SipVersion) -> list[SipSignature]:
    """The signatures that cover the version's text as it is now."""
    return list(
        SipSignature.objects.filter(version=version, revision=version.revision).select_related(
            "unit", "user"
        )
    )


def sip_sign(*, actor: Actor, plan: SipPlan, password: str | None) -> SipSignature:
    """Signera: the acting unit's part of the current text. A session opened with a smart
    card signs without more; a password session must give the user's password again."""
    user, unit = actor.user, actor.unit
    card = actor.strong_authentication
    if not card and not (password and user.check_password(password)):
        raise ValidationError({"password": _("The password is wrong. Nothing was signed.")})
    with transaction.atomic():
        plan = _lock(plan)
        version = SipVersion.objects.select_for_update().get(pk=plan.current_version_id)
        viewer = viewer_for(actor, plan)
        existing = SipSignature.objects.filter(
            version=version, revision=version.revision, unit=unit
        ).first()
        if existing is not None:
            return existing
        _require(
            process.may_sign(plan.state, viewer, already_signed=False)
            and can_sign_sip_part(user, unit, unit.pk),
            _("Your unit cannot sign this plan now."),
        )
        signature = SipSignature.objects.create(
            version=version,
            revision=version.revision,
            unit=unit,
            user=user,
            method=SignatureMethod.SMART_CARD if card else SignatureMethod.PASSWORD,
        )
        _event(
            plan,
            EventKind.SIGNED,
            user=user,
            unit=unit,
            version=version,
            revision=version.revision,
            method=signature.method,
        )
        _log(
            actor,
            plan,
            AccessAction.UPDATE,
            detail_code("sip_version_signed", version=version.number),
        )
    return signature


def readiness(plan: SipPlan, version: SipVersion) -> process.Readiness:
    """What still stands between the current version and finalising it."""
    party_list = parties(plan)
    unanswered = SipParticipant.objects.filter(
        plan=plan, answer__in=(Answer.PENDING, Answer.NOT_SENT)
    ).values_list("unit__name", flat=True)
    signed = {s.unit_id for s in signatures_in_force(version)}
    return readiness_from(
        version, parties=party_list, unanswered=list(unanswered), signed_unit_ids=signed
    )


def readiness_from(
    version: SipVersion,
    *,
    parties: Sequence[SipParticipant],
    unanswered: Sequence[str],
    signed_unit_ids: set[int],
) -> process.Readiness:
    """readiness() from what the caller has loaded already (the plan page)."""
    return process.finalise_readiness(
        parties=[(p.unit_id, p.unit.name) for p in parties],
        unanswered=unanswered,
        signed_unit_ids=signed_unit_ids,
        filled={
            "goals": bool(version.goals.strip()),
            "responsible_principal": version.responsible_principal_id is not None,
            "coordinator": version.coordinator_id is not None,
            "follow_up_date": version.follow_up_date is not None,
        },
    )


def sip_finalise(*, actor: Actor, plan: SipPlan, confirmed: bool) -> SipVersion:
    """Slutjustera: the coordinator locks the current version once every party has signed.

    `confirmed` is the answer to "Är det säkert att du vill slutjustera hela planen?".
    """
    user, unit = actor.user, actor.unit
    if not confirmed:
        raise SipError(_("The plan was not finalised."))
    with transaction.atomic():
        plan = _lock(plan)
        version = SipVersion.objects.select_for_update().get(pk=plan.current_version_id)
        if plan.state == PlanState.FINALISED and version.locked_by_id == user.pk:
            return version  # the confirmation posted twice
        _require(
            can_finalise_sip(user, unit, version.coordinator_id, version.coordinator_unit_id),
            _("Only the plan's coordinator finalises it, working in the coordinator's unit."),
        )
        try:
            new_state = process.next_state(plan.state, process.Action.FINALISE)
        except process.ActionNotAllowed as refused:
            raise SipError(refused.user_message) from None
        ready = readiness(plan, version)
        if not ready.ready:
            raise SipError(_("The plan cannot be finalised yet; see what is missing."))
        now = timezone.now()
        SipVersion.objects.filter(pk=version.pk).update(locked_at=now, locked_by=user)
        SipPlan.objects.filter(pk=plan.pk).update(
            state=new_state, next_follow_up=version.follow_up_date
        )
        _event(
            plan,
            EventKind.FINALISED,
            user=user,
            unit=unit,
            version=version,
            revision=version.revision,
            number=version.number,
        )
        _log(
            actor,
            plan,
            AccessAction.UPDATE,
            detail_code("sip_version_finalised", version=version.number),
        )
        version.refresh_from_db()
    return version


def sip_version_new(
    *, actor: Actor, plan: SipPlan, reason: str = VersionReason.FOLLOW_UP
) -> SipVersion:
    """Uppföljning (or a change): a new version copied from the finalised one."""
    user, unit = actor.user, actor.unit
    if reason not in (VersionReason.FOLLOW_UP, VersionReason.CHANGE):
        raise SipError(_("Choose why a new version is made."))
    with transaction.atomic():
        plan = _lock(plan)
        version = SipVersion.objects.select_for_update().get(pk=plan.current_version_id)
        if not process.may_new_version(plan.state, viewer_for(actor, plan)):
            if plan.state == PlanState.PLANNING and version.based_on_id is not None:
                return version  # the button pressed twice: the new version is there
            raise SipError(_("A new version is made from a finalised plan by one of its units."))
        new = _copy_version(plan, version, reason, user)
        _event(
            plan,
            EventKind.VERSION_CREATED,
            user=user,
            unit=unit,
            version=new,
            revision=new.revision,
            number=new.number,
            reason=reason,
        )
        _log(actor, plan, AccessAction.UPDATE, detail_code("sip_version_made", version=new.number))
    return new


def sip_close(*, actor: Actor, plan: SipPlan, reason: str, text: str = "") -> SipPlan:
    """Avsluta with a reason: the initiator or the coordinator."""
    if reason not in CloseReason.values:
        raise ValidationError({"reason": _("Choose why the plan is closed.")})
    if reason == CloseReason.OTHER and not text.strip():
        raise ValidationError({"text": _("Describe the reason.")})
    with transaction.atomic():
        plan = _lock(plan)
        if plan.state == PlanState.CLOSED:
            return plan
        _require(
            process.may_close(plan.state, viewer_for(actor, plan)),
            _("The plan is closed by the initiating unit or the coordinator."),
        )
        SipPlan.objects.filter(pk=plan.pk).update(
            state=process.next_state(plan.state, process.Action.CLOSE),
            closed_at=timezone.now(),
            closed_by=actor.user,
            close_reason=reason,
            close_text=text.strip(),
            next_follow_up=None,
        )
        _event(
            plan,
            EventKind.CLOSED,
            user=actor.user,
            unit=actor.unit,
            reason=reason,
            text=text.strip(),
        )
        _log(actor, plan, AccessAction.UPDATE, detail_code("sip_closed"))
    plan.refresh_from_db()
    return plan


# --- reminders (run by the worker: tasks.send_sip_reminders / manage.py sip_reminders) ---------


def _remind_text(template: str, plan: SipPlan, **context: object) -> str:
    with translation.override(settings.LANGUAGE_CODE):
        return render_to_string(template, {"plan": plan, **context}).strip()


def summons_reminders_send(*, now: datetime.datetime | None = None) -> int:
    """Påminnelse: each summoned unit whose answer is overdue gets one reminder a day in its
    inbox (an extra message referring to the summons), while the consent still stands.
    Idempotent per unit and day. Returns how many were sent."""
    now = now or timezone.now()
    today = local_date(now)
    sent = 0
    overdue = (
        SipParticipant.objects.filter(answer=Answer.PENDING, due_at__lt=now)
        .exclude(plan__state=PlanState.CLOSED)
        .select_related("plan__patient", "unit", "delivery__message")
        .order_by("due_at", "pk")
    )
    for participant in overdue:
        plan = participant.plan
        reminded_on = local_date(participant.reminded_at) if participant.reminded_at else None
        consent_active = active_consent(plan.patient, ConsentScope.SIP) is not None
        if not process.summons_reminder_due(
            answer=participant.answer,
            due_at=participant.due_at,
            reminded_on=reminded_on,
            now=now,
            today=today,
            consent_active=consent_active,
        ):
            continue
        summons = participant.delivery.message
        try:
            with transaction.atomic():
                # Two runs at once (two hosts): the second waits here, then finds it done.
                locked = SipParticipant.objects.select_for_update().get(pk=participant.pk)
                if locked.answer != Answer.PENDING or locked.reminded_at != participant.reminded_at:
                    continue
                message = message_send(
                    sender_user=summons.sender_user,
                    sender_unit=summons.sender_unit,
                    patient=plan.patient,
                    message_type=MessageType.EXTRA_MESSAGE,
                    recipients=[
                        RecipientChoice(
                            unit=participant.unit,
                            reason_code="sip_reminder",
                            reason_text=_("Has not answered the summons to a SIP"),
                        )
                    ],
                    idempotency_key=f"sip-reminder-{participant.pk}-{today.isoformat()}",
                    text=_remind_text("sip/reminder_message.txt", plan, participant=participant),
                    refers_to=summons,
                )
                SipMessage.objects.get_or_create(
                    message=message, defaults={"plan": plan, "kind": MessageKind.REMINDER}
                )
                SipParticipant.objects.filter(pk=participant.pk).update(
                    reminded_at=now, reminder_count=participant.reminder_count + 1
                )
                _event(
                    plan,
                    EventKind.REMINDER_SENT,
                    user=None,
                    unit=None,
                    units=[participant.unit.name],
                    message=message.pk,
                )
        except MessagingError:
            logger.warning("SIP reminder for participant %s could not be sent", participant.pk)
            continue
        sent += 1
    return sent


def follow_up_reminders_send(*, now: datetime.datetime | None = None) -> int:
    """Uppföljning: on the follow-up date of a finalised plan, the coordinator's unit gets a
    message in its inbox, once, while the consent still stands. Returns how many were sent."""
    now = now or timezone.now()
    today = local_date(now)
    sent = 0
    due = (
        SipVersion.objects.filter(
            locked_at__isnull=False,
            follow_up_reminded_at__isnull=True,
            follow_up_date__lte=today,
            plan__state=PlanState.FINALISED,
            plan__current_version=F("pk"),
        )
        .select_related("plan__patient", "coordinator", "coordinator_unit")
        .order_by("follow_up_date", "pk")
    )
    for version in due:
        plan = version.plan
        consent_active = active_consent(plan.patient, ConsentScope.SIP) is not None
        if not process.follow_up_reminder_due(
            state=plan.state,
            follow_up_date=version.follow_up_date,
            reminded=False,
            today=today,
            consent_active=consent_active,
        ):
            continue
        unit = version.coordinator_unit
        try:
            with transaction.atomic():
                locked = SipVersion.objects.select_for_update().get(pk=version.pk)
                if locked.follow_up_reminded_at is not None:
                    continue  # another run sent it meanwhile
                message = message_send(
                    sender_user=version.coordinator,
                    sender_unit=unit,
                    patient=plan.patient,
                    message_type=MessageType.EXTRA_MESSAGE,
                    recipients=[
                        RecipientChoice(
                            unit=unit,
                            reason_code="sip_follow_up",
                            reason_text=_("Coordinator's unit of a SIP due for follow-up"),
                        )
                    ],
                    idempotency_key=f"sip-follow-up-{version.pk}",
                    text=_remind_text("sip/follow_up_message.txt", plan, version=version),
                )
                SipMessage.objects.get_or_create(
                    message=message, defaults={"plan": plan, "kind": MessageKind.FOLLOW_UP}
                )
                SipVersion.objects.filter(pk=version.pk).update(follow_up_reminded_at=now)
                _event(
                    plan,
                    EventKind.FOLLOW_UP_REMINDER_SENT,
                    user=None,
                    unit=None,
                    version=version,
                    units=[unit.name],
                    message=message.pk,
                )
        except MessagingError:
            logger.warning("SIP follow-up reminder for version %s could not be sent", version.pk)
            continue
        sent += 1
    return sent
