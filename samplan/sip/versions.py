"""The plan's text and its versions: save (optimistic locking), sign, finalise, new version.

Each function takes the actor, checks the right with samplan.sip.access and the process rules
in process.py, runs in one transaction on the locked plan row, records a SipEvent and writes
its access-log row, like the services of samplan.sip.services (start, summons, answers,
close), whose helpers and errors it shares. A finalised version is never changed: a change
or a follow-up copies it into the next version first.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from samplan.accounts.models import User
from samplan.auditlog.access_log import AccessAction
from samplan.auditlog.details import detail_code
from samplan.core.actor import Actor
from samplan.sip import process
from samplan.sip.access import can_finalise_sip, can_sign_sip_part, coordinator_allowed, viewer_for
from samplan.sip.content import PlanText, changes, plan_text_of
from samplan.sip.models import (
    EventKind,
    PlanState,
    SignatureMethod,
    SipContact,
    SipEvent,
    SipIntervention,
    SipPlan,
    SipSignature,
    SipVersion,
    VersionReason,
)
from samplan.sip.selectors import missed_saves, nameable_units, parties, principal_of, readiness
from samplan.sip.services import SipError, event_record, plan_lock, plan_log, refuse_unless


class StaleEdit(SipError):
    """Someone saved the plan after the form was opened. `missed` are their saves (SipEvents),
    `version` the plan's current version, whose revision a new form must carry."""

    def __init__(self, message: str, *, missed: list[SipEvent], version: SipVersion) -> None:
        super().__init__(message)
        self.missed = missed
        self.version = version


def _check_text(plan: SipPlan, text: PlanText) -> None:
    """Every unit, principal and person the text names must belong to the plan (forged ids)."""
    named = nameable_units(plan)
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
        plan = plan_lock(plan)
        version = SipVersion.objects.select_for_update().get(pk=plan.current_version_id)
        refuse_unless(
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
            event_record(
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
        event_record(
            plan,
            EventKind.SAVED,
            user=user,
            unit=unit,
            version=version,
            revision=new_revision,
            changes=found,
        )
        plan_log(
            actor,
            plan,
            AccessAction.UPDATE,
            detail_code("sip_version_saved", version=version.number),
        )
        version.refresh_from_db()
    return version


def sip_sign(*, actor: Actor, plan: SipPlan, password: str | None) -> SipSignature:
    """Signera: the acting unit's part of the current text. A session opened with a smart
    card signs without more; a password session must give the user's password again."""
    user, unit = actor.user, actor.unit
    card = actor.strong_authentication
    if not card and not (password and user.check_password(password)):
        raise ValidationError({"password": _("The password is wrong. Nothing was signed.")})
    with transaction.atomic():
        plan = plan_lock(plan)
        version = SipVersion.objects.select_for_update().get(pk=plan.current_version_id)
        viewer = viewer_for(actor, plan)
        existing = SipSignature.objects.filter(
            version=version, revision=version.revision, unit=unit
        ).first()
        if existing is not None:
            return existing
        refuse_unless(
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
        event_record(
            plan,
            EventKind.SIGNED,
            user=user,
            unit=unit,
            version=version,
            revision=version.revision,
            method=signature.method,
        )
        plan_log(
            actor,
            plan,
            AccessAction.UPDATE,
            detail_code("sip_version_signed", version=version.number),
        )
    return signature


def sip_finalise(*, actor: Actor, plan: SipPlan, confirmed: bool) -> SipVersion:
    """Slutjustera: the coordinator locks the current version once every party has signed.

    `confirmed` is the answer to "Är det säkert att du vill slutjustera hela planen?".
    """
    user, unit = actor.user, actor.unit
    if not confirmed:
        raise SipError(_("The plan was not finalised."))
    with transaction.atomic():
        plan = plan_lock(plan)
        version = SipVersion.objects.select_for_update().get(pk=plan.current_version_id)
        if plan.state == PlanState.FINALISED and version.locked_by_id == user.pk:
            return version  # the confirmation posted twice
        refuse_unless(
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
        event_record(
            plan,
            EventKind.FINALISED,
            user=user,
            unit=unit,
            version=version,
            revision=version.revision,
            number=version.number,
        )
        plan_log(
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
        plan = plan_lock(plan)
        version = SipVersion.objects.select_for_update().get(pk=plan.current_version_id)
        if not process.may_new_version(plan.state, viewer_for(actor, plan)):
            if plan.state == PlanState.PLANNING and version.based_on_id is not None:
                return version  # the button pressed twice: the new version is there
            raise SipError(_("A new version is made from a finalised plan by one of its units."))
        new = _copy_version(plan, version, reason, user)
        event_record(
            plan,
            EventKind.VERSION_CREATED,
            user=user,
            unit=unit,
            version=new,
            revision=new.revision,
            number=new.number,
            reason=reason,
        )
        plan_log(
            actor, plan, AccessAction.UPDATE, detail_code("sip_version_made", version=new.number)
        )
    return new
