"""Writes of deviations: report, move between states, answer, comment, and the settings.

Each function is one transaction: it checks permission and state, writes, and returns. Bad
input raises ValidationError with a plain Swedish message and writes nothing. Double posts are
harmless: a report carries a one-off key, a move to the state it is already in does nothing,
and the same comment twice in a row is kept once.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from samplan.accounts.administering import can_edit_agreement
from samplan.auditlog.access_log import AccessAction, access_log_record
from samplan.auditlog.history import admin_change_record, instance_diff
from samplan.auditlog.models import AdminAction
from samplan.core.actor import Actor
from samplan.core.localtime import local_date
from samplan.deviations import access, process
from samplan.deviations.models import (
    MAX_COMMENT,
    MAX_DESCRIPTION,
    AgreementDeviationTerms,
    Category,
    Deviation,
    DeviationNote,
    DeviationRecipient,
    DeviationSettings,
    DeviationState,
    NoteKind,
)
from samplan.deviations.terms import answer_days_between
from samplan.discharge.models import DischargeCase
from samplan.messaging.models import Message
from samplan.organizations.models import Agreement, Organization, Unit
from samplan.sip.models import SipPlan


def _linked(
    actor: Actor, *, case_id: int | None, plan_id: int | None, message_id: int | None
) -> tuple[DischargeCase | None, SipPlan | None, Message | None, object | None]:
    """The linked object and its patient, if the reporting unit knows it (else 404)."""
    given = [x for x in (case_id, plan_id, message_id) if x is not None]
    if len(given) > 1:
        raise ValidationError(_("A deviation is linked to one case, plan or message at most."))
    if not given:
        return None, None, None, None
    if not access.link_known_to(
        actor.unit.pk, case_id=case_id, plan_id=plan_id, message_id=message_id
    ):
        raise Http404
    if case_id is not None:
        case = DischargeCase.objects.select_related("patient").get(pk=case_id)
        return case, None, None, case.patient
    if plan_id is not None:
        plan = SipPlan.objects.select_related("patient").get(pk=plan_id)
        return None, plan, None, plan.patient
    message = Message.objects.select_related("patient").get(pk=message_id)
    return None, None, message, message.patient


def _concerned(actor: Actor, organization_ids: Iterable[int]) -> list[Organization]:
    wanted = sorted(set(organization_ids))
    if not wanted:
        raise ValidationError(
            {"organizations": _("Choose at least one organisation the deviation concerns.")}
        )
    if actor.unit.organization_id in wanted:
        raise ValidationError(
            {
                "organizations": _(
                    "Deviations within your own organisation are reported in its own deviation "
                    "system. Choose the other organisations concerned."
                )
            }
        )
    found = list(Organization.objects.filter(pk__in=wanted, is_active=True))
    if len(found) != len(wanted):
        raise ValidationError({"organizations": _("Choose organisations from the list.")})
    return found


@transaction.atomic
def deviation_report(
    *,
    actor: Actor,
    category: str,
    occurred_at: datetime.datetime,
    description: str,
    organization_ids: Iterable[int],
    submission_key: str,
    case_id: int | None = None,
    plan_id: int | None = None,
    message_id: int | None = None,
) -> Deviation:
    """Rapportera avvikelse: records the deviation and sends it to each organisation concerned.

    The reporting unit is the unit acted for; the time it was reported is now. The same
    `submission_key` from the same user returns the deviation already made.
    """
    if not access.can_report(actor.user, actor.unit):
        raise PermissionDenied
    existing = Deviation.objects.filter(
        reported_by=actor.user, submission_key=submission_key
    ).first()
    if existing is not None:
        return existing
    if category not in Category.values:
        raise ValidationError({"category": _("Choose a category from the list.")})
    description = (description or "").strip()
    if not description:
        raise ValidationError({"description": _("Describe what happened.")})
    if len(description) > MAX_DESCRIPTION:
        raise ValidationError({"description": _("The description is too long.")})
    now = timezone.now()
    if process.occurred_at_problem(occurred_at, now):
        raise ValidationError({"occurred_at": _("The time of the event cannot be in the future.")})
    case, plan, message, patient = _linked(
        actor, case_id=case_id, plan_id=plan_id, message_id=message_id
    )
    organizations = _concerned(actor, organization_ids)
    receivers = dict(
        DeviationSettings.objects.filter(organization__in=organizations).values_list(
            "organization_id", "receiving_unit_id"
        )
    )
    deviation = Deviation(
        reporting_unit=actor.unit,
        reported_by=actor.user,
        reported_at=now,
        occurred_at=occurred_at,
        category=category,
        description=description,
        patient=patient,
        case=case,
        plan=plan,
        message=message,
        submission_key=submission_key[:64],
    )
    try:
        with transaction.atomic():
            deviation.save()
    except IntegrityError:  # the same key from a post that committed meanwhile
        return Deviation.objects.get(reported_by=actor.user, submission_key=submission_key)
    reporting_organization = actor.unit.organization
    today = local_date(now)
    DeviationRecipient.objects.bulk_create(
        [
            DeviationRecipient(
                deviation=deviation,
                organization=organization,
                unit_id=receivers.get(organization.pk),
                reported_at=now,
                reporting_organization=reporting_organization,
                category=category,
                due_on=process.due_on(
                    today, answer_days_between(reporting_organization, organization, today)
                ),
            )
            for organization in organizations
        ]
    )
    if patient is not None:
        access_log_record(
            actor=actor,
            patient=patient,
            action=AccessAction.CREATE,
            obj=deviation,
            participant=True,
        )
    return deviation


def _recipient_for(actor: Actor, recipient_id: int) -> tuple[DeviationRecipient, process.Side]:
    """The recipient row, locked, and the actor's side on it (else 404)."""
    recipient = (
        DeviationRecipient.objects.select_for_update(of=("self",))
        .select_related("deviation")
        .filter(pk=recipient_id)
        .first()
    )
    if recipient is None or actor.unit is None:
        raise Http404
    unit = actor.unit
    if recipient.deviation.reporting_unit_id == unit.pk and access.can_report(actor.user, unit):
        return recipient, process.Side.REPORTER
    if recipient.organization_id == unit.organization_id and access.can_handle(actor.user, unit):
        return recipient, process.Side.HANDLER
    raise Http404


def _note(recipient: DeviationRecipient, actor: Actor, kind: str, text: str = "") -> None:
    DeviationNote.objects.create(
        recipient=recipient,
        kind=kind,
        text=text,
        state=recipient.state,
        user=actor.user,
        unit=actor.unit,
    )


@transaction.atomic
def deviation_move(
    *, actor: Actor, recipient_id: int, to: str, text: str = ""
) -> DeviationRecipient:
    """Moves one organisation's copy to `to` (start investigating, answer, close, reopen).

    Answering needs the answer's text; a move to the state it is already in does nothing.
    """
    recipient, side = _recipient_for(actor, recipient_id)
    if recipient.state == to:
        return recipient
    if to not in DeviationState.values or not process.may_move(recipient.state, to, side):
        raise ValidationError(_("The deviation cannot be moved to that state now."))
    text = (text or "").strip()
    if len(text) > MAX_COMMENT:
        raise ValidationError({"text": _("The text is too long.")})
    now = timezone.now()
    if to == DeviationState.ANSWERED:
        if not text:
            raise ValidationError({"text": _("Write the answer to the reporting unit.")})
        recipient.answer = text
        recipient.answered_at = now
        recipient.answered_by = actor.user
    if to == DeviationState.CLOSED:
        recipient.closed_at = now
    if to == DeviationState.INVESTIGATING:
        recipient.closed_at = None
    recipient.state = to
    recipient.save()
    if to == DeviationState.ANSWERED:
        _note(recipient, actor, NoteKind.ANSWER, text)
    else:
        _note(recipient, actor, NoteKind.STATE, text)
    return recipient


@transaction.atomic
def deviation_comment(*, actor: Actor, recipient_id: int, text: str) -> DeviationNote | None:
    """A comment from either side on one organisation's copy, while it is not closed."""
    recipient, _side = _recipient_for(actor, recipient_id)
    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": _("Write a comment.")})
    if len(text) > MAX_COMMENT:
        raise ValidationError({"text": _("The text is too long.")})
    if not process.may_comment(recipient.state):
        raise ValidationError(_("The deviation is closed."))
    last = recipient.notes.order_by("-created_at", "-pk").first()
    if (
        last is not None
        and last.kind == NoteKind.COMMENT
        and last.text == text
        and last.user_id == actor.user.pk
    ):
        return None  # a double post
    note = DeviationNote.objects.create(
        recipient=recipient,
        kind=NoteKind.COMMENT,
        text=text,
        state=recipient.state,
        user=actor.user,
        unit=actor.unit,
    )
    return note


SETTINGS_HISTORY_FIELDS = ["receiving_unit"]


@transaction.atomic
def deviation_settings_update(
    *, actor: Actor, organization: Organization, receiving_unit: Unit | None
) -> DeviationSettings:
    """The organisation's receiving unit, set by its administrators (in the history).

    Deviations already received without a receiving unit take the new one.
    """
    if not access.can_edit_settings(actor.user, organization.pk):
        raise PermissionDenied
    if receiving_unit is not None and receiving_unit.organization_id != organization.pk:
        raise ValidationError({"receiving_unit": _("Choose a unit of the organisation.")})
    stored, _created = DeviationSettings.objects.select_for_update().get_or_create(
        organization=organization
    )
    before = DeviationSettings(pk=stored.pk, organization=organization)
    before.receiving_unit_id = stored.receiving_unit_id
    stored.receiving_unit = receiving_unit
    changes = instance_diff(before, stored, SETTINGS_HISTORY_FIELDS)
    if changes:
        stored.save(update_fields=["receiving_unit"])
        admin_change_record(
            actor=actor,
            organization=organization,
            action=AdminAction.UPDATE,
            target=stored,
            changes=changes,
        )
        if receiving_unit is not None:
            DeviationRecipient.objects.filter(organization=organization, unit__isnull=True).update(
                unit=receiving_unit
            )
    return stored


@transaction.atomic
def agreement_answer_days_update(
    *, actor: Actor, agreement: Agreement, answer_days: int
) -> AgreementDeviationTerms:
    """The days to answer a deviation under an agreement: its parties' system administrators
    (as for the rest of the agreement), recorded in the history of both parties."""
    if not can_edit_agreement(actor.user, agreement):
        raise PermissionDenied
    if not 1 <= answer_days <= 90:
        raise ValidationError({"answer_days": _("Give between 1 and 90 days.")})
    terms, created = AgreementDeviationTerms.objects.select_for_update().get_or_create(
        agreement=agreement
    )
    if terms.answer_days != answer_days or created:
        changes = {"answer_days": [None if created else terms.answer_days, answer_days]}
        terms.answer_days = answer_days
        terms.save(update_fields=["answer_days"])
        for organization in (agreement.region, agreement.municipality):
            admin_change_record(
                actor=actor,
                organization=organization,
                action=AdminAction.UPDATE,
                target=terms,
                changes=changes,
            )
    return terms
