"""The access log (PDL 4 kap 3 §): one row for every read or change of patient data.

Views never write rows themselves: the access functions that fetch protected data call
`access_log_record` in the same place they check need-to-know (architecture.md). Every view,
print, export and search that shows patient data must reach this function;
samplan/auditlog/tests/test_logging_coverage.py walks the project's URLs to hold everyone to it.

A row costs one chained insert (samplan.auditlog.chain), which on PostgreSQL also answers
the "many patients" flag when a person is involved (on SQLite that is one indexed query
more); the relation check for the "not a participant" flag runs only when the caller has not
just checked it (pass `participant=`).
"""

from __future__ import annotations

from collections.abc import Iterable
from contextlib import AbstractContextManager
from typing import Any

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from samplan.auditlog.subjects import subjects
from samplan.core.actor import Actor


class AccessAction(models.TextChoices):
    VIEW = "view", _("Viewed")
    SEARCH = "search", _("Searched")
    CREATE = "create", _("Created")
    UPDATE = "update", _("Changed")
    PRINT = "print", _("Printed")
    EXPORT = "export", _("Exported")
    SIMULATE = "simulate", _("Routing simulation")
    PURGE = "purge", _("Log rows purged")


def _client_label(actor: Actor) -> str:
    """The integrating system for the row ("<id>:<name>"), or "" for a person's own call."""
    if actor.system is None:
        return ""
    return str(getattr(actor.system, "log_label", actor.system))[:120]


def _actor_columns(actor: Actor, **columns: object) -> dict[str, object]:
    """A row's columns that come from the actor (who, for which unit, from where), with the
    others given: the column values AccessLogEntry(user=..., unit=..., ...) would hold
    (test_chain_rows holds the two equal). Rows are built as plain values, not model
    instances: building the instance cost more than chaining its row."""
    user, unit = actor.user, actor.unit
    return {
        "user_id": user.pk if user is not None else None,
        "user_hsa_id": actor.hsa_id,
        "unit_id": unit.pk if unit is not None else None,
        "organization_id": actor.organization_id,
        "client_address": actor.client_address or None,
        "integration_client": _client_label(actor),
        **columns,
    }


def access_log_at_end() -> AbstractContextManager[None]:
    """Inside a write's transaction: chain the rows written in the block as it ends, so the
    log's lock is held only for the commit (samplan.auditlog.chain.appends_at_end)."""
    from samplan.auditlog import chain

    return chain.appends_at_end()


def access_log_record(
    *,
    actor: Actor,
    patient: Any | None,
    action: str,
    obj: models.Model | None = None,
    searched_identity: str = "",
    detail: str = "",
    participant: bool | None = None,
    object_type: str = "",
) -> Any:
    """Write one access-log row for the actor: its user acting for its unit. Returns the
    row's column values (chain.Row), its chain fields set once it is written.

    `participant`: whether the unit has a need-to-know relation to `patient`, when the
    caller has just checked it; None lets this function find out. `object_type` names what
    was shown when it is not a model instance (e.g. "accesslog" for the log review).
    """
    from samplan.auditlog import chain
    from samplan.auditlog.flags import many_patients_check, not_participant, outside_usual_hours

    user, unit = actor.user, actor.unit
    now = timezone.now()
    subject = patient
    if subject is None and searched_identity:
        # A search that showed nobody: the person may still exist (and be protected, and
        # unrelated to the unit); the flags say so without the row naming them.
        subject = subjects().by_identity(searched_identity)
        participant = None  # the caller's answer was about nobody; ask for this person
    # The "many patients" flag is the chain's to answer as it writes the row: on PostgreSQL in
    # the statement that writes it, one round trip fewer on every read of a person's data.
    many_patients = many_patients_check(user, patient.pk if patient else None, now)
    row: chain.Row = _actor_columns(
        actor,
        patient_id=patient.pk if patient is not None else None,
        searched_identity=searched_identity,
        action=action,
        object_type=obj._meta.model_name if obj is not None else object_type,
        object_id=str(obj.pk) if obj is not None else "",
        detail=detail[:200],
        not_participant=not_participant(unit, subject, participant),
        protected_identity=subject is not None and subjects().is_protected(subject),
        outside_hours=outside_usual_hours(unit, now),
        many_patients=False if many_patients is None else None,
    )
    chain.append_many([row], many_patients=many_patients)
    return row


def access_log_record_many(
    *,
    actor: Actor,
    patients: Iterable[Any],
    action: str,
    object_type: str = "",
    searched_identity: str = "",
    detail: str = "",
) -> int:
    """One row per patient (each once) shown in a list, chained in one batch.

    Lists that show names and identity numbers (the inbox, Översikt) log every patient they
    show, so a patient's log extract names every unit that saw them; `detail` names the list
    so reviewers can tell a list view from opening the patient's case or message. The lists
    show only patients the unit is related to (its own deliveries and cases), so the rows are
    not flagged "not a participant"; and a list is one look, not many patients opened one by
    one, so it does not raise the "many patients" flag either.
    """
    from samplan.auditlog import chain
    from samplan.auditlog.flags import outside_usual_hours

    # Every column but the patient's own ones is the same for the whole list: worked out once.
    shared = _actor_columns(
        actor,
        searched_identity=searched_identity,
        action=action,
        object_type=object_type,
        object_id="",
        detail=detail[:200],
        not_participant=False,
        outside_hours=outside_usual_hours(actor.unit, timezone.now()),
        many_patients=False,
    )
    is_protected = subjects().is_protected
    seen: set[int] = set()
    rows: list[chain.Row] = []
    for patient in patients:
        if patient.pk in seen:
            continue
        seen.add(patient.pk)
        rows.append(
            {**shared, "patient_id": patient.pk, "protected_identity": is_protected(patient)}
        )
    chain.append_many(rows)
    return len(rows)
