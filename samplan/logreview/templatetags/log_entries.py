"""The access-log table's rows (logreview/_entries.html), written in Python.

The log search shows 50 rows a page; the template language's lookups, filters, a `with`, a
blocktranslate and a `for` per row were about half of the page's time (bench/RESULTS.md,
issue 18). The markup is, character for character, the one the template's loop wrote
(auditlog/tests/test_entry_rows_markup.py compares them); everything from the database or a
translation is escaped.
"""

from __future__ import annotations

import functools
import html
from collections.abc import Sequence
from typing import NamedTuple
from urllib.parse import quote

from django import template
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language, gettext

from samplan.logreview.presentation import EntryRow

register = template.Library()


def escape(value: object) -> str:
    """As django.utils.html.escape, without its lazy-string wrapper and SafeString (the
    markup is marked safe once, whole)."""
    return html.escape(str(value))


class Words(NamedTuple):
    """The table's fixed words in one language, escaped, ready to put in the markup."""

    access_by: str  # "Access %(time)s by %(user)s", the placeholders left as they are
    yes: str
    no: str
    no_unit: str
    searched_for: str
    nobody_shown: str
    integrating_system: str
    no_marks: str
    no_rows: str


@functools.cache
def _words(language: str | None) -> Words:
    # Translated once per language and process, not once per row.
    return Words(
        access_by=escape(gettext("Access %(time)s by %(user)s")),
        yes=escape(gettext("Yes")),
        no=escape(gettext("No")),
        no_unit=f'<span class="muted">{escape(gettext("No unit"))}</span>',
        searched_for=f'<span class="muted">{escape(gettext("Searched for"))}</span>',
        nobody_shown=f'<span class="muted">{escape(gettext("nobody shown"))}</span>',
        integrating_system=escape(gettext("Integrating system")),
        no_marks=f'<span class="muted">{escape(gettext("None"))}</span>',
        no_rows=escape(gettext("No accesses match.")),
    )


def entry_row(
    row: EntryRow, words: Words, *, select: str = "", checked_column: bool = False, links: bool
) -> str:
    """One <tr> of the table, as the template's loop wrote it (its whitespace included)."""
    entry = row.entry
    at = timezone.localtime(entry.at)
    user_name = escape(row.user_name)
    if select:
        pk, name = int(entry.pk), escape(select)
        label = words.access_by % {"time": at.strftime("%Y-%m-%d %H:%M"), "user": user_name}
        checked = " checked" if row.checked else ""
        choose = (
            f'<td><input type="checkbox" name="{name}" value="{pk}" id="{name}-{pk}"{checked}>'
            f'<label for="{name}-{pk}"><span class="visually-hidden">{label}</span></label></td>'
        )
    elif checked_column:
        choose = f"<td>{words.yes if row.checked else words.no}</td>"
    else:
        choose = ""

    if links:
        user = f'<a href="?user={escape(quote(entry.user.username))}">{user_name}</a>'
    else:
        user = user_name
    if entry.user_hsa_id:
        user += f'<br><span class="muted">{escape(entry.user_hsa_id)}</span>'

    if entry.unit_id:
        unit = escape(entry.unit.name)
        if links:
            unit = f'<a href="?unit={int(entry.unit_id)}">{unit}</a>'
    else:
        unit = words.no_unit

    shown = row.patient
    if shown:
        patient = escape(shown.name)
        if links:
            patient = f'<a href="?patient={int(shown.pk)}">{patient}</a>'
        patient += f'<br><span class="nowrap">{escape(shown.identity)}</span>'
        if shown.badge:
            patient += f' <span class="badge badge--alert">{escape(shown.badge)}</span>'
        patient += "\n        "
    elif row.searched:
        patient = (
            f'{words.searched_for} <span class="nowrap">{escape(row.searched)}</span>'
            f"<br>{words.nobody_shown}\n        "
        )
    else:
        patient = '<span class="muted">–</span>'

    action = escape(row.action)
    if row.what:
        action += f": {escape(row.what)}"
    if row.detail:
        action += f'<br><span class="muted">{escape(row.detail)}</span>'
    if entry.client_address:
        action += f'<br><span class="muted">{escape(entry.client_address)}</span>'
    if entry.integration_client:
        action += (
            f'<br><span class="muted">{words.integrating_system}: '
            f"{escape(entry.integration_client)}</span>"
        )

    if row.flags:
        marks = "".join(
            f'<span class="badge badge--warn">{escape(flag)}</span> ' for flag in row.flags
        )
        opening = '<tr class="log-row--flagged">'
    else:
        marks, opening = words.no_marks, "<tr>"
    return (
        f"\n    {opening}\n"
        f"      {choose}\n"
        f'      <td class="nowrap">{at:%Y-%m-%d %H:%M:%S}</td>\n'
        f"      <td>{user}</td>\n"
        f"      <td>{unit}</td>\n"
        f"      <td>{patient}</td>\n"
        f"      <td>{action}</td>\n"
        f"      <td>{marks}</td>\n"
        "    </tr>\n  "
    )


@register.simple_tag
def log_entry_rows(
    rows: Sequence[EntryRow], select: str = "", checked_column: bool = False, links: bool = False
) -> SafeString:
    """The rows of the access-log table (the inside of its <tbody>): `select` names the
    checkboxes (none when empty), `checked_column` shows "Checked: yes/no" instead, `links`
    makes user, unit and patient filter links."""
    words = _words(get_language())
    if not rows:
        columns = 7 if select or checked_column else 6
        return mark_safe(  # noqa: S308 (the words are escaped)
            f'\n    <tr><td colspan="{columns}">{words.no_rows}</td></tr>\n  '
        )
    return mark_safe(  # noqa: S308 (every value in the rows is escaped)
        "".join(
            entry_row(row, words, select=select, checked_column=checked_column, links=links)
            for row in rows
        )
    )
