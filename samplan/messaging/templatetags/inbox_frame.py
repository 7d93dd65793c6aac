"""The frame of every inbox list page, written in Python: the tabs, the one search and filter
form with its page size, and the search's notice.

They were the includes messaging/_inbox_nav.html, _search.html and _page_size.html, on
Översikt, Mottagna and Skickade (the pages opened most): three includes, a dozen translations,
five URLs and the fields' look-ups were a noticeable part of each list page's CPU. Mottagna's
table caption and header row are here too. The markup is the same up to runs of whitespace:
messaging/tests/test_inbox_frame.py renders the templates as they were (tests/reference/)
beside these tags. As in the template language, every value from the request, the database or
a form is escaped; a translation of a literal is not (the template language marks it safe).
Every gettext() call stands outside f-strings: xgettext (makemessages) does not look inside
them, and would drop the msgid from the catalogue.
"""

from __future__ import annotations

import functools

from django import template
from django.conf import settings
from django.forms import BoundField
from django.template.defaulttags import CsrfTokenNode
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils.html import conditional_escape as esc
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language, gettext, ngettext

from samplan.core.templatetags.samplan import form_field

register = template.Library()

# (tab, URL name) in the order the tabs show; the labels are below, as literals, so that
# makemessages finds them.
_TABS = (
    ("overview", "discharge:overview"),
    ("received", "messaging:received"),
    ("sent", "messaging:sent"),
    ("create", "discharge:create"),
    ("alerts", "messaging:alert_settings"),
)
_CURRENT = ' aria-current="page"'


@functools.lru_cache(maxsize=16)
def _tab_hrefs(prefix: str, urlconf: object) -> tuple[str, ...]:
    """The tabs' addresses, reversed once per script prefix and URLconf: five reverse() calls
    were most of the tabs' time. `prefix` is part of the key only: reverse() reads it."""
    return tuple(esc(reverse(url_name, urlconf=urlconf)) for _, url_name in _TABS)


def _new_count(value: object) -> int:
    """inbox_new_count|default:0|add:0: the count is a lazy object, which int() refuses but
    the add filter (value + 0) takes."""
    value = value or 0
    try:
        return int(value)
    except (TypeError, ValueError):
        return value + 0


@functools.lru_cache(maxsize=8)
def _tab_words(language: str | None) -> dict[str, str]:
    """The tabs' fixed words, translated once per language (`language` is the key only)."""
    return {
        "overview": gettext("Overview"),
        "received": gettext("Received messages"),
        "sent": gettext("Sent messages"),
        "create": gettext("Create"),
        "alerts": gettext("Alerts"),
        "lead": gettext("The inbox of %(unit)s"),
        "inbox": gettext("Inbox"),
    }


@register.simple_tag(takes_context=True)
def inbox_tabs(context: template.Context) -> SafeString:
    """The inbox's lead line and its tabs, the current one (context's `tab`) marked."""
    current = context.get("tab", "")
    unit = context.get("current_unit")
    shown_count = context.get("inbox_new_count", "")
    count = _new_count(shown_count)
    words = _tab_words(get_language())
    new = ngettext("%(counter)s new", "%(counter)s new", count) % {"counter": count}
    labels = {
        **words,
        "received": (
            f'{words["received"]} <span class="tab-count" data-testid="tab-new-count">'
            f'<span aria-hidden="true">({esc(shown_count)})</span>'
            f'<span class="visually-hidden">{new}</span></span>'
        ),
    }
    hrefs = _tab_hrefs(get_script_prefix(), get_urlconf() or settings.ROOT_URLCONF)
    items = "".join(
        f'    <li><a href="{href}"{_CURRENT if tab == current else ""}>{labels[tab]}</a></li>\n'
        for (tab, _), href in zip(_TABS, hrefs, strict=True)
    )
    lead = words["lead"] % {"unit": esc(unit.name if unit else "")}
    inbox = words["inbox"]
    return mark_safe(  # noqa: S308 (every value above is escaped)
        f'<p class="lead">{lead}</p>\n'
        f'<nav class="inbox-tabs" aria-label="{inbox}">\n  <ul>\n{items}  </ul>\n</nav>\n'
    )


def _page_size(context: template.Context) -> str:
    """The page size's select (the page's size chosen) and the search token to keep."""
    # Not `if page`: a page without rows is falsy.
    chosen = getattr(getattr(context.get("page"), "paginator", None), "per_page", None)
    options = "".join(
        f'<option value="{esc(size)}"{" selected" if size == chosen else ""}>{esc(size)}</option>'
        for size in context.get("page_sizes") or ()
    )
    request = context.get("request")
    token = request.GET.get("sok") if request is not None else None
    kept = f'<input type="hidden" name="sok" value="{esc(token)}">' if token else ""
    label = gettext("Rows per page")
    return (
        f'<div class="field">\n  <label for="id_size">{label}</label>\n'
        f'  <select id="id_size" name="size">{options}</select>\n</div>\n{kept}\n'
    )


@register.simple_tag(takes_context=True)
def page_size_field(context: template.Context) -> SafeString:
    """A list's page size field (context's `page_sizes` and `page`) in its filter form."""
    return mark_safe(_page_size(context))  # noqa: S308 (every value is escaped)


# (language, form class, field name, ids, search, value) -> the field's markup, for forms
# that say their filter fields' markup depends on nothing else (`fixed_markup`): rendering
# the selects through Django's widgets (a dozen options each) was most of the form's time.
# Only a field without errors whose value is one of its choices (or a checkbox's, or none;
# a text field only without a value) is kept: a finite set, never a value from the database
# or a number searched for.
_fixed_fields: dict[tuple, str] = {}
# (form class, field name) -> the values the field's markup may be kept for.
_fixed_values: dict[tuple[type, str], frozenset] = {}


def _keepable(form: object, field: BoundField) -> frozenset:
    key = (type(form), field.name)
    found = _fixed_values.get(key)
    if found is None:
        choices = getattr(field.field, "choices", None)
        values = {None}
        if choices is not None:
            for value, label in choices:
                if isinstance(label, list | tuple):  # a group of choices
                    values.update(str(inner) for inner, _label in label)
                else:
                    values.add(str(value))
        elif getattr(field.field.widget, "input_type", None) == "checkbox":
            values.update((True, False))
        found = _fixed_values[key] = frozenset(values)
    return found


def _filter_field(context: template.Context, field: BoundField, language: str | None) -> str:
    """form_field(context, field), kept per language and value for a `fixed_markup` form."""
    form = field.form
    if not getattr(form, "fixed_markup", False) or field.errors:
        return form_field(context, field)
    value = field.value()
    if type(value) not in (str, bool, type(None)) or value not in _keepable(form, field):
        return form_field(context, field)
    search = bool(context.get("search"))
    key = (language, type(form), field.name, form.auto_id, form.prefix, search, value)
    found = _fixed_fields.get(key)
    if found is None:
        found = _fixed_fields[key] = form_field(context, field)
    return found


@register.simple_tag(takes_context=True)
def inbox_search(context: template.Context) -> SafeString:
    """A list's one filter form: the personnummer (posted, so it stays out of the address;
    empty shows everyone) with the list's filters and the page size, one button; then the
    notice of a search, or of one that has expired."""
    request = context.get("request")
    action = esc(request.get_full_path()) if request is not None else ""
    search_form = context.get("search_form")
    language = get_language()
    identity = (
        _filter_field(context, search_form["identity"], language) if search_form is not None else ""
    )
    filters = "".join(
        _filter_field(context, field, language) for field in context.get("filters") or ()
    )
    notice = ""
    if context.get("searched") or context.get("unknown_search"):
        clear = esc(context.get("clear_search_query", ""))
        show_all = gettext("Show all")
        if context.get("searched"):
            words = gettext("Showing only personnummer %(number)s.") % {
                "number": esc(context.get("searched_display", ""))
            }
            opening = '<p class="message" role="status" data-testid="searched">'
        else:
            words = gettext("The search has expired. Search again.")
            opening = '<p class="message message--warning" role="status">'
        notice = f'{opening}{words} <a href="?{clear}">{show_all}</a></p>\n'
    label = gettext("Search and filter")
    button = gettext("Search")
    return mark_safe(  # noqa: S308 (every value is escaped, the fields by form_field)
        f'<form method="post" action="{action}" role="search" class="filters inbox-search" '
        f'aria-label="{label}" novalidate>\n'
        f"  {CsrfTokenNode().render(context)}\n"
        '  <input type="hidden" name="filters" value="1">\n'
        f"  {identity}\n  {filters}\n  {_page_size(context)}\n"
        f'  <div class="field"><button type="submit" class="button">{button}</button>'
        "</div>\n</form>\n"
        f"{notice}"
    )


@functools.lru_cache(maxsize=8)
def _received_columns(language: str | None) -> str:
    # The same for every view in a language: translated once (`language` is the key only).
    choose = gettext("Choose")
    heads = "".join(
        f'          <th scope="col">{label}</th>\n'
        for label in (
            gettext("Arrived"),
            gettext("Type"),
            gettext("Patient"),
            gettext("From"),
            gettext("State"),
            gettext("Answer by"),
        )
    )
    return (
        '      <thead>\n        <tr>\n          <th scope="col"><span class="visually-hidden">'
        f"{choose}</span></th>\n{heads}        </tr>\n      </thead>\n"
    )


@register.simple_tag
def received_table_head(page: object) -> SafeString:
    """Mottagna's table caption (the number of messages in the list) and header row."""
    count = page.paginator.count
    caption = ngettext("%(counter)s message", "%(counter)s messages", count) % {"counter": count}
    return mark_safe(  # noqa: S308 (a number and translations)
        f"<caption>{caption}</caption>\n{_received_columns(get_language())}"
    )
