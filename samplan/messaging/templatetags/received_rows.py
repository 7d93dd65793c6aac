"""Mottagna's rows, written in Python.

A page has 20-100 rows; the template language's lookups, filters, an include and a
blocktranslate per row were most of the page's time (bench/RESULTS.md, issue 18). The markup
is the one messaging/received.html had; everything from the database or a translation is
escaped.
"""

from __future__ import annotations

import functools
import html
from datetime import tzinfo

from django import template
from django.urls import get_script_prefix, reverse
from django.utils import timezone
from django.utils.encoding import force_str
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language, gettext

from samplan.messaging.models import Delivery, Message
from samplan.messaging.received import ReceivedRow
from samplan.patients.display import PatientDisplay

register = template.Library()


def escape(value: object) -> str:
    """As django.utils.html.escape, without its lazy-string wrapper and SafeString (the
    markup is marked safe once, whole): called a few thousand times per page."""
    return html.escape(str(value))


_URL_SLOT = 987654321


@functools.cache
def _message_url_pattern(script_prefix: str) -> str:
    # One reverse per process (and script prefix) instead of one per row; escaped once (a
    # number put into the slot needs no escaping).
    url = reverse("messaging:message_detail", args=[_URL_SLOT])
    return escape(url).replace(str(_URL_SLOT), "{}")


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


# The fields whose choice labels the rows show.
_CHOICE_FIELDS = {
    "message_type": Message._meta.get_field("message_type"),
    "state": Delivery._meta.get_field("state"),
}

# (language, field, value) -> the choice's label, escaped: a choice label is lazy, and
# showing it translated it anew in every row. The values are the fields' choices only.
_labels: dict[tuple[str | None, str, str], str] = {}


def _label(language: str | None, field: str, value: str) -> str:
    key = (language, field, value)
    found = _labels.get(key)
    if found is None:
        # As get_FOO_display (core.choices.ChoiceLabels): the value itself if not a choice.
        label = dict(_CHOICE_FIELDS[field].flatchoices).get(value, value)
        found = _labels[key] = escape(force_str(label))
    return found


def _row(
    row: ReceivedRow, words: dict[str, str], language: str | None, urls: str, zone: tzinfo
) -> str:
    """One row; `urls` is the message page's address with a slot for the id, escaped, and
    `zone` the current time zone (timezone.localtime's, read once per page)."""
    pk = int(row.delivery_id)
    type_label = _label(language, "message_type", row.message_type)
    is_new = row.is_new
    overdue = row.overdue
    classes = ("row--new" if is_new else "") + (" row--overdue" if overdue else "")
    arrived = row.arrived_at.astimezone(zone).strftime("%Y-%m-%d %H:%M")
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
    url = urls.format(int(row.message_id))
    shown_overdue = ""
    if overdue:
        shown_overdue = (
            ' <strong class="badge badge--alert"><span aria-hidden="true">⚠ </span>'
            f"{words['overdue']}</strong>"
        )
    due = row.due_at.astimezone(zone).strftime("%Y-%m-%d %H:%M") if is_new else "–"
    state = _label(language, "state", row.state)
    return (
        f'<tr class="{classes}" data-testid="delivery-row">\n'
        f"          <td>{choose}</td>\n"
        f"          <td>{arrived}</td>\n"
        f'          <td><a href="{url}">{type_label}</a>{badge}</td>\n'
        f"          <td>{patient_cell(row.display)}</td>\n"
        f"          <td>{escape(row.sender_name)}</td>\n"
        f"          <td>{state}{shown_overdue}</td>\n"
        f"          <td>{due}</td>\n"
        "        </tr>"
    )


@register.simple_tag
def received_row(row: ReceivedRow) -> SafeString:
    language = get_language()
    return mark_safe(  # noqa: S308 (every value is escaped)
        _row(
            row,
            _words(language),
            language,
            _message_url_pattern(get_script_prefix()),
            timezone.get_current_timezone(),
        )
    )


@register.simple_tag
def received_rows(page: object) -> SafeString:
    """The table's rows of the page (its object_list of ReceivedRows), or the one row that
    says there are none: as {% for row in page %}{% received_row row %}{% empty %}..."""
    language = get_language()
    words = _words(language)
    urls = _message_url_pattern(get_script_prefix())
    zone = timezone.get_current_timezone()
    rows = [_row(row, words, language, urls, zone) for row in page]
    if not rows:
        return mark_safe(f'<tr><td colspan="7">{words["none"]}</td></tr>')  # noqa: S308
    return mark_safe("\n".join(rows))  # noqa: S308 (every value is escaped)
