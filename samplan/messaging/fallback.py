"""Which unit gets a copy of a message returned as misaddressed (Returnera, felsänt).

domain.md §4: the returning unit's organisation's central inbox for unaddressed messages,
where its super users forward the message to the right unit. The addressing register keeps
that inbox (FallbackInbox); an organisation without one (or whose inbox cannot receive)
gets no copy, and the sender still sees the return and its reason in Skickade.
"""

from __future__ import annotations

from samplan.addressing.models import FallbackInbox
from samplan.organizations.models import Organization, Unit


def fallback_inbox_for(organization: Organization) -> Unit | None:
    """The organisation's central (fallback) inbox, or None if it has none that can receive."""
    inbox = FallbackInbox.objects.select_related("unit").filter(organization=organization).first()
    if inbox is None or not inbox.unit.has_inbox or not inbox.unit.is_active_on():
        return None
    return inbox.unit
