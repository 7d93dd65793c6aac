"""Writes to accounts and memberships by administrators (each recorded in the administrative
history), and unlocking an account. Login, logout and choosing a unit: samplan.accounts.sessions."""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from samplan.accounts import access, access_ended
from samplan.accounts.access import require
from samplan.accounts.models import LoginMethod, Membership, User
from samplan.auditlog.history import admin_change_record, diff, instance_diff, snapshot
from samplan.auditlog.models import AdminAction
from samplan.core.actor import Actor
from samplan.organizations.models import Organization, Unit


def account_unlock(*, account: User) -> None:
    User.objects.filter(pk=account.pk).update(locked_until=None, failed_login_count=0)


# --- Administration of accounts and memberships (the administration app's pages) ---------
# Each function checks the actor's reach through accounts.access, changes one thing in one
# transaction and writes the history row (auditlog.AdminChange) in that same transaction.
# Password hashes never go into the history: a password change is recorded as an event only.

USER_HISTORY_FIELDS = [
    "username",
    "first_name",
    "last_name",
    "email",
    "phone",
    "mobile",
    "hsa_id",
    "profession",
    "login_method",
    "organization",
    "card_converted_at",
]
USER_EDIT_FIELDS = [name for name in USER_HISTORY_FIELDS if name != "card_converted_at"]
MEMBERSHIP_HISTORY_FIELDS = ["user", "unit", "role", "valid_from", "valid_to"]


def _record(
    *,
    actor: Actor,
    organization: Organization,
    action: str,
    target: object,
    changes: dict | None = None,
) -> None:
    admin_change_record(
        actor=actor,
        organization=organization,
        action=action,
        target=target,
        changes=changes,
    )


def user_create(*, actor: Actor, user: User, password: str | None) -> User:
    """Creates the account `user` (unsaved, filled in by a form) with an initial password;
    None leaves it without one (an administrator sets it, or the person uses SITHS)."""
    require(
        user.organization_id is not None
        and user.organization_id in access.administered_organization_ids(actor.user)
    )
    if User.objects.filter(username__iexact=user.username).exists():
        raise ValidationError({"username": _("A user with that username already exists.")})
    user.is_superuser = False
    user.is_staff = False
    user.set_password(password)
    try:
        with transaction.atomic():
            user.save()
            _record(
                actor=actor,
                organization=user.organization,
                action=AdminAction.CREATE,
                target=user,
                changes=diff({}, snapshot(user, USER_HISTORY_FIELDS)),
            )
    except IntegrityError:
        # The same username created at the same moment by a second post of the form.
        raise ValidationError(
            {"username": _("A user with that username already exists.")}
        ) from None
    return user


@transaction.atomic
def user_update(*, actor: Actor, user: User) -> dict:
    """Saves the edited account `user` (changed in memory by a form); returns the changes.

    Switching back to password login clears the smart-card conversion, which would otherwise
    keep refusing the password (the usual reason is a lost or broken card).
    """
    stored = User.objects.select_for_update().get(pk=user.pk)
    require(access.can_manage_user(actor.user, stored))
    require(user.organization_id in access.administered_organization_ids(actor.user))
    if user.login_method == LoginMethod.PASSWORD and stored.login_method != LoginMethod.PASSWORD:
        user.card_converted_at = None
    changes = instance_diff(stored, user, USER_HISTORY_FIELDS)
    if not changes:
        return {}
    user.save(update_fields=[*USER_EDIT_FIELDS, "card_converted_at"])
    organizations = {stored.organization_id: stored.organization}
    organizations[user.organization_id] = user.organization
    for organization in organizations.values():
        # Moved between organisations: both sets of administrators see the move.
        if organization is not None:
            _record(
                actor=actor,
                organization=organization,
                action=AdminAction.UPDATE,
                target=user,
                changes=changes,
            )
    return changes


def memberships_close(
    *, actor: Actor, memberships: QuerySet[Membership], tell_last_access: bool = True
) -> int:
    """Ends every membership in `memberships` still open, each with its own history row.

    A helper of the services that deactivate an account or a unit: they check permission
    and hold the transaction. A person left with no standing membership is reported to the
    listeners of `accounts.access_ended` (the card administrator's hand-off), unless the
    caller tells them itself (`tell_last_access=False`).
    """
    now = timezone.now()
    count = 0
    ended_for: dict[int, tuple[User, Organization]] = {}
    for membership in memberships.filter(ended_at__isnull=True).select_related(
        "user", "unit__organization"
    ):
        ended_for[membership.user_id] = (membership.user, membership.unit.organization)
        membership.ended_at = now
        membership.ended_by = actor.user
        membership.save(update_fields=["ended_at", "ended_by"])
        _record(
            actor=actor,
            organization=membership.unit.organization,
            action=AdminAction.END,
            target=membership,
            changes={"ended_at": [None, snapshot(membership, ["ended_at"])["ended_at"]]},
        )
        count += 1
    if tell_last_access and ended_for:
        _tell_last_access_ended(actor, ended_for)
    return count


def _tell_last_access_ended(actor: Actor, ended_for: dict[int, tuple[User, Organization]]) -> None:
    today = timezone.localdate()
    standing = set(
        Membership.objects.filter(user_id__in=list(ended_for), ended_at__isnull=True)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=today))
        .values_list("user_id", flat=True)
    )
    for user_id, (user, organization) in ended_for.items():
        if user_id not in standing:
            access_ended.last_access_ended(actor, user, organization)


@transaction.atomic
def user_deactivate(*, actor: Actor, user: User) -> int:
    """Deactivates the account and ends all its memberships; returns how many were ended.

    An inactive user cannot log in, and Django's authentication backend no longer accepts the
    session of an inactive user, so a session in use stops at its next request.
    """
    stored = User.objects.select_for_update().get(pk=user.pk)
    require(access.can_manage_user(actor.user, stored))
    if not stored.is_active:
        return 0
    ended = memberships_close(actor=actor, memberships=Membership.objects.filter(user=stored))
    User.objects.filter(pk=stored.pk).update(is_active=False)
    _record(
        actor=actor,
        organization=stored.organization,
        action=AdminAction.DEACTIVATE,
        target=stored,
        changes={"is_active": [True, False]},
    )
    user.is_active = False
    return ended


@transaction.atomic
def user_reactivate(*, actor: Actor, user: User) -> None:
    """Lets the account log in again; its memberships are granted anew, not restored."""
    stored = User.objects.select_for_update().get(pk=user.pk)
    require(access.can_manage_user(actor.user, stored))
    if stored.is_active:
        return
    User.objects.filter(pk=stored.pk).update(is_active=True)
    _record(
        actor=actor,
        organization=stored.organization,
        action=AdminAction.REACTIVATE,
        target=stored,
        changes={"is_active": [False, True]},
    )
    user.is_active = True


@transaction.atomic
def user_unlock(*, actor: Actor, user: User) -> None:
    """Lifts a lock-out after failed logins before it runs out by itself."""
    stored = User.objects.select_for_update().get(pk=user.pk)
    require(access.can_manage_user(actor.user, stored))
    if stored.locked_until is None and stored.failed_login_count == 0:
        return
    before = snapshot(stored, ["locked_until", "failed_login_count"])
    User.objects.filter(pk=stored.pk).update(locked_until=None, failed_login_count=0)
    _record(
        actor=actor,
        organization=stored.organization,
        action=AdminAction.UNLOCK,
        target=stored,
        changes=diff(before, {"locked_until": None, "failed_login_count": 0}),
    )
    user.locked_until = None
    user.failed_login_count = 0


@transaction.atomic
def user_set_password(*, actor: Actor, user: User, password: str) -> None:
    """Sets a new password chosen by the administrator (validated by the form's rules).

    It also lifts a lock-out, since the person will log in with it next. Django's session
    check makes the user's sessions with the old password stop working.
    """
    stored = User.objects.select_for_update().get(pk=user.pk)
    require(access.can_manage_user(actor.user, stored))
    if not stored.password_login_allowed:
        raise ValidationError(
            _(
                "This account has converted to smart card and cannot log in with a password. "
                "Change the login method to password first."
            )
        )
    stored.set_password(password)
    stored.locked_until = None
    stored.failed_login_count = 0
    stored.save(update_fields=["password", "locked_until", "failed_login_count"])
    _record(
        actor=actor,
        organization=stored.organization,
        action=AdminAction.PASSWORD,
        target=stored,
    )


@transaction.atomic
def membership_grant(
    *,
    actor: Actor,
    user: User,
    unit: Unit,
    role: str,
    valid_from: datetime.date,
    valid_to: datetime.date | None,
) -> Membership:
    """Gives `user` the role `role` in `unit` for a period (behörighet)."""
    # Locking the account serialises two posts of the same form, so the second sees the first.
    stored = User.objects.select_for_update().get(pk=user.pk)
    require(access.can_manage_user(actor.user, stored) and access.can_grant(actor.user, unit, role))
    if not stored.is_active:
        raise ValidationError(_("The account is deactivated. Reactivate it first."))
    if not unit.is_active:
        raise ValidationError({"unit": _("The unit is not active.")})
    if valid_from < timezone.localdate():
        raise ValidationError({"valid_from": _("A membership cannot start in the past.")})
    if valid_to is not None and valid_to < valid_from:
        raise ValidationError({"valid_to": _("The end date is before the start date.")})
    overlapping = Membership.objects.filter(
        user=stored, unit=unit, role=role, ended_at__isnull=True
    ).filter(Q(valid_to__isnull=True) | Q(valid_to__gte=valid_from))
    if valid_to is not None:
        overlapping = overlapping.filter(valid_from__lte=valid_to)
    if overlapping.exists():
        raise ValidationError(
            _("The user already holds this role in this unit for the same period.")
        )
    membership = Membership.objects.create(
        user=stored,
        unit=unit,
        role=role,
        valid_from=valid_from,
        valid_to=valid_to,
        created_by=actor.user,
    )
    _record(
        actor=actor,
        organization=unit.organization,
        action=AdminAction.GRANT,
        target=membership,
        changes=diff({}, snapshot(membership, MEMBERSHIP_HISTORY_FIELDS)),
    )
    access.forget_memberships(user)
    return membership


@transaction.atomic
def membership_end(*, actor: Actor, membership: Membership) -> None:
    """Ends a membership now (ended_at, ended_by); ending it twice changes nothing."""
    stored = (
        Membership.objects.select_for_update(of=("self",))
        .select_related("user", "unit__organization")
        .get(pk=membership.pk)
    )
    require(
        access.can_manage_user(actor.user, stored.user)
        and access.can_end_membership(actor.user, stored)
    )
    memberships_close(actor=actor, memberships=Membership.objects.filter(pk=stored.pk))
    membership.refresh_from_db(fields=["ended_at", "ended_by"])
