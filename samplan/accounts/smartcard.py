"""Smart-card (SITHS / e-tjänstekort) login, as in the routine of seed 000.

nginx checks the card's client certificate and passes the verification result and the
certificate subject in headers. A user whose administrator has set the login method to smart
card converts once: with the card inserted, they give organisation, username and password and
press "Konvertera"; the card's subject is then bound to the account and password login is
refused from then on. Later logins need only the card. If the card is removed, requests stop
carrying its subject and the session ends.
"""

from __future__ import annotations

import hmac
import ipaddress
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import authenticate, login
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from samplan.accounts.models import LoginEventKind, LoginMethod, User
from samplan.accounts.sessions import SESSION_ACTIVITY_KEY, login_event_record

SESSION_CARD_KEY = "samplan_card_subject"


def from_trusted_proxy(request: HttpRequest) -> bool:
    """True when the request came through the proxy that verifies cards (nginx).

    Anyone who reaches the app server directly can write the card headers, so they are
    believed only with the proxy's shared secret (SMART_CARD_PROXY_SECRET) or from a proxy's
    address (SMART_CARD_TRUSTED_PROXIES); each one that is configured must hold. With
    neither configured nothing is trusted.
    """
    secret = settings.SMART_CARD_PROXY_SECRET
    networks = settings.SMART_CARD_TRUSTED_PROXIES
    if not secret and not networks:
        return False
    if secret:
        given = request.META.get(settings.SMART_CARD_PROXY_SECRET_HEADER, "")
        if not hmac.compare_digest(given.encode(), secret.encode()):
            return False
    if networks:
        try:
            address = ipaddress.ip_address(request.META.get("REMOTE_ADDR", ""))
        except ValueError:
            return False
        if not any(address in network for network in networks):
            return False
    return True


def presented_card(request: HttpRequest) -> str | None:
    """The verified card's subject, or None when no verified card came with the request
    through the trusted proxy."""
    if not settings.SMART_CARD_LOGIN or not from_trusted_proxy(request):
        return None
    if request.META.get(settings.SMART_CARD_VERIFY_HEADER) != "SUCCESS":
        return None
    subject = request.META.get(settings.SMART_CARD_SUBJECT_HEADER, "").strip()
    return subject or None


def logged_in_with_card(request: HttpRequest) -> bool:
    """True when this session was opened with a smart card (signing then asks no password)."""
    return bool(request.session.get(SESSION_CARD_KEY))


def _start_session(request: HttpRequest, user: User, subject: str) -> None:
    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    request.session[SESSION_CARD_KEY] = subject
    request.session[SESSION_ACTIVITY_KEY] = int(timezone.now().timestamp())
    login_event_record(request, kind=LoginEventKind.LOGIN, user=user)


def card_login(request: HttpRequest, *, subject: str) -> User | None:
    """Logs in the active user bound to this card, if any."""
    user = User.objects.filter(
        card_subject=subject, card_converted_at__isnull=False, is_active=True
    ).first()
    if user is None:
        return None
    _start_session(request, user, subject)
    return user


@dataclass(frozen=True)
class ConversionOutcome:
    user: User | None = None
    error: str = ""  # "credentials", "not_card_user", "card_in_use"


def card_convert(
    request: HttpRequest, *, subject: str, organization_id: int, username: str, password: str
) -> ConversionOutcome:
    """Binds the presented card to the account (Konvertera) and logs the user in."""
    account = User.objects.filter(
        username__iexact=username.strip(), organization_id=organization_id
    ).first()
    user = authenticate(request, username=account.username, password=password) if account else None
    if user is None or user.is_locked() or not user.password_login_allowed:
        login_event_record(request, kind=LoginEventKind.FAILED, user=account, username=username)
        return ConversionOutcome(error="credentials")
    if user.login_method != LoginMethod.SMART_CARD:
        login_event_record(request, kind=LoginEventKind.FAILED, user=user)
        return ConversionOutcome(error="not_card_user")
    with transaction.atomic():
        if User.objects.filter(card_subject=subject).exclude(pk=user.pk).exists():
            return ConversionOutcome(error="card_in_use")
        User.objects.filter(pk=user.pk).update(
            card_subject=subject, card_converted_at=timezone.now()
        )
        user.refresh_from_db()
        _start_session(request, user, subject)
    return ConversionOutcome(user=user)
