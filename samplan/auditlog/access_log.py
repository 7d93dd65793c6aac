"""The access log (PDL 4 kap 3 §): one row for every read or change of patient data.

Views never write rows themselves: the access functions that fetch protected data call
`access_log_record` in the same place they check need-to-know (architecture.md).
"""

from __future__ import annotations

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
