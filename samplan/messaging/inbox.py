"""What every inbox list page shares: the search by personnummer and the list's context.

Used by messaging's lists (Mottagna, Skickade) and by the processes' boards (Översikt, in
samplan.discharge.board_views). View helpers: they read the request.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

from samplan.core.paging import PAGE_SIZES
from samplan.messaging import access, search
from samplan.messaging.forms import IdentitySearchForm
from samplan.patients.identity import format_identity
from samplan.patients.reserve_formats import reserve_patterns_for


def inbox_search(
    request: HttpRequest, list_name: str
) -> tuple[IdentitySearchForm, str, HttpResponse | None]:
    """A posted personnummer becomes ?sok=<token> (samplan.messaging.search); returns the
    search form, the number searched for now, and a redirect after a valid post."""
    if request.method == "POST":
        # The region's reservnummer formats matter only when a number is checked: not read
        # on the (far more common) plain view of the list.
        patterns = reserve_patterns_for(request.unit.organization)
        form = IdentitySearchForm(request.POST, reserve_patterns=patterns)
        if form.is_valid():
            token = search.search_remember(request, form.cleaned_data["identity"].number)
            query = search.query_with_search(request, token)
            return form, "", redirect(f"{request.path}?{query}")
        access.search_rejected(
            request.actor, typed=request.POST.get("identity", ""), list_name=list_name
        )
        return form, "", None
    number = search.search_number(request)
    form = IdentitySearchForm()
    if number:
        form.initial["identity"] = number
    return form, number, None


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
