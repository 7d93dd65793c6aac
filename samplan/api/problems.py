"""Errors as application/problem+json (RFC 9457): a stable `type`, a Swedish `title` and
`detail` (English with `Accept-Language: en`; urls.py picks the language).

`type` is a URN, `urn:samplan:problem:<code>`; docs/api.md lists every code. 422 answers
carry `errors`: one entry per field, with the field's place (`body.admitted_at`,
`header.X-Unit`) and what is wrong with it.
"""

from __future__ import annotations

import json
from typing import Any

from django.http import HttpResponse
from django.utils.functional import Promise
from django.utils.translation import get_language, gettext_lazy
from ninja import Schema

PROBLEM_CONTENT_TYPE = "application/problem+json"
TYPE_PREFIX = "urn:samplan:problem:"

# code -> (HTTP status, title). Titles are lazy: rendered in the request's language.
PROBLEMS: dict[str, tuple[int, Promise]] = {
    "bad-request": (400, gettext_lazy("Bad request")),
    "unauthorized": (401, gettext_lazy("Not authenticated")),
    "forbidden-unit": (403, gettext_lazy("Not allowed for this unit")),
    "insufficient-scope": (403, gettext_lazy("Permission missing")),
    "forbidden": (403, gettext_lazy("Not allowed")),
    "not-found": (404, gettext_lazy("Not found")),
    "method-not-allowed": (405, gettext_lazy("Method not allowed")),
    "idempotency-conflict": (409, gettext_lazy("Idempotency key already used")),
    "conflict": (409, gettext_lazy("Conflict")),
    "invalid": (422, gettext_lazy("Invalid data")),
    "refused": (422, gettext_lazy("Refused")),
    "rate-limited": (429, gettext_lazy("Too many requests")),
}


class FieldError(Schema):
    field: str
    detail: str


class Problem(Schema):
    """An error (RFC 9457)."""

    type: str
    title: str
    status: int
    detail: str
    errors: list[FieldError] | None = None


class ApiProblem(Exception):
    """Raised anywhere in an operation; the API answers with the problem document."""

    def __init__(
        self,
        code: str,
        detail: str | Promise = "",
        *,
        errors: list[dict[str, str]] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(code)
        self.code = code
        self.detail = detail
        self.errors = errors
        self.headers = headers or {}

    @property
    def status(self) -> int:
        return PROBLEMS[self.code][0]


def problem_response(problem: ApiProblem) -> HttpResponse:
    status, title = PROBLEMS[problem.code]
    body: dict[str, Any] = {
        "type": TYPE_PREFIX + problem.code,
        "title": str(title),
        "status": status,
        "detail": str(problem.detail or title),
    }
    if problem.errors is not None:
        body["errors"] = [{k: str(v) for k, v in e.items()} for e in problem.errors]
    response = HttpResponse(
        json.dumps(body, ensure_ascii=False),
        status=status,
        content_type=PROBLEM_CONTENT_TYPE,
    )
    for name, value in problem.headers.items():
        response[name] = value
    response["Content-Language"] = get_language() or ""
    return response


# Every operation lists these in its schema (besides its own success answer).
ERROR_RESPONSES: dict[int, type[Problem]] = {
    400: Problem,
    401: Problem,
    403: Problem,
    404: Problem,
    422: Problem,
    429: Problem,
}

# POST/PUT also answer 409: the Idempotency-Key was used for another request.
WRITE_ERROR_RESPONSES: dict[int, type[Problem]] = {**ERROR_RESPONSES, 409: Problem}
