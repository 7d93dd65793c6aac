"""The message page's delivery history and a delivery's state in words, written in Python.

They were a loop in messaging/message_detail.html with five date filters and four look-ups of
users per row, and the include messaging/_delivery_state.html (per delivery on Skickade too).
The markup is the same up to runs of whitespace: messaging/tests/test_message_blocks.py renders
the templates as they were (tests/reference/) beside these. Every value from the database or
a translation is escaped as the template language does.
"""

from __future__ import annotations

import datetime

from django import template
from django.utils import timezone
from django.utils.html import conditional_escape as esc
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext

register = template.Library()


def _minute(value: datetime.datetime | None) -> str:
    """The filter date:"Y-m-d H:i" in the current time zone ("" for None)."""
    return "" if value is None else f"{timezone.localtime(value):%Y-%m-%d %H:%M}"


def _name(user: object) -> str:
    """user.get_full_name|default:user.username."""
    return esc(user.get_full_name() or user.username) if user else ""


def _overdue() -> str:
    return (
        '<strong class="badge badge--alert"><span aria-hidden="true">⚠ </span>'
        f"{esc(gettext('Overdue'))}</strong>"
    )


def _late() -> str:
    return f'<span class="badge badge--warn">{esc(gettext("Late"))}</span>'


@register.simple_tag
def delivery_state(d: object) -> SafeString:
    """A delivery's state in words, for the sender and the history (never colour alone)."""
    state = d.state
    html = ""
    if state == "new":
        html = f'<span aria-hidden="true">● </span>{esc(gettext("Received, not read"))}\n'
    elif state == "read":
        words = gettext("Read %(at)s, not acknowledged") % {"at": _minute(d.read_at)}
        html = f'<span aria-hidden="true">✉ </span>{words}\n'
    elif state == "acknowledged":
        words = gettext("Acknowledged %(at)s") % {"at": _minute(d.acknowledged_at)}
        late = f" {_late()}" if d.was_late else ""
        html = f'<span aria-hidden="true">✓ </span>{words}{late}\n'
    elif state == "forwarded":
        words = gettext("Forwarded %(at)s") % {"at": _minute(d.handled_at)}
        html = f'<span aria-hidden="true">↪ </span>{words}\n'
    elif state == "returned":
        words = gettext("Returned as misaddressed %(at)s") % {"at": _minute(d.handled_at)}
        html = f'<span aria-hidden="true">↩ </span>{words}: <q>{esc(d.return_reason)}</q>\n'
    elif state == "cancelled":
        html = esc(gettext("Cancelled"))
    if d.is_overdue():
        html += f" {_overdue()}"
    return mark_safe(html)  # noqa: S308 (every value above is escaped)


@register.simple_tag
def message_history_rows(history: object) -> SafeString:
    """The rows of the message page's history: each delivery, read, acknowledged, handed on."""
    rows = []
    for d in history:
        origin = ""
        if d.forwarded_from:
            words = gettext("from %(unit)s") % {"unit": esc(d.forwarded_from.unit.name)}
            origin = f'<br><span class="muted">{words}</span>'
        read = "–"
        if d.read_at:
            by = f", {_name(d.read_by)}" if d.read_by else ""
            read = f"{_minute(d.read_at)}{by}"
        if d.acknowledged_at:
            by = f", {_name(d.acknowledged_by)}" if d.acknowledged_by else ""
            late = f" {_late()}" if d.was_late else ""
            acknowledged = f"{_minute(d.acknowledged_at)}{by}{late}"
        elif d.is_overdue():
            acknowledged = _overdue()
        else:
            acknowledged = "–"
        if d.state == "forwarded":
            handed = gettext("Forwarded %(at)s") % {"at": _minute(d.handled_at)}
            if d.forward_reason:
                handed += f": <q>{esc(d.forward_reason)}</q>"
        elif d.state == "returned":
            handed = gettext("Returned as misaddressed %(at)s") % {"at": _minute(d.handled_at)}
            handed += f": <q>{esc(d.return_reason)}</q>"
        elif d.state == "cancelled":
            handed = esc(gettext("Cancelled"))
        else:
            handed = "–"
        if d.handled_by:
            handed += f", {_name(d.handled_by)}"
        rows.append(
            "\n<tr>\n"
            f'<th scope="row">{esc(d.unit.name)}{origin}</th>\n'
            f"<td>{_minute(d.arrived_at)}</td>\n"
            f"<td>{read}</td>\n"
            f"<td>{acknowledged}</td>\n"
            f"<td>{handed}</td>\n"
            "</tr>\n"
        )
    return mark_safe("".join(rows))  # noqa: S308 (every value above is escaped)
