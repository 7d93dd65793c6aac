"""Login throttling beyond the per-account lock-out (issue 17).

The account lock-out (User.failed_login_count, locked_until) stops guessing at one account.
Two more rules, both read from the login events every attempt already writes:

- Per client address: more than LOGIN_MAX_FAILED_PER_ADDRESS failed attempts from one
  address within LOGIN_LOCKOUT_MINUTES block that address for the rest of the window, for
  every username, without checking the password (so four guesses at each of many accounts
  cannot go on). The block is recorded once (LoginEventKind.ADDRESS_LOCKED) and shown to
  administrators under Administrera → Inloggningsförsök.
- Per username that is no account: failures for it lock it exactly as an account would be
  locked (same count, same time, same message), so the lock message does not tell which
  usernames are real.

django-axes was considered: it would keep its own attempt tables and lock-out beside the
account lock-out and login events samplan already has (and shows in the user's history);
these two rules on the same events fit with less.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.conf import settings
from django.db.models import Count, Max, Min, Q, QuerySet
from django.utils import timezone

from samplan.accounts import access
from samplan.accounts.models import LoginEvent, LoginEventKind


def _window(now: datetime.datetime) -> datetime.datetime:
    return now - datetime.timedelta(minutes=settings.LOGIN_LOCKOUT_MINUTES)


def address_blocked_until(
    address: str, *, now: datetime.datetime | None = None
) -> datetime.datetime | None:
    """When the address may try again, if it has failed too often in the window; else None.

    One indexed COUNT over loginevent_address_at_idx."""
    if not address:
        return None
    now = now or timezone.now()
    failures = LoginEvent.objects.filter(
        client_address=address, kind=LoginEventKind.FAILED, at__gt=_window(now)
    ).aggregate(count=Count("pk"), first=Min("at"))
    if failures["count"] < settings.LOGIN_MAX_FAILED_PER_ADDRESS:
        return None
    return failures["first"] + datetime.timedelta(minutes=settings.LOGIN_LOCKOUT_MINUTES)


def unknown_username_locked_until(
    username: str, *, now: datetime.datetime | None = None
) -> datetime.datetime | None:
    """When a username that is no account was "locked", if within the lock-out; else None."""
    now = now or timezone.now()
    last_lock = (
        LoginEvent.objects.filter(
            username__iexact=username, user__isnull=True, kind=LoginEventKind.LOCKED
        )
        .order_by("-at")
        .values_list("at", flat=True)
        .first()
    )
    if last_lock is None:
        return None
    until = last_lock + datetime.timedelta(minutes=settings.LOGIN_LOCKOUT_MINUTES)
    return until if until > now else None


def unknown_username_failures(username: str) -> int:
    """Failed attempts at a username that is no account since its last lock ran out (as an
    account's failed_login_count counts from its last lock)."""
    events = LoginEvent.objects.filter(username__iexact=username, user__isnull=True)
    last_lock = (
        events.filter(kind=LoginEventKind.LOCKED)
        .order_by("-at")
        .values_list("at", flat=True)
        .first()
    )
    failures = events.filter(kind=LoginEventKind.FAILED)
    if last_lock is not None:
        # Attempts while it was locked do not count, as for an account.
        lock_end = last_lock + datetime.timedelta(minutes=settings.LOGIN_LOCKOUT_MINUTES)
        failures = failures.filter(at__gt=lock_end)
    return failures.count()


def failed_attempts_by_address(*, hours: int = 24) -> QuerySet:
    """For administrators: failed attempts per client address in the last `hours`, most first,
    with how many usernames were tried and whether the address was blocked."""
    since = timezone.now() - datetime.timedelta(hours=hours)
    return (
        LoginEvent.objects.filter(
            at__gt=since, kind__in=[LoginEventKind.FAILED, LoginEventKind.ADDRESS_LOCKED]
        )
        .values("client_address")
        .annotate(
            failures=Count("pk", filter=_kind(LoginEventKind.FAILED)),
            usernames=Count("username", distinct=True, filter=_kind(LoginEventKind.FAILED)),
            blocks=Count("pk", filter=_kind(LoginEventKind.ADDRESS_LOCKED)),
            last=Max("at"),
        )
        .order_by("-failures", "client_address")
    )


def _kind(kind: str) -> Q:
    return Q(kind=kind)


def can_review_login_attempts(user: Any) -> bool:
    """Failed attempts and blocked addresses are the installation's, not one organisation's
    (an unknown username belongs to nobody): superusers and system administrators see them."""
    return bool(user.is_superuser or access.is_system_administrator(user))
