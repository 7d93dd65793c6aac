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
from django.utils.translation import get_language, gettext

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


@functools.lru_cache(maxsize=8)
def _words(language: str | None) -> dict[str, str]:
    """The rows' fixed words, translated and escaped once per language (`language` is the
    key only): a page asked gettext for them about 60 times."""
    return {
        "choose": gettext("Choose %(type)s that arrived %(at)s"),
        "new": escape(gettext("New")),
        "unacknowledged": escape(gettext("Read, not acknowledged")),
        "overdue": escape(gettext("Overdue")),
        "none": gettext("No messages."),
    }


# (language, field, value) -> the choice's label, escaped: a choice label is lazy, and
# showing it translated it anew in every row. The values are the fields' choices only.
_labels: dict[tuple[str | None, str, str], str] = {}


def _label(language: str | None, field: str, value: str, label: object) -> str:
    key = (language, field, value)
    found = _labels.get(key)
    if found is None:
        found = _labels[key] = escape(label())
    return found


def _row(row: ReceivedRow, words: dict[str, str], language: str | None, urls: str) -> str:
    delivery = row.delivery
    message = delivery.message
    pk = int(delivery.pk)
    type_label = _label(
        language, "message_type", message.message_type, message.get_message_type_display
    )
    is_new = row.is_new
    classes = ("row--new" if is_new else "") + (" row--overdue" if row.overdue else "")
    arrived = _minute(delivery.arrived_at)
    choose = ""
    if is_new:  # can_acknowledge: the same open states
        label = words["choose"] % {"type": type_label, "at": arrived}
        choose = (
            f'<input type="checkbox" name="delivery" value="{pk}" id="delivery-{pk}">'
            f'<label for="delivery-{pk}" class="visually-hidden">{label}</label>'
        )
    badge = ""
    if row.is_unread:
        badge = f' <strong class="badge badge--new">{words["new"]}</strong>'
    elif is_new:
        badge = f' <strong class="badge badge--unacknowledged">{words["unacknowledged"]}</strong>'
    url = urls.format(int(message.pk))
    overdue = ""
    if row.overdue:
        overdue = (
            ' <strong class="badge badge--alert"><span aria-hidden="true">⚠ </span>'
            f"{words['overdue']}</strong>"
        )
    due = _minute(delivery.due_at) if is_new else "–"
    state = _label(language, "state", delivery.state, delivery.get_state_display)
    return (
        f'<tr class="{classes}" data-testid="delivery-row">\n'
        f"          <td>{choose}</td>\n"
        f"          <td>{arrived}</td>\n"
        f'          <td><a href="{escape(url)}">{type_label}</a>{badge}</td>\n'
        f"          <td>{patient_cell(row.display)}</td>\n"
        f"          <td>{escape(message.sender_unit.name)}</td>\n"
        f"          <td>{state}{overdue}</td>\n"
        f"          <td>{due}</td>\n"
        "        </tr>"
    )


@register.simple_tag
def received_row(row: ReceivedRow) -> SafeString:
    language = get_language()
    return mark_safe(  # noqa: S308 (every value is escaped)
        _row(row, _words(language), language, _message_url_pattern(get_script_prefix()))
    )


@register.simple_tag
def received_rows(page: object) -> SafeString:
    """The table's rows of the page (its object_list of ReceivedRows), or the one row that
    says there are none: as {% for row in page %}{% received_row row %}{% empty %}..."""
    language = get_language()
    words = _words(language)
    urls = _message_url_pattern(get_script_prefix())
    rows = [_row(row, words, language, urls) for row in page]
    if not rows:
        return mark_safe(f'<tr><td colspan="7">{words["none"]}</td></tr>')  # noqa: S308
    return mark_safe("\n".join(rows))  # noqa: S308 (every value is escaped)
