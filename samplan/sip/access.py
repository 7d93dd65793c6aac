"""The only way views reach plans: need-to-know checked, access log written.

A unit sees a plan while it is the initiator, or a summoned unit whose summons was sent and
that has not declined (SipParticipant.answer pending or accepted). A unit that declined no
longer sees the plan or, through it, the person. The user must hold a SIP role in the unit
(can_work_with_sip, below). A plan the unit may not see raises Http404, so a forged id
and a missing one look the same. Every call writes one access-log row: viewing, printing a
PDF or comparing versions.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.db.models import Exists, OuterRef, QuerySet, Subquery
from django.http import Http404
from django.utils import timezone

from samplan.accounts.access import holds_role_in_unit, role_holders, roles_in_unit
from samplan.accounts.models import Membership, Role, User
from samplan.auditlog.access_log import AccessAction, access_log_record
from samplan.core.actor import Actor
from samplan.core.prepared import prepared
from samplan.messaging.access import new_count_column
from samplan.messaging.models import Message
from samplan.organizations.models import Unit
from samplan.patients.display import DISPLAY_FIELDS
from samplan.patients.models import Consent, ConsentScope
from samplan.sip import process
from samplan.sip.content import Named, PersonName
from samplan.sip.models import (
    VISIBLE_ANSWERS,
    Answer,
    ParticipantRole,
    SipParticipant,
    SipPlan,
    SipSignature,
    SipVersion,
)
from samplan.sip.process import Viewer

# --- Who may work with plans (domain.md §7) -------------------------------------------------
# The seeds let staff and unit managers (enhetschefer) initiate, answer and sign SIPs, so the
# SIP roles are user, super_user and manager, held in the unit acted for. Administrator,
# log-reviewer and report roles never open a plan because of that role alone. "Holds a SIP
# role in the unit" is decided here only: for the logged-in user from the cached memberships
# (can_work_with_sip), for anyone else by sip_role_holders.

SIP_ROLES = {Role.USER, Role.SUPER_USER, Role.MANAGER}


def can_work_with_sip(user: User, unit: Unit | None) -> bool:
    """Open the SIP list and plans, start a plan, answer a summons, write a plan for `unit`."""
    return unit is not None and bool(roles_in_unit(user, unit) & SIP_ROLES)


def can_sign_sip_part(user: User, unit: Unit | None, part_unit_id: int) -> bool:
    """Sign a unit's part of a plan: a user holding a SIP role in that very unit, acting for it.

    Any such user of the unit may sign (the signature names who did), so an absent colleague
    does not hold the plan up; password users give their password again (samplan.sip.versions).
    """
    return unit is not None and unit.pk == part_unit_id and can_work_with_sip(user, unit)


def can_finalise_sip(
    user: User, unit: Unit | None, coordinator_id: int | None, coordinator_unit_id: int | None
) -> bool:
    """Slutjustera: the coordinator named in the plan, acting for the coordinator's unit."""
    return (
        unit is not None
        and coordinator_id is not None
        and user.pk == coordinator_id
        and unit.pk == coordinator_unit_id
        and can_work_with_sip(user, unit)
    )


def sip_role_holders(units: Iterable[Unit | int]) -> QuerySet[Membership]:
    """The memberships (active users, in force today) holding a SIP role in one of `units`:
    the people a plan may name as its coordinator."""
    return role_holders(units, SIP_ROLES)


def coordinator_allowed(user_id: int, unit_id: int, party_unit_ids: set[int]) -> bool:
    """The coordinator works in a party unit and holds a SIP role there today."""
    return unit_id in party_unit_ids and holds_role_in_unit(user_id, unit_id, SIP_ROLES)


# --- The acting unit's place in a plan --------------------------------------------------------


def participation_of(plan: SipPlan, unit: Unit) -> SipParticipant | None:
    """The unit's row in the plan (any answer), or None."""
    return SipParticipant.objects.filter(plan=plan, unit=unit).first()


def viewer_for(actor: Actor, plan: SipPlan) -> process.Viewer:
    """The acting unit's place in the plan, read fresh inside the service's transaction."""
    participation = participation_of(plan, actor.unit) if actor.unit else None
    version = plan.current_version
    return process.Viewer(
        role=participation.role if participation else None,
        answer=participation.answer if participation else None,
        may_work=can_work_with_sip(actor.user, actor.unit),
        is_coordinator=version is not None
        and actor.unit is not None
        and version.coordinator_id == actor.user.pk
        and version.coordinator_unit_id == actor.unit.pk,
    )


# --- Need-to-know accessors --------------------------------------------------------------------

_PLAN_RELATED = (
    "patient__listed_care_centre",
    "initiator_unit__organization",
    "initiated_by",
    "case",
    "consent",
    "current_version__coordinator",
    "current_version__coordinator_unit",
    "current_version__responsible_principal",
)


# What the plan page's table of units shows of each participant (selectors.participants too).
PARTICIPANT_RELATED = ("unit__organization", "answered_by", "delivery")


def plan_participants(plan_id: int) -> QuerySet[SipParticipant]:
    """Every unit of the plan with its answer, initiator first (the plan page's table)."""
    return (
        SipParticipant.objects.filter(plan_id=plan_id)
        .select_related(*PARTICIPANT_RELATED)
        .order_by("role", "unit__name")
    )


def _participation(
    plan_id: int, unit: Unit, *, with_participants: bool
) -> tuple[SipParticipant | PageParticipant | None, list[PageParticipant] | None]:
    """The unit's visible row in the plan and, if asked, every row of the plan, in one query
    (then as PageParticipants, the unit's own row among them).

    With `with_participants` the rows come only if the unit sees the plan (the EXISTS below),
    so the database never hands over another plan's units.
    """
    if not with_participants:
        own = (
            SipParticipant.objects.select_related("delivery")
            .filter(plan_id=plan_id, unit=unit, answer__in=VISIBLE_ANSWERS)
            .first()
        )
        return own, None
    rows = [
        PageParticipant(*row) for row in _participants_if_visible(plan_id=plan_id, unit_id=unit.pk)
    ]
    own = next((p for p in rows if p.unit_id == unit.pk), None)
    return own, rows


# The plan page reads only the columns it shows (issue 18): every column read is a converter
# to find and run and an attribute to set, per request, and the users', units' and cases'
# whole rows were most of the page's 470 columns. A field left out here is read with a query
# of its own when touched, so the plan page's pinned query count (tests/test_next_step.py)
# and its panels' tests (tests/test_plan_blocks.py) notice a missing one.
_NAME = ("first_name", "last_name", "username")  # get_full_name() or username
# The plan page's participants come as value rows (PageParticipant, below), in this order.
PAGE_PARTICIPANT_FIELDS = (
    "plan_id",
    "unit_id",
    "role",
    "answer",
    "due_at",
    "answered_at",
    "attendees",
    "decline_reason",
    "unit__name",
    "unit__organization_id",
    "unit__organization__name",
    "answered_by_id",
    *(f"answered_by__{name}" for name in _NAME),
    # the unit's signature of the current text, and whether it signed an earlier one
    # (_SIGNATURE_COLUMNS, below)
    "signed_at",
    *(f"signed_by_{name}" for name in _NAME),
    "signed_earlier",
)


class PageParticipant:
    """A unit of the plan as the plan page shows it (PAGE_PARTICIPANT_FIELDS): one value row
    rather than a participant, unit, organization and user instance each (issue 18). It has
    what the page, the readiness and the viewer read of a SipParticipant, under its names."""

    __slots__ = (
        "answer",
        "answered_at",
        "answered_by",
        "attendees",
        "decline_reason",
        "due_at",
        "overdue",
        "plan_id",
        "role",
        "signed_at",
        "signed_by",
        "signed_earlier",
        "unit",
        "unit_id",
    )

    def __init__(
        self,
        plan_id: int,
        unit_id: int,
        role: str,
        answer: str,
        due_at: datetime.datetime | None,
        answered_at: datetime.datetime | None,
        attendees: str,
        decline_reason: str,
        unit_name: str,
        organization_id: int,
        organization_name: str,
        answered_by_id: int | None,
        answered_by_first_name: str | None,
        answered_by_last_name: str | None,
        answered_by_username: str | None,
        signed_at: datetime.datetime | None,
        signed_by_first_name: str | None,
        signed_by_last_name: str | None,
        signed_by_username: str | None,
        signed_earlier: bool,
    ) -> None:
        self.plan_id = plan_id
        self.unit_id = unit_id
        self.role = role
        self.answer = answer
        self.due_at = due_at
        self.answered_at = answered_at
        self.attendees = attendees
        self.decline_reason = decline_reason
        self.unit = Named(unit_id, unit_name, Named(organization_id, organization_name))
        self.answered_by = (
            PersonName(answered_by_first_name, answered_by_last_name, answered_by_username)
            if answered_by_id is not None
            else None
        )
        # The unit's signature of the current text (at most one: sipsignature_unique), as
        # selectors.part_statuses would find it among the version's signatures.
        self.signed_at = signed_at
        self.signed_by = (
            PersonName(signed_by_first_name, signed_by_last_name, signed_by_username)
            if signed_at is not None
            else None
        )
        self.signed_earlier = signed_earlier
        self.overdue = False  # set by selectors.plan_page, which knows the time

    @property
    def answered_late(self) -> bool:
        # As SipParticipant.answered_late.
        return bool(self.answered_at and self.due_at and self.answered_at > self.due_at)

    def get_role_display(self) -> str:
        return str(ParticipantRole(self.role).label)

    def get_answer_display(self) -> str:
        return str(Answer(self.answer).label)


_PAGE_PLAN_FIELDS = (
    "patient",
    "initiator_unit",
    "created_at",
    "case",
    "state",
    "purpose",
    "person_goals",
    "questions",
    "proposed_coordinator",
    "meeting_at",
    "meeting_mode",
    "meeting_place",
    "meeting_link",
    "invited_others",
    "consent",
    "current_version",
    "closed_at",
    "close_reason",
    "close_text",
    # patient_display and the access log's flags
    *(f"patient__{name}" for name in DISPLAY_FIELDS),
    "patient__listed_care_centre__name",
    "initiator_unit__name",
    "consent__withdrawn_at",
    # the consent panel, when the plan's consent is the active one (ACTIVE_CONSENT_ID)
    *(
        f"consent__{name}"
        for name in ("given_by", "given_at", "given_by_name", "given_by_relation", "exclusions")
    ),
    # the version's text, its state, and what finalising still needs
    *(
        f"current_version__{name}"
        for name in (
            "number",
            "revision",
            "locked_at",
            "goals",
            "others_do",
            "responsible_principal",
            "coordinator",
            "coordinator_unit",
            "participation",
            "relatives_views",
            "follow_up_date",
            "follow_up_how",
        )
    ),
    *(f"current_version__coordinator__{name}" for name in _NAME),
    "current_version__coordinator_unit__name",
    "current_version__responsible_principal__name",
)


def _signature_columns() -> dict[str, Subquery | Exists]:
    """The participant's unit's signature of its plan's current text (when, by whom), and
    whether the unit signed an earlier text of that version: the plan page's signatures,
    read with its units rather than by a query of their own (issue 18)."""
    of_unit = SipSignature.objects.filter(
        version_id=OuterRef("plan__current_version_id"), unit_id=OuterRef("unit_id")
    )
    current = of_unit.filter(revision=OuterRef("plan__current_version__revision"))
    return {
        "signed_at": Subquery(current.values("signed_at")),
        **{f"signed_by_{name}": Subquery(current.values(f"user__{name}")) for name in _NAME},
        "signed_earlier": Exists(
            of_unit.exclude(revision=OuterRef("plan__current_version__revision"))
        ),
    }


@prepared
def _participants_if_visible(*, plan_id: int, unit_id: int) -> QuerySet[SipParticipant]:
    return (
        SipParticipant.objects.filter(plan_id=plan_id)
        .filter(
            Exists(
                SipParticipant.objects.filter(
                    plan_id=plan_id, unit_id=unit_id, answer__in=VISIBLE_ANSWERS
                )
            )
        )
        .annotate(**_signature_columns())
        .order_by("role", "unit__name")
        .values_list(*PAGE_PARTICIPANT_FIELDS)
    )


@prepared
def _plan(*, plan_id: int) -> QuerySet[SipPlan]:
    return SipPlan.objects.select_related(*_PLAN_RELATED).filter(pk=plan_id)


# The plan page's read also finds which consent is the person's active one to the SIP, by
# patients.selectors.active_consent's rule (the newest given and not withdrawn): mostly the
# plan's own consent, which comes in the same read, so the page needs no query for it
# (selectors.page_consent).
ACTIVE_CONSENT_ID = "active_consent_id"


def _active_consent_id(now: datetime.datetime) -> Subquery:
    return Subquery(
        Consent.objects.filter(
            patient_id=OuterRef("patient_id"),
            scope=ConsentScope.SIP,
            withdrawn_at__isnull=True,
            given_at__lte=now,
        )
        .order_by("-given_at", "-pk")
        .values("pk")[:1]
    )


@prepared
def _page_plan(*, plan_id: int, unit_id: int, now: datetime.datetime) -> QuerySet[SipPlan]:
    return (
        SipPlan.objects.select_related(
            "patient__listed_care_centre",
            "initiator_unit",
            "consent",
            "current_version__coordinator",
            "current_version__coordinator_unit",
            "current_version__responsible_principal",
        )
        .only(*_PAGE_PLAN_FIELDS)
        .annotate(**{ACTIVE_CONSENT_ID: _active_consent_id(now)})
        # The header's new-message count, so that it does not count again (the case page's way).
        .annotate(unit_new_count=new_count_column(unit_id))
        .filter(pk=plan_id)
    )


def plan_for_unit(
    actor: Actor,
    plan_id: int,
    *,
    action: str = AccessAction.VIEW,
    detail: str = "",
    with_participants: bool = False,
) -> SipPlan:
    """The plan, if the current unit sees it (else 404); writes one access-log row.

    Sets plan.viewer (process.Viewer) and plan.participation (the unit's SipParticipant);
    with `with_participants` also plan.participant_rows (every unit of the plan as a
    PageParticipant, read in the same query as the unit's own row, which is then one of them
    and plan.participation: the plan page), and the plan and its current version with only
    the columns the plan page shows, the id of the person's active consent to the SIP
    (ACTIVE_CONSENT_ID, for selectors.page_consent) and the unit's new-message count for the
    page's header (`unit_new_count`, messaging.access.new_count_column).
    """
    unit = actor.unit
    if not can_work_with_sip(actor.user, unit):
        raise Http404
    participation, rows = _participation(plan_id, unit, with_participants=with_participants)
    if participation is None:
        raise Http404
    (plan,) = (
        _page_plan(plan_id=plan_id, unit_id=unit.pk, now=timezone.now())
        if with_participants
        else _plan(plan_id=plan_id)
    )
    # The unit takes part in a plan for the person (just checked): the same answer the access
    # log's relation check ("sip.participant", sip/apps.py) would find with a query of its own.
    access_log_record(
        actor=actor, patient=plan.patient, action=action, obj=plan, detail=detail, participant=True
    )
    version = plan.current_version
    plan.participation = participation
    if rows is not None:
        plan.participant_rows = rows
    plan.viewer = Viewer(
        role=participation.role,
        answer=participation.answer,
        may_work=True,
        is_coordinator=version is not None
        and version.coordinator_id == actor.user.pk
        and version.coordinator_unit_id == unit.pk,
    )
    return plan


def version_of(plan: SipPlan, number: int) -> SipVersion:
    """A version of a plan already fetched through plan_for_unit (else 404)."""
    version = (
        SipVersion.objects.select_related(
            "coordinator", "coordinator_unit", "responsible_principal", "created_by", "locked_by"
        )
        .filter(plan=plan, number=number)
        .first()
    )
    if version is None:
        raise Http404
    return version


def plan_id_for_message(actor: Actor, message_id: int) -> int:
    """The plan a SIP message (summons or reminder) belongs to, if the unit sees the plan.

    For the link from a message in Mottagna to its plan; plan_for_unit then logs the view.
    """
    plan_id = (
        Message.objects.filter(pk=message_id, sip_link__isnull=False)
        .values_list("sip_link__plan_id", flat=True)
        .first()
    )
    if plan_id is None or actor.unit is None:
        raise Http404
    return plan_id
