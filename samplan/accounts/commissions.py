"""The units a session may act for: the user's units, narrowed by the commissions
(medarbetaruppdrag) that the identity provider's assertion named at login.

An assertion may carry the HSA-ids of the care units of the person's commissions. Then only
the user's units that are those units, or lie under them in the unit tree, can be chosen.
A login that named no commissions (a password, a card, or an IdP that does not send them)
leaves the choice as the memberships give it.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.http import HttpRequest

from samplan.accounts.access import working_units
from samplan.accounts.models import User
from samplan.organizations.models import Unit

SESSION_COMMISSION_UNITS_KEY = "samplan_commission_unit_ids"


def units_under(units: Iterable[Unit], unit_hsa_ids: set[str]) -> list[Unit]:
    """The units that are, or lie under, a unit with one of `unit_hsa_ids`.

    Walks up from each unit (a few queries at login, not on every request).
    """
    chosen = []
    for unit in units:
        node: Unit | None = unit
        while node is not None:
            if node.hsa_id and node.hsa_id in unit_hsa_ids:
                chosen.append(unit)
                break
            node = node.parent
    return chosen


def commission_units_record(request: HttpRequest, *, user: User, unit_hsa_ids: set[str]) -> None:
    """Notes in the new session which of the user's units the commissions allow."""
    allowed = units_under(working_units(user), unit_hsa_ids)
    request.session[SESSION_COMMISSION_UNITS_KEY] = [unit.pk for unit in allowed]


def session_units(request: HttpRequest) -> list[Unit]:
    """Units the session's user may choose and act for: working_units, narrowed by the
    commissions of a SAML login."""
    units = working_units(request.user)
    allowed = request.session.get(SESSION_COMMISSION_UNITS_KEY)
    if allowed is None:
        return units
    return [unit for unit in units if unit.pk in allowed]
