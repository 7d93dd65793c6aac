"""Sök patient, the patient page, Ny patient, linking a reserve number, and consent."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from samplan.accounts.access import require
from samplan.core.decorators import unit_required
from samplan.core.paging import paginate
from samplan.patients import services
from samplan.patients.access import (
    can_work_with_patients,
    consent_for_unit,
    patient_for_unit,
    patient_search,
    unit_may_see_patient,
)
from samplan.patients.display import patient_display
from samplan.patients.forms import (
    ConsentForm,
    ConsentWithdrawForm,
    LinkReserveForm,
    PatientCreateForm,
    PatientEditForm,
    PatientSearchForm,
    add_service_errors,
)
from samplan.patients.identity import format_identity
from samplan.patients.reserve_formats import reserve_patterns_for
from samplan.patients.selectors import patient_consents, patient_links

# A person has at most a few reserve identities; the history is shown whole, bounded anyway.
MAX_LINKS_SHOWN = 50


def _patient_work(request: HttpRequest) -> None:
    require(can_work_with_patients(request.user, request.unit))


def _patterns(request: HttpRequest) -> tuple:
    return reserve_patterns_for(request.unit.organization)


@unit_required
def search(request: HttpRequest) -> HttpResponse:
    """By POST, so the number stays out of addresses, browser history and server logs."""
    _patient_work(request)
    form = PatientSearchForm(request.POST or None, reserve_patterns=_patterns(request))
    display = None
    not_found = False
    typed = request.POST.get("identity", "").strip()
    if request.method == "POST" and typed:
        identity = form.cleaned_data["identity"] if form.is_valid() else None
        patient = patient_search(request.actor, identity=identity, typed=typed)
        if patient is not None:
            display = patient_display(patient, participant=True)
        not_found = identity is not None and patient is None
    return render(
        request,
        "patients/search.html",
        {"form": form, "display": display, "not_found": not_found},
    )


@unit_required
def patient_new(request: HttpRequest) -> HttpResponse:
    _patient_work(request)
    form = PatientCreateForm(request.POST or None, reserve_patterns=_patterns(request))
    if request.method == "POST" and form.is_valid():
        try:
            result = services.patient_create(
                actor=request.actor, identity=form.cleaned_data["identity"], details=form.details()
            )
        except ValidationError as error:
            add_service_errors(form, error, "identity")
        else:
            if not unit_may_see_patient(request.unit, result.patient):
                # The same words whether the number was new or not: nothing is revealed.
                messages.success(
                    request,
                    _(
                        "The patient is registered. Your unit sees the patient's page once it "
                        "takes part in a case or plan for the patient, or has the patient in "
                        "its addressing register."
                    ),
                )
                return redirect("patients:search")
            if result.created:
                messages.success(request, _("The patient was registered."))
            else:
                messages.info(
                    request, _("The patient was already registered. This is that patient.")
                )
            return redirect("patients:detail", pk=result.patient.pk)
    return render(request, "patients/patient_new.html", {"form": form})


@unit_required
def patient_detail(request: HttpRequest, pk: int) -> HttpResponse:
    _patient_work(request)
    patient = patient_for_unit(request.actor, pk)
    if patient.pk != pk:
        return redirect("patients:detail", pk=patient.pk)
    return render(
        request,
        "patients/patient_detail.html",
        {
            "patient": patient,
            "display": patient_display(patient, participant=True),
            "page": paginate(request, patient_consents(patient)),
            "links": list(patient_links(patient)[:MAX_LINKS_SHOWN]),
        },
    )


@unit_required
def patient_edit(request: HttpRequest, pk: int) -> HttpResponse:
    _patient_work(request)
    patient = patient_for_unit(request.actor, pk)
    if patient.pk != pk:
        return redirect("patients:edit", pk=patient.pk)
    initial = {
        "identity": format_identity(patient.identity_number, patient.identity_kind),
        "first_name": patient.first_name,
        "last_name": patient.last_name,
        "protection": patient.protection,
    }
    if not patient.is_protected:
        initial.update(
            street_address=patient.street_address,
            postal_code=patient.postal_code,
            city=patient.city,
            registered_municipality=patient.registered_municipality,
            phone=patient.phone,
            listed_care_centre=patient.listed_care_centre_id,
        )
    form = PatientEditForm(
        request.POST or None,
        initial=initial,
        hide_contact=patient.is_protected,
        reserve_patterns=_patterns(request),
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.patient_update(
                actor=request.actor,
                patient=patient,
                identity=form.cleaned_data["identity"],
                details=form.details(),
            )
        except ValidationError as error:
            add_service_errors(form, error, "identity")
        else:
            messages.success(request, _("The patient's details were saved."))
            return redirect("patients:detail", pk=patient.pk)
    return render(
        request,
        "patients/patient_edit.html",
        {"form": form, "patient": patient, "display": patient_display(patient, participant=True)},
    )


@unit_required
def patient_link(request: HttpRequest, pk: int) -> HttpResponse:
    """Koppla reservnummer till personnummer."""
    _patient_work(request)
    patient = patient_for_unit(request.actor, pk)
    if not patient.is_reserve:
        # Already linked (e.g. the form was posted twice), or never a reserve identity.
        messages.info(request, _("This patient has a personnummer; there is nothing to link."))
        return redirect("patients:detail", pk=patient.pk)
    form = LinkReserveForm(request.POST or None, reserve_patterns=_patterns(request))
    if request.method == "POST" and form.is_valid():
        try:
            link = services.patient_link_reserve(
                actor=request.actor, reserve_patient=patient, identity=form.cleaned_data["identity"]
            )
        except ValidationError as error:
            add_service_errors(form, error, "identity")
        else:
            messages.success(
                request,
                _("The reservnummer %(reserve)s is linked to %(number)s.")
                % {
                    "reserve": link.from_identity,
                    "number": format_identity(link.to_identity),
                },
            )
            return redirect("patients:detail", pk=link.to_patient_id)
    return render(
        request,
        "patients/patient_link.html",
        {"form": form, "patient": patient, "display": patient_display(patient, participant=True)},
    )


@unit_required
def consent_new(request: HttpRequest, pk: int) -> HttpResponse:
    _patient_work(request)
    patient = patient_for_unit(request.actor, pk)
    if patient.pk != pk:
        return redirect("patients:consent_new", pk=patient.pk)
    form = ConsentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.consent_record(
                actor=request.actor,
                patient=patient,
                given_by=data["given_by"],
                given_by_name=data["given_by_name"],
                given_by_relation=data["given_by_relation"],
                given_at=data["given_at"],
                scope=data["scope"],
                scope_text=data["scope_text"],
                exclusions=data["exclusions"],
                form_token=data["form_token"],
            )
        except ValidationError as error:
            add_service_errors(form, error, None)
        else:
            messages.success(request, _("The consent was recorded."))
            return redirect("patients:detail", pk=patient.pk)
    return render(
        request,
        "patients/consent_new.html",
        {"form": form, "patient": patient, "display": patient_display(patient, participant=True)},
    )


@unit_required
def consent_withdraw(request: HttpRequest, pk: int, consent_pk: int) -> HttpResponse:
    """Återkalla samtycke: a confirmation page, then the withdrawal."""
    _patient_work(request)
    consent = consent_for_unit(request.actor, pk, consent_pk)
    patient = consent.patient
    if consent.withdrawn_at is not None:
        messages.info(request, _("The consent was already withdrawn."))
        return redirect("patients:detail", pk=patient.pk)
    form = ConsentWithdrawForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.consent_withdraw(
            actor=request.actor, consent=consent, reason=form.cleaned_data["reason"]
        )
        messages.success(request, _("The consent was withdrawn."))
        return redirect("patients:detail", pk=patient.pk)
    return render(
        request,
        "patients/consent_withdraw.html",
        {
            "form": form,
            "consent": consent,
            "patient": patient,
            "display": patient_display(patient, participant=True),
        },
    )
