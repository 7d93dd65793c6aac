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
from django.forms import BoundField
from django.template.defaulttags import CsrfTokenNode
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils import timezone
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language, gettext, ngettext, pgettext

from samplan.core.form_renderer import render_input
from samplan.core.markup import reverse_once
from samplan.core.templatetags.samplan import form_field, pagination
from samplan.logreview.forms import LogSearchForm
from samplan.logreview.presentation import EntryRow
from samplan.organizations.models import Unit
from samplan.patients.forms import PatientSearchForm

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
    # Translated once per language and process, not once per row. The gettext calls stand
    # outside the f-strings: xgettext (make messages) does not look inside them.
    no_unit = escape(gettext("No unit"))
    searched_for = escape(gettext("Searched for"))
    nobody_shown = escape(gettext("nobody shown"))
    # With a context: django.contrib.admin's catalogue translates a bare "None" as "Inget",
    # and the column counts marks ("Inga").
    no_marks = escape(pgettext("access log marks", "None"))
    return Words(
        access_by=escape(gettext("Access %(time)s by %(user)s")),
        yes=escape(gettext("Yes")),
        no=escape(gettext("No")),
        no_unit=f'<span class="muted">{no_unit}</span>',
        searched_for=f'<span class="muted">{searched_for}</span>',
        nobody_shown=f'<span class="muted">{nobody_shown}</span>',
        integrating_system=escape(gettext("Integrating system")),
        no_marks=f'<span class="muted">{no_marks}</span>',
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
        self.actions: dict[tuple[object, ...], str] = {}

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
                    # The filter is typed: its HSA-id (unique), else its name.
                    typed = quote(entry.unit.hsa_id or entry.unit.name)
                    cell = f'<a href="?unit={escape(typed)}">{cell}</a>'
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

    def action(self, row: EntryRow) -> str:
        """The action cell; a page repeats few actions from few addresses."""
        entry = row.entry
        key = (row.action, row.what, row.detail, entry.client_address, entry.integration_client)
        if key not in self.actions:
            action = escape(row.action)
            if row.what:
                action += f": {escape(row.what)}"
            if row.detail:
                action += f'<br><span class="muted">{escape(row.detail)}</span>'
            if entry.client_address:
                action += f'<br><span class="muted">{escape(entry.client_address)}</span>'
            if entry.integration_client:
                action += (
                    f'<br><span class="muted">{self.words.integrating_system}: '
                    f"{escape(entry.integration_client)}</span>"
                )
            self.actions[key] = action
        return self.actions[key]

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
        marks, opening = self.marks_and_opening(row)
        return (
            f"\n    {opening}\n"
            f"      {choose}\n"
            f'      <td class="nowrap">{at:%Y-%m-%d %H:%M:%S}</td>\n'
            f"      <td>{user}</td>\n"
            f"      <td>{self.unit(row)}</td>\n"
            f"      <td>{self.patient(row)}</td>\n"
            f"      <td>{self.action(row)}</td>\n"
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


# The rest of the log search page (issue 18): its forms and the result's header, once template
# blocks of {% translate %}, {% url %}, includes and a loop over the marks' checkboxes.
# logreview/tests/test_search_markup.py holds each equal to the block it replaced
# (tests/reference/). As in the template language, a {% translate %} of a literal is not
# escaped (the literal and so its translation are safe); every value is.

_NAV = (
    ("search", "logreview:search", "Accesses"),
    ("sample", "logreview:sample", "Draw a random sample"),
    ("reviews", "logreview:reviews", "Reviews"),
    ("extract", "logreview:extract", "Log extract"),
)


_CURRENT = ' aria-current="page"'


@register.simple_tag
def log_review_nav(current: str) -> SafeString:
    """The log review's own menu, as logreview/_nav.html."""
    return mark_safe(  # noqa: S308 (the addresses are escaped; the words are translations)
        _nav(get_language(), current, get_script_prefix(), get_urlconf())
    )


@functools.cache
def _nav(language: str | None, current: str, script_prefix: str, urlconf: str | None) -> str:
    # Fixed for a language and URL configuration: written once per process.
    items = "".join(
        f'<li><a href="{conditional_escape(reverse(name, urlconf=urlconf))}"'
        f"{_CURRENT if current == key else ''}>{gettext(words)}</a></li>\n"
        for key, name, words in _NAV
    )
    label = gettext("Log review")
    return (
        f'<nav class="subnav" aria-label="{label}">\n'
        f'<ul class="plain link-row">\n{items}</ul>\n</nav>\n'
    )


@functools.cache
def _patient_search_field(language: str | None) -> str:
    """The search by patient's number field: an unbound form's, so fixed for a language
    (the region's reservnummer formats matter when the number is checked, by
    views.patient_lookup). Written once per language and process."""
    form = PatientSearchForm()
    # On the search page the filters come first; the cursor is not put in the number.
    form.fields["identity"].widget.attrs.pop("autofocus", None)
    return str(form_field(template.Context(), form["identity"], search=True))


def _form_errors(form: object) -> str:
    """core/_form_errors.html."""
    if form.non_field_errors():
        errors = "".join(f"<p>{conditional_escape(e)}</p>" for e in form.non_field_errors())
        return f'<div class="message message--error" role="alert">\n{errors}\n</div>\n'
    if form.errors:
        return (
            '<div class="message message--error" role="alert"><p>'
            f"{gettext('Please correct the fields marked below.')}</p></div>\n"
        )
    return ""


def _flag_boxes(flags: BoundField) -> str:
    # Each box's input as core.form_renderer writes it: box.tag() went through Django's
    # option templates (input_option.html is not one the project's renderer writes).
    return "".join(
        f"<li>{render_input(box.data)} <label "
        f'for="{conditional_escape(box.id_for_label)}">{conditional_escape(box.choice_label)}'
        "</label></li>"
        for box in flags
    )


# What a filter shows when nothing is chosen in it: nothing is chosen, so no value and no
# error is in the markup.
_NOTHING = (None, "", False)


def _filter_field(context: template.Context, form: LogSearchForm, name: str) -> str:
    """The filter form's field: when it holds nothing and has no error, an empty form's
    (written once per language); else written for this form."""
    field = form[name]
    if field.errors or field.value() not in _NOTHING:
        return form_field(context, field)
    return _empty_form(get_language())[name]


@functools.cache
def _empty_form(language: str | None) -> dict[str, str]:
    """The filter form's fields and mark boxes with nothing chosen: fixed for a language
    (labels, help, widgets), so written once per language and process."""
    form = LogSearchForm(units=Unit.objects.none())
    written = {
        name: str(form_field(template.Context(), form[name]))
        for name in ("user", "unit", "date_from", "date_to", "action", "flagged")
    }
    written["boxes"] = _flag_boxes(form["flags"])
    return written


@register.simple_tag(takes_context=True)
def log_search_forms(context: template.Context) -> SafeString:
    """The page's lead, menu, the search by patient and the filter form."""
    request, form = context["request"], context["form"]
    query = conditional_escape(context.get("query", ""))
    lookup = conditional_escape(reverse_once("logreview:patient_lookup"))
    csrf = CsrfTokenNode().render(context)
    lead = gettext(
        "Accesses to patient data by the units of %(name)s. Your searches here are logged too."
    ) % {"name": conditional_escape(request.unit.organization.name)}
    shown = ""
    patient = context.get("patient_shown")
    if patient:
        badge = (
            f' <span class="badge badge--alert">{conditional_escape(patient.badge)}</span>'
            if patient.badge
            else ""
        )
        showing = gettext(
            "Showing accesses to %(name)s, %(number)s, and searches for the number."
        ) % {
            "name": conditional_escape(patient.name),
            "number": conditional_escape(patient.identity),
        }
        shown = f'<p>{showing}{badge}\n<a href="?">{gettext("Show all patients")}</a></p>\n'
    flags = form["flags"]
    boxes = _flag_boxes(flags) if flags.value() else _empty_form(get_language())["boxes"]
    fields = "\n".join(
        _filter_field(context, form, name) for name in ("user", "unit", "date_from", "date_to")
    )
    return mark_safe(  # noqa: S308 (every value is escaped, the widgets by Django)
        f'<p class="lead">{lead}</p>\n{log_review_nav("search")}\n'
        '<section class="panel" aria-labelledby="patient-heading">\n'
        f'<h2 id="patient-heading">{gettext("Search by patient")}</h2>\n{shown}'
        f'<form method="post" action="{lookup}"'
        ' class="filters" role="search">\n'
        f'{csrf}\n<input type="hidden" name="back" value="{query}">\n'
        f"{_patient_search_field(get_language())}\n"
        f'<button type="submit" class="button">{gettext("Search patient")}</button>\n'
        "</form>\n</section>\n"
        '<form method="get" class="panel" role="search" aria-labelledby="filter-heading">\n'
        f'<h2 id="filter-heading">{gettext("Filter")}</h2>\n{_form_errors(form)}\n'
        f'{conditional_escape(form["patient"])}\n<div class="filters">\n{fields}\n'
        f"{_filter_field(context, form, 'action')}\n</div>\n"
        '<fieldset class="field">\n'
        f"<legend>{conditional_escape(flags.label)}</legend>\n"
        f'<ul class="plain check-row">{boxes}</ul>\n'
        f'<p class="field__help">{conditional_escape(flags.help_text)}</p>\n</fieldset>\n'
        f"{_filter_field(context, form, 'flagged')}\n"
        '<div class="actions">\n'
        f'<button type="submit" class="button">{gettext("Show accesses")}</button>\n'
        f'<a href="{conditional_escape(reverse_once("logreview:export"))}?{query}">'
        f"{gettext('Export to CSV')}</a>\n</div>\n</form>\n"
    )


_COLUMNS = ("Time", "User", "Unit", "Patient", "Action", "Marks")


@register.simple_tag(takes_context=True)
def log_search_results(context: template.Context) -> SafeString:
    """The accesses found, to tick for a review: the form, the table and its pages."""
    request, filters, page, rows = (
        context["request"],
        context["filters"],
        context["page"],
        context["rows"],
    )
    query = conditional_escape(context.get("query", ""))
    since = ""
    if filters.date_from and not request.GET.get("date_from"):
        since = gettext("From %(start)s unless you choose another period.") % {
            "start": f"{filters.date_from:%Y-%m-%d}"
        }
        since = f'<p class="muted">{since}</p>'
    count = page.paginator.count
    caption = ngettext("%(counter)s access", "%(counter)s accesses", count) % {"counter": count}
    heads = "\n".join(f'<th scope="col">{gettext(c)}</th>' for c in _COLUMNS)
    create = conditional_escape(reverse_once("logreview:review_create"))
    review = (
        '<div class="actions"><button type="submit" class="button">'
        f"{gettext('Review the ticked accesses')}</button></div>"
        if rows
        else ""
    )
    return mark_safe(  # noqa: S308 (every value is escaped)
        f'<form method="post" action="{create}"'
        ' aria-labelledby="result-heading">\n'
        f"{CsrfTokenNode().render(context)}\n"
        f'<input type="hidden" name="form_key" value="{conditional_escape(context["form_key"])}">\n'
        '<input type="hidden" name="criteria" '
        f'value="{conditional_escape(filters.describe())}">\n'
        f'<input type="hidden" name="back" value="{query}">\n'
        f'<h2 id="result-heading" class="visually-hidden">{gettext("Accesses")}</h2>\n'
        f'{since}\n<div class="table-wrap">\n<table class="log-table">\n'
        f"<caption>{conditional_escape(caption)}</caption>\n<thead><tr>\n"
        f'<th scope="col"><span class="visually-hidden">{gettext("Choose")}</span></th>\n'
        f"{heads}\n</tr></thead>\n<tbody>\n"
        f"{log_entry_rows(rows, 'entries', False, True)}\n</tbody>\n</table>\n</div>\n"
        f"{pagination(context, page)}\n{review}\n</form>\n"
    )
