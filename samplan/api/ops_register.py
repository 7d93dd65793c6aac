"""Register sync: the municipality's record system replaces a unit's patient filter and a
nursing home's residence list in one call, checked as the file import checks them."""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from ninja import Router

from samplan.addressing.models import ImportKind
from samplan.addressing.services import ReplaceResult, register_replace
from samplan.api.auth import act
from samplan.api.models import Scope
from samplan.api.problems import WRITE_ERROR_RESPONSES, ApiProblem
from samplan.api.schemas import (
    IdempotencyHeader,
    PersonHeader,
    RegisterIn,
    RegisterOut,
    UnitHeader,
)

router = Router(tags=["Addressing register"])


def _result(result: ReplaceResult) -> dict[str, object]:
    def row(number: str, start: str, end: str = "") -> dict[str, object]:
        return {
            "identity_number": number,
            "start": datetime.date.fromisoformat(start),
            "end": datetime.date.fromisoformat(end) if end else None,
        }

    return {
        "added": [row(*r) for r in result.added],
        "updated": [row(*r) for r in result.updated],
        "ended": [row(*r) for r in result.ended],
        "refused": [{"position": p, "reason": reason} for p, reason in result.refused],
    }


@router.put(
    "/register",
    response={200: RegisterOut, **WRITE_ERROR_RESPONSES},
    summary="Replace the unit's patient filter and/or residence list",
    operation_id="register_replace",
)
def register_sync(
    request: HttpRequest,
    unit: UnitHeader,
    body: RegisterIn,
    person: PersonHeader = None,
    idempotency_key: IdempotencyHeader = None,
) -> dict[str, object]:
    """The lists given become the unit's register (the record system is the source): new
    rows are added, changed end dates updated, standing rows not given are ended
    (yesterday). Both lists in one transaction. Rows the file import would refuse are
    refused here too, each with its position and reason; the others are applied."""
    actor = act(request, unit=unit, person=person, scope=Scope.REGISTER_WRITE)
    answer: dict[str, object] = {"patient_filter": None, "residence_list": None}
    with transaction.atomic():
        for name, kind, rows in (
            ("patient_filter", ImportKind.PATIENT_FILTER, body.patient_filter),
            ("residence_list", ImportKind.RESIDENCE, body.residence_list),
        ):
            if rows is None:
                continue
            try:
                result = register_replace(
                    actor=actor,
                    kind=kind,
                    unit=actor.unit,
                    rows=[(r.identity_number, r.start, r.end) for r in rows],
                )
            except ValidationError as error:
                detail = " ".join(error.messages)
                raise ApiProblem(
                    "refused", detail, errors=[{"field": f"body.{name}", "detail": detail}]
                ) from None
            answer[name] = _result(result)
    return answer
