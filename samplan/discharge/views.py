"""Agreements between regions and municipalities, and the amounts per liable day: pages for
system administrators (domain.md §2, §6)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.forms import Form
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from samplan.accounts.access import require
from samplan.accounts.administering import (
    agreement_party_ids,
    can_edit_agreement,
    can_manage_agreements,
)
from samplan.core.paging import paginate
from samplan.discharge import agreements
from samplan.discharge.access import can_edit_daily_amounts
from samplan.discharge.forms import AgreementForm, DailyAmountForm
from samplan.discharge.models import DailyAmount
from samplan.discharge.selectors import agreements_for_user
from samplan.organizations.models import Agreement
from samplan.organizations.terms import DEFAULT_TERMS


def _show_errors(form: Form, error: ValidationError) -> None:
    """Puts a service's validation errors on the form, keeping what the user typed."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


@login_required
def agreement_list(request: HttpRequest) -> HttpResponse:
    require(can_manage_agreements(request.user))
    page = paginate(request, agreements_for_user(request.user))
    return render(
        request,
        "discharge/agreement_list.html",
        {
            "page": page,
            "defaults": DEFAULT_TERMS,
            "may_edit_amounts": can_edit_daily_amounts(request.user),
        },
    )


@login_required
def agreement_create(request: HttpRequest) -> HttpResponse:
    require(can_manage_agreements(request.user))
    form = AgreementForm(request.POST or None, party_ids=agreement_party_ids(request.user))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            agreements.agreement_create(
                actor=request.actor,
                region=data["region"],
                municipality=data["municipality"],
                reference=data["reference"],
                valid_from=data["valid_from"],
                valid_to=data["valid_to"],
                terms=form.terms(),
            )
        except ValidationError as error:
            _show_errors(form, error)
        else:
            messages.success(request, _("The agreement was saved."))
            return redirect("discharge:agreement_list")
    return render(request, "discharge/agreement_form.html", {"form": form, "agreement": None})


@login_required
def agreement_edit(request: HttpRequest, agreement_id: int) -> HttpResponse:
    require(can_manage_agreements(request.user))
    agreement = (
        Agreement.objects.select_related("region", "municipality").filter(pk=agreement_id).first()
    )
    if agreement is None or not can_edit_agreement(request.user, agreement):
        raise Http404
    form = AgreementForm(
        request.POST or None, instance=agreement, party_ids=agreement_party_ids(request.user)
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            agreements.agreement_update(
                actor=request.actor,
                agreement_id=agreement_id,
                reference=data["reference"],
                valid_from=data["valid_from"],
                valid_to=data["valid_to"],
                terms=form.terms(),
            )
        except ValidationError as error:
            _show_errors(form, error)
        else:
            messages.success(request, _("The agreement was saved."))
            return redirect("discharge:agreement_list")
    return render(request, "discharge/agreement_form.html", {"form": form, "agreement": agreement})


@login_required
def daily_amount_list(request: HttpRequest) -> HttpResponse:
    """The amounts per year, and a form to add a year."""
    require(can_edit_daily_amounts(request.user))
    form = DailyAmountForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if DailyAmount.objects.filter(year=form.cleaned_data["year"]).exists():
            form.add_error("year", _("That year is already in the table: change it in its row."))
        else:
            return _save_amount(request, form)
    page = paginate(request, DailyAmount.objects.order_by("-year"))
    return render(request, "discharge/daily_amount_list.html", {"page": page, "form": form})


@login_required
def daily_amount_edit(request: HttpRequest, year: int) -> HttpResponse:
    require(can_edit_daily_amounts(request.user))
    row = DailyAmount.objects.filter(year=year).first()
    if row is None:
        raise Http404
    form = DailyAmountForm(
        request.POST or None,
        fixed_year=year,
        initial={"year": year, "amount": row.amount, "source": row.source},
    )
    if request.method == "POST" and form.is_valid():
        return _save_amount(request, form)
    return render(request, "discharge/daily_amount_edit.html", {"form": form, "row": row})


def _save_amount(request: HttpRequest, form: DailyAmountForm) -> HttpResponse:
    data = form.cleaned_data
    agreements.daily_amount_save(
        actor=request.actor,
        year=data["year"],
        amount=data["amount"],
        source=data["source"],
    )
    messages.success(request, _("The amount for %(year)s was saved.") % {"year": data["year"]})
    return redirect("discharge:daily_amount_list")
