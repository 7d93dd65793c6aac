"""Beställ behörighet (access orders) and Behörighetsgranskning (access review).

Managers order for their own units and answer the review of their staff's roles; the
organisation's local administrators approve or reject orders, answer the roles no manager
reaches and keep the settings; log reviewers and administrators read the review's progress.
Writes go through samplan.accessrequests.services and .reviews, which check again.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.forms import BaseForm
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from samplan.accessrequests import access as order_access
from samplan.accessrequests import forms, reviews, services
from samplan.accessrequests.models import OPEN_STATES, AccessReview, RequestState
from samplan.accounts import access
from samplan.accounts.access import require
from samplan.core.paging import paginate


def _show_errors(form: BaseForm, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for name, errors in error.error_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, error)


# --- Orders --------------------------------------------------------------------------------


@login_required
def order_list(request: HttpRequest) -> HttpResponse:
    require(order_access.can_use_access_orders(request.user))
    form = forms.OrderFilterForm(request.GET)
    state = form.cleaned_data.get("state", "") if form.is_valid() else ""
    orders = order_access.visible_orders(request.user).select_related(
        "unit", "subject", "ordered_by"
    )
    if state == "":
        orders = orders.filter(state__in=OPEN_STATES)
    elif state != "all":
        orders = orders.filter(state=state)
    return render(
        request,
        "accessrequests/order_list.html",
        {
            "form": form,
            "page": paginate(request, orders),
            "can_order": order_access.can_order(request.user),
            "settings_organizations": access.administered_organizations(request.user),
        },
    )


@login_required
def order_new(request: HttpRequest) -> HttpResponse:
    """Beställ behörighet: what to order."""
    require(order_access.can_order(request.user))
    return render(request, "accessrequests/order_new.html")


@login_required
def order_create(request: HttpRequest, kind: str) -> HttpResponse:
    require(order_access.can_order(request.user))
    form_class = forms.ORDER_FORMS.get(kind)
    if form_class is None:
        raise Http404
    form = form_class(request.POST or None, actor=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            order = services.access_request_create(
                actor=request.actor, order=form.save(commit=False)
            )
        except ValidationError as error:
            _show_errors(form, error)
        else:
            if order.state == RequestState.PENDING:
                messages.success(request, _("The order was sent to the local administrator."))
            else:
                messages.success(request, _("The order was carried out."))
            return redirect("accessrequests:detail", order.pk)
    return render(
        request,
        "accessrequests/order_form.html",
        {"form": form, "kind_label": form_class.kind.label},
    )


@login_required
def order_detail(request: HttpRequest, pk: int) -> HttpResponse:
    order = order_access.order_or_404(request.user, pk)
    can_decide = order.state == RequestState.PENDING and order_access.can_decide(
        request.user, order
    )
    return render(
        request,
        "accessrequests/order_detail.html",
        {
            "order": order,
            "can_decide": can_decide,
            "approve_form": forms.ApproveForm(order=order) if can_decide else None,
            "reject_form": forms.RejectForm() if can_decide else None,
            "can_cancel": order.state == RequestState.PENDING
            and order.ordered_by_id == request.user.pk,
        },
    )


@login_required
@require_POST
def order_approve(request: HttpRequest, pk: int) -> HttpResponse:
    order = order_access.order_or_404(request.user, pk)
    require(order_access.can_decide(request.user, order))
    form = forms.ApproveForm(request.POST, order=order)
    if form.is_valid():
        try:
            services.access_request_approve(
                actor=request.actor, order=order, password=form.cleaned_data.get("password", "")
            )
        except ValidationError as error:
            _show_errors(form, error)
        else:
            messages.success(request, _("The order was approved."))
            return redirect("accessrequests:detail", order.pk)
    return render(
        request,
        "accessrequests/order_detail.html",
        {
            "order": order,
            "can_decide": True,
            "approve_form": form,
            "reject_form": forms.RejectForm(),
        },
        status=400,
    )


@login_required
@require_POST
def order_reject(request: HttpRequest, pk: int) -> HttpResponse:
    order = order_access.order_or_404(request.user, pk)
    require(order_access.can_decide(request.user, order))
    form = forms.RejectForm(request.POST)
    if form.is_valid():
        services.access_request_reject(
            actor=request.actor, order=order, reason=form.cleaned_data["reason"]
        )
        messages.success(request, _("The order was rejected."))
        return redirect("accessrequests:detail", order.pk)
    return render(
        request,
        "accessrequests/order_detail.html",
        {
            "order": order,
            "can_decide": True,
            "approve_form": forms.ApproveForm(order=order),
            "reject_form": form,
        },
        status=400,
    )


@login_required
@require_POST
def order_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    order = order_access.order_or_404(request.user, pk)
    require(order.ordered_by_id == request.user.pk)
    services.access_request_cancel(actor=request.actor, order=order)
    messages.success(request, _("The order was withdrawn."))
    return redirect("accessrequests:detail", order.pk)


# --- Settings ------------------------------------------------------------------------------


@login_required
def settings_edit(request: HttpRequest, pk: int) -> HttpResponse:
    organization = access.administered_organization_or_404(request.user, pk)
    require(order_access.can_edit_settings(request.user, organization))
    options = services.settings_for(organization)
    form = forms.AccessSettingsForm(request.POST or None, instance=options)
    if request.method == "POST" and form.is_valid():
        services.access_settings_update(
            actor=request.actor, access_settings=form.save(commit=False)
        )
        messages.success(request, _("The settings were saved."))
        return redirect("accessrequests:settings", organization.pk)
    return render(
        request,
        "accessrequests/settings.html",
        {"form": form, "organization": organization},
    )


# --- Access review -------------------------------------------------------------------------


@login_required
def review_list(request: HttpRequest) -> HttpResponse:
    """The rounds the user answers (open ones) or reads the report of."""
    organization_ids = order_access.report_organization_ids(request.user)
    open_rounds = reviews.open_review_for(request.user)
    require(bool(organization_ids) or order_access.can_order(request.user))
    rounds = AccessReview.objects.filter(organization_id__in=organization_ids).select_related(
        "organization"
    )
    return render(
        request,
        "accessrequests/review_list.html",
        {"open_rounds": list(open_rounds[:20]), "page": paginate(request, rounds)},
    )


def _review_or_404(request: HttpRequest, pk: int) -> AccessReview:
    review = AccessReview.objects.select_related("organization").filter(pk=pk).first()
    if review is None or not (
        order_access.can_review(request.user, review)
        or order_access.can_read_review_report(request.user, review.organization_id)
    ):
        raise Http404
    return review


@login_required
def review_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The manager's list: their staff's roles to confirm or end."""
    review = _review_or_404(request, pk)
    require(order_access.can_review(request.user, review))
    items = (
        order_access.reviewable_items(request.user, review)
        .select_related("membership__user", "membership__unit", "decided_by")
        .order_by("decision", "unit__name", "membership__user__last_name", "pk")
    )
    show = request.GET.get("visa", "")
    if show != "alla":
        items = items.filter(decision="pending")
    return render(
        request,
        "accessrequests/review_detail.html",
        {"review": review, "page": paginate(request, items), "show_all": show == "alla"},
    )


@login_required
@require_POST
def review_item_decide(request: HttpRequest, pk: int) -> HttpResponse:
    item = order_access.review_item_or_404(request.user, pk)
    decision = request.POST.get("beslut", "")
    if decision not in ("behall", "avsluta"):
        messages.error(request, _("Choose whether the role stays or ends."))
        return redirect("accessrequests:review", item.review_id)
    try:
        reviews.review_item_decide(actor=request.actor, item=item, confirm=decision == "behall")
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        if decision == "behall":
            messages.success(request, _("The role was confirmed."))
        else:
            messages.success(request, _("The role was ended."))
    return redirect("accessrequests:review", item.review_id)


@login_required
def review_report(request: HttpRequest, pk: int) -> HttpResponse:
    """The review's progress per unit, for log reviewers and administrators."""
    review = _review_or_404(request, pk)
    require(order_access.can_read_review_report(request.user, review.organization_id))
    return render(
        request,
        "accessrequests/review_report.html",
        {"review": review, "page": paginate(request, reviews.review_progress(review))},
    )
