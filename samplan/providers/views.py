"""Utförare: register a provider ahead of its start and see its checklist, close down a unit or
a provider, and plan a takeover (övertagande). Writes go through samplan.providers.services,
which checks permission again."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.forms import BaseForm
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from samplan.accounts import access
from samplan.accounts.access import require
from samplan.administration import open_work as closing
from samplan.core.paging import paginate
from samplan.organizations.models import Unit
from samplan.providers import access as provider_access
from samplan.providers import checklist, forms, services, takeover
from samplan.providers.models import TakeoverState


def _show_errors(form: BaseForm, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for name, errors in error.error_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, error)


def _require_system_admin(request: HttpRequest) -> None:
    require(request.user.is_superuser or access.is_system_administrator(request.user))


@login_required
def provider_list(request: HttpRequest) -> HttpResponse:
    """Utförare: the providers the user system-administers, with start date and state."""
    _require_system_admin(request)
    providers = (
        provider_access.providers_of(request.user)
        .select_related("contracted_by", "main_provider")
        .order_by("name", "pk")
    )
    return render(
        request,
        "providers/provider_list.html",
        {
            "page": paginate(request, providers),
            "today": timezone.localdate(),
            "can_register": provider_access.can_register_providers(request.user),
        },
    )


@login_required
def provider_register(request: HttpRequest) -> HttpResponse:
    require(provider_access.can_register_providers(request.user))
    form = forms.ProviderForm(request.POST or None, actor=request.user)
    rows = forms.UnitRows(request.POST or None, prefix="units")
    if request.method == "POST" and form.is_valid() and rows.is_valid():
        try:
            provider = services.provider_register(
                actor=request.actor,
                organization=form.save(commit=False),
                units=rows.units(),
                manager=form.manager(),
            )
        except ValidationError as error:
            _show_errors(form, error)
        else:
            messages.success(
                request,
                _("%(name)s was registered. It starts on %(date)s.")
                % {"name": provider.name, "date": provider.starts_on.isoformat()},
            )
            return redirect("providers:checklist", provider.pk)
    return render(request, "providers/provider_form.html", {"form": form, "rows": rows})


@login_required
def provider_checklist(request: HttpRequest, pk: int) -> HttpResponse:
    """Vad saknas: what the provider still lacks before its start."""
    provider = provider_access.provider_or_404(request.user, pk)
    items = checklist.provider_checklist(provider)
    return render(
        request,
        "providers/checklist.html",
        {
            "provider": provider,
            "items": items,
            "complete": checklist.checklist_complete(items),
            "started": provider.has_started(),
        },
    )


# --- Closing down ------------------------------------------------------------------------


def _blocker_page(request: HttpRequest, unit_ids: list[int]) -> dict:
    """The counts of what blocks closing, and one paginated list of them (?visa=)."""
    kind = request.GET.get("visa", "")
    if kind not in forms.BLOCKER_KINDS:
        kind = forms.BLOCKER_KINDS[0]
    rows = {
        "deliveries": closing.open_deliveries,
        "cases": closing.open_cases,
        "plans": closing.open_plans,
    }[kind](unit_ids)
    return {
        "blockers": closing.blockers(unit_ids),
        "kind": kind,
        "page": paginate(request, rows),
    }


@login_required
def unit_close(request: HttpRequest, pk: int) -> HttpResponse:
    """Avveckla enhet: what is still open, a hand-over to another unit, then closing."""
    unit = provider_access.closable_unit_or_404(request.user, pk)
    hand_over = forms.HandOverForm(unit=unit)
    if request.method == "POST":
        try:
            ended = services.unit_close(actor=request.actor, unit=unit)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(
                request,
                _("%(unit)s was closed down; %(count)d memberships ended.")
                % {"unit": unit.name, "count": ended},
            )
            return redirect("administration:unit_detail", unit.pk)
    context = {"unit": unit, "hand_over": hand_over, **_blocker_page(request, [unit.pk])}
    return render(request, "providers/unit_close.html", context)


@login_required
@require_POST
def unit_hand_over(request: HttpRequest, pk: int) -> HttpResponse:
    unit = provider_access.closable_unit_or_404(request.user, pk)
    form = forms.HandOverForm(request.POST, unit=unit)
    if form.is_valid():
        try:
            moved = services.unit_hand_over(
                actor=request.actor, unit=unit, to_unit=form.cleaned_data["to_unit"]
            )
        except ValidationError as error:
            _show_errors(form, error)
        else:
            messages.success(
                request,
                _(
                    "Handed over: %(deliveries)d messages forwarded, %(cases)d cases and "
                    "%(plans)d SIP plans moved."
                )
                % moved,
            )
            return redirect("providers:unit_close", unit.pk)
    context = {"unit": unit, "hand_over": form, **_blocker_page(request, [unit.pk])}
    return render(request, "providers/unit_close.html", context, status=200)


@login_required
def provider_close(request: HttpRequest, pk: int) -> HttpResponse:
    """Avveckla utförare: every unit's open work, then closing the whole provider."""
    provider = provider_access.provider_or_404(request.user, pk)
    if request.method == "POST":
        try:
            ended = services.provider_close(actor=request.actor, organization=provider)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(
                request,
                _("%(name)s was closed down; %(count)d memberships ended.")
                % {"name": provider.name, "count": ended},
            )
            return redirect("providers:checklist", provider.pk)
    unit_ids = list(Unit.objects.filter(organization=provider).values_list("pk", flat=True))
    context = {
        "provider": provider,
        "units": Unit.objects.filter(organization=provider, is_active=True).order_by("name")[:50],
        **_blocker_page(request, unit_ids),
    }
    return render(request, "providers/provider_close.html", context)


# --- Takeover (övertagande) ----------------------------------------------------------------


@login_required
def takeover_list(request: HttpRequest) -> HttpResponse:
    _require_system_admin(request)
    takeovers = provider_access.takeovers_of(request.user).select_related(
        "from_organization", "to_organization"
    )
    return render(request, "providers/takeover_list.html", {"page": paginate(request, takeovers)})


@login_required
def takeover_new(request: HttpRequest) -> HttpResponse:
    """Plan a takeover: first the handing-over organisation, then date, receiver and units."""
    _require_system_admin(request)
    chooser = forms.TakeoverFromForm(request.GET or None, actor=request.user)
    if not chooser.is_valid():
        return render(request, "providers/takeover_choose.html", {"chooser": chooser})
    from_organization = chooser.cleaned_data["fran"]
    form = forms.TakeoverForm(
        request.POST or None, actor=request.user, from_organization=from_organization
    )
    if request.method == "POST" and form.is_valid():
        try:
            planned = takeover.takeover_plan(
                actor=request.actor,
                from_organization=from_organization,
                to_organization=form.cleaned_data["to_organization"],
                takes_effect_on=form.cleaned_data["takes_effect_on"],
                units=list(form.cleaned_data["units"]),
            )
        except ValidationError as error:
            _show_errors(form, error)
        else:
            messages.success(
                request,
                _("The takeover is planned for %(date)s. Check what will move below.")
                % {"date": planned.takes_effect_on.isoformat()},
            )
            return redirect("providers:takeover_detail", planned.pk)
    return render(
        request,
        "providers/takeover_form.html",
        {"form": form, "from_organization": from_organization},
    )


@login_required
def takeover_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """Before the date: the preview of what will move; after: what moved."""
    planned = provider_access.takeover_or_404(request.user, pk)
    preview = takeover.takeover_preview(planned) if planned.state == TakeoverState.PLANNED else None
    return render(
        request,
        "providers/takeover_detail.html",
        {
            "takeover": planned,
            "preview": preview,
            "units": planned.units.select_related("unit", "successor"),
            "can_cancel": planned.state == TakeoverState.PLANNED
            and provider_access.can_plan_takeover(
                request.user, planned.from_organization, planned.to_organization
            ),
        },
    )


@login_required
@require_POST
def takeover_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    planned = provider_access.takeover_or_404(request.user, pk)
    if not provider_access.can_plan_takeover(
        request.user, planned.from_organization, planned.to_organization
    ):
        raise Http404
    takeover.takeover_cancel(actor=request.actor, takeover=planned)
    messages.success(request, _("The takeover was cancelled."))
    return redirect("providers:takeover_detail", planned.pk)
