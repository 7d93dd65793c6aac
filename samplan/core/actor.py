"""Who is acting: the value every service, selector, access function and the access log take.

An `Actor` is built once per request by `samplan.accounts.middleware.ActorMiddleware`, by the
API for the integrating system that calls it, and by management commands and tasks for the
caller they act for. Nothing below the views sees an `HttpRequest`, so the same service runs
from a page, the API, a command or the task worker, and writes the same access-log row.

`core` is the lowest layer, so it knows the user and the unit only by the attributes it
reads (the protocols below), not by importing their models.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any, Protocol


class ActingUser(Protocol):
    pk: Any
    username: str
    hsa_id: str


class ActingUnit(Protocol):
    pk: Any
    organization_id: Any


class AuthMethod:
    """How the person proved who they are. Strong methods sign SIP plans without a password."""

    PASSWORD = "password"
    CARD = "card"  # a client certificate verified by the trusted proxy (SITHS card)
    SAML = "saml"  # an identity provider's assertion with the required authentication context
    SYSTEM = "system"  # an integrating system's token (samplan.api)
    TASK = "task"  # a management command or the task worker, for the caller named

    STRONG = frozenset({CARD, SAML})


@dataclass(frozen=True, slots=True)
class Actor:
    """The person (or system) acting, the unit they act for, and where the action came from.

    `user` is the person; an integrating system that names no person acts through its own
    service user. `system` is the integrating system (an `IntegrationClient`) when the call
    came through the API, with `person_hsa_id` naming the person at the other end if given.
    """

    user: Any
    unit: Any | None = None
    client_address: str = ""
    session_key: str = ""
    auth_method: str = AuthMethod.PASSWORD
    system: Any | None = None
    person_hsa_id: str = ""

    @property
    def organization_id(self) -> int | None:
        if self.unit is not None:
            return self.unit.organization_id
        return getattr(self.user, "organization_id", None)

    @property
    def strong_authentication(self) -> bool:
        """Logged in with a SITHS card (certificate or identity provider): signs without a
        password, as seed 000 describes for e-tjänstekort."""
        return self.auth_method in AuthMethod.STRONG

    @property
    def hsa_id(self) -> str:
        """The person's HSA-id for the log: the one the integrating system named, else the
        user's own."""
        return self.person_hsa_id or (getattr(self.user, "hsa_id", "") or "")

    def acting_for(self, unit: Any | None) -> Actor:
        """The same actor acting for another unit (after choosing a unit)."""
        return replace(self, unit=unit)


def task_actor(user: Any, unit: Any | None = None) -> Actor:
    """The actor for a management command or a task that acts for `user` (and `unit`)."""
    return Actor(user=user, unit=unit, auth_method=AuthMethod.TASK)
