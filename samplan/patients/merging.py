"""Moving everything from a reservnummer identity to the real one (domain.md §3).

When a reserve identity is linked to the person's real personnummer, everything that belonged
to the reserve identity belongs to the real one from then on: consents, cases, plans, messages,
patient filters, residence lists... Each app that stores rows pointing at a patient registers
one function here from its AppConfig.ready(), so the patients app does not import them all and
a new app joins by one registration:

    from samplan.patients.merging import register_reassign

    def _reassign_cases(from_patient, to_patient) -> int:
        return DischargeCase.objects.filter(patient=from_patient).update(patient=to_patient)

    register_reassign("discharge.cases", _reassign_cases)

The contract for a reassign function `reassign(from_patient, to_patient) -> int`:
- it runs inside the transaction of services.patient_link_reserve, with both Patient rows
  locked (select_for_update); if it raises, the whole link is rolled back and nothing moved;
- it moves rows (usually one queryset .update()) and returns how many, recorded on the
  PatientLink history row under its name;
- it resolves its own conflicts, e.g. two open cases for the same stay, rather than failing;
- it must not write access-log rows (they are append-only and keep naming the identity that was
  looked at) and must not send anything: queue side effects with transaction.on_commit.
Functions run in registration order (stable: apps are ready in INSTALLED_APPS order).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from samplan.patients.models import Patient

Reassign = Callable[["Patient", "Patient"], int | None]

_reassigners: dict[str, Reassign] = {}


def register_reassign(name: str, reassign: Reassign) -> None:
    """Register `reassign(from_patient, to_patient)` under a unique name (idempotent)."""
    _reassigners[name] = reassign


def unregister_reassign(name: str) -> None:
    """For tests that register a function of their own."""
    _reassigners.pop(name, None)


def registered_reassigns() -> list[str]:
    return list(_reassigners)


def reassign_all(from_patient: Patient, to_patient: Patient) -> dict[str, int]:
    """Run every registered function; the caller holds the transaction. Returns moved counts."""
    return {
        name: int(reassign(from_patient, to_patient) or 0)
        for name, reassign in list(_reassigners.items())
    }
