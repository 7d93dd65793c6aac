"""The HTTP session: password login with lock-out, logout, choosing the unit acted for, and the
login events they write. These functions take the request because logging in and out is what
they do to it (Django's login() and logout() need it); everything below them takes an Actor.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import authenticate, login, logout
from django.db import transaction
from django.db.models import F
from django.http import HttpRequest
from django.utils import timezone

from samplan.accounts import throttling
from samplan.accounts.commissions import session_units
from samplan.accounts.models import LoginEvent, LoginEventKind, User
from samplan.core.http import client_address
from samplan.organizations.models import Unit

SESSION_UNIT_KEY = "samplan_unit_id"
SESSION_ACTIVITY_KEY = "samplan_last_activity"


@dataclass(frozen=True)
class LoginOutcome:
    """What happened to a login attempt; the view turns it into a page."""

    user: User | None = None
    locked_until: datetime.datetime | None = None
    card_only: bool = False
    siths_required: bool = False
    # The user's organisation starts later (a provider registered ahead), or has closed.
    starts_on: datetime.date | None = None
    organization_closed: bool = False

    @property
    def ok(self) -> bool:
        return self.user is not None


def login_event_record(
    request: HttpRequest,
    *,
    kind: str,
    user: User | None = None,
    username: str = "",
    unit: Unit | None = None,
) -> None:
    LoginEvent.objects.create(
        kind=kind,
        user=user,
        username=username or (user.username if user else ""),
        unit=unit,
        client_address=client_address(request) or None,
    )


def password_refused_by_organization(user: User) -> bool:
    """True when the user's organisation requires SITHS: no password login at all."""
    return user.organization_id is not None and user.organization.require_siths


def organization_refusal(user: User) -> LoginOutcome | None:
    """Refuses anyone of an organisation that has not started yet or has closed down; a
    provider registered ahead of its start date cannot be logged in to before that date."""
    organization = user.organization if user.organization_id is not None else None
    if organization is None:
        return None
    if not organization.is_active:
        return LoginOutcome(organization_closed=True)
    if not organization.has_started():
        return LoginOutcome(starts_on=organization.starts_on)
    return None


def password_login(request: HttpRequest, *, username: str, password: str) -> LoginOutcome:
    """Checks a username and password, applying lock-out, and logs the user in on success.

    A locked account is refused without checking the password, so guessing cannot go on
    while it is locked. Every attempt writes a login event.
    """
    username = username.strip()
    address = client_address(request)
    blocked_until = throttling.address_blocked_until(address)
    if blocked_until is not None:
        # Too many failures from this address: refused without looking at the password, with
        # the same answer as a locked account, whichever username it is.
        login_event_record(request, kind=LoginEventKind.FAILED, username=username)
        return LoginOutcome(locked_until=blocked_until)
    account = User.objects.filter(username__iexact=username).first()
    if account is None:
        locked_until = throttling.unknown_username_locked_until(username)
        if locked_until is not None:
            login_event_record(request, kind=LoginEventKind.FAILED, username=username)
            return LoginOutcome(locked_until=locked_until)
    if account is not None and account.is_locked():
        login_event_record(request, kind=LoginEventKind.FAILED, user=account, username=username)
        return LoginOutcome(locked_until=account.locked_until)
    if account is not None and not account.password_login_allowed:
        login_event_record(request, kind=LoginEventKind.FAILED, user=account, username=username)
        return LoginOutcome(card_only=True)
    if account is not None and password_refused_by_organization(account):
        login_event_record(request, kind=LoginEventKind.FAILED, user=account, username=username)
        return LoginOutcome(siths_required=True)
    refusal = organization_refusal(account) if account is not None else None
    if refusal is not None and account.check_password(password):
        # Only told after the right password, so the answer reveals nothing to a guesser.
        login_event_record(request, kind=LoginEventKind.FAILED, user=account, username=username)
        return refusal

    user = authenticate(
        request, username=account.username if account else username, password=password
    )
    if user is None:
        if account is None:
            return _failed_unknown_attempt(request, username)
        return _failed_attempt(request, account)

    with transaction.atomic():
        User.objects.filter(pk=user.pk).update(failed_login_count=0, locked_until=None)
        login(request, user)
        request.session[SESSION_ACTIVITY_KEY] = int(timezone.now().timestamp())
        login_event_record(request, kind=LoginEventKind.LOGIN, user=user)
    return LoginOutcome(user=user)


def _failed_attempt(request: HttpRequest, account: User) -> LoginOutcome:
    with transaction.atomic():
        # F() so that two simultaneous wrong guesses both count.
        User.objects.filter(pk=account.pk).update(failed_login_count=F("failed_login_count") + 1)
        account.refresh_from_db(fields=["failed_login_count"])
        login_event_record(request, kind=LoginEventKind.FAILED, user=account)
        outcome = _address_check(request)
        if account.failed_login_count >= settings.LOGIN_MAX_FAILED_ATTEMPTS:
            locked_until = timezone.now() + datetime.timedelta(
                minutes=settings.LOGIN_LOCKOUT_MINUTES
            )
            User.objects.filter(pk=account.pk).update(
                locked_until=locked_until, failed_login_count=0
            )
            login_event_record(request, kind=LoginEventKind.LOCKED, user=account)
            return LoginOutcome(locked_until=locked_until)
    return outcome


def _failed_unknown_attempt(request: HttpRequest, username: str) -> LoginOutcome:
    """A failure at a username that is no account: counted and locked as an account would
    be, so the answers do not tell which usernames exist."""
    with transaction.atomic():
        login_event_record(request, kind=LoginEventKind.FAILED, username=username)
        outcome = _address_check(request)
        if throttling.unknown_username_failures(username) >= settings.LOGIN_MAX_FAILED_ATTEMPTS:
            login_event_record(request, kind=LoginEventKind.LOCKED, username=username)
            return LoginOutcome(
                locked_until=timezone.now()
                + datetime.timedelta(minutes=settings.LOGIN_LOCKOUT_MINUTES)
            )
    return outcome


def _address_check(request: HttpRequest) -> LoginOutcome:
    """After a failure: block the address if this failure reached its limit (recorded once)."""
    blocked_until = throttling.address_blocked_until(client_address(request))
    if blocked_until is None:
        return LoginOutcome()
    login_event_record(request, kind=LoginEventKind.ADDRESS_LOCKED)
    return LoginOutcome(locked_until=blocked_until)


def logout_user(request: HttpRequest, *, kind: str = LoginEventKind.LOGOUT) -> None:
    user = request.user if request.user.is_authenticated else None
    if user is not None:
        login_event_record(request, kind=kind, user=user, unit=getattr(request, "unit", None))
    logout(request)


def unit_select(request: HttpRequest, *, unit_id: int) -> Unit | None:
    """Makes `unit_id` the unit the user acts for, if the user holds a membership in it (and,
    after a SAML login that named commissions, one of them covers it)."""
    unit = next((u for u in session_units(request) if u.pk == unit_id), None)
    if unit is None:
        return None
    request.session[SESSION_UNIT_KEY] = unit.pk
    request.unit = unit
    login_event_record(request, kind=LoginEventKind.UNIT_SELECTED, user=request.user, unit=unit)
    return unit
