"""Need-to-know: through which relations a unit may see a patient (domain.md §3, issue 3).

A unit sees a patient only through a case or plan it takes part in, or an addressing-register
row of its own (patient filter, residence list). Each app that owns such a relation registers
one check here from its AppConfig.ready(), so the patients app does not import them all and a
new kind of relation is one registration, not an edit of every caller.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from samplan.organizations.models import Unit
    from samplan.patients.models import Patient

RelationCheck = Callable[["Unit", "Patient"], bool]

_checks: dict[str, RelationCheck] = {}


def register_relation(name: str, check: RelationCheck) -> None:
    """Register `check(unit, patient) -> bool` under a unique name (idempotent)."""
    _checks[name] = check


def unit_has_relation(unit: Unit, patient: Patient) -> bool:
    """True when any registered relation links the unit to the patient."""
    return any(check(unit, patient) for check in _checks.values())


def registered_relations() -> list[str]:
    return sorted(_checks)
