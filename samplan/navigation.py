"""The start page, and the header's links to each part of the product on every page (a
context processor).

It sits in the project package, above every app, because it asks each app's own access
module whether the user may open that part; an app's rules never import another app's
pages. The unit switcher and the administration link come from
samplan.accounts.context_processors, the inbox link from samplan.messaging.context_processors.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, HttpResponsePermanentRedirect
from django.shortcuts import redirect, render
from django.templatetags.static import static

from samplan.accessrequests.access import (
    can_order,
    can_use_access_orders,
    report_organization_ids,
)
from samplan.addressing.access import can_use_addressing_register
from samplan.core.decorators import unit_required
from samplan.deviations.access import can_report, can_use_deviations
from samplan.discharge.access import can_open_discharge_case
from samplan.logreview.access import can_review_logs
from samplan.messaging.access import can_handle_stuck, can_use_inbox
from samplan.patients.access import can_work_with_patients
from samplan.reports.access import can_view_reports
from samplan.sip.access import can_work_with_sip


def links(request: HttpRequest) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    unit = getattr(request, "unit", None)
    return {
        "show_patient_search": can_work_with_patients(user, unit),
        "show_new_case": can_open_discharge_case(user, unit),
        "show_sip": can_work_with_sip(user, unit),
        # "Rapportera avvikelse" on the case, message and plan pages.
        "show_report_deviation": can_report(user, unit),
        # Lazy: a handler check costs one query (is the unit its organisation's receiver).
        "show_deviations_link": lambda: can_use_deviations(user, unit),
        # Lazy: only the nav evaluates it (a housing coordinator check costs one query).
        "show_addressing_link": lambda: can_use_addressing_register(user),
        "show_log_review_link": can_review_logs(user, unit),
        "show_reports_link": can_view_reports(user, unit),
        # Managers order access, administrators decide: "Behörigheter" (access orders).
        "show_access_orders_link": can_use_access_orders(user),
        "show_order_access": can_order(user),
        # Log reviewers follow the access review's progress (no orders of their own).
        "show_access_review_link": bool(report_organization_ids(user)),
        # Super users and administrators forward the organisation's stuck messages.
        "show_stuck_link": can_handle_stuck(user),
    }


@unit_required
def home(request: HttpRequest) -> HttpResponse:
    """Start page for the current unit: Översikt, the daily work screen, for those who work in
    the unit's inbox; the unit's details for the others (administrators without patient work).
    """
    if can_use_inbox(request.user, request.unit):
        return redirect("discharge:overview")
    return render(request, "core/home.html", {"unit": request.unit})


def favicon(request: HttpRequest) -> HttpResponse:
    """Browsers ask for /favicon.ico whatever the page links to: send them to the icon."""
    return HttpResponsePermanentRedirect(static("core/favicon.svg"))
