"""Writes of a provider's life: registration ahead of its start, closing down a unit or a
provider, handing over open work, and the takeover (övertagande) on a date.

Each function takes an Actor, checks permission again, runs in one transaction and leaves a
row in the administrative change history for every step (through the administration and
accounts services where they already record it).
"""

from __future__ import annotations

from collections.abc import Sequence

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from samplan.accounts import access
from samplan.accounts import administering as org_access
from samplan.accounts import services as account_services
from samplan.accounts.access import require
from samplan.accounts.models import Membership, Role, User
from samplan.administration import open_work as closing
from samplan.administration import services as organization_services
from samplan.auditlog.history import admin_change_record
from samplan.auditlog.models import AdminAction
from samplan.core.actor import Actor
from samplan.discharge import services as discharge_services
from samplan.discharge.models import CaseEvent, CaseEventKind, CaseParticipant
from samplan.messaging import services as messaging_services
from samplan.messaging.services import MessagingError
from samplan.organizations.models import Organization, OrganizationKind, Unit
from samplan.providers import access as provider_access
from samplan.providers.models import ProviderStart, Takeover, TakeoverState
from samplan.sip.models import SipParticipant


def provider_register(
    *,
    actor: Actor,
    organization: Organization,
    units: Sequence[Unit],
    manager: User,
) -> Organization:
    """Registers a private provider (or a subcontractor, `organization.main_provider`) that
    starts on `organization.starts_on`: the organisation, its units (the first is the top of
    its tree, the others under it), and the responsible manager's account with the manager
    role in the top unit from the start date. Nothing of it is routable, and no one can log in,
    before that date: the units are active from it, and the organisation's start date holds
    the router and the login back (samplan.addressing.router, samplan.accounts.sessions).
    """
    user = actor.user
    require(
        org_access.can_create_organization(
            user, OrganizationKind.PRIVATE_PROVIDER, organization.contracted_by
        )
    )
    today = timezone.localdate()
    if organization.starts_on is None or organization.starts_on < today:
        raise ValidationError({"starts_on": _("The start date cannot be in the past.")})
    if organization.main_provider_id is not None:
        main = organization.main_provider
        if not user.is_superuser and main.pk not in access.system_administered_organization_ids(
            user
        ):
            raise ValidationError(
                {"main_provider": _("Choose a main provider of your own organisation.")}
            )
        if main.contracted_by_id != organization.contracted_by_id:
            raise ValidationError(
                {
                    "main_provider": _(
                        "A subcontractor is contracted by the same organisation as its main "
                        "provider."
                    )
                }
            )
    if not units:
        raise ValidationError(_("Register at least one unit."))
    organization.kind = OrganizationKind.PRIVATE_PROVIDER
    with transaction.atomic():
        organization_services.organization_create(actor=actor, organization=organization)
        # The new organisation is within the actor's reach now: drop the cached answers.
        access.forget_memberships(user)
        top: Unit | None = None
        for unit in units:
            unit.organization = organization
            unit.parent = top
            unit.active_from = organization.starts_on
            organization_services.unit_create(actor=actor, unit=unit)
            top = top or unit
        manager.organization = organization
        account_services.user_create(actor=actor, user=manager, password=None)
        account_services.membership_grant(
            actor=actor,
            user=manager,
            unit=top,
            role=Role.MANAGER,
            valid_from=organization.starts_on,
            valid_to=None,
        )
        start = ProviderStart.objects.create(
            organization=organization, responsible_manager=manager, registered_by=user
        )
        admin_change_record(
            actor=actor,
            organization=organization,
            action=AdminAction.CREATE,
            target=start,
            changes={
                "starts_on": [None, organization.starts_on.isoformat()],
                "responsible_manager": [None, str(manager)],
            },
        )
    return organization


# --- Closing down: hand over open work, then close -------------------------------------------


def _check_successor(unit: Unit, to_unit: Unit) -> None:
    if to_unit.pk == unit.pk:
        raise ValidationError({"to_unit": _("Choose another unit than the one being closed.")})
    if to_unit.organization_id != unit.organization_id:
        raise ValidationError({"to_unit": _("Choose a unit of the same organisation.")})
    if not to_unit.has_inbox or not to_unit.is_active_on():
        raise ValidationError(
            {"to_unit": _("The unit cannot receive messages (no inbox, or not active).")}
        )


def move_participations(*, actor: Actor, unit: Unit, to_unit: Unit, reason: str) -> dict[str, int]:
    """Moves the unit's standing participations in open cases and open SIP plans to `to_unit`.

    A case participation is ended for the old unit and begun for the new (both kept, so the
    case's history and reports still show who took part when); a SIP participation row is
    handed to the new unit unless it already takes part in that plan.
    """
    now = timezone.now()
    cases = 0
    for participation in closing.open_cases([unit.pk]).select_for_update(of=("self",)):
        case = participation.case
        discharge_services.participant_add(case=case, unit=to_unit, role=participation.role)
        CaseParticipant.objects.filter(pk=participation.pk).update(left_at=now)
        CaseEvent.objects.create(
            case=case,
            kind=CaseEventKind.PARTICIPANT_ADDED,
            user=actor.user,
            unit=to_unit,
            detail={"unit_name": to_unit.name, "from_unit": unit.name, "reason": reason},
        )
        CaseEvent.objects.create(
            case=case,
            kind=CaseEventKind.PARTICIPANT_LEFT,
            user=actor.user,
            unit=unit,
            detail={"unit_name": unit.name, "reason": reason},
        )
        cases += 1
    plans = 0
    for participation in closing.open_plans([unit.pk]).select_for_update(of=("self",)):
        if SipParticipant.objects.filter(plan_id=participation.plan_id, unit=to_unit).exists():
            continue
        SipParticipant.objects.filter(pk=participation.pk).update(unit=to_unit)
        plans += 1
    return {"cases": cases, "plans": plans}


def _forward_deliveries(*, actor: Actor, unit: Unit, to_unit: Unit) -> int:
    """Forwards the unit's unacknowledged deliveries within the organisation, as the unit."""
    forwarded = 0
    as_unit = actor.acting_for(unit)
    for delivery in closing.open_deliveries([unit.pk]):
        try:
            messaging_services.delivery_forward(actor=as_unit, delivery=delivery, to_unit=to_unit)
        except MessagingError:
            continue  # the other unit already has this message: left for the unit to handle
        forwarded += 1
    return forwarded


def unit_hand_over(*, actor: Actor, unit: Unit, to_unit: Unit) -> dict[str, int]:
    """Hands a unit's open work to another unit of its organisation before it closes: its
    unacknowledged deliveries are forwarded, its participations in open cases and SIP plans
    move. Returns how many of each; a second post finds nothing left to move."""
    require(provider_access.can_close_unit(actor.user, unit))
    _check_successor(unit, to_unit)
    with transaction.atomic():
        Unit.objects.select_for_update().filter(pk__in=[unit.pk, to_unit.pk]).exists()
        moved = {"deliveries": _forward_deliveries(actor=actor, unit=unit, to_unit=to_unit)}
        moved.update(
            move_participations(
                actor=actor, unit=unit, to_unit=to_unit, reason=_("Handed over before closing")
            )
        )
        if any(moved.values()):
            admin_change_record(
                actor=actor,
                organization=unit.organization,
                action=AdminAction.UPDATE,
                target=unit,
                changes={
                    "handed_over_to": [None, to_unit.name],
                    **{name: [0, count] for name, count in moved.items()},
                },
            )
    return moved


def unit_close(*, actor: Actor, unit: Unit) -> int:
    """Closes down a unit (avveckling): refused while it has unacknowledged deliveries, open
    cases or open SIP plans (administration.services.unit_deactivate checks them); then every
    membership ends and the unit leaves routing, so the router's fallback inbox takes what is
    sent to its patients later. Its messages, cases and logs stay as they were. Returns how
    many memberships ended."""
    require(provider_access.can_close_unit(actor.user, unit))
    with transaction.atomic():
        stored = Unit.objects.select_for_update().select_related("organization").get(pk=unit.pk)
        if not stored.is_active:
            return 0
        return organization_services.unit_deactivate(actor=actor, unit=stored)


def provider_close(*, actor: Actor, organization: Organization) -> int:
    """Closes down a provider or a subcontractor: refused while any of its units has open work,
    while it has active subcontractors, or while a takeover of it is planned. Then every
    membership in its units ends, every unit closes and the organisation is deactivated (its
    users can no longer log in): administration.services.organization_update does that for
    any deactivated organisation. Returns how many memberships ended."""
    require(
        organization.kind == OrganizationKind.PRIVATE_PROVIDER
        and org_access.can_create_organization(
            actor.user, organization.kind, organization.contracted_by
        )
    )
    with transaction.atomic():
        stored = Organization.objects.select_for_update().get(pk=organization.pk)
        if not stored.is_active:
            return 0
        if Takeover.objects.filter(from_organization=stored, state=TakeoverState.PLANNED).exists():
            raise ValidationError(
                _("A takeover of the provider is planned. Carry it out or cancel it first.")
            )
        standing = Membership.objects.filter(
            unit__organization=stored, ended_at__isnull=True
        ).count()
        stored.is_active = False
        organization_services.organization_update(actor=actor, organization=stored)
        organization.is_active = False
    return standing
