"""The access log (PDL 4 kap 3 §): one row for every read or change of patient data.

Views never write rows themselves: the access functions that fetch protected data call
`access_log_record` in the same place they check need-to-know (architecture.md).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import models
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from samplan.core.http import client_address


class AccessAction(models.TextChoices):
    VIEW = "view", _("Viewed")
    SEARCH = "search", _("Searched")
    CREATE = "create", _("Created")
    UPDATE = "update", _("Changed")
    PRINT = "print", _("Printed")
    EXPORT = "export", _("Exported")
    SIMULATE = "simulate", _("Routing simulation")


def access_log_record(
    *,
    request: HttpRequest,
    patient: Any | None,
    action: str,
    obj: models.Model | None = None,
    searched_identity: str = "",
    detail: str = "",
) -> Any:
    """Write one access-log row for the logged-in user acting for request.unit."""
    from samplan.auditlog.models import AccessLogEntry

    user = request.user
    unit = getattr(request, "unit", None)
    return AccessLogEntry.objects.create(
        user=user,
        user_hsa_id=getattr(user, "hsa_id", "") or "",
        unit=unit,
        organization_id=unit.organization_id if unit else getattr(user, "organization_id", None),
        patient=patient,
        searched_identity=searched_identity,
        action=action,
        object_type=obj._meta.model_name if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        detail=detail[:200],
        client_address=client_address(request) or None,
    )


def access_log_record_many(
    *,
    request: HttpRequest,
    patients: Iterable[Any],
    action: str,
    object_type: str = "",
    searched_identity: str = "",
    detail: str = "",
) -> int:
    """One row per patient (each once) shown in a list, written in one INSERT.

    Lists that show names and identity numbers (the inbox, Översikt) log every patient they
    show, so a patient's log extract names every unit that saw them; `detail` names the list
    so reviewers can tell a list view from opening the patient's case or message.
    """
    from samplan.auditlog.models import AccessLogEntry

    user = request.user
    unit = getattr(request, "unit", None)
    address = client_address(request) or None
    organization_id = unit.organization_id if unit else getattr(user, "organization_id", None)
    seen: set[int] = set()
    rows = []
    for patient in patients:
        if patient.pk in seen:
            continue
        seen.add(patient.pk)
        rows.append(
            AccessLogEntry(
                user=user,
                user_hsa_id=getattr(user, "hsa_id", "") or "",
                unit=unit,
                organization_id=organization_id,
                patient=patient,
                searched_identity=searched_identity,
                action=action,
                object_type=object_type,
                detail=detail[:200],
                client_address=address,
            )
        )
    AccessLogEntry.objects.bulk_create(rows)
    return len(rows)
