"""Idempotency keys for every POST/PUT (`Idempotency-Key` header).

The same key with the same request (method, path, unit, person, body) replays the first
answer, status and body; the same key with another request is 409. Keys live at least
24 hours (rows older than KEEP are removed when the client next uses a key).

The record is inserted in the same transaction as the operation's writes, before them. Two
identical requests at the same moment: on PostgreSQL the second insert waits on the unique
index until the first transaction commits, then fails, and the second request replays the
first's answer, so the operation runs once. (SQLite runs one writer at a time anyway.)

An answer of 5xx or 429 is not kept: the transaction is rolled back, so a retry runs anew.
"""

from __future__ import annotations

import datetime
import hashlib
import re
from collections.abc import Callable, Iterable
from functools import wraps

from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from samplan.api.auth import PERSON_HEADER, UNIT_HEADER, client_for_request
from samplan.api.models import IdempotencyRecord
from samplan.api.problems import ApiProblem, problem_response

HEADER = "Idempotency-Key"
KEEP = datetime.timedelta(hours=48)
MAX_KEY_LENGTH = 200
# Visible ASCII, no spaces: what travels unchanged in a header (a UUID is a good key).
KEY_PATTERN = re.compile(r"[!-~]{1,200}")
METHODS = ("POST", "PUT", "PATCH")


class _Discard(Exception):
    def __init__(self, response: HttpResponse) -> None:
        self.response = response


def _fingerprint(request: HttpRequest) -> str:
    digest = hashlib.sha256()
    for part in (
        request.method or "",
        request.path,
        request.headers.get(UNIT_HEADER, ""),
        request.headers.get(PERSON_HEADER, ""),
    ):
        digest.update(part.encode("utf-8") + b"\0")
    digest.update(request.body)
    return digest.hexdigest()


def _replay(record: IdempotencyRecord) -> HttpResponse:
    response = HttpResponse(
        bytes(record.body), status=record.status, content_type=record.content_type
    )
    response["Idempotent-Replayed"] = "true"
    return response


def idempotent(
    view: Callable[..., HttpResponse], methods: Iterable[str] = METHODS
) -> Callable[..., HttpResponse]:
    """Wraps one of the API's URL views for its write `methods` (urls.py wraps them)."""
    methods = frozenset(methods) & frozenset(METHODS)

    @wraps(view)
    def wrapper(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        key = request.headers.get(HEADER)
        # Without the unit the request is refused as invalid (422) before any key is kept.
        if request.method not in methods or key is None or not request.headers.get(UNIT_HEADER):
            return view(request, *args, **kwargs)
        try:
            client = client_for_request(request)
        except ApiProblem as problem:
            return problem_response(problem)
        if client is None:
            return view(request, *args, **kwargs)  # the API answers 401
        if not KEY_PATTERN.fullmatch(key):
            detail = _("The Idempotency-Key must be 1–%(max)d visible ASCII characters.") % {
                "max": MAX_KEY_LENGTH
            }
            return problem_response(
                ApiProblem(
                    "invalid", detail, errors=[{"field": f"header.{HEADER}", "detail": detail}]
                )
            )
        fingerprint = _fingerprint(request)
        try:
            with transaction.atomic():
                IdempotencyRecord.objects.filter(
                    client=client, created_at__lt=timezone.now() - KEEP
                ).delete()
                try:
                    with transaction.atomic():
                        record = IdempotencyRecord.objects.create(
                            client=client, key=key, fingerprint=fingerprint
                        )
                except IntegrityError:
                    record = IdempotencyRecord.objects.filter(client=client, key=key).first()
                    if record is None or record.status is None:
                        raise _Discard(
                            problem_response(
                                ApiProblem(
                                    "conflict",
                                    _("A request with this key is still being handled."),
                                )
                            )
                        ) from None
                    if record.fingerprint != fingerprint:
                        raise _Discard(
                            problem_response(
                                ApiProblem(
                                    "idempotency-conflict",
                                    _(
                                        "This Idempotency-Key was used for another request. "
                                        "Use a new key for a new request."
                                    ),
                                )
                            )
                        ) from None
                    return _replay(record)
                response = view(request, *args, **kwargs)
                if response.status_code >= 500 or response.status_code == 429:
                    raise _Discard(response)
                record.status = response.status_code
                record.content_type = response.get("Content-Type", "")
                record.body = response.content
                record.save(update_fields=["status", "content_type", "body"])
                return response
        except _Discard as discarded:
            return discarded.response

    return wrapper
