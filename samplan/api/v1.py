"""The integration API, version 1 (/api/v1/): django-ninja, its OpenAPI schema and docs.

Operations live in their own modules (ops_inbox, ops_discharge), each a ninja Router; this
module makes the API, turns every error into application/problem+json (problems.py) and
gives the schema's error answers their real media type.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

from samplan.api.auth import TokenAuth
from samplan.api.problems import PROBLEM_CONTENT_TYPE, ApiProblem, problem_response


class SamplanApi(NinjaAPI):
    def get_openapi_schema(self, *args: Any, **kwargs: Any) -> dict[str, Any]:
        schema = super().get_openapi_schema(*args, **kwargs)
        # Errors are problem documents (RFC 9457), not plain JSON.
        for path in schema.get("paths", {}).values():
            for operation in path.values():
                for status, answer in operation.get("responses", {}).items():
                    content = answer.get("content", {})
                    if str(status).startswith(("4", "5")) and "application/json" in content:
                        answer["content"] = {PROBLEM_CONTENT_TYPE: content["application/json"]}
        return schema


api = SamplanApi(
    title="samplan integration API",
    version="1",
    description=(
        "For hospital and municipal record systems: register stays and send the messages of "
        "law 2017:612, poll a unit's change feed, read messages and cases, acknowledge. "
        "Every call names the unit it acts for in `X-Unit` (its HSA-id or samplan id) and "
        "may name the person in `X-Person` (HSA-id). Errors are application/problem+json. "
        "See docs/api.md."
    ),
    auth=TokenAuth(),
    urls_namespace="api-v1",
    docs_url="/docs",
    openapi_url="/openapi.json",
)


@api.exception_handler(ApiProblem)
def _problem(request: HttpRequest, exc: ApiProblem) -> HttpResponse:
    return problem_response(exc)


@api.exception_handler(AuthenticationError)
def _unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    response = problem_response(
        ApiProblem(
            "unauthorized",
            _(
                "Send a valid token: Authorization: Bearer <token>. "
                "It may be wrong, expired or revoked."
            ),
        )
    )
    response["WWW-Authenticate"] = 'Bearer realm="samplan"'
    return response


@api.exception_handler(NinjaValidationError)
def _invalid(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
    errors = []
    for error in exc.errors:
        location = ".".join(str(part) for part in error.get("loc", ()))
        errors.append({"field": location, "detail": str(error.get("msg", ""))})
    names = ", ".join(e["field"] for e in errors[:5])
    return problem_response(
        ApiProblem(
            "invalid", _("Check these fields: %(fields)s.") % {"fields": names}, errors=errors
        )
    )


@api.exception_handler(Http404)
def _not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return problem_response(ApiProblem("not-found", _("Not found, or not for this unit.")))


@api.exception_handler(PermissionDenied)
def _forbidden(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
    return problem_response(ApiProblem("forbidden", _("The unit may not do this.")))


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    code = {400: "bad-request", 401: "unauthorized", 403: "forbidden", 404: "not-found"}.get(
        exc.status_code, "bad-request" if exc.status_code < 500 else ""
    )
    if not code:
        raise exc
    return problem_response(ApiProblem(code, str(exc.message)))


from samplan.api import (  # noqa: E402 (the routers need `api` above)
    ops_discharge,
    ops_fhir,
    ops_inbox,
    ops_register,
    ops_sip,
)

api.add_router("", ops_inbox.router)
api.add_router("", ops_discharge.router)
api.add_router("", ops_sip.router)
api.add_router("", ops_register.router)
api.add_router("", ops_fhir.router)
