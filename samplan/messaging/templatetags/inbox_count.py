"""The header's count of new deliveries (the badge htmx polls), written in Python.

It was the template messaging/_new_count.html, included by every page's header and rendered
by the polled view new_count, the most frequent request of all, through every context
processor. The markup is the same up to runs of whitespace: messaging/tests/test_inbox_count.py
renders the template as it was (tests/reference/_new_count.html) beside it.

htmx asks again after `interval` seconds (30 while the count changes, doubling to 300 while it
does not or the tab is hidden) and at once when the tab is shown again (samplan-tab-visible,
and the `hidden` parameter, come from messaging/inbox-count.js: no inline JavaScript, which the
CSP forbids); the request says it is background work (X-Samplan-Background) so it does not keep
an idle session alive. hx-select: a response that is not this badge (the login page after a
timeout) removes the badge and ends the polling instead of filling the header.
"""

from __future__ import annotations

from django.urls import reverse
from django.utils.html import conditional_escape as esc
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import ngettext

# The first poll's delay, as the template's interval|default:30.
FIRST_INTERVAL = 30


def new_count_badge(count: int, interval: int | None = None) -> SafeString:
    """The badge: a link to the open received messages saying how many are new."""
    interval = esc(interval or FIRST_INTERVAL)
    new = " inbox-count--new" if count else ""
    dot = '<span aria-hidden="true">● </span>' if count else ""
    words = ngettext("%(counter)s new", "%(counter)s new", int(count or 0)) % {
        "counter": int(count or 0)
    }
    return mark_safe(  # noqa: S308 (the values are numbers and escaped paths)
        f'<a id="inbox-count" class="inbox-count{new}" '
        f'href="{esc(reverse("messaging:received"))}?state=open" data-testid="header-new-count"\n'
        f'   hx-get="{esc(reverse("messaging:new_count"))}?previous={esc(count)}'
        f'&amp;interval={interval}"\n'
        f'   hx-trigger="load delay:{interval}s, samplan-tab-visible from:document"\n'
        '   hx-headers=\'{"X-Samplan-Background": "1"}\'\n'
        f'   hx-select="#inbox-count" hx-swap="outerHTML">{dot}{words}</a>\n'
    )
