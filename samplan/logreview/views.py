"""Logggranskning and Loggutdrag: log review and log extracts for log reviewers (domain.md §8).

Every page works for the organisation of the unit the reviewer acts for
(auditlog.review_access.log_review_organization). The reviewer's own searches, review pages,
exports and extracts are access-log rows themselves: reading the log is reading patient
data. Those rows are not flagged "unit not a participant": the log-review role is the
reviewer's need to know (PDL 4 kap 3 §); they are told apart by their object type.
"""

from __future__ import annotations

import csv
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from samplan.auditlog.access_log import AccessAction, access_log_record
from samplan.auditlog.details import detail_code
from samplan.core.actor import Actor
from samplan.core.decorators import unit_required
from samplan.core.http import parse_ids
from samplan.core.paging import paginate
from samplan.core.replica import replica_reads
from samplan.logreview import selectors, services
from samplan.logreview.access import can_complete_log_review, log_review_organization
from samplan.logreview.extract import extract_pdf
from samplan.logreview.forms import (
    ExtractForm,
    LogSearchForm,
    ReviewCompleteForm,
    ReviewSelectionForm,
    SampleForm,
    new_form_key,
)
from samplan.logreview.presentation import csv_rows, entry_rows
from samplan.organizations.models import Organization
from samplan.patients.access import Reach, patient_by_identity
from samplan.patients.display import patient_display
from samplan.patients.forms import PatientSearchForm
from samplan.patients.reserve_formats import reserve_patterns_for

# A CSV export is for a period's review, not a copy of the log: cap it.
MAX_EXPORT_ROWS = 100_000


def _organization(request: HttpRequest) -> Organization:
    organization = log_review_organization(request.user, request.unit)
    if organization is None:
        raise PermissionDenied
    return organization


def _log(actor: Actor, action: str, what: str, **fields: object) -> None:
    fields.setdefault("patient", None)
    if "obj" in fields:
        what = ""  # the object names itself
    access_log_record(actor=actor, action=action, object_type=what, participant=True, **fields)


def _patient_search_form(request: HttpRequest, data: object = None) -> PatientSearchForm:
    return PatientSearchForm(data, reserve_patterns=reserve_patterns_for(request.unit.organization))


@unit_required
def search(request: HttpRequest) -> HttpResponse:
    """The organisation's accesses, filtered; tick some to start a review."""
    organization = _organization(request)
    form = LogSearchForm(request.GET or None, units=selectors.organization_units(organization))
    filters = form.filters()
    # Logged first: the page's count and its rows are then read from the same log.
    _log(
        request.actor,
        AccessAction.SEARCH,
        "accesslog",
        patient=filters.patient,
        detail=filters.describe(),
    )
    # The rows from the replica when there is one (samplan.core.replica): the access checks
    # above ran on the primary; the log is the largest table and this its busiest reader.
    with replica_reads():
        first_rows, count = selectors.review_page_readers(organization, filters)
        page = paginate(
            request,
            lambda: selectors.review_rows(organization, filters),
            default_size=50,
            first_rows=first_rows,
            count=count,
        )
        rows = entry_rows(page.object_list)
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "logreview/search.html",
        {
            "form": form,
            "filters": filters,
            "page": page,
            "rows": rows,
            # The search by patient's form is fixed: log_entries.log_search_forms writes it.
            "patient_shown": patient_display(filters.patient, participant=True)
            if filters.patient
            else None,
            "form_key": new_form_key(),
            "query": query.urlencode(),
        },
    )


@require_POST
@unit_required
def patient_lookup(request: HttpRequest) -> HttpResponse:
    """Search by personnummer (POST, so the number stays out of addresses), then show the
    person's accesses by the patient's id."""
    organization = _organization(request)
    form = _patient_search_form(request, request.POST)
    back = request.POST.get("back", "")
    patient = None
    if form.is_valid():
        # Nobody found is logged here; a person found is logged by the search page that
        # shows their accesses, where the look-up leads.
        patient = patient_by_identity(
            request.actor,
            form.cleaned_data["identity"].number,
            reach=Reach.REVIEW_ROLE,
            object_type="accesslog",
            detail=detail_code("not_found_in_organisation", organisation=organization.pk),
            log_found=False,
        )
    else:
        typed = "".join(request.POST.get("identity", "").split()).upper()
        _log(
            request.actor,
            AccessAction.SEARCH,
            "accesslog",
            searched_identity=typed[:13],
            detail=detail_code("not_found_in_organisation", organisation=organization.pk),
        )
    if patient is None:
        messages.error(
            request,
            _("No patient with that number is registered in samplan.")
            if form.is_valid()
            else " ".join(form.errors.get("identity", [])),
        )
        return redirect(f"{reverse('logreview:search')}?{back}")
    return redirect(f"{reverse('logreview:search')}?{urlencode({'patient': patient.pk})}")


@unit_required
def export(request: HttpRequest) -> StreamingHttpResponse:
    """The search's rows as CSV (semicolons and a BOM, as Swedish Excel reads it)."""
    organization = _organization(request)
    form = LogSearchForm(request.GET or None, units=selectors.organization_units(organization))
    filters = form.filters()
    rows = selectors.review_rows(organization, filters)[:MAX_EXPORT_ROWS]
    _log(
        request.actor,
        AccessAction.EXPORT,
        "accesslog",
        patient=filters.patient,
        detail=filters.describe(),
    )

    class Echo:
        def write(self, value: str) -> str:
            return value

    writer = csv.writer(Echo(), delimiter=";")

    def lines():
        yield "\ufeff"
        for row in csv_rows(rows.iterator(chunk_size=2000)):
            yield writer.writerow(row)

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="atkomstlogg-{stamp}.csv"'
    return response


@unit_required
def sample(request: HttpRequest) -> HttpResponse:
    """Slumpa urval: draw accesses at random for a new review."""
    organization = _organization(request)
    units = selectors.organization_units(organization)
    today = timezone.localdate()
    form = SampleForm(
        request.POST or None,
        units=units,
        initial={
            "date_from": today.replace(day=1),
            "date_to": today,
            "form_key": new_form_key(),
        },
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            review = services.review_sample(
                reviewer=request.user,
                reviewer_unit=request.unit,
                organization=organization,
                date_from=data["date_from"],
                date_to=data["date_to"],
                size=data["size"],
                unit=data["unit"],
                flagged_only=data["flagged"],
                form_key=data["form_key"],
            )
        except services.ReviewError as error:
            form.add_error(None, str(error))
        else:
            return redirect("logreview:review", review_id=review.pk)
    return render(request, "logreview/sample.html", {"form": form})


@require_POST
@unit_required
def review_create(request: HttpRequest) -> HttpResponse:
    """Start a review of the accesses ticked on the search page."""
    organization = _organization(request)
    form = ReviewSelectionForm(request.POST)
    back = f"{reverse('logreview:search')}?{request.POST.get('back', '')}"
    if not form.is_valid():
        messages.error(request, _("Tick at least one access to review."))
        return redirect(back)
    data = form.cleaned_data
    try:
        review = services.review_create(
            reviewer=request.user,
            reviewer_unit=request.unit,
            organization=organization,
            entry_ids=data["entries"],
            criteria=data["criteria"],
            period_from=None,
            period_to=None,
            form_key=data["form_key"],
        )
    except services.ReviewError as error:
        messages.error(request, str(error))
        return redirect(back)
    return redirect("logreview:review", review_id=review.pk)


def _review_page(request: HttpRequest, review: object, form: ReviewCompleteForm) -> HttpResponse:
    items = list(selectors.review_items(review))
    _log(request.actor, AccessAction.VIEW, "logreview", obj=review)
    if form.is_bound:  # a refused post: keep what the reviewer ticked
        ticked = set(parse_ids(form.data.getlist("checked")))
    else:
        ticked = {item.entry_id for item in items if item.checked}
    return render(
        request,
        "logreview/review.html",
        {
            "review": review,
            "rows": entry_rows([item.entry for item in items], checked=ticked),
            "form": form,
            "may_complete": can_complete_log_review(request.user, review),
        },
    )


@unit_required
def review(request: HttpRequest, review_id: int) -> HttpResponse:
    """One review: its accesses, and (while open, for its reviewer) the form to record it."""
    organization = _organization(request)
    found = selectors.review_for(organization, review_id)
    return _review_page(request, found, ReviewCompleteForm(entry_ids=[]))


@require_POST
@unit_required
def review_complete(request: HttpRequest, review_id: int) -> HttpResponse:
    organization = _organization(request)
    found = selectors.review_for(organization, review_id)
    if found.completed_at is not None:
        messages.info(request, _("The review was already recorded."))
        return redirect("logreview:review", review_id=found.pk)
    if not can_complete_log_review(request.user, found):
        raise PermissionDenied
    entry_ids = list(found.items.values_list("entry_id", flat=True))
    form = ReviewCompleteForm(request.POST, entry_ids=entry_ids)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.review_complete(
                review=found,
                reviewer=request.user,
                checked_ids=data["checked"],
                result=data["result"],
                comment=data["comment"],
            )
        except services.ReviewError as error:
            form.add_error("comment", str(error))
        else:
            messages.success(request, _("The review was recorded."))
            return redirect("logreview:review", review_id=found.pk)
    return _review_page(request, found, form)


@unit_required
def reviews(request: HttpRequest) -> HttpResponse:
    """Past and open reviews of the organisation (no patient data: not logged)."""
    organization = _organization(request)
    page = paginate(request, selectors.reviews_for(organization))
    return render(request, "logreview/reviews.html", {"page": page, "organization": organization})


@unit_required
def extract(request: HttpRequest) -> HttpResponse:
    """Loggutdrag: which of the organisation's units looked at a person's data, and when,
    as a PDF in plain Swedish for the person."""
    organization = _organization(request)
    patient_form = _patient_search_form(request, request.POST or None)
    form = ExtractForm(request.POST or None)
    not_found = False
    if request.method == "POST" and patient_form.is_valid() and form.is_valid():
        # Nobody found is logged here; for a person found, the print row below.
        patient = patient_by_identity(
            request.actor,
            patient_form.cleaned_data["identity"].number,
            reach=Reach.REVIEW_ROLE,
            object_type="logextract",
            detail=detail_code("not_found"),
            log_found=False,
        )
        if patient is None:
            not_found = True
        else:
            data = form.cleaned_data
            rows = list(
                selectors.extract_rows(organization, patient, data["date_from"], data["date_to"])
            )
            _log(
                request.actor,
                AccessAction.PRINT,
                "logextract",
                patient=patient,
                detail=detail_code(
                    "extract_rows_with_users" if data["with_users"] else "extract_rows",
                    rows=len(rows),
                ),
            )
            pdf = extract_pdf(
                actor=request.actor,
                organization=organization,
                patient=patient,
                rows=rows,
                date_from=data["date_from"],
                date_to=data["date_to"],
                with_users=data["with_users"],
            )
            response = HttpResponse(pdf, content_type="application/pdf")
            stamp = timezone.localdate().isoformat()
            response["Content-Disposition"] = f'attachment; filename="loggutdrag-{stamp}.pdf"'
            return response
    return render(
        request,
        "logreview/extract.html",
        {"patient_form": patient_form, "form": form, "not_found": not_found},
    )
