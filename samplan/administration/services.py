"""Changes to organisations and unit trees, each with its history row (auditlog.AdminChange).

Local administrators keep a unit's contact data and inbox setting current; the structure of
the tree (creating, moving, renaming, HSA-id, validity, closing) is for the organisation's
system administrators (organizations.organization_access.can_change_unit_tree).
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from samplan.accounts import access, administering
from samplan.accounts.access import require
from samplan.accounts.models import Membership
from samplan.accounts.services import memberships_close
from samplan.administration import open_work
from samplan.auditlog.history import admin_change_record, diff, instance_diff, snapshot
from samplan.auditlog.models import AdminAction
from samplan.core.actor import Actor
from samplan.organizations.models import Organization, Unit

UNIT_CONTACT_FIELDS = ["phone", "email", "visiting_address", "opening_hours", "has_inbox"]
UNIT_TREE_FIELDS = ["parent", "name", "kind", "hsa_id", "active_from", "active_to"]
UNIT_HISTORY_FIELDS = [*UNIT_TREE_FIELDS, *UNIT_CONTACT_FIELDS]
ORGANIZATION_BASIC_FIELDS = ["name", "org_number", "hsa_id", "area_code", "require_siths"]
# Changing what an organisation is, who contracts it, or closing it, needs the right to
# create such an organisation (organizations.organization_access.can_create_organization).
ORGANIZATION_FOUNDING_FIELDS = ["kind", "contracted_by", "is_active"]
ORGANIZATION_HISTORY_FIELDS = [*ORGANIZATION_BASIC_FIELDS, *ORGANIZATION_FOUNDING_FIELDS]


def unit_create(*, actor: Actor, unit: Unit) -> Unit:
    """Saves the new unit `unit` (validated by a ModelForm, so Unit.clean has run)."""
    require(administering.can_change_unit_tree(actor.user, unit.organization))
    if unit.parent_id is not None and unit.parent.organization_id != unit.organization_id:
        raise ValidationError(
            {"parent": _("The parent unit must belong to the same organisation.")}
        )
    with transaction.atomic():
        unit.save()
        admin_change_record(
            actor=actor,
            organization=unit.organization,
            action=AdminAction.CREATE,
            target=unit,
            changes=diff({}, snapshot(unit, UNIT_HISTORY_FIELDS)),
        )
    return unit


@transaction.atomic
def unit_update(*, actor: Actor, unit: Unit) -> dict:
    """Saves the edited unit `unit` (changed in memory by a form); returns the changes.

    Contact data is for the organisation's administrators; any change to the tree fields
    also needs can_change_unit_tree, whatever the form offered.
    """
    stored = (
        Unit.objects.select_for_update(of=("self",)).select_related("organization").get(pk=unit.pk)
    )
    require(administering.can_edit_unit(actor.user, stored))
    if unit.organization_id != stored.organization_id:
        raise ValidationError(_("A unit cannot move to another organisation."))
    changes = instance_diff(stored, unit, UNIT_HISTORY_FIELDS)
    if not changes:
        return {}
    if set(changes) - set(UNIT_CONTACT_FIELDS):
        require(administering.can_change_unit_tree(actor.user, stored.organization))
    unit.save(update_fields=UNIT_HISTORY_FIELDS)
    admin_change_record(
        actor=actor,
        organization=stored.organization,
        action=AdminAction.UPDATE,
        target=unit,
        changes=changes,
    )
    return changes


@transaction.atomic
def unit_deactivate(*, actor: Actor, unit: Unit) -> int:
    """Closes a unit and ends every membership in it; returns how many were ended.

    Refused while sub-units are still active: they are closed or moved first, so no part of
    the tree is left open under a closed unit.
    """
    stored = (
        Unit.objects.select_for_update(of=("self",)).select_related("organization").get(pk=unit.pk)
    )
    require(administering.can_change_unit_tree(actor.user, stored.organization))
    if not stored.is_active:
        return 0
    if access.roles_in_unit(actor.user, stored) & access.ADMIN_ROLES:
        # Closing it would end the membership that lets them administer, mid-task.
        raise ValidationError(
            _("Your own administrator role is in this unit. Ask another administrator.")
        )
    if Unit.objects.filter(parent=stored, is_active=True).exists():
        raise ValidationError(_("The unit has active sub-units. Deactivate or move them first."))
    # Nothing may be left unhandled (seed 002): Utförare's closing page hands it over.
    open_work.refuse_while_open([stored.pk])
    ended = memberships_close(actor=actor, memberships=access.unit_memberships(stored))
    Unit.objects.filter(pk=stored.pk).update(is_active=False)
    admin_change_record(
        actor=actor,
        organization=stored.organization,
        action=AdminAction.DEACTIVATE,
        target=stored,
        changes={"is_active": [True, False]},
    )
    unit.is_active = False
    return ended


@transaction.atomic
def unit_reactivate(*, actor: Actor, unit: Unit) -> None:
    stored = (
        Unit.objects.select_for_update(of=("self",)).select_related("organization").get(pk=unit.pk)
    )
    require(administering.can_change_unit_tree(actor.user, stored.organization))
    if stored.is_active:
        return
    if stored.parent_id is not None and not Unit.objects.get(pk=stored.parent_id).is_active:
        raise ValidationError(_("The parent unit is not active. Activate it first."))
    Unit.objects.filter(pk=stored.pk).update(is_active=True)
    admin_change_record(
        actor=actor,
        organization=stored.organization,
        action=AdminAction.REACTIVATE,
        target=stored,
        changes={"is_active": [False, True]},
    )
    unit.is_active = True


def organization_create(*, actor: Actor, organization: Organization) -> Organization:
    """Saves the new organisation `organization` (validated by a ModelForm)."""
    require(
        administering.can_create_organization(
            actor.user, organization.kind, organization.contracted_by
        )
    )
    if Organization.objects.filter(org_number=organization.org_number).exists():
        raise ValidationError(
            {"org_number": _("An organisation with this organisation number already exists.")}
        )
    with transaction.atomic():
        organization.save()
        _record_organization_change(
            actor=actor,
            organization=organization,
            action=AdminAction.CREATE,
            changes=diff({}, snapshot(organization, ORGANIZATION_HISTORY_FIELDS)),
        )
    return organization


def _record_organization_change(
    *,
    actor: Actor,
    organization: Organization,
    action: str,
    changes: dict,
) -> None:
    """In the organisation's history and, for a provider, in its contractor's too: the
    region or municipality sees the providers it started, changed or closed."""
    for owner in filter(None, [organization, organization.contracted_by]):
        admin_change_record(
            actor=actor,
            organization=owner,
            action=action,
            target=organization,
            changes=changes,
        )


@transaction.atomic
def organization_update(*, actor: Actor, organization: Organization) -> dict:
    """Saves the edited organisation (changed in memory by a form); returns the changes."""
    stored = (
        Organization.objects.select_for_update(of=("self",))
        .select_related("contracted_by")
        .get(pk=organization.pk)
    )
    require(administering.can_edit_organization(actor.user, stored))
    changes = instance_diff(stored, organization, ORGANIZATION_HISTORY_FIELDS)
    if not changes:
        return {}
    if set(changes) & set(ORGANIZATION_FOUNDING_FIELDS):
        require(
            administering.can_create_organization(actor.user, stored.kind, stored.contracted_by)
            and administering.can_create_organization(
                actor.user, organization.kind, organization.contracted_by
            )
        )
    if changes.get("is_active") == [True, False]:
        _organization_close_down(actor=actor, organization=stored)
    organization.save(update_fields=ORGANIZATION_HISTORY_FIELDS)
    _record_organization_change(
        actor=actor,
        organization=organization,
        action=AdminAction.UPDATE,
        changes=changes,
    )
    return changes


def _organization_close_down(*, actor: Actor, organization: Organization) -> int:
    """Deactivating an organisation closes it down: refused while any of its units has open
    work or it has active subcontractors; then every membership in its units ends and every
    unit closes, each with its history row. Returns how many memberships ended."""
    unit_ids = list(Unit.objects.filter(organization=organization).values_list("pk", flat=True))
    open_work.refuse_while_open(unit_ids)
    if Organization.objects.filter(main_provider=organization, is_active=True).exists():
        raise ValidationError(_("The provider has active subcontractors. Close them first."))
    ended = memberships_close(
        actor=actor, memberships=Membership.objects.filter(unit_id__in=unit_ids)
    )
    for unit in Unit.objects.filter(pk__in=unit_ids, is_active=True):
        Unit.objects.filter(pk=unit.pk).update(is_active=False)
        admin_change_record(
            actor=actor,
            organization=organization,
            action=AdminAction.DEACTIVATE,
            target=unit,
            changes={"is_active": [True, False]},
        )
    return ended
