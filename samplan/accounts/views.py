"""Login, logout, choosing and switching unit, and the user's own page."""

from __future__ import annotations

from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from samplan.accounts import saml_views, sessions, smartcard
from samplan.accounts.access import working_units
from samplan.accounts.commissions import session_units
from samplan.accounts.forms import (
    CardConversionForm,
    ChooseUnitForm,
    LoginForm,
    OwnContactForm,
    OwnPasswordChangeForm,
)
from samplan.accounts.saml import saml_enabled, session_is_saml
from samplan.core.http import parse_id


def _safe_next(request: HttpRequest, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    # A path of this site only: redirect() would take a bare word for a view name.
    if target.startswith("/") and url_has_allowed_host_and_scheme(
        target, {request.get_host()}, request.is_secure()
    ):
        return target
    return default


def login_view(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("accounts:choose_unit")
    form = LoginForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        outcome = sessions.password_login(
            request,
            username=form.cleaned_data["username"],
            password=form.cleaned_data["password"],
        )
        if outcome.ok:
            return redirect(_with_next("accounts:choose_unit", request))
        if outcome.locked_until:
            local = timezone.localtime(outcome.locked_until)
            form.add_error(
                None,
                _(
                    "The account is locked after too many failed login attempts. Try again "
                    "after %(time)s or ask your local administrator to unlock it."
                )
                % {"time": date_format(local, "H:i")},
            )
        elif outcome.starts_on:
            form.add_error(
                None,
                _("Your organisation starts in samplan on %(date)s. You can log in from that day.")
                % {"date": outcome.starts_on.isoformat()},
            )
        elif outcome.organization_closed:
            form.add_error(
                None, _("Your organisation is no longer active in samplan, so you cannot log in.")
            )
        elif outcome.siths_required:
            form.add_error(
                None,
                _(
                    "Your organisation requires login with SITHS eID or your smart card; "
                    "password login is not possible."
                ),
            )
        elif outcome.card_only:
            form.add_error(
                None, _("This account logs in with a smart card. Use the smart-card login.")
            )
        else:
            form.add_error(None, _("Wrong username or password."))
    return render(
        request,
        "accounts/login.html",
        {
            "form": form,
            "next": _safe_next(request, ""),
            "card_login": settings.SMART_CARD_LOGIN,
            "saml_login": saml_enabled(),
        },
    )


def _with_next(name: str, request: HttpRequest) -> str:
    target = _safe_next(request, "")
    url = reverse(name)
    return f"{url}?{urlencode({'next': target})}" if target else url


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated and saml_enabled() and session_is_saml(request):
        # Single logout: the identity provider's session ends too, then it sends the
        # browser back to /saml2/ls/ and on to the login page.
        return saml_views.single_logout_start(request)
    sessions.logout_user(request)
    messages.info(request, _("You are logged out."))
    return redirect("accounts:login")


@login_required
def choose_unit(request: HttpRequest) -> HttpResponse:
    """Välj enhet att logga in på: skipped when the user has exactly one unit."""
    units = session_units(request)
    next_url = _safe_next(request, "/")
    if not units:
        if request.user.is_superuser:
            # The installation's operator works without a unit: in Administrera or in
            # Django's admin. Pages that act for a unit would send them back here in a loop.
            wanted = _safe_next(request, "")
            admin_pages = (reverse("administration:index"), reverse("admin:index"))
            return redirect(wanted if wanted.startswith(admin_pages) else admin_pages[0])
        return render(
            request,
            "accounts/no_unit.html",
            {"by_commission": bool(working_units(request.user))},
            status=403,
        )
    if len(units) == 1 and request.method == "GET":
        sessions.unit_select(request, unit_id=units[0].pk)
        return redirect(next_url)
    initial = {"unit": request.unit.pk} if request.unit else None
    form = ChooseUnitForm(request.POST or None, units=units, initial=initial)
    if request.method == "POST" and form.is_valid():
        sessions.unit_select(request, unit_id=form.cleaned_data["unit"])
        return redirect(next_url)
    return render(request, "accounts/choose_unit.html", {"form": form, "next": next_url})


@login_required
@require_POST
def switch_unit(request: HttpRequest) -> HttpResponse:
    """The header's unit switcher. A unit the user holds no membership in is refused."""
    unit_id = parse_id(request.POST.get("unit")) or 0
    unit = sessions.unit_select(request, unit_id=unit_id)
    if unit is None:
        messages.error(request, _("You have no access to that unit."))
        return redirect("accounts:choose_unit")
    messages.success(request, _("You now work in %(unit)s.") % {"unit": unit.name})
    return redirect("core:home")


@login_required
def my_account(request: HttpRequest) -> HttpResponse:
    contact_form = OwnContactForm(instance=request.user, prefix="contact")
    password_form = OwnPasswordChangeForm(request.user, prefix="password")
    if request.method == "POST" and "save_contact" in request.POST:
        contact_form = OwnContactForm(request.POST, instance=request.user, prefix="contact")
        if contact_form.is_valid():
            contact_form.save()
            messages.success(request, _("Your contact details were saved."))
            return redirect("accounts:my_account")
    elif request.method == "POST" and "change_password" in request.POST:
        password_form = OwnPasswordChangeForm(request.user, request.POST, prefix="password")
        if password_form.is_valid():
            password_form.save()
            update_session_auth_hash(request, password_form.user)
            messages.success(request, _("Your password was changed."))
            return redirect("accounts:my_account")
    return render(
        request,
        "accounts/my_account.html",
        {"contact_form": contact_form, "password_form": password_form},
    )


def card_login_view(request: HttpRequest) -> HttpResponse:
    """Login with a smart card; the first time, the card is converted (bound) to the account."""
    if not settings.SMART_CARD_LOGIN:
        raise Http404
    subject = smartcard.presented_card(request)
    if subject is None:
        return render(request, "accounts/card_login.html", {"no_card": True}, status=403)
    if request.method == "GET" and smartcard.card_login(request, subject=subject):
        return redirect(_with_next("accounts:choose_unit", request))
    form = CardConversionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        outcome = smartcard.card_convert(
            request,
            subject=subject,
            organization_id=form.cleaned_data["organization"].pk,
            username=form.cleaned_data["username"],
            password=form.cleaned_data["password"],
        )
        if outcome.user is not None:
            messages.success(
                request,
                _("Your smart card is now linked to your account. Log in with it from now on."),
            )
            return redirect("accounts:choose_unit")
        form.add_error(None, CONVERSION_ERRORS[outcome.error])
    return render(request, "accounts/card_login.html", {"form": form})


CONVERSION_ERRORS = {
    "credentials": gettext_lazy("Wrong organisation, username or password."),
    "not_card_user": gettext_lazy(
        "Your account is not set up for smart-card login. Ask your local administrator."
    ),
    "card_in_use": gettext_lazy("This smart card is already linked to another account."),
}
