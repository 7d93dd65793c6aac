"""Token authentication, the per-client rate, and acting for a unit.

A call carries `Authorization: Bearer <token>`; `client_for_request` finds the client by the
token's hash (one indexed query), refuses a revoked or expired one (401), counts the call in
the client's current minute (429 past its rate, with `Retry-After`) and records the last use
(at most once a minute, in the same statement as the count where the row exists).

`act` then checks the scope (403), the unit the call names in `X-Unit` (the unit's HSA-id or
samplan id; 403 unless the client may act for it) and the person's HSA-id in `X-Person`
(422 if malformed), and returns the `Actor` every service and access function takes.
"""

from __future__ import annotations

import datetime
import hmac

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja.security import HttpBearer

from samplan.api.models import IntegrationClient, RateWindow
from samplan.api.problems import ApiProblem
from samplan.api.tokens import TOKEN_PREFIX, token_hash
from samplan.core.actor import Actor, AuthMethod
from samplan.core.http import client_address
from samplan.organizations.models import Unit
from samplan.organizations.validators import normalize_hsa_id

_CACHE = "_samplan_api_client"
UNIT_HEADER = "X-Unit"
PERSON_HEADER = "X-Person"


def _bearer(request: HttpRequest) -> str:
    header = request.headers.get("Authorization", "")
    scheme, _sep, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" else ""


def client_for_token(token: str) -> IntegrationClient | None:
    """The usable client whose token this is, or None (unknown, revoked, expired)."""
    if not token.startswith(TOKEN_PREFIX) or len(token) > 200:
        return None
    digest = token_hash(token)
    client = (
        IntegrationClient.objects.select_related("service_user", "organization")
        .filter(token_hash=digest)
        .first()
    )
    if client is None or not hmac.compare_digest(client.token_hash, digest):
        return None
    if not client.is_usable():
        return None
    return client


def _count_call(client: IntegrationClient, now: datetime.datetime) -> int:
    """Counts the call in the client's current minute; returns the minute's count so far."""
    minute = now.replace(second=0, microsecond=0)
    window = RateWindow.objects.filter(client=client, minute=minute)
    if not window.update(count=F("count") + 1):
        try:
            with transaction.atomic():
                RateWindow.objects.create(client=client, minute=minute, count=1)
        except IntegrityError:  # another call made the minute's row first
            window.update(count=F("count") + 1)
        else:
            # A new minute: drop the client's old rows and record the last use.
            RateWindow.objects.filter(client=client, minute__lt=minute).delete()
            IntegrationClient.objects.filter(pk=client.pk).update(last_used_at=now)
            return 1
    return window.values_list("count", flat=True).first() or 0


def client_for_request(request: HttpRequest) -> IntegrationClient | None:
    """The calling client (cached on the request), or None; raises 429 past the rate."""
    if hasattr(request, _CACHE):
        return getattr(request, _CACHE)
    client = client_for_token(_bearer(request))
    setattr(request, _CACHE, client)
    if client is not None:
        now = timezone.now()
        if _count_call(client, now) > client.rate_per_minute:
            retry = 60 - now.second
            raise ApiProblem(
                "rate-limited",
                _("More than %(rate)d requests in a minute. Try again in %(seconds)d seconds.")
                % {"rate": client.rate_per_minute, "seconds": retry},
                headers={"Retry-After": str(retry)},
            )
    return client


class TokenAuth(HttpBearer):
    """django-ninja's bearer scheme (it names the scheme in the OpenAPI schema)."""

    def __call__(self, request: HttpRequest) -> IntegrationClient | None:
        return client_for_request(request)

    def authenticate(self, request: HttpRequest, token: str) -> IntegrationClient | None:
        return client_for_request(request)  # pragma: no cover (__call__ above decides)


def _unit_for(client: IntegrationClient, reference: str) -> Unit:
    reference = reference.strip()
    units = client.units.all()
    if reference.isdigit() and len(reference) < 12:
        unit = units.filter(pk=int(reference)).first()
    else:
        try:
            unit = units.filter(hsa_id=normalize_hsa_id(reference)).first()
        except ValidationError:
            unit = None
    if unit is None:
        raise ApiProblem(
            "forbidden-unit",
            _("The system may not act for the unit “%(unit)s”.") % {"unit": reference[:40]},
        )
    return unit


def act(request: HttpRequest, *, unit: str, person: str | None, scope: str) -> Actor:
    """The Actor for this call: the client's service user acting for `unit`."""
    client: IntegrationClient = request.auth
    if scope not in client.scopes:
        raise ApiProblem(
            "insufficient-scope",
            _("The system lacks the permission “%(scope)s”.") % {"scope": scope},
        )
    acting_unit = _unit_for(client, unit)
    person_hsa_id = ""
    if person:
        try:
            person_hsa_id = normalize_hsa_id(person)
        except ValidationError as error:
            raise ApiProblem(
                "invalid",
                error.messages[0],
                errors=[{"field": f"header.{PERSON_HEADER}", "detail": error.messages[0]}],
            ) from None
    return Actor(
        user=client.service_user,
        unit=acting_unit,
        client_address=client_address(request),
        auth_method=AuthMethod.SYSTEM,
        system=client,
        person_hsa_id=person_hsa_id,
    )
