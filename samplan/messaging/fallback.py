"""Which unit gets a copy of a message returned as misaddressed (Returnera, felsänt).

domain.md §4: the returning unit's organisation's central inbox for unaddressed messages,
where its super users forward the message to the right unit. The addressing register keeps
that inbox (samplan.addressing, not yet merged on this branch); until then there is none and
a returned message reaches only the sender (Skickade shows the return and its reason).
Wiring it is this one function.
"""

from __future__ import annotations

from samplan.organizations.models import Organization, Unit


def fallback_inbox_for(organization: Organization) -> Unit | None:
    """The organisation's central (fallback) inbox, or None if it has none."""
    return None
