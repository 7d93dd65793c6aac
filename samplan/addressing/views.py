"""Adresseringsregister: patient filters, residence lists, area rules, fallback inboxes, file
import and the routing simulator (domain.md §4), for the roles addressing.access names."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Page
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from samplan.accounts import access
from samplan.addressing import access as register_access
from samplan.addressing import selectors, services
from samplan.addressing.forms import (
    AreaRuleForm,
    FallbackInboxForm,
    ImportForm,
    PeriodForm,
    RegisterEntryForm,
    SimulatorForm,
)
from samplan.addressing.importing import HEADER_LABELS, ImportFileError
from samplan.addressing.models import AreaRule, ImportKind
from samplan.addressing.router import NoRecipientError, RoutingSubject, explain_route
from samplan.auditlog.access_log import AccessAction, access_log_record
from samplan.core.decorators import unit_required
from samplan.core.http import parse_id
from samplan.core.paging import paginate
from samplan.organizations.models import Organization
from samplan.patients.access import Reach, patient_by_identity
from samplan.patients.display import protected_placeholder
from samplan.patients.identity import IdentityError, parse_identity
from samplan.patients.models import Patient

URL_NAMES = {ImportKind.PATIENT_FILTER: "filters", ImportKind.RESIDENCE: "residence"}


@login_required
def index(request: HttpRequest) -> HttpResponse:
    user = request.user
    access.require(register_access.can_use_addressing_register(user))
    return render(
        request,
        "addressing/index.html",
        {
            "is_administrator": access.is_administrator(user),
            "keeps_residence_lists": register_access.residence_list_units(user).exists(),
            "missing_fallbacks": selectors.organizations_missing_fallback(user),
        },
    )


# --- Patient filters and residence lists -------------------------------------------------


@login_required
def register_list(request: HttpRequest, kind: str) -> HttpResponse:
    register = services.REGISTERS[kind]
    units = register.units(request.user)
    access.require(units.exists())
    query = request.GET.get("q", "").strip()
    number, query_error = "", ""
    if query:
        try:
            number = parse_identity(query).number
        except IdentityError as error:
            query_error = " ".join(error.messages)
        else:
            # Looking a person up in the register is a search by personnummer: logged.
            patient_by_identity(
                request.actor, number, reach=Reach.ADMINISTRATOR, detail=f"addressing:{kind}"
            )
    unit_id = request.GET.get("unit", "")
    current_only = request.GET.get("visa", "aktuella") != "alla"
    if not number:
        # The list shows the identity numbers of many persons: one row says who browsed it.
        access_log_record(
            actor=request.actor,
            patient=None,
            action=AccessAction.VIEW,
            object_type=services.REGISTERS[kind].model._meta.model_name,
            detail=f"addressing:{kind} list unit={unit_id} page={request.GET.get('page', '1')}",
        )
    entries = selectors.register_entries(
        register,
        request.user,
        number=number,
        unit_id=parse_id(unit_id),
        current_only=current_only,
    )
    page = paginate(request, entries, default_size=50)
    persons = selectors.register_page_log(request.actor, list(page.object_list))
    return render(
        request,
        "addressing/register_list.html",
        {
            "kind": kind,
            "url_prefix": URL_NAMES[kind],
            "page": _with_names(page, persons),
            "units": units.order_by("name"),
            "query": query,
            "query_error": query_error,
            "selected_unit": unit_id,
            "current_only": current_only,
            "today": timezone.localdate(),
        },
    )


def _with_names(page: Page, patients: dict[str, Patient]) -> Page:
    """Each entry with the person's name (read with the page's log rows), so the list is not
    only numbers; a protected person's name stays hidden, as everywhere outside their cases."""
    entries = list(page.object_list)
    for entry in entries:
        patient = patients.get(entry.identity_number)
        entry.person_protected = patient is not None and patient.is_protected
        if patient is None:
            entry.person_name = ""
        elif entry.person_protected:
            entry.person_name = protected_placeholder()
        else:
            entry.person_name = f"{patient.first_name} {patient.last_name}".strip()
    page.object_list = entries
    return page


@login_required
def register_create(request: HttpRequest, kind: str) -> HttpResponse:
    register = services.REGISTERS[kind]
    units = register.units(request.user)
    access.require(units.exists())
    form = RegisterEntryForm(request.POST or None, kind=kind, units=units)
    if request.method == "POST" and form.is_valid():
        try:
            services.register_entry_create(
                actor=request.actor,
                kind=kind,
                unit=form.cleaned_data["unit"],
                identity_number=form.cleaned_data["identity_number"],
                start=form.cleaned_data["start"],
                end=form.cleaned_data["end"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The registration was saved."))
            return redirect(f"addressing:{URL_NAMES[kind]}")
    return render(
        request,
        "addressing/register_form.html",
        {"kind": kind, "url_prefix": URL_NAMES[kind], "form": form, "entry": None},
    )


@login_required
def register_edit(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    register = services.REGISTERS[kind]
    entry = selectors.register_entry_for(register, request.user, pk)
    # The page shows a person's identity number: a read of patient data, logged. A number of
    # someone not (yet) registered in samplan is logged as the identity looked at.
    patient_by_identity(
        request.actor,
        entry.identity_number,
        reach=Reach.ADMINISTRATOR,
        action=AccessAction.VIEW,
        obj=entry,
        detail=f"addressing:{kind}",
    )
    initial = {"start": getattr(entry, register.start), "end": getattr(entry, register.end)}
    form = PeriodForm(request.POST or None, kind=kind, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.register_entry_update(
                actor=request.actor,
                entry=entry,
                start=form.cleaned_data["start"],
                end=form.cleaned_data["end"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The registration was saved."))
            return redirect(f"addressing:{URL_NAMES[kind]}")
    return render(
        request,
        "addressing/register_form.html",
        {"kind": kind, "url_prefix": URL_NAMES[kind], "form": form, "entry": entry},
    )


@require_POST
@login_required
def register_delete(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    register = services.REGISTERS[kind]
    entry = selectors.register_entry_for(register, request.user, pk)
    services.register_entry_delete(actor=request.actor, entry=entry)
    messages.success(request, _("The registration was removed."))
    return redirect(f"addressing:{URL_NAMES[kind]}")


# --- Area rules ----------------------------------------------------------------------------


@login_required
def rule_list(request: HttpRequest) -> HttpResponse:
    access.require(access.is_administrator(request.user))
    rules = selectors.area_rules_for(request.user)
    return render(
        request,
        "addressing/rule_list.html",
        {"page": paginate(request, rules, default_size=50), "today": timezone.localdate()},
    )


@login_required
def rule_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    access.require(access.is_administrator(request.user))
    rule = selectors.area_rule_for(request.user, pk) if pk else AreaRule()
    form = AreaRuleForm(
        request.POST or None, instance=rule, units=register_access.area_rule_units(request.user)
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.area_rule_save(actor=request.actor, rule=form.save(commit=False))
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The area rule was saved."))
            return redirect("addressing:rules")
    return render(request, "addressing/rule_form.html", {"form": form, "rule": rule})


@require_POST
@login_required
def rule_delete(request: HttpRequest, pk: int) -> HttpResponse:
    rule = selectors.area_rule_for(request.user, pk)
    services.area_rule_delete(actor=request.actor, rule=rule)
    messages.success(request, _("The area rule was removed."))
    return redirect("addressing:rules")


# --- Fallback inboxes ----------------------------------------------------------------------


@login_required
def fallback_list(request: HttpRequest) -> HttpResponse:
    access.require(access.is_administrator(request.user))
    return render(
        request,
        "addressing/fallback_list.html",
        {"organizations": selectors.organizations_with_fallback(request.user)},
    )


@login_required
def fallback_edit(request: HttpRequest, organization_id: int) -> HttpResponse:
    organization = get_object_or_404(Organization, pk=organization_id)
    if not register_access.can_set_fallback_inbox(request.user, organization):
        raise Http404
    current = getattr(organization, "fallback_inbox", None)  # None until one is chosen
    form = FallbackInboxForm(
        request.POST or None,
        units=organization.units.filter(is_active=True),
        initial={"unit": current.unit_id if current else None},
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.fallback_inbox_set(
                actor=request.actor,
                organization=organization,
                unit=form.cleaned_data["unit"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The fallback inbox was saved."))
            return redirect("addressing:fallbacks")
    return render(
        request,
        "addressing/fallback_form.html",
        {"form": form, "organization": organization, "current": current},
    )


# --- Import ----------------------------------------------------------------------------------


def _import_kinds(request: HttpRequest) -> list[tuple[str, str]]:
    return [
        (kind, label)
        for kind, label in ImportKind.choices
        if services.REGISTERS[kind].units(request.user).exists()
    ]


@login_required
def import_upload(request: HttpRequest) -> HttpResponse:
    kinds = _import_kinds(request)
    access.require(bool(kinds))
    form = ImportForm(request.POST or None, request.FILES or None, kinds=kinds)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            checked = services.register_import_check(
                actor=request.actor,
                kind=form.cleaned_data["kind"],
                file_name=upload.name,
                data=upload.read(),
            )
        except ImportFileError as error:
            form.add_error("file", str(error))
        else:
            return redirect("addressing:import_detail", pk=checked.pk)
    return render(
        request,
        "addressing/import_upload.html",
        {
            "form": form,
            "recent": selectors.recent_imports(request.user),
            "header_labels": HEADER_LABELS,
        },
    )


@login_required
def import_detail(request: HttpRequest, pk: str) -> HttpResponse:
    register_import = selectors.register_import_for(request.user, pk)
    errors = paginate(request, register_import.errors, default_size=100)
    return render(
        request,
        "addressing/import_detail.html",
        {
            "imp": register_import,
            "errors": errors,
            "page": errors,
            "expired": register_import.expires_at < timezone.now(),
        },
    )


@login_required
def import_status(request: HttpRequest, pk: str) -> HttpResponse:
    """The progress fragment the detail page polls while the import runs."""
    register_import = selectors.register_import_for(request.user, pk)
    return render(request, "addressing/_import_progress.html", {"imp": register_import})


@require_POST
@login_required
def import_start(request: HttpRequest, pk: str) -> HttpResponse:
    register_import = selectors.register_import_for(request.user, pk)
    try:
        services.register_import_start(actor=request.actor, register_import=register_import)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect("addressing:import_detail", pk=register_import.pk)


@require_POST
@login_required
def import_discard(request: HttpRequest, pk: str) -> HttpResponse:
    register_import = selectors.register_import_for(request.user, pk)
    services.register_import_discard(actor=request.actor, register_import=register_import)
    messages.success(request, _("Nothing was imported."))
    return redirect("addressing:import_upload")


# --- Routing simulator ------------------------------------------------------------------------


@unit_required
def simulator(request: HttpRequest) -> HttpResponse:
    access.require(register_access.can_simulate_routing(request.user))
    # POST, so the personnummer never lands in a URL (browser history, server logs).
    form = SimulatorForm(request.POST or None)
    result = error = patient = None
    if request.method == "POST" and form.is_valid():
        number = form.cleaned_data["identity_number"]
        # A look-up of a person is patient data, whether or not the person is in samplan.
        patient = patient_by_identity(
            request.actor,
            number,
            reach=Reach.ADMINISTRATOR,
            action=AccessAction.SIMULATE,
            detail=form.cleaned_data["message_type"],
        )
        try:
            result = explain_route(
                patient=patient or RoutingSubject(identity_number=number),
                message_type=form.cleaned_data["message_type"],
                sender_unit=form.cleaned_data["sender"],
                at=form.cleaned_data["day"] or timezone.localdate(),
            )
        except NoRecipientError as problem:
            error = str(problem)
    return render(
        request,
        "addressing/simulator.html",
        {
            "form": form,
            "result": result,
            "error": error,
            "patient_known": patient is not None,
            "protected": patient is not None and patient.is_protected,
            "action": reverse("addressing:simulator"),
        },
    )
