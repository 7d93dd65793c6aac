"""The only way views reach discharge cases: need-to-know checked, access log written.

A unit sees a case while it takes part in it (CaseParticipant without left_at). A case the
unit may not see raises Http404, so a forged id and a missing one look the same. Below the
accessors: what a user may do on a case the unit sees (the can_* rules).
"""

from __future__ import annotations

from django.db.models import QuerySet
from django.db.models.functions import TruncDate
from django.http import Http404

from samplan.accounts.administering import can_manage_agreements
from samplan.accounts.models import User
from samplan.auditlog.access_log import AccessAction, access_log_record
from samplan.core.actor import Actor
from samplan.core.localtime import STOCKHOLM
from samplan.core.message_types import MessageType
from samplan.core.prepared import prepared
from samplan.discharge import process
from samplan.discharge.models import DischargeCase
from samplan.messaging.access import new_count_column
from samplan.messaging.models import Message
from samplan.organizations.agreements import terms_annotations
from samplan.organizations.models import Unit
from samplan.patients.access import can_work_with_patients
from samplan.patients.display import DISPLAY_FIELDS


def cases_for_unit(unit_id: int, *, open_only: bool = False) -> QuerySet[DischargeCase]:
    """The cases a unit takes part in now (for lists; the caller logs what it shows).

    `open_only`: only the open ones, as their participation says (CaseParticipant.case_open,
    kept in step with the case's state by the database; participant_open_newest_idx): a far
    smaller set than all a ward ever had. One filter() call, so both conditions are on the
    same participant row.
    """
    participation = {"participants__unit_id": unit_id, "participants__left_at__isnull": True}
    if open_only:
        participation["participants__case_open"] = True
    return DischargeCase.objects.filter(**participation)


def case_for_unit(
    actor: Actor, case_id: int, *, action: str = AccessAction.VIEW, shown: bool = False
) -> DischargeCase:
    """The case, if the current unit takes part in it (else 404); writes one log row.

    `shown`: the caller only shows the case (the case page and its printout), so of the
    patient, ward and municipality only what they show is read (_SHOWN_FIELDS), and the case
    comes with the acting unit's new-message count for the page's header as
    `unit_new_count` (messaging.access.new_count_column) and with the terms of the agreement
    in force on the day of admission (organizations.agreements.terms_annotations); other
    callers get whole rows, which their services may read further or save."""
    if not can_work_with_patients(actor.user, actor.unit):
        raise Http404
    rows = _case_of_unit(case_id=case_id, unit_id=actor.unit.pk, shown=shown)
    if not rows:
        raise Http404
    case = rows[0]
    access_log_record(actor=actor, patient=case.patient, action=action, obj=case, participant=True)
    return case


# What the case page and its printout read of a case's related rows, besides the case's own
# columns: the patient as patient_display and the access log read it (the log: pk and
# protection) with the listed care centre's name, the ward's name, phone and organisation's
# name, and the municipality's name. The region is not shown (terms_for takes region_id).
# Every column of the four rows (some 60) cost their conversion and the listed care centre a
# query of its own; a field left out here and read later costs a query: test_case_page pins
# the page's queries.
_SHOWN_FIELDS = (
    *(f.name for f in DischargeCase._meta.concrete_fields),
    *(f"patient__{name}" for name in DISPLAY_FIELDS),
    "patient__listed_care_centre__name",
    "ward__name",
    "ward__phone",
    "ward__organization__name",
    "municipality__name",
)


# Both shapes at start-up: the case page's (shown) is the busiest.
@prepared(warm=lambda: [{"case_id": 1, "unit_id": 1, "shown": shown} for shown in (True, False)])
def _case_of_unit(*, case_id: int, unit_id: int, shown: bool = False) -> QuerySet[DischargeCase]:
    cases = cases_for_unit(unit_id).filter(pk=case_id)
    if shown:
        cases = (
            cases.select_related(
                "patient__listed_care_centre", "ward__organization", "municipality"
            )
            .only(*_SHOWN_FIELDS)
            .annotate(
                unit_new_count=new_count_column(unit_id),
                admitted_day=TruncDate("admitted_at", tzinfo=STOCKHOLM),
            )
            # The agreement's terms the page works with (case_page.case_terms), in this
            # statement rather than a query of their own.
            .annotate(**terms_annotations(day="admitted_day"))
        )
    else:
        cases = cases.select_related("patient", "ward__organization", "region", "municipality")
    return cases[:1]


# --- What a unit that sees a case may do on it ---------------------------------------------
# The process rules (which kind of unit sends which message in which state) are the discharge
# app's tables (process.py); these functions apply them for the user and the unit acted for.


def can_edit_daily_amounts(user: User) -> bool:
    """The national table of amounts per year: superusers and the system administrators of any
    region or municipality (domain.md §6: "editable by system admins")."""
    return (
        user.is_authenticated
        and user.is_active
        and (user.is_superuser or can_manage_agreements(user))
    )


def can_open_discharge_case(user: User, unit: Unit | None) -> bool:
    """Nytt ärende: a patient-working user of a hospital ward of a region (or its provider)."""
    if not can_work_with_patients(user, unit):
        return False
    try:
        group = process.sender_group(unit.kind, process.principal_kind(unit.organization))
    except ValueError:  # a provider with no region or municipality behind it
        return False
    return group == process.SenderGroup.WARD


def case_message_types(
    user: User,
    unit: Unit | None,
    case: DischargeCase,
    *,
    has_admission_notice: bool | None = None,
) -> list[str]:
    """The message types the user may send for `unit` on `case` now (the send buttons).
    `has_admission_notice`: as services.case_sendable_types."""
    from samplan.discharge.services import case_sendable_types

    if not can_work_with_patients(user, unit):
        return []
    return case_sendable_types(case, unit, has_admission_notice=has_admission_notice)


def can_send_on_case(user: User, unit: Unit | None, case: DischargeCase, message_type: str) -> bool:
    return message_type in case_message_types(user, unit, case)


def acts_for_case_ward(user: User, unit: Unit | None, case: DischargeCase) -> bool:
    """The user works with patients in the ward that has the case now."""
    return can_work_with_patients(user, unit) and case.ward_id == unit.pk


def can_transfer_case(user: User, unit: Unit | None, case: DischargeCase) -> bool:
    """Flytta: the ward that has the case, while it is open."""
    return acts_for_case_ward(user, unit, case) and case.is_open


def can_close_case(user: User, unit: Unit | None, case: DischargeCase) -> bool:
    """Avsluta: the ward that has the case, once the person is discharged."""
    return acts_for_case_ward(user, unit, case) and case.state in process.CLOSABLE_STATES


def can_change_case(user: User, unit: Unit | None, case: DischargeCase) -> bool:
    """The case's own details (estimated discharge date, SIP needed, ...): the ward, while open."""
    return acts_for_case_ward(user, unit, case) and case.is_open


def can_cancel_message(
    user: User, unit: Unit | None, message: Message, case: DischargeCase
) -> bool:
    """Makulera: the unit that sent the message, on a case that still takes messages."""
    return (
        can_work_with_patients(user, unit)
        and message.sender_unit_id == unit.pk
        and message.cancelled_at is None
        and message.message_type != MessageType.CANCELLATION
        and case.state not in process.FINAL_STATES
    )


def case_may_carry_summons(
    case: DischargeCase, unit: Unit, *, takes_part: bool | None = None
) -> bool:
    """Whether `unit` may send the case's SIP summons: it takes part in the open case and is
    the kind of unit the discharge process lets send it (the care contact's). `takes_part`
    is whether the unit takes part now, when the caller has already read the case's
    participants (the case page), so it is not asked again."""
    kind = process.principal_kind(unit.organization)
    return (
        case.is_open
        and process.may_send(unit.kind, kind, MessageType.SIP_SUMMONS)
        and (
            cases_for_unit(unit.pk).filter(pk=case.pk).exists()
            if takes_part is None
            else takes_part
        )
    )
