"""Searching an inbox list by personnummer without putting the number in the address.

The number is posted, normalised (parse_identity through IdentityNumberField) and kept in the
session under a random token; the list's address carries only ?sok=<token>, so paging and
filters keep the search while the number stays out of browser history and server logs (as
Sök patient does). A session keeps the last MAX_KEPT searches.
"""

from __future__ import annotations

import secrets

from django.http import HttpRequest

SESSION_KEY = "messaging_searches"
PARAM = "sok"
MAX_KEPT = 20


def search_remember(request: HttpRequest, number: str) -> str:
    kept: dict[str, str] = dict(request.session.get(SESSION_KEY, {}))
    for token, known in kept.items():
        if known == number:
            return token
    token = secrets.token_urlsafe(9)
    kept[token] = number
    while len(kept) > MAX_KEPT:
        kept.pop(next(iter(kept)))
    request.session[SESSION_KEY] = kept
    return token


def search_number(request: HttpRequest) -> str:
    """The number searched for by ?sok=, or "" (none, or a token this session does not know)."""
    token = request.GET.get(PARAM, "")
    if not token:
        return ""
    return request.session.get(SESSION_KEY, {}).get(token, "")


def query_with_search(request: HttpRequest, token: str | None) -> str:
    """The current query string with the search token set (or removed), the page dropped."""
    params = request.GET.copy()
    params.pop("page", None)
    params.pop(PARAM, None)
    if token:
        params[PARAM] = token
    return params.urlencode()
