"""Who may do what: every permission check of the product lives here, used by every view.

Roles are held per unit (Membership). Their reach (domain.md §2):
- user, super_user: the unit itself (super_user's forwarding duties reach the organisation
  through the messaging app later);
- manager: the unit and its sub-units;
- local_admin, log_reviewer, report_viewer: the whole organisation of the unit;
- system_admin: the organisation of the unit and the private providers contracted by it.
A Django superuser (the installation's operator) may administer every organisation.
Only memberships in force today count; a deactivated user has none.

Administrators see the accounts of their organisations (can_see_user) but change one only
if they could grant every role it holds (can_manage_user), and never their own account.
The administered_*_or_404 selectors fetch the objects of the administration pages and
report anything outside the actor's reach as missing.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone

from samplan.accounts.models import Membership, Role, User
from samplan.organizations.models import Organization, OrganizationKind, Unit, UnitKind
from samplan.patients.relations import unit_has_relation

if TYPE_CHECKING:
    from samplan.patients.models import Patient

# Roles that work with patients in their unit (search, patient page, consent). Administrator
# roles never read patient content because of that role alone (domain.md §2).
PATIENT_WORK_ROLES = {Role.USER, Role.SUPER_USER}
ORGANISATION_WIDE_ROLES = {Role.LOCAL_ADMIN, Role.LOG_REVIEWER, Role.REPORT_VIEWER}
ADMIN_ROLES = {Role.LOCAL_ADMIN, Role.SYSTEM_ADMIN}

# Roles an administrator may hand out: local admins manage ordinary access; granting
# administrator roles is for system administrators (domain.md §2: they manage local admins).
GRANTABLE_BY_LOCAL_ADMIN = (
    Role.USER,
    Role.SUPER_USER,
    Role.MANAGER,
    Role.LOG_REVIEWER,
    Role.REPORT_VIEWER,
)
GRANTABLE_BY_SYSTEM_ADMIN = (*GRANTABLE_BY_LOCAL_ADMIN, Role.LOCAL_ADMIN, Role.SYSTEM_ADMIN)


def active_memberships(user: User) -> list[Membership]:
    """The user's memberships in force today, with unit and organisation; cached per user object."""
    cached = getattr(user, "_active_memberships", None)
    if cached is not None:
        return cached
    if not user.is_authenticated or not user.is_active:
        memberships: list[Membership] = []
    else:
        memberships = list(
            Membership.objects.active_on()
            .filter(user=user, unit__is_active=True)
            .select_related("unit__organization")
            .order_by("unit__organization__name", "unit__name")
        )
    user._active_memberships = memberships
    return memberships


def forget_memberships(user: User) -> None:
    """Drop the per-request caches after memberships were changed."""
    for name in (
        "_active_memberships",
        "_administered_orgs",
        "_system_administered_orgs",
        "_housing_coordinator_orgs",
    ):
        user.__dict__.pop(name, None)


def working_units(user: User) -> list[Unit]:
    """Units the user may log in to and act for, each once, in a stable order."""
    seen: dict[int, Unit] = {}
    for membership in active_memberships(user):
        if membership.unit.is_active_on():
            seen.setdefault(membership.unit_id, membership.unit)
    return list(seen.values())


def roles_in_unit(user: User, unit: Unit) -> set[str]:
    """Roles the user holds directly in `unit` (not inherited from a parent unit)."""
    return {m.role for m in active_memberships(user) if m.unit_id == unit.pk}


def has_role_in_organization(user: User, role: str, organization_id: int) -> bool:
    return any(
        m.role == role and m.unit.organization_id == organization_id
        for m in active_memberships(user)
    )


def _organization_ids_for(user: User, roles: Iterable[str]) -> set[int]:
    wanted = set(roles)
    return {m.unit.organization_id for m in active_memberships(user) if m.role in wanted}


def system_administered_organization_ids(user: User) -> set[int]:
    """Organisations whose structure the user may change (own + contracted providers)."""
    cached = getattr(user, "_system_administered_orgs", None)
    if cached is not None:
        return cached
    if not user.is_authenticated or not user.is_active:
        result: set[int] = set()
    elif user.is_superuser:
        result = set(Organization.objects.values_list("pk", flat=True))
    else:
        own = _organization_ids_for(user, {Role.SYSTEM_ADMIN})
        contracted = (
            Organization.objects.filter(contracted_by__in=own).values_list("pk", flat=True)
            if own
            else []
        )
        result = own | set(contracted)
    user._system_administered_orgs = result
    return result


def administered_organization_ids(user: User) -> set[int]:
    """Organisations whose users, memberships and unit contact data the user may manage."""
    cached = getattr(user, "_administered_orgs", None)
    if cached is not None:
        return cached
    result = system_administered_organization_ids(user) | _organization_ids_for(
        user, {Role.LOCAL_ADMIN}
    )
    user._administered_orgs = result
    return result


def administered_organizations(user: User) -> QuerySet[Organization]:
    return Organization.objects.filter(pk__in=administered_organization_ids(user))


def administered_units(user: User) -> QuerySet[Unit]:
    return Unit.objects.filter(organization_id__in=administered_organization_ids(user))


def is_administrator(user: User) -> bool:
    return bool(administered_organization_ids(user))


def is_system_administrator(user: User, organization: Organization | None = None) -> bool:
    ids = system_administered_organization_ids(user)
    return bool(ids) if organization is None else organization.pk in ids


def can_administer_organization(user: User, organization: Organization) -> bool:
    return organization.pk in administered_organization_ids(user)


def can_see_user(actor: User, target: User) -> bool:
    """Local and system admins see the accounts belonging to their organisations."""
    if target.is_superuser and not actor.is_superuser:
        return False
    return target.organization_id in administered_organization_ids(actor)


def _standing_memberships(user: User) -> list[Membership]:
    """Memberships not ended and not expired, including those that start later."""
    return list(
        Membership.objects.filter(user=user, ended_at__isnull=True)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=timezone.localdate()))
        .select_related("unit__organization")
    )


def can_manage_user(actor: User, target: User) -> bool:
    """Changing an account or its memberships: local and system admins manage the accounts
    of their organisations, except their own and accounts holding a role the actor could not
    grant (a local admin who could set a system admin's password could log in as them and so
    gain a role they were never given)."""
    if not can_see_user(actor, target) or actor.pk == target.pk:
        # Nobody administers their own account here: own contact data and password are
        # changed on My account, and no one lifts their own lock or raises their own rights.
        return False
    if actor.is_superuser:
        return True
    return all(can_grant(actor, m.unit, m.role) for m in _standing_memberships(target))


def can_edit_unit(actor: User, unit: Unit) -> bool:
    """Contact data and inbox settings of a unit."""
    return unit.organization_id in administered_organization_ids(actor)


def can_change_unit_tree(actor: User, organization: Organization) -> bool:
    """Creating, moving and closing units is for the organisation's system administrators."""
    return organization.pk in system_administered_organization_ids(actor)


def can_edit_organization(actor: User, organization: Organization) -> bool:
    """Name, numbers and codes of an organisation: its system administrators."""
    return organization.pk in system_administered_organization_ids(actor)


def can_create_organization(actor: User, kind: str, contracted_by: Organization | None) -> bool:
    """Superusers create any organisation; a system admin creates providers contracted by theirs."""
    if actor.is_superuser:
        return True
    return (
        kind == OrganizationKind.PRIVATE_PROVIDER
        and contracted_by is not None
        and contracted_by.pk in _organization_ids_for(actor, {Role.SYSTEM_ADMIN})
    )


def provider_contracting_organizations(actor: User) -> QuerySet[Organization]:
    """Organisations the actor may create private providers for, as their contractor."""
    if actor.is_superuser:
        return Organization.objects.all()
    return Organization.objects.filter(pk__in=_organization_ids_for(actor, {Role.SYSTEM_ADMIN}))


def may_create_organizations(actor: User) -> bool:
    """Whether the actor may create any organisation at all (shows the Create button)."""
    return actor.is_superuser or bool(_organization_ids_for(actor, {Role.SYSTEM_ADMIN}))


def grantable_roles(actor: User, organization: Organization) -> tuple[str, ...]:
    if is_system_administrator(actor, organization):
        return GRANTABLE_BY_SYSTEM_ADMIN
    if can_administer_organization(actor, organization):
        return GRANTABLE_BY_LOCAL_ADMIN
    return ()


def can_grant(actor: User, unit: Unit, role: str) -> bool:
    return role in grantable_roles(actor, unit.organization)


def can_end_membership(actor: User, membership: Membership) -> bool:
    return can_grant(actor, membership.unit, membership.role)


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


def can_read_history(actor: User, organization: Organization) -> bool:
    """The history of administrative changes is for the organisation's administrators."""
    return can_administer_organization(actor, organization)


# Selectors for the administration pages. An object outside the actor's reach is reported
# as missing (404), so ids cannot be probed to learn what exists in other organisations.


def administered_organization_or_404(actor: User, organization_id: int) -> Organization:
    if organization_id not in administered_organization_ids(actor):
        raise Http404
    return Organization.objects.select_related("contracted_by").get(pk=organization_id)


def administered_users(actor: User) -> QuerySet[User]:
    users = User.objects.filter(organization_id__in=administered_organization_ids(actor))
    return users if actor.is_superuser else users.filter(is_superuser=False)


def administered_user_or_404(actor: User, user_id: int) -> User:
    user = (
        administered_users(actor)
        .select_related("organization", "profession")
        .filter(pk=user_id)
        .first()
    )
    if user is None:
        raise Http404
    return user


def administered_unit_or_404(actor: User, unit_id: int) -> Unit:
    unit = (
        administered_units(actor)
        .select_related("organization", "parent")
        .filter(pk=unit_id)
        .first()
    )
    if unit is None:
        raise Http404
    return unit


def administered_membership_or_404(actor: User, membership_id: int) -> Membership:
    """A membership of an account the actor sees; ending it needs can_end_membership too."""
    membership = (
        Membership.objects.select_related("user", "unit__organization")
        .filter(pk=membership_id)
        .first()
    )
    if membership is None or not can_see_user(actor, membership.user):
        raise Http404
    return membership


def require(allowed: bool) -> None:
    """Raise 403 unless allowed; views call it with one of the functions above."""
    if not allowed:
        raise PermissionDenied


# --- Discharge agreements and the amounts per day (samplan.discharge) -----------------------
# An agreement binds a region and a municipality; the system administrators of either party
# may record and change it (both parties' histories show every change). The national table of
# amounts per year is kept by superusers and by system administrators of any region or
# municipality (domain.md §6: "editable by system admins").

AGREEMENT_PARTY_KINDS = (OrganizationKind.REGION, OrganizationKind.MUNICIPALITY)


def agreement_party_ids(user: User) -> set[int]:
    """Regions and municipalities whose agreements the user may record and change."""
    cached = getattr(user, "_agreement_parties", None)
    if cached is not None:
        return cached
    ids = system_administered_organization_ids(user)
    result = (
        set(
            Organization.objects.filter(pk__in=ids, kind__in=AGREEMENT_PARTY_KINDS).values_list(
                "pk", flat=True
            )
        )
        if ids
        else set()
    )
    user._agreement_parties = result
    return result


def can_manage_agreements(user: User) -> bool:
    return bool(agreement_party_ids(user))


def can_edit_agreement(user: User, agreement: object) -> bool:
    """`agreement` is a samplan.discharge Agreement (read through its two party ids)."""
    parties = agreement_party_ids(user)
    return agreement.region_id in parties or agreement.municipality_id in parties


def can_edit_daily_amounts(user: User) -> bool:
    return (
        user.is_authenticated
        and user.is_active
        and (user.is_superuser or can_manage_agreements(user))
    )


# --- Addressing register (domain.md §2 local_admin, §4) -----------------------------------
# Patient filters, area rules and the fallback inbox: the local and system administrators of
# the unit's organisation. Residence lists: for nursing homes also the organisation's housing
# coordinators (boendesamordnare, a profession) and for the nursing homes of providers it
# contracts; for disability services (LSS housing) only system administrators, per the seeds.

HOUSING_COORDINATOR = "housing_coordinator"
RESIDENCE_UNIT_KINDS = (UnitKind.NURSING_HOME, UnitKind.DISABILITY_SERVICES)


def housing_coordinator_organization_ids(user: User) -> set[int]:
    """Organisations whose nursing-home residence lists the user keeps as housing coordinator:
    those the user holds a membership in, and the providers they contract."""
    cached = getattr(user, "_housing_coordinator_orgs", None)
    if cached is not None:
        return cached
    result: set[int] = set()
    if user.is_authenticated and user.is_active and user.profession_id is not None:
        own = {m.unit.organization_id for m in active_memberships(user)}
        if own and user.profession.code == HOUSING_COORDINATOR:
            contracted = Organization.objects.filter(contracted_by__in=own).values_list(
                "pk", flat=True
            )
            result = own | set(contracted)
    user._housing_coordinator_orgs = result
    return result


def patient_filter_units(user: User) -> QuerySet[Unit]:
    """Units whose patient filters the user may see and edit."""
    return Unit.objects.filter(organization_id__in=administered_organization_ids(user))


def can_manage_patient_filters(user: User, unit: Unit) -> bool:
    return unit.organization_id in administered_organization_ids(user)


def residence_list_units(user: User) -> QuerySet[Unit]:
    """Units whose residence list the user may see and edit."""
    nursing_home_orgs = administered_organization_ids(user) | housing_coordinator_organization_ids(
        user
    )
    return Unit.objects.filter(
        Q(kind=UnitKind.NURSING_HOME, organization_id__in=nursing_home_orgs)
        | Q(
            kind=UnitKind.DISABILITY_SERVICES,
            organization_id__in=system_administered_organization_ids(user),
        )
    )


def can_manage_residence_list(user: User, unit: Unit) -> bool:
    if unit.kind == UnitKind.NURSING_HOME:
        return unit.organization_id in (
            administered_organization_ids(user) | housing_coordinator_organization_ids(user)
        )
    if unit.kind == UnitKind.DISABILITY_SERVICES:
        return unit.organization_id in system_administered_organization_ids(user)
    return False


def area_rule_units(user: User) -> QuerySet[Unit]:
    """Units the user may name as receivers of area rules (and so see those rules)."""
    return Unit.objects.filter(organization_id__in=administered_organization_ids(user))


def can_manage_area_rules(user: User, unit: Unit) -> bool:
    return unit.organization_id in administered_organization_ids(user)


def can_set_fallback_inbox(user: User, organization: Organization) -> bool:
    return organization.pk in administered_organization_ids(user)


def can_use_addressing_register(user: User) -> bool:
    """Any part of the register: the entry page and the link to it."""
    return is_administrator(user) or bool(housing_coordinator_organization_ids(user))


def can_simulate_routing(user: User) -> bool:
    """The routing simulator looks a person up, so it is for administrators only."""
    return is_administrator(user)


# --- Discharge cases (samplan.discharge) -----------------------------------------------------
# Need-to-know (which cases a unit sees) is decided by samplan.discharge.access; these say what
# a unit that sees a case may do on it. The process rules (which kind of unit sends which
# message in which state) are the discharge app's tables; these functions apply them.


def can_open_discharge_case(user: User, unit: Unit | None) -> bool:
    """Nytt ärende: a patient-working user of a hospital ward of a region (or its provider)."""
    from samplan.discharge import process

    if not can_work_with_patients(user, unit):
        return False
    try:
        group = process.sender_group(unit.kind, process.principal_kind(unit.organization))
    except ValueError:  # a provider with no region or municipality behind it
        return False
    return group == process.SenderGroup.WARD


def case_message_types(user: User, unit: Unit | None, case: object) -> list[str]:
    """The message types the user may send for `unit` on `case` now (the send buttons)."""
    from samplan.discharge.cases import case_sendable_types

    if not can_work_with_patients(user, unit):
        return []
    return case_sendable_types(case, unit)


def can_send_on_case(user: User, unit: Unit | None, case: object, message_type: str) -> bool:
    return message_type in case_message_types(user, unit, case)


def acts_for_case_ward(user: User, unit: Unit | None, case: object) -> bool:
    """The user works with patients in the ward that has the case now."""
    return can_work_with_patients(user, unit) and case.ward_id == unit.pk


def can_transfer_case(user: User, unit: Unit | None, case: object) -> bool:
    """Flytta: the ward that has the case, while it is open."""
    return acts_for_case_ward(user, unit, case) and case.is_open


def can_close_case(user: User, unit: Unit | None, case: object) -> bool:
    """Avsluta: the ward that has the case, once the person is discharged."""
    from samplan.discharge.process import CLOSABLE_STATES

    return acts_for_case_ward(user, unit, case) and case.state in CLOSABLE_STATES


def can_change_case(user: User, unit: Unit | None, case: object) -> bool:
    """The case's own details (estimated discharge date, SIP needed, ...): the ward, while open."""
    return acts_for_case_ward(user, unit, case) and case.is_open


def can_cancel_message(user: User, unit: Unit | None, message: object, case: object) -> bool:
    """Makulera: the unit that sent the message, on a case that still takes messages."""
    from samplan.core.message_types import MessageType
    from samplan.discharge.process import FINAL_STATES

    return (
        can_work_with_patients(user, unit)
        and message.sender_unit_id == unit.pk
        and message.cancelled_at is None
        and message.message_type != MessageType.CANCELLATION
        and case.state not in FINAL_STATES
    )


# --- The unit inbox and its alerts (samplan.messaging) --------------------------------------


def can_use_inbox(user: User, unit: Unit | None) -> bool:
    """Mottagna, Skickade, Översikt, Skapa and the message page: patient work in the unit
    (the inbox shows patients; administrator roles alone do not open it)."""
    return can_work_with_patients(user, unit)


def can_edit_alert_settings(user: User, unit: Unit) -> bool:
    """Avisering: the unit's own users keep its numbers and addresses; the organisation's
    local (and system) administrators may too, as part of the unit's contact data."""
    return unit.has_inbox and (can_work_with_patients(user, unit) or can_edit_unit(user, unit))


# --- Coordinated individual plans (samplan.sip, domain.md §7) ---------------------------------
# The seeds let staff and unit managers (enhetschefer) initiate, answer and sign SIPs, so the
# SIP roles are user, super_user and manager, held in the unit acted for. Administrator,
# log-reviewer and report roles never open a plan because of that role alone. Which plans a
# unit sees (need-to-know) is samplan.sip.access; these decide what the user may do there.

SIP_ROLES = {Role.USER, Role.SUPER_USER, Role.MANAGER}


def can_work_with_sip(user: User, unit: Unit | None) -> bool:
    """Open the SIP list and plans, start a plan, answer a summons, write a plan for `unit`."""
    return unit is not None and bool(roles_in_unit(user, unit) & SIP_ROLES)


def can_sign_sip_part(user: User, unit: Unit | None, part_unit_id: int) -> bool:
    """Sign a unit's part of a plan: a user holding a SIP role in that very unit, acting for it.

    Any such user of the unit may sign (the signature names who did), so an absent colleague
    does not hold the plan up; password users give their password again (samplan.sip.services).
    """
    return unit is not None and unit.pk == part_unit_id and can_work_with_sip(user, unit)


def can_finalise_sip(
    user: User, unit: Unit | None, coordinator_id: int | None, coordinator_unit_id: int | None
) -> bool:
    """Slutjustera: the coordinator named in the plan, acting for the coordinator's unit."""
    return (
        unit is not None
        and coordinator_id is not None
        and user.pk == coordinator_id
        and unit.pk == coordinator_unit_id
        and can_work_with_sip(user, unit)
    )


# --- Log review and reports (samplan.auditlog, samplan.reports; domain.md §2, §8) ----------
# Log reviewers review the access log of their organisation: the rows written by anyone
# acting for one of its units. They work for the organisation of the unit they act for, so a
# person who reviews for two organisations switches unit to switch organisation. Report
# viewers see the activity reports of their organisation; managers those of their units and
# the units below them.


def log_review_organization(user: User, unit: Unit | None) -> Organization | None:
    """The organisation whose access log the user reviews while acting for `unit`, if any."""
    if unit is None or not has_role_in_organization(user, Role.LOG_REVIEWER, unit.organization_id):
        return None
    return unit.organization


def can_review_logs(user: User, unit: Unit | None) -> bool:
    return log_review_organization(user, unit) is not None


def can_complete_log_review(user: User, review: object) -> bool:
    """An open review is completed by the reviewer who started it; it is then kept as is."""
    return review.reviewer_id == user.pk and review.completed_at is None


@dataclass(frozen=True)
class ReportReach:
    """Which part of an organisation a user's reports cover: all of it (unit_ids None) or
    the listed units (a manager's units and the units below them)."""

    organization: Organization
    unit_ids: frozenset[int] | None

    @property
    def whole_organization(self) -> bool:
        return self.unit_ids is None


def _with_descendants(organization_id: int, roots: set[int]) -> frozenset[int]:
    children: dict[int, list[int]] = {}
    for pk, parent_id in Unit.objects.filter(organization_id=organization_id).values_list(
        "pk", "parent_id"
    ):
        children.setdefault(parent_id, []).append(pk)
    found, todo = set(roots), list(roots)
    while todo:
        for child in children.get(todo.pop(), ()):
            if child not in found:
                found.add(child)
                todo.append(child)
    return frozenset(found)


def report_reach(user: User, unit: Unit | None) -> ReportReach | None:
    """What the user's activity reports cover while acting for `unit`; None: no reports."""
    if unit is None:
        return None
    organization = unit.organization
    if has_role_in_organization(user, Role.REPORT_VIEWER, organization.pk):
        return ReportReach(organization, None)
    managed = {
        m.unit_id
        for m in active_memberships(user)
        if m.role == Role.MANAGER and m.unit.organization_id == organization.pk
    }
    if not managed:
        return None
    return ReportReach(organization, _with_descendants(organization.pk, managed))


def can_view_reports(user: User, unit: Unit | None) -> bool:
    if unit is None:
        return False
    return any(
        m.role in (Role.REPORT_VIEWER, Role.MANAGER)
        and m.unit.organization_id == unit.organization_id
        for m in active_memberships(user)
    )
