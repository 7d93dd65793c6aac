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


class _RowWriter:
    """Writes a page's rows. Its user, unit, patient and marks cells repeat from row to row
    (a patient's page is one person, a few users and units), so each is written once per
    page and kept by what it shows."""

    def __init__(self, words: Words, select: str, checked_column: bool, links: bool) -> None:
        self.words, self.links = words, links
        self.select, self.checked_column = escape(select) if select else "", checked_column
        self.zone = timezone.get_current_timezone()
        self.users: dict[tuple[int, str], tuple[str, str]] = {}
        self.units: dict[int | None, str] = {}
        self.patients: dict[tuple[str, object], str] = {}
        self.marks: dict[tuple[str, ...], tuple[str, str]] = {}

    def user(self, row: EntryRow) -> tuple[str, str]:
        """The user's cell and their name, escaped."""
        entry = row.entry
        key = (entry.user_id, entry.user_hsa_id)
        if key not in self.users:
            name = escape(row.user_name)
            cell = name
            if self.links:
                cell = f'<a href="?user={escape(quote(entry.user.username))}">{name}</a>'
            if entry.user_hsa_id:
                cell += f'<br><span class="muted">{escape(entry.user_hsa_id)}</span>'
            self.users[key] = (cell, name)
        return self.users[key]

    def unit(self, row: EntryRow) -> str:
        entry = row.entry
        if entry.unit_id not in self.units:
            if entry.unit_id:
                cell = escape(entry.unit.name)
                if self.links:
                    cell = f'<a href="?unit={int(entry.unit_id)}">{cell}</a>'
            else:
                cell = self.words.no_unit
            self.units[entry.unit_id] = cell
        return self.units[entry.unit_id]

    def patient(self, row: EntryRow) -> str:
        shown = row.patient
        key = ("patient", shown.pk) if shown else ("searched", row.searched)
        if key not in self.patients:
            if shown:
                cell = escape(shown.name)
                if self.links:
                    cell = f'<a href="?patient={int(shown.pk)}">{cell}</a>'
                cell += f'<br><span class="nowrap">{escape(shown.identity)}</span>'
                if shown.badge:
                    cell += f' <span class="badge badge--alert">{escape(shown.badge)}</span>'
                cell += "\n        "
            elif row.searched:
                cell = (
                    f'{self.words.searched_for} <span class="nowrap">{escape(row.searched)}'
                    f"</span><br>{self.words.nobody_shown}\n        "
                )
            else:
                cell = '<span class="muted">–</span>'
            self.patients[key] = cell
        return self.patients[key]

    def marks_and_opening(self, row: EntryRow) -> tuple[str, str]:
        key = tuple(row.flags)
        if key not in self.marks:
            if key:
                marks = "".join(
                    f'<span class="badge badge--warn">{escape(flag)}</span> ' for flag in key
                )
                self.marks[key] = (marks, '<tr class="log-row--flagged">')
            else:
                self.marks[key] = (self.words.no_marks, "<tr>")
        return self.marks[key]

    def row(self, row: EntryRow) -> str:
        """One <tr> of the table, as the template's loop wrote it (its whitespace included)."""
        entry, words = row.entry, self.words
        at = entry.at.astimezone(self.zone)  # as timezone.localtime
        user, user_name = self.user(row)
        if self.select:
            pk, name = int(entry.pk), self.select
            label = words.access_by % {"time": f"{at:%Y-%m-%d %H:%M}", "user": user_name}
            checked = " checked" if row.checked else ""
            choose = (
                f'<td><input type="checkbox" name="{name}" value="{pk}" id="{name}-{pk}"'
                f'{checked}><label for="{name}-{pk}"><span class="visually-hidden">{label}'
                "</span></label></td>"
            )
        elif self.checked_column:
            choose = f"<td>{words.yes if row.checked else words.no}</td>"
        else:
            choose = ""
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
        marks, opening = self.marks_and_opening(row)
        return (
            f"\n    {opening}\n"
            f"      {choose}\n"
            f'      <td class="nowrap">{at:%Y-%m-%d %H:%M:%S}</td>\n'
            f"      <td>{user}</td>\n"
            f"      <td>{self.unit(row)}</td>\n"
            f"      <td>{self.patient(row)}</td>\n"
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
    writer = _RowWriter(words, select, bool(checked_column), bool(links))
    return mark_safe("".join(writer.row(row) for row in rows))  # noqa: S308 (all escaped)
