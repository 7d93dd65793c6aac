"""How the person in a session proved who they are: password, a SITHS card's client
certificate verified by the trusted proxy, or an identity provider's SAML assertion with the
required authentication context.

Recorded in the session at login; the Actor carries it (`Actor.strong_authentication`), and
SIP signing asks for the password again only when it is not strong (domain.md §7, seed 000).
"""

from __future__ import annotations

from django.http import HttpRequest

from samplan.accounts.smartcard import logged_in_with_card
from samplan.core.actor import AuthMethod

SESSION_AUTH_METHOD_KEY = "samplan_auth_method"


def auth_method_record(request: HttpRequest, method: str) -> None:
    """Notes in the session (just logged in) how the person logged in."""
    request.session[SESSION_AUTH_METHOD_KEY] = method


def session_auth_method(request: HttpRequest) -> str:
    """How this session's person logged in; a password unless a login said otherwise."""
    method = request.session.get(SESSION_AUTH_METHOD_KEY)
    if method in (AuthMethod.CARD, AuthMethod.SAML):
        return method
    return AuthMethod.CARD if logged_in_with_card(request) else AuthMethod.PASSWORD
