"""The SAML endpoints (/saml2/...): djangosaml2's views with samplan's rules (accounts.saml).

- login/: sends the browser to the IdP with a signed request for a SITHS login;
- acs/: takes the IdP's answer, refuses it with a Swedish page and a failed-login row, or
  logs the user in and goes on to choosing the unit;
- logout/ (POST, from Logga ut) and ls/: single logout both ways;
- metadata/: samplan's SP metadata, for registering samplan at the IdP.
"""

from __future__ import annotations

import logging
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from djangosaml2 import views as djangosaml2_views

from samplan.accounts import saml
from samplan.accounts.models import LoginEventKind
from samplan.accounts.sessions import login_event_record

logger = logging.getLogger(__name__)


class _Enabled:
    """Every SAML endpoint answers 404 unless an identity provider is configured."""

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not saml.saml_enabled():
            raise Http404
        return super().dispatch(request, *args, **kwargs)


class LoginView(_Enabled, djangosaml2_views.LoginView):
    def load_sso_kwargs(self, sso_kwargs: dict) -> None:
        sso_kwargs["requested_authn_context"] = saml.requested_authn_context()


def refused(request: HttpRequest, reason: str, hsa_id: str = "") -> HttpResponse:
    """The Swedish page for a refused SAML login, after writing its failed-login row."""
    saml.refusal_record(request, reason=reason, hsa_id=hsa_id)
    refusal = saml.REFUSALS[reason]
    return render(
        request,
        "accounts/saml_refused.html",
        {
            "message": saml.refusal_message(reason, hsa_id),
            "about_account": refusal.about_account,
            "access_request_url": saml.access_request_url(hsa_id) if hsa_id else None,
        },
        status=403,
    )


@method_decorator(csrf_exempt, name="dispatch")  # the IdP posts it; the answer is signed
class AssertionConsumerServiceView(_Enabled, djangosaml2_views.AssertionConsumerServiceView):
    """/saml2/acs/: pysaml2 checks the answer; samplan adds replay, authentication context
    and who may log in, and turns every refusal into a page and a failed-login row."""

    reason = ""
    hsa_id = ""

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        encoded = request.POST.get("SAMLResponse", "")
        if not encoded:
            return refused(request, "invalid")
        early = saml.envelope_refusal(saml.read_envelope(encoded))
        if early:
            return refused(request, early)
        return super().post(request)

    def custom_validation(self, response: Any) -> None:
        if not saml.authn_context_ok(response):
            self.reason = "weak_context"
            raise PermissionDenied(self.reason)
        if not saml.response_mark_used(response):
            self.reason = "replayed"
            raise PermissionDenied(self.reason)

    def authenticate_user(
        self,
        request: HttpRequest,
        session_info: dict,
        attribute_mapping: Any,
        create_unknown_user: Any,
        assertion_info: dict,
    ) -> Any:
        outcome = saml.saml_login(request, attributes=session_info.get("ava") or {})
        if outcome.user is None:
            self.reason, self.hsa_id = outcome.reason, outcome.hsa_id
            raise PermissionDenied(outcome.reason)
        # Kept for single logout: the IdP's name for the person in this session.
        djangosaml2_views._set_subject_id(request.saml_session, session_info["name_id"])
        return outcome.user

    def handle_acs_failure(
        self,
        request: HttpRequest,
        exception: BaseException | None = None,
        status: int = 403,
        **kwargs: Any,
    ) -> HttpResponse:
        reason = self.reason or saml.failure_reason(exception)
        return refused(request, reason, self.hsa_id)


class LogoutInitView(_Enabled, djangosaml2_views.LogoutInitView):
    """Logga ut from a SAML session: samplan's session ends and the IdP is asked to end its
    own (single logout). Only by POST, so no link elsewhere can log a person out."""

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        raise Http404

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        login_event_record(
            request,
            kind=LoginEventKind.LOGOUT,
            user=request.user,
            unit=getattr(request, "unit", None),
        )
        messages.info(request, _("You are logged out."))
        return super().get(request, *args, **kwargs)


def single_logout_start(request: HttpRequest) -> HttpResponse:
    """Logga ut for a session opened through the IdP (called by accounts.views.logout_view)."""
    return LogoutInitView.as_view()(request)


@method_decorator(csrf_exempt, name="dispatch")
class LogoutView(_Enabled, djangosaml2_views.LogoutView):
    """/saml2/ls/: the IdP's answer to samplan's logout, or the IdP's own logout request
    (the person logged out elsewhere), which ends samplan's session too."""

    logout_error_template = "accounts/saml_logout_error.html"

    def do_logout_service(
        self, request: HttpRequest, data: Any, binding: str, *args: Any, **kwargs: Any
    ) -> HttpResponse:
        if "SAMLRequest" not in data and "SAMLResponse" not in data:
            return _logout_unreadable(request)
        user = request.user if request.user.is_authenticated else None
        unit = getattr(request, "unit", None)
        try:
            response = super().do_logout_service(request, data, binding, *args, **kwargs)
        except Exception:
            # A message that is not a readable, signed logout message from the IdP.
            logger.warning("Unreadable SAML logout message", exc_info=True)
            return _logout_unreadable(request)
        if "SAMLRequest" in data and user is not None:
            login_event_record(request, kind=LoginEventKind.LOGOUT, user=user, unit=unit)
        return response


def _logout_unreadable(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "accounts/saml_refused.html",
        {"message": _("samplan could not read the logout message from the identity provider.")},
        status=400,
    )


class MetadataView(_Enabled, djangosaml2_views.MetadataView):
    pass
