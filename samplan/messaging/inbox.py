"""What every inbox list page shares: the search by personnummer and the list's context.

Used by messaging's lists (Mottagna, Skickade) and by the processes' boards (Översikt, in
samplan.discharge.board_views). View helpers: they read the request.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect

from samplan.core.paging import PAGE_SIZES
from samplan.messaging import access, search
from samplan.messaging.forms import IdentitySearchForm
from samplan.patients.identity import format_identity
from samplan.patients.reserve_formats import reserve_patterns_for


def inbox_search(
    request: HttpRequest, list_name: str, filter_names: tuple[str, ...] = ()
) -> tuple[IdentitySearchForm, str, HttpResponse | None]:
    """The list's one filter form posts the personnummer with the filters; the number becomes
    ?sok=<token> (samplan.messaging.search), the filters plain parameters. Returns the search
    form, the number searched for now, and a redirect after a valid post. An empty number
    clears the search. `list_name` is the list's code in the access log (access.LIST_NAMES)."""
    if request.method == "POST":
        typed = request.POST.get("identity", "").strip()
        base = _posted_filters(request, filter_names)
        if not typed:
            return IdentitySearchForm(), "", redirect(_with_query(request.path, base, None))
        # The region's reservnummer formats matter only when a number is checked: not read
        # on the (far more common) plain view of the list.
        patterns = reserve_patterns_for(request.unit.organization)
        form = IdentitySearchForm(request.POST, reserve_patterns=patterns)
        if form.is_valid():
            token = search.search_remember(request, form.cleaned_data["identity"].number)
            return form, "", redirect(_with_query(request.path, base, token))
        access.search_rejected(
            request.actor, typed=request.POST.get("identity", ""), list_name=list_name
        )
        return form, "", None
    number = search.search_number(request)
    form = IdentitySearchForm()
    if number:
        form.initial["identity"] = number
    return form, number, None


def _posted_filters(request: HttpRequest, names: tuple[str, ...]) -> QueryDict:
    """The filter values posted with the number (the list's one filter form), or, for a post
    of the number alone, the filters in the address."""
    if request.POST.get("filters") != "1":
        return request.GET.copy()
    params = QueryDict(mutable=True)
    for name in (*names, "size"):
        value = request.POST.get(name, "")
        if value:
            params[name] = value
    return params


def _with_query(path: str, params: QueryDict, token: str | None) -> str:
    params = params.copy()
    params.pop("page", None)
    params.pop(search.PARAM, None)
    if token:
        params[search.PARAM] = token
    query = params.urlencode()
    return f"{path}?{query}" if query else path


def inbox_list_context(request: HttpRequest, tab: str, search_form: IdentitySearchForm) -> dict:
    searched = search.search_number(request)
    return {
        "tab": tab,
        "search_form": search_form,
        "searched": searched,
        "searched_display": format_identity(searched) if searched else "",
        "page_sizes": PAGE_SIZES,
        "clear_search_query": search.query_with_search(request, None),
        "unknown_search": bool(request.GET.get(search.PARAM)) and not search.search_number(request),
    }


def valid_filters(form: object) -> dict:
    """The filter fields that are valid; a bad value in the address is simply ignored."""
    form.is_valid()
    return form.cleaned_data
