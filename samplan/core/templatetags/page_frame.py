"""Every page's header and footer (base.html), written in Python.

They were rendered by the template engine on every full page: about sixty nodes, twenty
{% url %} look-ups and a dozen translations for markup that changes only with the user, the
unit and the language. The markup is the same up to runs of whitespace:
core/tests/test_page_frame.py renders the template as it was (tests/reference/) beside these.
Every value from the database, the request or a translation is escaped as the template
language does, and each context value is read only where the template read it (some of the
show_* flags are lazy and cost a query).
"""

from __future__ import annotations

import functools

from django import template
from django.conf import settings
from django.urls import get_resolver, get_script_prefix, get_urlconf, reverse
from django.utils.html import conditional_escape as esc
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import capfirst
from django.utils.translation import get_language, get_language_info, gettext

register = template.Library()

# The url names the header and the footer link to.
_URL_NAMES = (
    "core:home",
    "discharge:overview",
    "patients:search",
    "discharge:case_new",
    "sip:list",
    "deviations:index",
    "organizations:directory",
    "administration:index",
    "accessrequests:list",
    "accessrequests:reviews",
    "messaging:stuck",
    "addressing:index",
    "reports:index",
    "logreview:search",
    "help:index",
    "accounts:my_account",
    "accounts:switch_unit",
    "accounts:logout",
    "help:about",
    "set_language",
)

# Reversed (and escaped) paths per URL configuration, script prefix and language. samplan
# has no i18n_patterns and no translated routes, so the language never changes a path today;
# it is in the key so that adding either cannot serve one language's paths to another. The
# resolver object (replaced when ROOT_URLCONF changes, as in tests) and the script prefix
# (SCRIPT_NAME, set per request) are the rest of what reverse() depends on.
_urls_cache: dict[tuple[object, str, str | None], dict[str, str]] = {}


def _urls() -> dict[str, str]:
    key = (get_resolver(get_urlconf()), get_script_prefix(), get_language())
    urls = _urls_cache.get(key)
    if urls is None:
        urls = {name: esc(reverse(name)) for name in _URL_NAMES}
        if len(_urls_cache) > 32:  # test runs swap URL configurations; never grow unbounded
            _urls_cache.clear()
        _urls_cache[key] = urls
    return urls


def _resolve(value: object) -> object:
    """A context value as {{ }} and {% if %} see it: callables (the lazy flags) are called."""
    if callable(value) and not getattr(value, "do_not_call_in_templates", False):
        return value()
    return value


def _flag(context: template.Context, name: str) -> bool:
    return bool(_resolve(context.get(name)))


def _t(message: str) -> str:
    """{% translate message %}: translated and escaped, once per language (a page's header
    and footer asked gettext, through the request's thread-local state, some fifteen times)."""
    return _translated(get_language(), message)


@functools.lru_cache(maxsize=256)
def _translated(language: str | None, message: str) -> str:
    # `language` is the cache key only: gettext translates in the active language.
    return esc(gettext(message))


def _csrf_input(context: template.Context) -> str:
    """{% csrf_token %} (reading the lazy token only where the template did)."""
    token = context.get("csrf_token")
    if not token or token == "NOTPROVIDED":
        return ""
    return f'<input type="hidden" name="csrfmiddlewaretoken" value="{esc(token)}">'


def _length(value: object) -> int:
    """The filter length: 0 for anything without one."""
    try:
        return len(value)
    except (TypeError, ValueError):
        return 0


def _inbox_badge(context: template.Context) -> str:
    """The new-message count (once messaging/_new_count.html): messaging's context processor
    puts it in the context as inbox_badge, a callable, since core imports no app."""
    return esc(_resolve(context.get("inbox_badge", "")))


def _nav(context: template.Context, urls: dict[str, str]) -> str:
    items = []
    if _flag(context, "show_inbox"):
        items.append(
            f'<li><a href="{urls["discharge:overview"]}">{_t("Inbox")}</a> '
            '<span class="inbox-count-region" aria-live="polite">'
            f"{_inbox_badge(context)}</span></li>"
        )
    else:
        items.append(f'<li><a href="{urls["core:home"]}">{_t("Start")}</a></li>')

    def link(flag: str, name: str, label: str) -> None:
        if _flag(context, flag):
            items.append(f'<li><a href="{urls[name]}">{_t(label)}</a></li>')

    link("show_patient_search", "patients:search", "Search patient")
    link("show_new_case", "discharge:case_new", "New case")
    link("show_sip", "sip:list", "SIP")
    link("show_deviations_link", "deviations:index", "Deviations")
    items.append(f'<li><a href="{urls["organizations:directory"]}">{_t("Phone list")}</a></li>')
    link("show_admin_link", "administration:index", "Administer")
    if _flag(context, "show_access_orders_link"):
        items.append(f'<li><a href="{urls["accessrequests:list"]}">{_t("Access orders")}</a></li>')
    else:
        link("show_access_review_link", "accessrequests:reviews", "Access review")
    link("show_stuck_link", "messaging:stuck", "Stuck messages")
    link("show_addressing_link", "addressing:index", "Addressing register")
    link("show_reports_link", "reports:index", "Reports")
    link("show_log_review_link", "logreview:search", "Log review")
    items.append(f'<li><a href="{urls["help:index"]}">{_t("Help")}</a></li>')
    return (
        f'<nav class="main-nav" aria-label="{_t("Main menu")}">\n'
        "        <ul>\n          " + "\n          ".join(items) + "\n        </ul>\n      </nav>"
    )


def _unit_switch(context: template.Context, current: object, urls: dict[str, str]) -> str:
    options = []
    for unit in _resolve(context.get("switchable_units")) or ():
        selected = " selected" if unit.pk == current.pk else ""
        options.append(
            f'<option value="{esc(unit.pk)}"{selected}>'
            f"{esc(unit.name)} ({esc(unit.organization.name)})</option>"
        )
    return (
        f'<form class="unit-switch" method="post" action="{urls["accounts:switch_unit"]}">\n'
        f"          {_csrf_input(context)}\n"
        f'          <label for="switch-unit">{_t("Switch unit")}</label>\n'
        '          <select id="switch-unit" name="unit">\n            '
        + "\n            ".join(options)
        + "\n          </select>\n"
        f'          <button type="submit" class="button button--small">{_t("Switch")}</button>\n'
        "        </form>"
    )


def _session_box(context: template.Context, user: object, urls: dict[str, str]) -> str:
    name = esc(user.get_full_name() or user.username)
    current = _resolve(context.get("current_unit"))
    unit = ""
    switch = ""
    if current:
        unit = (
            f'<span class="session-box__unit" data-testid="current-unit">{esc(current.name)}'
            f'<span class="session-box__org">, {esc(current.organization.name)}</span></span>'
        )
        if _length(_resolve(context.get("switchable_units"))) > 1:
            switch = _unit_switch(context, current, urls)
    return (
        '<div class="session-box">\n'
        '        <p class="session-box__who">\n'
        f'          <a href="{urls["accounts:my_account"]}">{name}</a>\n'
        f"          {unit}\n"
        "        </p>\n"
        f"        {switch}\n"
        f'        <form method="post" action="{urls["accounts:logout"]}">\n'
        f"          {_csrf_input(context)}\n"
        '          <button type="submit" class="button button--small button--quiet">'
        f"{_t('Log out')}</button>\n"
        "        </form>\n"
        "      </div>"
    )


@register.simple_tag(takes_context=True)
def site_header(context: template.Context) -> SafeString:
    """The header: the brand and, for a signed-in user, the main menu (show_* flags from the
    context processors) and the session box (the user, the unit and its switch, log out)."""
    urls = _urls()
    user = _resolve(context.get("user"))
    signed_in = ""
    if user is not None and getattr(user, "is_authenticated", False):
        signed_in = f"{_nav(context, urls)}\n      {_session_box(context, user, urls)}"
    return mark_safe(  # noqa: S308 (every value above is escaped)
        '<header class="site-header">\n'
        '    <div class="site-header__bar">\n'
        f'      <a class="brand" href="{urls["core:home"]}">samplan</a>\n'
        f"      {signed_in}\n"
        "    </div>\n"
        "  </header>"
    )


@functools.lru_cache(maxsize=8)
def _language_options(current: object) -> str:
    """The language select's options, the current language chosen: made once per language
    (each option's name is looked up and capitalised)."""
    return "".join(
        f'<option value="{esc(code)}" lang="{esc(code)}"'
        f"{' selected' if code == current else ''}>"
        f"{esc(capfirst(get_language_info(code)['name_local']))}</option>"
        for code, _name in settings.LANGUAGES
    )


@register.simple_tag(takes_context=True)
def site_footer(context: template.Context) -> SafeString:
    """The footer: the about link and the language form (back to the same page)."""
    urls = _urls()
    request = context.get("request")
    path = esc(request.get_full_path()) if request is not None else ""
    return mark_safe(  # noqa: S308 (every value above is escaped)
        '<footer class="site-footer">\n'
        '    <div class="site-footer__bar">\n'
        f'    <p class="site-footer__about"><a href="{urls["help:about"]}">'
        f"{_t('About samplan')}</a></p>\n"
        f'    <form action="{urls["set_language"]}" method="post" class="language-form">\n'
        f"      {_csrf_input(context)}\n"
        f'      <input name="next" type="hidden" value="{path}">\n'
        f'      <label for="language">{_t("Language")}</label>\n'
        '      <select id="language" name="language">\n'
        f"        {_language_options(context.get('LANGUAGE_CODE'))}\n"
        "      </select>\n"
        '      <button type="submit" class="button button--small button--quiet">'
        f"{_t('Change language')}</button>\n"
        "    </form>\n"
        "    </div>\n"
        "  </footer>"
    )
