"""Administration in the product's own UI (domain.md §2 roles local_admin and system_admin).

Every page needs an administrator (403 otherwise); an object outside the administrator's
organisations is reported as missing (404). Writes go through the services in
accounts.services and administration.services, which check permission again and write the
history.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.forms import BaseForm
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from samplan.accounts import access, throttling
from samplan.accounts import administering as org_access
from samplan.accounts import services as account_services
from samplan.accounts.access import require
from samplan.administration import forms, selectors
from samplan.administration import services as organization_services
from samplan.core.http import parse_id
from samplan.core.paging import paginate
from samplan.organizations.models import Organization, OrganizationKind, Unit
from samplan.patients import access as patient_access


def administrator_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Log in first; then only local and system administrators (and superusers) get in."""

    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        require(access.is_administrator(request.user))
        return view(request, *args, **kwargs)

    return wrapper


def _acting(request: HttpRequest) -> dict:
    """The actor and the unit they act for, as every service wants them."""
    return {"actor": request.actor}


def _show_errors(form: BaseForm, error: ValidationError) -> None:
    """A service's refusal shown on the form, beside the field it names if the form has it."""
    if hasattr(error, "error_dict"):
        for name, errors in error.error_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, error)


# --- Start: the organisations the user administers ----------------------------------------


@administrator_required
def index(request: HttpRequest) -> HttpResponse:
    organizations = access.administered_organizations(request.user).select_related("contracted_by")
    return render(
        request,
        "administration/index.html",
        {
            "page": paginate(request, organizations),
            "editable_ids": access.system_administered_organization_ids(request.user),
            "may_create": org_access.may_create_organizations(request.user),
            "manages_reserve_formats": patient_access.can_manage_reserve_formats(request.user),
            "manages_agreements": org_access.can_manage_agreements(request.user),
            "reviews_login_attempts": throttling.can_review_login_attempts(request.user),
            "manages_providers": access.is_system_administrator(request.user),
        },
    )


# --- Login attempts: failures and blocked addresses -------------------------------------


@administrator_required
def login_attempts(request: HttpRequest) -> HttpResponse:
    """Inloggningsförsök: failed logins per client address in the last day, and the blocks."""
    require(throttling.can_review_login_attempts(request.user))
    return render(
        request,
        "administration/login_attempts.html",
        {
            "page": paginate(request, throttling.failed_attempts_by_address(hours=24)),
            "limit": settings.LOGIN_MAX_FAILED_PER_ADDRESS,
            "minutes": settings.LOGIN_LOCKOUT_MINUTES,
        },
    )


# --- Organisations ----------------------------------------------------------------------


@administrator_required
def organization_create(request: HttpRequest) -> HttpResponse:
    require(org_access.may_create_organizations(request.user))
    instance = Organization(
        kind="" if request.user.is_superuser else OrganizationKind.PRIVATE_PROVIDER
    )
    form = forms.OrganizationForm(request.POST or None, actor=request.user, instance=instance)
    if request.method == "POST" and form.is_valid():
        try:
            organization = organization_services.organization_create(
                **_acting(request), organization=form.save(commit=False)
            )
        except ValidationError as error:
            _show_errors(form, error)
        else:
            messages.success(request, _("%(name)s was created.") % {"name": organization.name})
            return redirect("administration:unit_tree", organization.pk)
    return render(request, "administration/organization_form.html", {"form": form})


@administrator_required
def organization_edit(request: HttpRequest, pk: int) -> HttpResponse:
    organization = access.administered_organization_or_404(request.user, pk)
    require(org_access.can_edit_organization(request.user, organization))
    form = forms.OrganizationForm(request.POST or None, actor=request.user, instance=organization)
    if request.method == "POST" and form.is_valid():
        try:
            organization_services.organization_update(
                **_acting(request), organization=form.save(commit=False)
            )
        except ValidationError as error:
            _show_errors(form, error)
        else:
            messages.success(request, _("The organisation was saved."))
            return redirect("administration:index")
    return render(
        request,
        "administration/organization_form.html",
        {"form": form, "organization": organization},
    )


@administrator_required
def organization_history(request: HttpRequest, pk: int) -> HttpResponse:
    organization = access.administered_organization_or_404(request.user, pk)
    require(access.can_read_history(request.user, organization))
    form = forms.HistoryFilterForm(request.GET)
    changes = form.filter(selectors.organization_history(request.user, organization))
    return render(
        request,
        "administration/history.html",
        {"organization": organization, "form": form, "page": paginate(request, changes)},
    )


# --- Users ------------------------------------------------------------------------------


@administrator_required
def user_list(request: HttpRequest, pk: int) -> HttpResponse:
    organization = access.administered_organization_or_404(request.user, pk)
    form = forms.UserFilterForm(request.GET)
    data = form.cleaned_data if form.is_valid() else {}
    status = data.get("status") or "active"
    users = selectors.user_list(request.user, organization, query=data.get("q", ""), status=status)
    return render(
        request,
        "administration/user_list.html",
        {
            "organization": organization,
            "form": form,
            "status": status,
            "page": paginate(request, users),
        },
    )


@administrator_required
def user_create(request: HttpRequest) -> HttpResponse:
    organizations = access.administered_organizations(request.user)
    wanted = request.GET.get("organisation", "")
    initial = {"organization": parse_id(wanted)} if parse_id(wanted) else {}
    form = forms.UserCreateForm(request.POST or None, organizations=organizations, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            account = account_services.user_create(
                **_acting(request),
                user=form.save(commit=False),
                password=form.cleaned_data["password1"],
            )
        except ValidationError as error:
            _show_errors(form, error)
        else:
            messages.success(
                request,
                _("The account %(username)s was created. Add its memberships below.")
                % {"username": account.username},
            )
            return redirect("administration:user_detail", account.pk)
    return render(request, "administration/user_form.html", {"form": form})


@administrator_required
def user_detail(request: HttpRequest, pk: int) -> HttpResponse:
    account = access.administered_user_or_404(request.user, pk)
    standing, past = selectors.user_memberships(account)
    can_manage = access.can_manage_user(request.user, account)
    return render(
        request,
        "administration/user_detail.html",
        {
            "account": account,
            "can_manage": can_manage,
            "standing": [
                (m, can_manage and access.can_end_membership(request.user, m)) for m in standing
            ],
            "past": past,
            "events": selectors.recent_login_events(account),
            "changes": selectors.user_history(request.user, account)[: selectors.RECENT_CHANGES],
        },
    )


@administrator_required
def user_edit(request: HttpRequest, pk: int) -> HttpResponse:
    account = access.administered_user_or_404(request.user, pk)
    require(access.can_manage_user(request.user, account))
    form = forms.UserEditForm(
        request.POST or None,
        instance=account,
        organizations=access.administered_organizations(request.user),
    )
    if request.method == "POST" and form.is_valid():
        account_services.user_update(**_acting(request), user=form.save(commit=False))
        messages.success(request, _("The account was saved."))
        return redirect("administration:user_detail", account.pk)
    return render(request, "administration/user_form.html", {"form": form, "account": account})


@administrator_required
def user_deactivate(request: HttpRequest, pk: int) -> HttpResponse:
    """Asks first, since it also ends every membership of the account."""
    account = access.administered_user_or_404(request.user, pk)
    require(access.can_manage_user(request.user, account))
    if request.method == "POST":
        ended = account_services.user_deactivate(**_acting(request), user=account)
        messages.success(
            request,
            _("The account was deactivated and %(count)d memberships were ended.")
            % {"count": ended},
        )
        return redirect("administration:user_detail", account.pk)
    standing, _past = selectors.user_memberships(account)
    return render(
        request,
        "administration/user_deactivate.html",
        {"account": account, "standing": standing},
    )


@administrator_required
@require_POST
def user_reactivate(request: HttpRequest, pk: int) -> HttpResponse:
    account = access.administered_user_or_404(request.user, pk)
    require(access.can_manage_user(request.user, account))
    account_services.user_reactivate(**_acting(request), user=account)
    messages.success(request, _("The account was reactivated. Add the memberships it needs."))
    return redirect("administration:user_detail", account.pk)


@administrator_required
@require_POST
def user_unlock(request: HttpRequest, pk: int) -> HttpResponse:
    account = access.administered_user_or_404(request.user, pk)
    require(access.can_manage_user(request.user, account))
    account_services.user_unlock(**_acting(request), user=account)
    messages.success(request, _("The account was unlocked."))
    return redirect("administration:user_detail", account.pk)


@administrator_required
def user_password(request: HttpRequest, pk: int) -> HttpResponse:
    account = access.administered_user_or_404(request.user, pk)
    require(access.can_manage_user(request.user, account))
    form = forms.AdminSetPasswordForm(account, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            account_services.user_set_password(
                **_acting(request), user=account, password=form.cleaned_data["new_password1"]
            )
        except ValidationError as error:
            _show_errors(form, error)
        else:
            messages.success(request, _("The new password was set. Tell the user in person."))
            return redirect("administration:user_detail", account.pk)
    return render(request, "administration/user_password.html", {"form": form, "account": account})


@administrator_required
def user_history(request: HttpRequest, pk: int) -> HttpResponse:
    account = access.administered_user_or_404(request.user, pk)
    changes = selectors.user_history(request.user, account)
    return render(
        request,
        "administration/object_history.html",
        {
            "object": account,
            "back_url": reverse("administration:user_detail", args=[account.pk]),
            "page": paginate(request, changes),
        },
    )


# --- Memberships (behörigheter) ----------------------------------------------------------


@administrator_required
def membership_add(request: HttpRequest, pk: int) -> HttpResponse:
    account = access.administered_user_or_404(request.user, pk)
    require(access.can_manage_user(request.user, account))
    if not account.is_active:
        messages.error(request, _("The account is deactivated. Reactivate it first."))
        return redirect("administration:user_detail", account.pk)
    form = forms.MembershipForm(request.POST or None, actor=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            account_services.membership_grant(
                **_acting(request),
                user=account,
                unit=form.cleaned_data["unit"],
                role=form.cleaned_data["role"],
                valid_from=form.cleaned_data["valid_from"],
                valid_to=form.cleaned_data["valid_to"],
            )
        except ValidationError as error:
            _show_errors(form, error)
        else:
            messages.success(request, _("The membership was added."))
            return redirect("administration:user_detail", account.pk)
    return render(
        request, "administration/membership_form.html", {"form": form, "account": account}
    )


@administrator_required
@require_POST
def membership_end(request: HttpRequest, pk: int) -> HttpResponse:
    membership = access.administered_membership_or_404(request.user, pk)
    require(
        access.can_manage_user(request.user, membership.user)
        and access.can_end_membership(request.user, membership)
    )
    account_services.membership_end(**_acting(request), membership=membership)
    messages.success(
        request,
        _("The membership %(role)s in %(unit)s was ended.")
        % {"role": membership.get_role_display(), "unit": membership.unit.name},
    )
    return redirect("administration:user_detail", membership.user_id)


# --- Units (enheter) -------------------------------------------------------------------


@administrator_required
def unit_tree(request: HttpRequest, pk: int) -> HttpResponse:
    organization = access.administered_organization_or_404(request.user, pk)
    return render(
        request,
        "administration/unit_tree.html",
        {
            "organization": organization,
            "roots": selectors.unit_tree(organization),
            "can_change_tree": org_access.can_change_unit_tree(request.user, organization),
        },
    )


@administrator_required
def unit_create(request: HttpRequest, pk: int) -> HttpResponse:
    organization = access.administered_organization_or_404(request.user, pk)
    require(org_access.can_change_unit_tree(request.user, organization))
    parent = request.GET.get("overordnad", "")
    form = forms.unit_form(
        request.user,
        Unit(organization=organization),
        request.POST or None,
        initial={"parent": parse_id(parent)} if parse_id(parent) else None,
    )
    if request.method == "POST" and form.is_valid():
        try:
            unit = organization_services.unit_create(
                **_acting(request), unit=form.save(commit=False)
            )
        except ValidationError as error:
            _show_errors(form, error)
        else:
            messages.success(request, _("The unit %(name)s was created.") % {"name": unit.name})
            return redirect("administration:unit_detail", unit.pk)
    return render(
        request, "administration/unit_form.html", {"form": form, "organization": organization}
    )


@administrator_required
def unit_detail(request: HttpRequest, pk: int) -> HttpResponse:
    unit = access.administered_unit_or_404(request.user, pk)
    return render(
        request,
        "administration/unit_detail.html",
        {
            "unit": unit,
            "ancestors": unit.ancestors(),
            "can_edit": org_access.can_edit_unit(request.user, unit),
            "can_change_tree": org_access.can_change_unit_tree(request.user, unit.organization),
            "page": paginate(request, selectors.unit_members(unit)),
            "changes": selectors.unit_history(request.user, unit)[: selectors.RECENT_CHANGES],
        },
    )


@administrator_required
def unit_edit(request: HttpRequest, pk: int) -> HttpResponse:
    unit = access.administered_unit_or_404(request.user, pk)
    require(org_access.can_edit_unit(request.user, unit))
    form = forms.unit_form(request.user, unit, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            organization_services.unit_update(**_acting(request), unit=form.save(commit=False))
        except ValidationError as error:
            _show_errors(form, error)
        else:
            messages.success(request, _("The unit was saved."))
            return redirect("administration:unit_detail", unit.pk)
    return render(
        request,
        "administration/unit_form.html",
        {"form": form, "organization": unit.organization, "unit": unit},
    )


@administrator_required
def unit_deactivate(request: HttpRequest, pk: int) -> HttpResponse:
    """Asks first, since it also ends every membership in the unit."""
    unit = access.administered_unit_or_404(request.user, pk)
    require(org_access.can_change_unit_tree(request.user, unit.organization))
    if request.method == "POST":
        try:
            ended = organization_services.unit_deactivate(**_acting(request), unit=unit)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(
                request,
                _("The unit was deactivated and %(count)d memberships were ended.")
                % {"count": ended},
            )
        return redirect("administration:unit_detail", unit.pk)
    return render(
        request,
        "administration/unit_deactivate.html",
        {"unit": unit, "member_count": selectors.unit_members(unit).count()},
    )


@administrator_required
@require_POST
def unit_reactivate(request: HttpRequest, pk: int) -> HttpResponse:
    unit = access.administered_unit_or_404(request.user, pk)
    require(org_access.can_change_unit_tree(request.user, unit.organization))
    try:
        organization_services.unit_reactivate(**_acting(request), unit=unit)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The unit was reactivated."))
    return redirect("administration:unit_detail", unit.pk)


@administrator_required
def unit_history(request: HttpRequest, pk: int) -> HttpResponse:
    unit = access.administered_unit_or_404(request.user, pk)
    changes = selectors.unit_history(request.user, unit)
    return render(
        request,
        "administration/object_history.html",
        {
            "object": unit,
            "back_url": reverse("administration:unit_detail", args=[unit.pk]),
            "page": paginate(request, changes),
        },
    )
