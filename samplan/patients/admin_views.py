"""Administrera reservnummerformat: a region's system administrators keep its formats."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from samplan.accounts.access import require
from samplan.core.paging import paginate
from samplan.patients import services
from samplan.patients.access import can_manage_reserve_formats
from samplan.patients.forms import ReserveNumberFormatForm, add_service_errors
from samplan.patients.identity import DEFAULT_RESERVE_PATTERNS
from samplan.patients.selectors import managed_regions, managed_reserve_formats


@login_required
def reserve_formats(request: HttpRequest) -> HttpResponse:
    require(can_manage_reserve_formats(request.user))
    return render(
        request,
        "patients/reserve_formats.html",
        {
            "page": paginate(request, managed_reserve_formats(request.user)),
            "defaults": DEFAULT_RESERVE_PATTERNS,
        },
    )


@login_required
def reserve_format_new(request: HttpRequest) -> HttpResponse:
    require(can_manage_reserve_formats(request.user))
    form = ReserveNumberFormatForm(request.POST or None, regions=managed_regions(request.user))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.reserve_format_create(
                actor=request.actor,
                region=data["region"],
                name=data["name"],
                regex=data["regex"],
                check_digit=data["check_digit"],
                active=data["active"],
            )
        except ValidationError as error:
            add_service_errors(form, error, None)
        else:
            messages.success(request, _("The reserve number format was saved."))
            return redirect("reserve_formats:list")
    return render(request, "patients/reserve_format_form.html", {"form": form})


@login_required
def reserve_format_edit(request: HttpRequest, pk: int) -> HttpResponse:
    require(can_manage_reserve_formats(request.user))
    reserve_format = get_object_or_404(managed_reserve_formats(request.user), pk=pk)
    form = ReserveNumberFormatForm(
        request.POST or None, instance=reserve_format, regions=managed_regions(request.user)
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.reserve_format_update(
                actor=request.actor,
                reserve_format=reserve_format,
                name=data["name"],
                regex=data["regex"],
                check_digit=data["check_digit"],
                active=data["active"],
            )
        except ValidationError as error:
            add_service_errors(form, error, None)
        else:
            messages.success(request, _("The reserve number format was saved."))
            return redirect("reserve_formats:list")
    return render(
        request,
        "patients/reserve_format_form.html",
        {"form": form, "reserve_format": reserve_format},
    )
