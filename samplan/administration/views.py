"""Administration in the product's own UI (domain.md §2 roles local_admin and system_admin)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from samplan.accounts.access import (
    administered_organizations,
    can_manage_reserve_formats,
    is_administrator,
    require,
)


@login_required
def index(request: HttpRequest) -> HttpResponse:
    require(is_administrator(request.user))
    return render(
        request,
        "administration/index.html",
        {
            "organizations": administered_organizations(request.user),
            "manages_reserve_formats": can_manage_reserve_formats(request.user),
        },
    )
