"""The inbox's discharge tabs: Översikt, the board (one row per case, one cell per step), and
Skapa, where a ward opens a new case."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from samplan.core.decorators import unit_required
from samplan.core.paging import PageRequest
from samplan.discharge.board import overview_page
from samplan.discharge.board_cells import STEPS
from samplan.discharge.forms import OverviewFilterForm
from samplan.discharge.process import WARD_KINDS
from samplan.messaging.access import require_inbox
from samplan.messaging.context_processors import known_new_count
from samplan.messaging.inbox import inbox_list_context, inbox_search

# The filters Översikt's one filter form posts along with the personnummer.
OVERVIEW_FILTERS = ("state", "care_type", "sort", "overdue")


@unit_required
def overview(request: HttpRequest) -> HttpResponse:
    require_inbox(request.actor)
    search_form, number, done = inbox_search(request, "overview", OVERVIEW_FILTERS)
    if done:
        return done
    filters = OverviewFilterForm(request.GET)
    page = None
    if not search_form.errors:
        page = overview_page(
            request.actor,
            paging=PageRequest.of(request),
            now=timezone.now(),
            identity=number,
            **filters.values(),
        )
    if page is not None:
        known_new_count(request, page.unit_new_count)
    context = inbox_list_context(request, "overview", search_form)
    context.update(filters=filters, page=page, steps=STEPS)
    return render(request, "discharge/board.html", context)


@unit_required
def create(request: HttpRequest) -> HttpResponse:
    require_inbox(request.actor)
    return render(
        request,
        "discharge/create.html",
        {"tab": "create", "is_ward": request.unit.kind in WARD_KINDS},
    )
