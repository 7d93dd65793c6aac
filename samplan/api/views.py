"""Administrera → Integrationer: system administrators create, change, rotate and revoke an
organisation's integrating systems. A token is shown once, on the page that answers the
create or rotate; it is never stored or shown again."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from samplan.accounts.access import require
from samplan.api import access, services
from samplan.api.forms import ClientForm
from samplan.api.models import IntegrationClient
from samplan.auditlog.models import AdminChange


def _organization_or_404(request: HttpRequest, organization_id: int):
    organization = access.client_organizations(request.user).filter(pk=organization_id).first()
    if organization is None:
        raise Http404
    return organization


def _show_errors(form: ClientForm, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for name, errors in error.error_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, error)


def _token_page(request: HttpRequest, client: IntegrationClient, token: str) -> HttpResponse:
    response = render(request, "api/client_token.html", {"client": client, "token": token})
    response["Cache-Control"] = "no-store"
    return response


@login_required
def client_list(request: HttpRequest, organization_id: int) -> HttpResponse:
    require(access.can_administer_clients(request.user))
    organization = _organization_or_404(request, organization_id)
    clients = (
        access.administered_clients(request.user)
        .filter(organization=organization)
        .prefetch_related("units")
    )
    return render(
        request, "api/client_list.html", {"organization": organization, "clients": clients}
    )


@login_required
def client_create(request: HttpRequest, organization_id: int) -> HttpResponse:
    require(access.can_administer_clients(request.user))
    organization = _organization_or_404(request, organization_id)
    form = ClientForm(request.POST or None, organization=organization)
    if request.method == "POST" and form.is_valid():
        try:
            client, token = services.client_create(
                actor=request.actor, organization=organization, details=form.details()
            )
        except ValidationError as error:
            _show_errors(form, error)
        else:
            return _token_page(request, client, token)
    return render(request, "api/client_form.html", {"organization": organization, "form": form})


@login_required
def client_detail(request: HttpRequest, pk: int) -> HttpResponse:
    client = access.administered_client_or_404(request.user, pk)
    form = ClientForm(request.POST or None, organization=client.organization, client=client)
    if request.method == "POST" and client.revoked_at is None and form.is_valid():
        try:
            services.client_update(actor=request.actor, client=client, details=form.details())
        except ValidationError as error:
            _show_errors(form, error)
        else:
            messages.success(request, _("The integrating system was saved."))
            return redirect("api_admin:client_detail", pk=client.pk)
    changes = AdminChange.objects.filter(
        target_type="integrationclient", target_id=str(client.pk)
    ).select_related("actor", "actor_unit")[:50]
    return render(
        request,
        "api/client_detail.html",
        {"client": client, "organization": client.organization, "form": form, "changes": changes},
    )


@login_required
@require_POST
def client_rotate(request: HttpRequest, pk: int) -> HttpResponse:
    client = access.administered_client_or_404(request.user, pk)
    try:
        token = services.client_rotate(actor=request.actor, client=client)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("api_admin:client_detail", pk=client.pk)
    return _token_page(request, client, token)


@login_required
def client_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    client = access.administered_client_or_404(request.user, pk)
    if request.method == "POST":
        services.client_revoke(actor=request.actor, client=client)
        messages.success(request, _("The integrating system was revoked."))
        return redirect("api_admin:client_detail", pk=client.pk)
    return render(
        request, "api/client_revoke.html", {"client": client, "organization": client.organization}
    )
