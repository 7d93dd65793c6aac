"""Telefonlista: the directory of units and their contact data, for every logged-in user."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from samplan.core.http import parse_id
from samplan.core.paging import paginate
from samplan.organizations.models import Organization, Unit, UnitKind


@login_required
def directory(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "").strip()
    organization_id = request.GET.get("organisation", "")
    kind = request.GET.get("kind", "")
    units = Unit.objects.active_on().select_related("organization", "parent")
    if query:
        units = units.filter(
            Q(name__icontains=query)
            | Q(parent__name__icontains=query)
            | Q(phone__icontains=query)
            | Q(hsa_id__icontains=query)
        )
    if parse_id(organization_id):
        units = units.filter(organization_id=parse_id(organization_id))
    if kind in UnitKind.values:
        units = units.filter(kind=kind)
    page = paginate(request, units.order_by("organization__name", "name"), default_size=50)
    return render(
        request,
        "organizations/directory.html",
        {
            "page": page,
            "query": query,
            "organizations": Organization.objects.filter(is_active=True),
            "kinds": UnitKind.choices,
            "selected_organization": organization_id,
            "selected_kind": kind,
        },
    )
