"""Mottagna's rows, written in Python.

A page has 20-100 rows; the template language's lookups, filters, an include and a
blocktranslate per row were most of the page's time (bench/RESULTS.md, issue 18). The markup
is the one messaging/received.html had; everything from the database or a translation is
escaped.
"""

from __future__ import annotations

import functools
import html

from django import template
from django.urls import get_script_prefix, reverse
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext

from samplan.messaging.access import ReceivedRow
from samplan.patients.display import PatientDisplay

register = template.Library()


def escape(value: object) -> str:
    """As django.utils.html.escape, without its lazy-string wrapper and SafeString (the
    markup is marked safe once, whole): called a few thousand times per page."""
    return html.escape(str(value))


_URL_SLOT = 987654321


@functools.cache
def _message_url_pattern(script_prefix: str) -> str:
    # One reverse per process (and script prefix) instead of one per row.
    return reverse("messaging:message_detail", args=[_URL_SLOT]).replace(str(_URL_SLOT), "{}")


def _minute(value: object) -> str:
    """As the template filter date:"Y-m-d H:i" (local time)."""
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")


def patient_cell(display: PatientDisplay) -> str:
    """As messaging/_patient_cell.html: number and name as patient_display allows."""
    if display.identity_shown:
        text = f'<span class="nowrap">{escape(display.identity)}</span> {escape(display.name)}'
    else:
        text = f'<span class="placeholder">{escape(display.identity)}</span>'
    if display.badge:
        text += (
            ' <strong class="badge badge--alert badge--protected" '
            f'data-testid="protected-badge">{escape(display.badge)}</strong>'
        )
    return text


@register.simple_tag
def received_row(row: ReceivedRow) -> SafeString:
    delivery = row.delivery
    message = delivery.message
    pk = int(delivery.pk)
    type_label = message.get_message_type_display()
    classes = ("row--new" if row.is_new else "") + (" row--overdue" if row.overdue else "")
    choose = ""
    if row.can_acknowledge:
        label = gettext("Choose %(type)s that arrived %(at)s") % {
            "type": escape(type_label),
            "at": _minute(delivery.arrived_at),
        }
        choose = (
            f'<input type="checkbox" name="delivery" value="{pk}" id="delivery-{pk}">'
            f'<label for="delivery-{pk}" class="visually-hidden">{label}</label>'
        )
    badge = ""
    if row.is_unread:
        badge = f' <strong class="badge badge--new">{escape(gettext("New"))}</strong>'
    elif row.is_new:
        badge = (
            ' <strong class="badge badge--unacknowledged">'
            f"{escape(gettext('Read, not acknowledged'))}</strong>"
        )
    url = _message_url_pattern(get_script_prefix()).format(int(message.pk))
    overdue = ""
    if row.overdue:
        overdue = (
            ' <strong class="badge badge--alert"><span aria-hidden="true">⚠ </span>'
            f"{escape(gettext('Overdue'))}</strong>"
        )
    due = _minute(delivery.due_at) if row.can_acknowledge else "–"
    return mark_safe(  # noqa: S308 (every value above is escaped)
        f'<tr class="{classes}" data-testid="delivery-row">\n'
        f"          <td>{choose}</td>\n"
        f"          <td>{_minute(delivery.arrived_at)}</td>\n"
        f'          <td><a href="{escape(url)}">{escape(type_label)}</a>{badge}</td>\n'
        f"          <td>{patient_cell(row.display)}</td>\n"
        f"          <td>{escape(message.sender_unit.name)}</td>\n"
        f"          <td>{escape(delivery.get_state_display())}{overdue}</td>\n"
        f"          <td>{due}</td>\n"
        "        </tr>"
    )
