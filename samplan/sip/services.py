"""The writes of a plan's course: start, consent, initiative, summons, answers, close.

Each function takes the actor (samplan.core.actor: the user, the unit acted for, the session
and the client address the access log needs), checks the right with samplan.sip.access and
the process rules in process.py, runs in one transaction, records a SipEvent and writes its
access-log row. The plan has been fetched through access.plan_for_unit before (need-to-know).
The plan's text and versions (save, sign, finalise, new version) are samplan.sip.versions,
which shares the errors and helpers here; the worker's reminders are samplan.sip.reminders;
the reads are samplan.sip.selectors.
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Sequence
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from samplan.accounts.models import User
from samplan.auditlog.access_log import AccessAction, access_log_record
from samplan.auditlog.details import detail_code
from samplan.core.actor import Actor
from samplan.core.message_types import MessageType
from samplan.discharge.access import case_may_carry_summons
from samplan.discharge.models import DischargeCase
from samplan.discharge.services import case_send
from samplan.messaging.models import Delivery, Message
from samplan.messaging.services import (
    MessagingError,
    RecipientChoice,
    deliveries_acknowledge,
    message_send,
)
from samplan.organizations.agreements import answer_due_at
from samplan.organizations.models import Unit
from samplan.patients.access import can_change_patient, can_work_with_patients
from samplan.patients.identity import Identity
from samplan.patients.models import Consent, ConsentScope, Patient
from samplan.patients.selectors import active_consent
from samplan.patients.services import PatientDetails, consent_record, patient_create
from samplan.sip import process
from samplan.sip.access import (
    can_work_with_sip,
    participation_of,
    viewer_for,
)
from samplan.sip.models import (
    VISIBLE_ANSWERS,
    Answer,
    CloseReason,
    EventKind,
    MeetingMode,
    MessageKind,
    ParticipantRole,
    PlanState,
    SipEvent,
    SipMessage,
    SipParticipant,
    SipPlan,
    SipVersion,
    VersionReason,
)

logger = logging.getLogger(__name__)


class SipError(Exception):
    """A refused plan action; the message is plain Swedish for the user."""


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


def event_record(
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


def plan_log(actor: Actor, plan: SipPlan, action: str, detail: str) -> None:
    access_log_record(actor=actor, patient=plan.patient, action=action, obj=plan, detail=detail)


def plan_lock(plan: SipPlan) -> SipPlan:
    """The plan row, locked for the rest of the transaction (serialises writes to one plan)."""
    return SipPlan.objects.select_for_update().select_related("patient").get(pk=plan.pk)


def refuse_unless(allowed: bool, message: str) -> None:
    if not allowed:
        raise SipError(message)


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
            event_record(plan, EventKind.CREATED, user=user, unit=unit, version=version, revision=1)
            if units:
                event_record(
                    plan,
                    EventKind.UNITS_CHOSEN,
                    user=user,
                    unit=unit,
                    units=[u.name for u in units],
                )
            plan_log(actor, plan, AccessAction.CREATE, detail_code("sip_started"))
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
    event_record(
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
        plan = plan_lock(plan)
        refuse_unless(
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
        plan = plan_lock(plan)
        refuse_unless(
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
        event_record(
            plan, EventKind.INITIATIVE_CHANGED, user=actor.user, unit=actor.unit, fields=changed
        )
        plan_log(actor, plan, AccessAction.UPDATE, detail_code("sip_initiative_changed"))
    plan.refresh_from_db()
    return plan


def sip_units_choose(*, actor: Actor, plan: SipPlan, units: Sequence[Unit]) -> list[Unit]:
    """Kalla: the units to summon next. Units already summoned stay; the not yet summoned
    become exactly those in `units`. Returns the units added."""
    with transaction.atomic():
        plan = plan_lock(plan)
        refuse_unless(
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
            event_record(
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
    open discharge case the summons goes through discharge.services.case_send, so it is the case's
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
        plan = plan_lock(plan)
        refuse_unless(
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
        # Each summoned unit answers by the first cut-off after the summons arrives, under
        # the agreement between the two organisations (organizations.agreements).
        now = timezone.now()
        recipients = [
            RecipientChoice(
                unit=p.unit,
                reason_code="sip_summoned",
                reason_text=_("Summoned to a SIP by %(unit)s") % {"unit": unit.name},
                due_at=answer_due_at(arrived_at=now, sender_unit=unit, unit=p.unit),
            )
            for p in waiting
        ]
        common = {
            "actor": actor,
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
                    actor=actor,
                    patient=plan.patient,
                    message_type=MessageType.SIP_SUMMONS,
                    recipients=recipients,
                    idempotency_key=idempotency_key,
                    content=common["content"],
                    text=common["text"],
                    sent_at=now,
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
        event_record(
            plan,
            EventKind.SUMMONS_SENT,
            user=user,
            unit=unit,
            units=[p.unit.name for p in waiting],
            message=message.pk,
        )
        plan_log(actor, plan, AccessAction.UPDATE, detail_code("sip_summons_sent"))
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
        plan = plan_lock(plan)
        participant = participation_of(plan, unit)
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
            deliveries_acknowledge(delivery_ids=[participant.delivery_id], actor=actor)
        late = bool(participant.due_at and now > participant.due_at)
        if accept:
            event_record(
                plan, EventKind.ACCEPTED, user=user, unit=unit, attendees=attendees, late=late
            )
        else:
            event_record(plan, EventKind.DECLINED, user=user, unit=unit, reason=reason, late=late)
        plan_log(
            actor,
            plan,
            AccessAction.UPDATE,
            detail_code("sip_summons_accepted" if accept else "sip_summons_declined"),
        )
        participant.refresh_from_db()
    return participant


def sip_unit_join(*, actor: Actor, plan_id: int, message_id: int, unit: Unit) -> bool:
    """A unit gets a message of the plan by a forward from the stuck messages (a super user or
    administrator of its organisation chose it, with a reason): it becomes a summoned unit
    that has not answered, as a unit the summons reached (sip_summons_send), answering by its
    delivery's cut-off. It then sees the plan and the person, and accepts or declines.

    A unit that already sees the plan (the initiator, pending, accepted) is left as it is; a
    unit chosen but not yet summoned, or one that declined an earlier summons, is summoned by
    this message. The event names the unit and the forward's reason. Runs in the caller's
    transaction (messaging.services.stuck_delivery_forward, through the plan's ThreadKind).
    Returns True if the unit did not see the plan before.
    """
    plan = SipPlan.objects.select_for_update().get(pk=plan_id)
    delivery = (
        Delivery.objects.filter(message_id=message_id, unit_id=unit.pk).order_by("-pk").first()
    )
    participant = SipParticipant.objects.filter(plan=plan, unit=unit).first()
    if participant is not None and participant.answer in VISIBLE_ANSWERS:
        return False
    summoned = {
        "role": ParticipantRole.SUMMONED,
        "answer": Answer.PENDING,
        "delivery": delivery,
        "due_at": delivery.due_at if delivery else None,
        "answered_at": None,
        "answered_by": None,
        "attendees": "",
        "decline_reason": "",
    }
    if participant is None:
        SipParticipant.objects.create(plan=plan, unit=unit, **summoned)
    else:
        SipParticipant.objects.filter(pk=participant.pk).update(**summoned)
    event_record(
        plan,
        EventKind.UNIT_JOINED,
        user=actor.user,
        unit=actor.unit,
        units=[unit.name],
        message=message_id,
        text=delivery.reason_text if delivery else "",
    )
    return True


# --- closing -------------------------------------------------------------------------------------


def sip_close(*, actor: Actor, plan: SipPlan, reason: str, text: str = "") -> SipPlan:
    """Avsluta with a reason: the initiator or the coordinator."""
    if reason not in CloseReason.values:
        raise ValidationError({"reason": _("Choose why the plan is closed.")})
    if reason == CloseReason.OTHER and not text.strip():
        raise ValidationError({"text": _("Describe the reason.")})
    with transaction.atomic():
        plan = plan_lock(plan)
        if plan.state == PlanState.CLOSED:
            return plan
        refuse_unless(
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
        event_record(
            plan,
            EventKind.CLOSED,
            user=actor.user,
            unit=actor.unit,
            reason=reason,
            text=text.strip(),
        )
        plan_log(actor, plan, AccessAction.UPDATE, detail_code("sip_closed"))
    plan.refresh_from_db()
    return plan
