"""Per-request session rules: idle timeout and the unit the user acts for."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _

from samplan.accounts.authmethod import session_auth_method
from samplan.accounts.commissions import session_units
from samplan.accounts.models import LoginEventKind
from samplan.accounts.saml import idp_form_origins, saml_enabled, session_is_saml
from samplan.accounts.sessions import SESSION_ACTIVITY_KEY, SESSION_UNIT_KEY, logout_user
from samplan.accounts.smartcard import SESSION_CARD_KEY, logged_in_with_card, presented_card
from samplan.core.actor import Actor
from samplan.core.http import client_address

# Requests a page makes by itself (the inbox's new-count polling) must not keep a session
# alive that the person has left; they send this header.
BACKGROUND_HEADER = "HTTP_X_SAMPLAN_BACKGROUND"
# Rewriting the session on every request would cost a write per click; a minute is precise
# enough for a timeout counted in tens of minutes.
ACTIVITY_RESOLUTION_SECONDS = 60


class IdleTimeoutMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            now = int(timezone.now().timestamp())
            last = request.session.get(SESSION_ACTIVITY_KEY)
            if last is not None and now - last > settings.SESSION_IDLE_MINUTES * 60:
                logout_user(request, kind=LoginEventKind.IDLE_TIMEOUT)
                messages.info(
                    request,
                    _("You were logged out after %(minutes)d minutes without activity.")
                    % {"minutes": settings.SESSION_IDLE_MINUTES},
                )
                return redirect(settings.LOGIN_URL)
            background = request.META.get(BACKGROUND_HEADER) == "1"
            if not background and (last is None or now - last >= ACTIVITY_RESOLUTION_SECONDS):
                request.session[SESSION_ACTIVITY_KEY] = now
        return self.get_response(request)


class SmartCardSessionMiddleware:
    """A session opened with a smart card ends when the card stops coming with the requests.

    nginx passes the verified card's subject on every request; a missing or different subject
    means the card was removed (or another card inserted), so the session is logged out.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        card_gone = (
            request.user.is_authenticated
            and logged_in_with_card(request)
            and presented_card(request) != request.session.get(SESSION_CARD_KEY)
        )
        if card_gone:
            logout_user(request)
            messages.info(request, _("The smart card was removed, so you were logged out."))
            return redirect(settings.LOGIN_URL)
        return self.get_response(request)


class CurrentUnitMiddleware:
    """Sets request.unit to the unit chosen in this session, if the user may still act for it.

    A membership that ended (or a unit that closed) since the choice makes request.unit None,
    so the user is sent to choose again instead of acting for a unit they left.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.unit = None
        if request.user.is_authenticated:
            unit_id = request.session.get(SESSION_UNIT_KEY)
            if unit_id is not None:
                request.unit = next((u for u in session_units(request) if u.pk == unit_id), None)
                if request.unit is None:
                    del request.session[SESSION_UNIT_KEY]
        return self.get_response(request)


def actor_for(request: HttpRequest) -> Actor:
    """The request's Actor: its user acting for its unit, from its client address and session."""
    user = request.user if request.user.is_authenticated else None
    return Actor(
        user=user,
        unit=getattr(request, "unit", None),
        client_address=client_address(request),
        session_key=request.session.session_key or "",
        auth_method=session_auth_method(request),
    )


class ActorMiddleware:
    """Builds `request.actor` once per request, for the services the views call.

    Runs after CurrentUnitMiddleware, so the actor acts for the unit still allowed; a view
    that changes the unit (choosing one) builds a new actor for the rest of its request.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.actor = actor_for(request)
        return self.get_response(request)


class SamlFormActionMiddleware:
    """In a SAML session, lets the pages' forms lead to the identity provider: Logga ut's
    answer redirects there (single logout), and Chromium applies the page's CSP form-action to
    that redirect too."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if (
            request.user.is_authenticated
            and saml_enabled()
            and session_is_saml(request)
            and (origins := idp_form_origins())
        ):
            response._csp_update = {"form-action": origins}
        return response
