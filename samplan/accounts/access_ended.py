"""Who must hear when a person's last access ends, whatever ended it.

The card administrator's hand-off (cancel the SITHS card when a person has no access left,
issue 14 point 2) lives in accessrequests, above accounts; but access also ends through the
administration pages, closing a unit or a provider, and a takeover, all of which end
memberships through `accounts.services.memberships_close`. That function tells the listeners
registered here (accessrequests registers its card notice in its AppConfig.ready()), so no
path forgets the card administrator.
"""

from __future__ import annotations

from collections.abc import Callable

from samplan.accounts.models import User
from samplan.core.actor import Actor
from samplan.organizations.models import Organization

Listener = Callable[[Actor, User, Organization], None]

_listeners: list[Listener] = []


def on_last_access_ended(listener: Listener) -> None:
    """Registers `listener(actor, user, organization)`, called in the transaction that ended
    the user's last standing membership (organization: that membership's)."""
    if listener not in _listeners:
        _listeners.append(listener)


def last_access_ended(actor: Actor, user: User, organization: Organization) -> None:
    for listener in _listeners:
        listener(actor, user, organization)
