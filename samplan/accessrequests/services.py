"""Writes of access orders (behörighetsbeställningar) and access reviews.

Each function checks the actor's right (samplan.accessrequests.access), changes the order or
review in one transaction with its history row (auditlog.AdminChange, in the organisation's
history), and queues its e-mails (samplan.accessrequests.notices) to go after commit.

Carrying an order out writes accounts and memberships directly, with the same history rows
samplan.accounts.services writes, rather than through those services: with "manager orders
are carried out directly" the actor is the manager, who is no administrator. The dates do the
timing: a membership starts and ends on its own valid_from and valid_to, so access begins and
ends at midnight exactly; what an account needs on a date (deactivation and the card
administrator's e-mail when all access has ended) is done by samplan.accessrequests.scheduled.
"""

from __future__ import annotations

import datetime
import re
import unicodedata

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from samplan.accessrequests import access as order_access
from samplan.accessrequests.models import (
    DEFAULT_REVIEW_MONTHS,
    AccessRequest,
    AccessSettings,
    RequestKind,
    RequestState,
)
from samplan.accessrequests.notices import notice_queue
from samplan.accounts import access
from samplan.accounts.models import LoginMethod, Membership, Role, User
from samplan.accounts.services import (
    MEMBERSHIP_HISTORY_FIELDS,
    USER_HISTORY_FIELDS,
    memberships_close,
)
from samplan.auditlog.history import admin_change_record, diff, snapshot
from samplan.auditlog.models import AdminAction
from samplan.core.actor import Actor
from samplan.organizations.models import Organization, Unit

ORDER_HISTORY_FIELDS = [
    "kind",
    "state",
    "first_name",
    "last_name",
    "hsa_id",
    "email",
    "mobile",
    "profession",
    "login_method",
    "unit",
    "role",
    "valid_from",
    "valid_to",
    "end_date",
]
SETTINGS_HISTORY_FIELDS = [
    "orders_carried_out_directly",
    "card_admin_email",
    "card_email_hsa_id",
    "card_email_personnummer",
    "card_email_contact",
    "review_interval_months",
    "grace_days",
    "warning_days",
    "next_review_on",
]


def add_months(day: datetime.date, months: int) -> datetime.date:
    """The same day `months` later, or the month's last day (31 Aug + 6 = 28/29 Feb)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    for candidate in (day.day, 30, 29, 28):
        try:
            return datetime.date(year, month, min(day.day, candidate))
        except ValueError:
            continue
    raise AssertionError("unreachable")


def settings_for(organization: Organization) -> AccessSettings:
    """The organisation's settings; the defaults, stored, when it has none yet (the first
    review then comes one interval from now)."""
    found = AccessSettings.objects.filter(organization=organization).first()
    if found is not None:
        return found
    try:
        with transaction.atomic():
            return AccessSettings.objects.create(
                organization=organization,
                next_review_on=add_months(timezone.localdate(), DEFAULT_REVIEW_MONTHS),
            )
    except IntegrityError:  # created at the same moment by another request
        return AccessSettings.objects.get(organization=organization)


@transaction.atomic
def access_settings_update(*, actor: Actor, access_settings: AccessSettings) -> dict:
    """Saves the settings changed by the form; returns the changes (in the history)."""
    stored = AccessSettings.objects.select_for_update().get(pk=access_settings.pk)
    if not order_access.can_edit_settings(actor.user, stored.organization):
        raise PermissionDenied
    before = snapshot(stored, SETTINGS_HISTORY_FIELDS)
    changes = diff(before, snapshot(access_settings, SETTINGS_HISTORY_FIELDS))
    if not changes:
        return {}
    access_settings.save(update_fields=SETTINGS_HISTORY_FIELDS)
    admin_change_record(
        actor=actor,
        organization=stored.organization,
        action=AdminAction.UPDATE,
        target=access_settings,
        changes=changes,
    )
    return changes


# --- Ordering ------------------------------------------------------------------------------


def _check_order(actor: Actor, order: AccessRequest) -> None:
    """What the forms check, checked again whatever was posted: the manager's own units, dates
    not in the past, a role they may order."""
    today = timezone.localdate()
    managed = order_access.managed_unit_ids(actor.user)
    if order.kind in (RequestKind.NEW_USER, RequestKind.GRANT):
        if order.unit_id not in managed:
            raise ValidationError({"unit": _("You can order access only for your own units.")})
        if order.role not in order_access.ORDERABLE_ROLES:
            raise ValidationError({"role": _("This role cannot be ordered.")})
        if order.valid_from is None or order.valid_from < today:
            raise ValidationError({"valid_from": _("Access cannot start in the past.")})
        if order.valid_to is not None and order.valid_to < order.valid_from:
            raise ValidationError({"valid_to": _("The end date is before the start date.")})
    if order.kind == RequestKind.CHANGE:
        membership = order.membership
        if membership is None or membership.unit_id not in managed:
            raise ValidationError({"membership": _("Choose a role in one of your units.")})
        if order.valid_to is None or order.valid_to < today:
            raise ValidationError({"valid_to": _("The new end date cannot be in the past.")})
        if order.valid_to < membership.valid_from:
            raise ValidationError({"valid_to": _("The end date is before the start date.")})
        order.unit_id, order.role, order.subject_id = (
            membership.unit_id,
            membership.role,
            membership.user_id,
        )
    if order.kind == RequestKind.END_ALL:
        if order.end_date is None or order.end_date < today:
            raise ValidationError({"end_date": _("The last day cannot be in the past.")})
        in_reach = (
            order_access.standing_memberships()
            .filter(user_id=order.subject_id, unit_id__in=managed)
            .order_by("unit__name")
            .first()
        )
        if in_reach is None:
            raise ValidationError({"subject": _("The person has no access in your units.")})
        order.unit_id = in_reach.unit_id
    if order.kind in (RequestKind.GRANT, RequestKind.END_ALL) and (
        order.subject_id is None
        or not order_access.orderable_staff(actor.user).filter(pk=order.subject_id).exists()
    ):
        raise ValidationError({"subject": _("Choose a person in your organisation.")})
    new_hsa_id = order.kind == RequestKind.NEW_USER and order.hsa_id
    if new_hsa_id and User.objects.filter(hsa_id=order.hsa_id).exists():
        raise ValidationError({"hsa_id": _("Another user already has this HSA-id.")})


def _same_open_order(order: AccessRequest) -> AccessRequest | None:
    """The order already placed when a form is posted twice."""
    same = AccessRequest.objects.filter(
        ordered_by=order.ordered_by,
        kind=order.kind,
        state__in=[RequestState.PENDING, RequestState.APPROVED],
        unit_id=order.unit_id,
        role=order.role,
        subject_id=order.subject_id,
        membership_id=order.membership_id,
        valid_from=order.valid_from,
        valid_to=order.valid_to,
        end_date=order.end_date,
    )
    if order.kind == RequestKind.NEW_USER:
        same = same.filter(
            first_name=order.first_name,
            last_name=order.last_name,
            personnummer=order.personnummer,
            hsa_id=order.hsa_id,
        )
    return same.first()


def access_request_create(*, actor: Actor, order: AccessRequest) -> AccessRequest:
    """Places the order `order` (unsaved, filled in by a form) for the actor's own units."""
    if not order_access.can_order(actor.user):
        raise PermissionDenied
    order.ordered_by = actor.user
    _check_order(actor, order)
    with transaction.atomic():
        # Serialises two posts of the same form by the same manager.
        User.objects.select_for_update().filter(pk=actor.user.pk).first()
        existing = _same_open_order(order)
        if existing is not None:
            return existing
        order.organization_id = Unit.objects.get(pk=order.unit_id).organization_id
        order.state = RequestState.PENDING
        order.ordered_at = timezone.now()
        order.save()
        admin_change_record(
            actor=actor,
            organization=order.organization,
            action=AdminAction.CREATE,
            target=order,
            changes=diff({}, snapshot(order, ORDER_HISTORY_FIELDS)),
        )
        if settings_for(order.organization).orders_carried_out_directly:
            _approve(actor=actor, order=order, password="")
        else:
            _tell_administrators(order)
    return order


def _tell_administrators(order: AccessRequest) -> None:
    """The organisation's local administrators hear of a new order by e-mail."""
    admins = (
        access.role_holders(order.organization.units.all(), [Role.LOCAL_ADMIN])
        .exclude(user__email="")
        .values_list("user__email", flat=True)
        .distinct()
    )
    for email in sorted(set(admins)):
        notice_queue(
            to=email,
            subject=gettext_lazy("New access order in samplan"),
            template="accessrequests/mail/new_order.txt",
            context={"order": order},
        )


def _lock(order: AccessRequest) -> AccessRequest:
    return (
        AccessRequest.objects.select_for_update(of=("self",))
        .select_related("organization", "unit", "subject", "membership__unit", "ordered_by")
        .get(pk=order.pk)
    )


def _record_state(actor: Actor, order: AccessRequest, before: str, **extra: object) -> None:
    changes = {"state": [before, order.state]}
    for name, value in extra.items():
        changes[name] = [None, value]
    admin_change_record(
        actor=actor,
        organization=order.organization,
        action=AdminAction.UPDATE,
        target=order,
        changes=changes,
    )


@transaction.atomic
def access_request_approve(
    *, actor: Actor, order: AccessRequest, password: str = ""
) -> AccessRequest:
    """Approves a pending order and carries it out (a new account gets `password` when it
    logs in with one). Approving twice changes nothing."""
    stored = _lock(order)
    if not order_access.can_decide(actor.user, stored):
        raise PermissionDenied
    if stored.state != RequestState.PENDING:
        return stored
    _approve(actor=actor, order=stored, password=password)
    return stored


@transaction.atomic
def access_request_reject(*, actor: Actor, order: AccessRequest, reason: str) -> AccessRequest:
    stored = _lock(order)
    if not order_access.can_decide(actor.user, stored):
        raise PermissionDenied
    if not reason.strip():
        raise ValidationError({"reason": _("Say why the order is rejected.")})
    if stored.state != RequestState.PENDING:
        return stored
    stored.state = RequestState.REJECTED
    stored.decided_by, stored.decided_at = actor.user, timezone.now()
    stored.reason = reason.strip()
    stored.save(update_fields=["state", "decided_by", "decided_at", "reason"])
    _record_state(actor, stored, RequestState.PENDING, reason=stored.reason)
    _tell_orderer(stored)
    return stored


@transaction.atomic
def access_request_cancel(*, actor: Actor, order: AccessRequest) -> AccessRequest:
    """The orderer withdraws an order not yet decided."""
    stored = _lock(order)
    if stored.ordered_by_id != actor.user.pk:
        raise PermissionDenied
    if stored.state != RequestState.PENDING:
        return stored
    stored.state = RequestState.CANCELLED
    stored.save(update_fields=["state"])
    _record_state(actor, stored, RequestState.PENDING)
    return stored


def _tell_orderer(order: AccessRequest) -> None:
    notice_queue(
        to=order.ordered_by.email,
        subject=gettext_lazy("Your access order in samplan: %(state)s")
        % {"state": order.get_state_display()},
        template="accessrequests/mail/order_state.txt",
        context={"order": order},
    )


def _approve(*, actor: Actor, order: AccessRequest, password: str) -> None:
    """Carries the order out as far as today allows; the rest waits for its date."""
    before = order.state
    order.decided_by, order.decided_at = actor.user, timezone.now()
    today = timezone.localdate()
    if order.kind == RequestKind.NEW_USER:
        account = _create_account(actor, order, password)
        order.created_user, order.subject = account, account
        _grant(actor, order, account)
        card_order_notice(
            order.organization, account, ordered=True, personnummer=order.personnummer
        )
    elif order.kind == RequestKind.GRANT:
        if not order.subject.is_active:
            raise ValidationError(_("The account is deactivated. Reactivate it first."))
        _grant(actor, order, order.subject)
    elif order.kind == RequestKind.CHANGE:
        _change_period(actor, order)
    elif order.kind == RequestKind.END_ALL:
        _end_all_on(actor, order)
    waits = order.kind == RequestKind.END_ALL or (
        order.valid_from is not None and order.valid_from > today
    )
    order.state = RequestState.APPROVED if waits else RequestState.DONE
    if not waits:
        order.carried_out_at = timezone.now()
    order.save(
        update_fields=[
            "state",
            "decided_by",
            "decided_at",
            "created_user",
            "subject",
            "carried_out_at",
        ]
    )
    _record_state(actor, order, before)
    _tell_orderer(order)


def _username_for(first_name: str, last_name: str) -> str:
    """förnamn.efternamn in plain letters, numbered when taken (anna.berg2)."""

    def plain(text: str) -> str:
        folded = unicodedata.normalize("NFKD", text.lower()).encode("ascii", "ignore").decode()
        return re.sub(r"[^a-z0-9]+", "", folded)

    base = ".".join(filter(None, [plain(first_name), plain(last_name)]))[:140] or "anvandare"
    candidate, number = base, 1
    while User.objects.filter(username__iexact=candidate).exists():
        number += 1
        candidate = f"{base}{number}"
    return candidate


def _create_account(actor: Actor, order: AccessRequest, password: str) -> User:
    if order.hsa_id and User.objects.filter(hsa_id=order.hsa_id).exists():
        raise ValidationError(_("Another user already has this HSA-id."))
    account = User(
        username=_username_for(order.first_name, order.last_name),
        first_name=order.first_name,
        last_name=order.last_name,
        email=order.email,
        mobile=order.mobile,
        hsa_id=order.hsa_id,
        profession=order.profession,
        login_method=order.login_method or LoginMethod.PASSWORD,
        organization=order.organization,
    )
    if password and account.login_method == LoginMethod.PASSWORD:
        account.set_password(password)
    else:
        # A card user never has one; a password user gets one from the administrator.
        account.set_unusable_password()
    account.save()
    admin_change_record(
        actor=actor,
        organization=order.organization,
        action=AdminAction.CREATE,
        target=account,
        changes=diff({}, snapshot(account, USER_HISTORY_FIELDS)),
    )
    return account


def _grant(actor: Actor, order: AccessRequest, account: User) -> Membership:
    if not order.unit.is_active:
        raise ValidationError(_("The unit is not active."))
    overlapping = Membership.objects.filter(
        user=account, unit=order.unit, role=order.role, ended_at__isnull=True
    ).filter(Q(valid_to__isnull=True) | Q(valid_to__gte=order.valid_from))
    if order.valid_to is not None:
        overlapping = overlapping.filter(valid_from__lte=order.valid_to)
    if overlapping.exists():
        raise ValidationError(
            _("The user already holds this role in this unit for the same period.")
        )
    membership = Membership.objects.create(
        user=account,
        unit=order.unit,
        role=order.role,
        valid_from=max(order.valid_from, timezone.localdate()),
        valid_to=order.valid_to,
        created_by=actor.user,
    )
    admin_change_record(
        actor=actor,
        organization=order.unit.organization,
        action=AdminAction.GRANT,
        target=membership,
        changes=diff({}, snapshot(membership, MEMBERSHIP_HISTORY_FIELDS)),
    )
    access.forget_memberships(account)
    return membership


def _set_valid_to(actor: Actor, membership: Membership, valid_to: datetime.date) -> None:
    before = snapshot(membership, ["valid_to"])
    membership.valid_to = valid_to
    membership.save(update_fields=["valid_to"])
    admin_change_record(
        actor=actor,
        organization=membership.unit.organization,
        action=AdminAction.UPDATE,
        target=membership,
        changes=diff(before, snapshot(membership, ["valid_to"])),
    )


def _change_period(actor: Actor, order: AccessRequest) -> None:
    membership = (
        Membership.objects.select_for_update(of=("self",))
        .select_related("unit__organization")
        .filter(pk=order.membership_id, ended_at__isnull=True)
        .first()
    )
    if membership is None:
        raise ValidationError(_("The role has already ended."))
    _set_valid_to(actor, membership, order.valid_to)


def _end_all_on(actor: Actor, order: AccessRequest) -> None:
    """Every standing role of the person in the order's organisation ends on the last day."""
    for membership in (
        order_access.standing_memberships()
        .select_for_update(of=("self",))
        .select_related("unit__organization")
        .filter(user_id=order.subject_id, unit__organization_id=order.organization_id)
    ):
        if membership.valid_from > order.end_date:
            # Would start after the last day: it never comes into force.
            memberships_close(
                actor=actor,
                memberships=Membership.objects.filter(pk=membership.pk),
                tell_last_access=False,  # the end's own date tells the card administrator
            )
        elif membership.valid_to is None or membership.valid_to > order.end_date:
            _set_valid_to(actor, membership, order.end_date)


# --- Carried out on a date (samplan.accessrequests.scheduled) -------------------------------


def access_request_complete(
    *, actor: Actor, order: AccessRequest, today: datetime.date | None = None
) -> bool:
    """An approved order whose date has come: a start is now in force; an end deactivates the
    account when no access is left and tells the card administrator. Idempotent."""
    with transaction.atomic():
        stored = _lock(order)
        if stored.state != RequestState.APPROVED:
            return False
        if stored.kind == RequestKind.END_ALL:
            account = User.objects.select_for_update().get(pk=stored.subject_id)
            remaining = order_access.standing_memberships(today).filter(user=account)
            if not remaining.exists() and account.is_active:
                _deactivate(actor, stored.organization, account)
            if not remaining.exists():
                card_order_notice(stored.organization, account, ordered=False)
        before = stored.state
        stored.state = RequestState.DONE
        stored.carried_out_at = timezone.now()
        stored.save(update_fields=["state", "carried_out_at"])
        _record_state(actor, stored, before)
        _tell_orderer(stored)
    return True


def _deactivate(actor: Actor, organization: Organization, account: User) -> None:
    memberships_close(
        actor=actor,
        memberships=Membership.objects.filter(user=account),
        tell_last_access=False,  # access_request_complete tells the card administrator
    )
    User.objects.filter(pk=account.pk).update(is_active=False)
    admin_change_record(
        actor=actor,
        organization=account.organization or organization,
        action=AdminAction.DEACTIVATE,
        target=account,
        changes={"is_active": [True, False]},
    )


def card_order_notice(
    organization: Organization, account: User, *, ordered: bool, personnummer: str = ""
) -> None:
    """The card administrator's (SITHS) hand-off: order a card for a new user, cancel the
    card of one whose last access has ended. Only the fields the organisation allows."""
    options = settings_for(organization)
    if not options.card_admin_email:
        return
    notice_queue(
        to=options.card_admin_email,
        subject=(
            gettext_lazy("Order a SITHS card: %(name)s")
            if ordered
            else gettext_lazy("Cancel the SITHS card: %(name)s")
        )
        % {"name": account.get_full_name() or account.username},
        template="accessrequests/mail/card.txt",
        context={
            "ordered": ordered,
            "account": account,
            "organization": organization,
            "options": options,
            "personnummer": (personnummer or _personnummer_of(account))
            if options.card_email_personnummer
            else "",
        },
    )


def card_cancel_notice(actor: Actor, account: User, organization: Organization) -> None:
    """accounts.access_ended's listener: the person's last access has ended."""
    card_order_notice(account.organization or organization, account, ordered=False)


def _personnummer_of(account: User) -> str:
    """The personnummer given in the order that created the account (User stores none)."""
    order = (
        AccessRequest.objects.filter(created_user=account)
        .exclude(personnummer="")
        .order_by("-pk")
        .first()
    )
    return order.personnummer if order else ""
