"""Reads of plans, for the SIP pages and the services. The plan pages reach a plan through
access.plan_for_unit first, which writes the access-log row; the list (`list_rows`) logs every
person it shows, one row each, as the inbox lists do. Selectors never import the services
(the services read through them)."""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from django.db.models import Exists, F, Func, IntegerField, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from samplan.auditlog.access_log import AccessAction, access_log_record_many
from samplan.core.actor import Actor
from samplan.core.prepared import prepared
from samplan.organizations.models import Organization, OrganizationKind, Unit
from samplan.patients.display import PatientDisplay, patient_display
from samplan.patients.models import Consent, ConsentScope
from samplan.patients.selectors import active_consent
from samplan.sip import process
from samplan.sip.access import (
    ACTIVE_CONSENT_ID,
    PageParticipant,
    can_sign_sip_part,
    plan_participants,
)
from samplan.sip.content import Comparison, Named, PersonName, describe_change, shown_text_of
from samplan.sip.models import (
    VISIBLE_ANSWERS,
    Answer,
    EventKind,
    ParticipantRole,
    PlanState,
    SipEvent,
    SipParticipant,
    SipPlan,
    SipSignature,
    SipVersion,
    VersionReason,
)


def _count(queryset: QuerySet) -> Coalesce:
    """A correlated COUNT(*) subquery over `queryset` (0 when nothing matches)."""
    counted = queryset.order_by().annotate(n=Func(F("pk"), function="COUNT")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


def plans_for_unit(unit: Unit, *, open_only: bool = True) -> QuerySet[SipParticipant]:
    """The SIP list: the unit's participations in plans it sees, newest plan first, with what
    each row shows annotated, so a page costs a fixed number of queries."""
    rows = SipParticipant.objects.filter(unit=unit, answer__in=VISIBLE_ANSWERS)
    if open_only:
        rows = rows.exclude(plan__state=PlanState.CLOSED)
    return (
        rows.select_related(
            "delivery",
            "plan__patient__listed_care_centre",
            "plan__initiator_unit",
            "plan__current_version",
        )
        .annotate(
            unanswered=_count(
                SipParticipant.objects.filter(plan=OuterRef("plan"), answer=Answer.PENDING)
            ),
            party_count=_count(
                SipParticipant.objects.filter(plan=OuterRef("plan"), answer=Answer.ACCEPTED)
            ),
            signed_count=_count(
                SipSignature.objects.filter(
                    version=OuterRef("plan__current_version"),
                    revision=OuterRef("plan__current_version__revision"),
                )
            ),
            consent_active=Exists(
                Consent.objects.filter(
                    patient=OuterRef("plan__patient"),
                    scope=ConsentScope.SIP,
                    withdrawn_at__isnull=True,
                    given_at__lte=timezone.now(),
                )
            ),
        )
        .order_by("-plan__created_at", "-plan__pk")
    )


@dataclass(frozen=True)
class ListRow:
    plan: SipPlan
    participation: SipParticipant
    display: PatientDisplay
    unanswered: int
    unsigned: int
    answer_overdue: bool
    delivery_overdue: bool
    consent_active: bool


def list_rows(participations: list[SipParticipant], actor: Actor, *, page: int) -> list[ListRow]:
    """The SIP list's rows, with one access-log row per person shown (names and numbers)."""
    access_log_record_many(
        actor=actor,
        patients=[p.plan.patient for p in participations],
        action=AccessAction.VIEW,
        object_type="sipplan",
        detail=f"SIP list, page {page}",
    )
    now = timezone.now()
    rows = []
    for p in participations:
        plan = p.plan
        delivery = p.delivery
        unsigned = p.party_count - p.signed_count if plan.state == PlanState.PLANNING else 0
        rows.append(
            ListRow(
                plan=plan,
                participation=p,
                display=patient_display(plan.patient, participant=True),
                unanswered=p.unanswered,
                unsigned=max(unsigned, 0),
                answer_overdue=process.answer_overdue(p.answer, p.due_at, now),
                delivery_overdue=delivery is not None and delivery.is_overdue(now),
                consent_active=p.consent_active,
            )
        )
    return rows


# --- The plan's units, versions, signatures and readiness ---------------------------------------


def principal_of(organization: Organization) -> Organization:
    """A private provider acts for the region or municipality that contracted it."""
    node = organization
    for _depth in range(10):
        if node.kind != OrganizationKind.PRIVATE_PROVIDER or node.contracted_by_id is None:
            return node
        node = node.contracted_by
    return node


def nameable_units(plan: SipPlan) -> dict[int, SipParticipant]:
    """Units the plan's text may name: the initiator and the summoned units not declined."""
    return {
        p.unit_id: p
        for p in SipParticipant.objects.filter(
            plan=plan, answer__in=process.VISIBLE_ANSWERS
        ).select_related("unit__organization__contracted_by")
    }


def parties(plan: SipPlan) -> list[SipParticipant]:
    """The units that write and sign: the initiator and every summoned unit that accepted."""
    return list(
        SipParticipant.objects.filter(plan=plan, answer=Answer.ACCEPTED)
        .select_related("unit__organization__contracted_by")
        .order_by("role", "unit__name")
    )


def missed_saves(plan: SipPlan, version_number: int, revision: int) -> list[SipEvent]:
    """What others saved, made or finalised after the form's version and revision."""
    return list(
        SipEvent.objects.filter(
            plan=plan,
            kind__in=(EventKind.SAVED, EventKind.VERSION_CREATED, EventKind.FINALISED),
        )
        .filter(
            Q(version__number__gt=version_number)
            | Q(version__number=version_number, revision__gt=revision)
        )
        .select_related("user", "unit", "version")
        .order_by("at", "pk")
    )


def signatures_in_force(version: SipVersion) -> list[SipSignature]:
    """The signatures that cover the version's text as it is now."""
    return list(
        SipSignature.objects.filter(version=version, revision=version.revision).select_related(
            "unit", "user"
        )
    )


def readiness(plan: SipPlan, version: SipVersion) -> process.Readiness:
    """What still stands between the current version and finalising it."""
    party_list = parties(plan)
    unanswered = SipParticipant.objects.filter(
        plan=plan, answer__in=(Answer.PENDING, Answer.NOT_SENT)
    ).values_list("unit__name", flat=True)
    signed = {s.unit_id for s in signatures_in_force(version)}
    return readiness_from(
        version, parties=party_list, unanswered=list(unanswered), signed_unit_ids=signed
    )


def readiness_from(
    version: SipVersion,
    *,
    parties: Sequence[SipParticipant],
    unanswered: Sequence[str],
    signed_unit_ids: set[int],
) -> process.Readiness:
    """readiness() from what the caller has loaded already (the plan page)."""
    return process.finalise_readiness(
        parties=[(p.unit_id, p.unit.name) for p in parties],
        unanswered=unanswered,
        signed_unit_ids=signed_unit_ids,
        filled={
            "goals": bool(version.goals.strip()),
            "responsible_principal": version.responsible_principal_id is not None,
            "coordinator": version.coordinator_id is not None,
            "follow_up_date": version.follow_up_date is not None,
        },
    )


def participants(plan: SipPlan) -> list[SipParticipant]:
    """Every unit of the plan with its answer, initiator first (the plan page's table)."""
    return list(plan_participants(plan.pk))


def plan_units(plan: SipPlan) -> tuple[list[Unit], list[Unit]]:
    """(units the text may name: initiator and summoned not declined; parties: who sign)."""
    rows = (
        SipParticipant.objects.filter(plan=plan, answer__in=VISIBLE_ANSWERS)
        .select_related("unit__organization__contracted_by")
        .order_by("role", "unit__name")
    )
    named = [p.unit for p in rows]
    party_units = [p.unit for p in rows if p.answer == Answer.ACCEPTED]
    return named, party_units


def signatures(version: SipVersion) -> list[SipSignature]:
    return _signatures(version_id=version.pk)


_NAME = ("first_name", "last_name", "username")  # what get_full_name() or username reads


@prepared
def _signatures(*, version_id: int) -> QuerySet[SipSignature]:
    # Only what the plan page, the version page and the PDF show of a signature: the users'
    # and units' whole rows were most of the read's CPU (issue 18).
    return (
        SipSignature.objects.filter(version_id=version_id)
        .select_related("unit", "user")
        .only(
            "version_id",
            "revision",
            "unit",
            "user",
            "signed_at",
            "method",
            "unit__name",
            *(f"user__{name}" for name in _NAME),
        )
        .order_by("signed_at", "pk")
    )


@dataclass(frozen=True)
class ShownSignature:
    """A signature as the plan page shows it: rows, not three model instances each."""

    unit_id: int
    revision: int
    signed_at: datetime.datetime
    unit: Named
    user: PersonName


def shown_signatures(version: SipVersion) -> list[ShownSignature]:
    """The version's signatures, oldest first, as the plan page shows them (issue 18)."""
    return [
        ShownSignature(
            unit_id=unit_id,
            revision=revision,
            signed_at=signed_at,
            unit=Named(unit_id, unit_name),
            user=PersonName(first_name, last_name, username),
        )
        for (
            unit_id,
            revision,
            signed_at,
            unit_name,
            first_name,
            last_name,
            username,
        ) in _shown_signatures(version_id=version.pk)
    ]


@prepared
def _shown_signatures(*, version_id: int) -> QuerySet[SipSignature]:
    return (
        SipSignature.objects.filter(version_id=version_id)
        .order_by("signed_at", "pk")
        .values_list(
            "unit_id",
            "revision",
            "signed_at",
            "unit__name",
            *(f"user__{name}" for name in _NAME),
        )
    )


def version_numbers(plan_id: int) -> list[int]:
    return list(
        SipVersion.objects.filter(plan_id=plan_id)
        .order_by("number")
        .values_list("number", flat=True)
    )


@dataclass(frozen=True)
class ShownVersion:
    """A row of the plan page's table of versions: rows, not three model instances each."""

    number: int
    reason: str
    created_at: datetime.datetime
    created_by: PersonName
    locked_at: datetime.datetime | None
    locked_by: PersonName | None

    def get_reason_display(self) -> str:
        return str(VersionReason(self.reason).label)


def versions(plan: SipPlan) -> list[ShownVersion]:
    """The plan's versions, newest first, with what the plan page's table shows only."""
    return [
        ShownVersion(
            number=number,
            reason=reason,
            created_at=created_at,
            created_by=PersonName(*created_by),
            locked_at=locked_at,
            locked_by=PersonName(*locked_by) if locked_by_id is not None else None,
        )
        for (
            number,
            reason,
            created_at,
            locked_at,
            locked_by_id,
            *names,
        ) in _versions(plan_id=plan.pk)
        for created_by, locked_by in [(names[:3], names[3:])]
    ]


@prepared
def _versions(*, plan_id: int) -> QuerySet[SipVersion]:
    return (
        SipVersion.objects.filter(plan_id=plan_id)
        .order_by("-number")
        .values_list(
            "number",
            "reason",
            "created_at",
            "locked_at",
            "locked_by_id",
            *(f"created_by__{name}" for name in _NAME),
            *(f"locked_by__{name}" for name in _NAME),
        )
    )


def events(plan: SipPlan) -> QuerySet[SipEvent]:
    return (
        SipEvent.objects.filter(plan=plan)
        .select_related("user", "unit", "version")
        .order_by("-at", "-pk")
    )


@dataclass(frozen=True)
class EventRow:
    event: SipEvent
    changes: list[Comparison]


def describe_events(rows: list[SipEvent]) -> list[EventRow]:
    return [
        EventRow(
            event=e,
            changes=[describe_change(c) for c in e.detail.get("changes", [])]
            if e.kind == EventKind.SAVED
            else [],
        )
        for e in rows
    ]


@dataclass(frozen=True)
class PartStatus:
    """One party's signature of the current text."""

    participant: SipParticipant | PageParticipant
    signature: SipSignature | ShownSignature | None
    earlier: bool  # signed an earlier text of this version


def part_statuses(
    plan: SipPlan,
    version: SipVersion,
    *,
    party_list: Sequence[SipParticipant] | None = None,
    all_signatures: Sequence[SipSignature | ShownSignature] | None = None,
) -> list[PartStatus]:
    """Each party's signature of the current text; the plan page passes what it has loaded."""
    all_signatures = signatures(version) if all_signatures is None else all_signatures
    current: dict[int, SipSignature] = {}
    earlier: set[int] = set()
    for s in all_signatures:
        if s.revision == version.revision:
            current[s.unit_id] = s
        else:
            earlier.add(s.unit_id)
    return [
        PartStatus(participant=p, signature=current.get(p.unit_id), earlier=p.unit_id in earlier)
        for p in (parties(plan) if party_list is None else party_list)
    ]


def page_part_statuses(
    version: SipVersion, party_list: Sequence[PageParticipant]
) -> list[PartStatus]:
    """part_statuses from the plan page's rows, which carry their unit's signatures."""
    return [
        PartStatus(
            participant=p,
            signature=ShownSignature(
                unit_id=p.unit_id,
                revision=version.revision,
                signed_at=p.signed_at,
                unit=p.unit,
                user=p.signed_by,
            )
            if p.signed_at is not None
            else None,
            earlier=p.signed_earlier,
        )
        for p in party_list
    ]


def page_consent(plan: SipPlan) -> Consent | None:
    """active_consent(plan.patient, ConsentScope.SIP), without a query of its own when
    plan_for_unit read the plan for its page: that read found the active consent's id, and the
    plan's own consent, which it mostly is (issue 18)."""
    if hasattr(plan, ACTIVE_CONSENT_ID):
        found = getattr(plan, ACTIVE_CONSENT_ID)
        if found is None:
            return None
        if found == plan.consent_id:
            return plan.consent
    return active_consent(plan.patient, ConsentScope.SIP)


def plan_page(plan: SipPlan, actor: Actor) -> dict[str, object]:
    """Everything the plan page shows, and which actions the acting user has."""
    viewer = plan.viewer
    version = plan.current_version
    # Participants and signatures are read once and shared by the table, the signatures and
    # the readiness to finalise; the participants come with the plan when the view asked
    # plan_for_unit for them (one query for the unit's own row, the table and each unit's
    # signature).
    rows = getattr(plan, "participant_rows", None)
    all_participants = participants(plan) if rows is None else rows
    party_list = [p for p in all_participants if p.answer == Answer.ACCEPTED]
    if rows is not None:
        statuses = page_part_statuses(version, party_list)
    else:
        statuses = part_statuses(
            plan, version, party_list=party_list, all_signatures=shown_signatures(version)
        )
    signed_here = any(s.signature and s.participant.unit_id == actor.unit.pk for s in statuses)
    consent = page_consent(plan)
    now = timezone.now()
    for p in all_participants:
        p.overdue = process.answer_overdue(p.answer, p.due_at, now)
    summoned = [p for p in all_participants if p.role == ParticipantRole.SUMMONED]
    plan_readiness = None
    if plan.state == PlanState.PLANNING:
        plan_readiness = readiness_from(
            version,
            parties=party_list,
            unanswered=[
                p.unit.name for p in summoned if p.answer in (Answer.PENDING, Answer.NOT_SENT)
            ],
            signed_unit_ids={s.participant.unit_id for s in statuses if s.signature},
        )
    own = next((p for p in all_participants if p.unit_id == actor.unit.pk), None)
    coordinator = ""
    if version.coordinator_id is not None:
        name = version.coordinator.get_full_name() or version.coordinator.username
        unit = version.coordinator_unit.name if version.coordinator_unit_id else ""
        coordinator = f"{name} ({unit})" if unit else name
    step = process.next_step(
        state=plan.state,
        viewer=viewer,
        consent_active=consent is not None,
        signed_here=signed_here,
        readiness=plan_readiness,
        coordinator=coordinator,
        follow_up_date=version.follow_up_date,
        answer_due=timezone.localtime(own.due_at) if own and own.due_at else None,
    )
    return {
        "plan": plan,
        "display": patient_display(plan.patient, participant=True),
        "viewer": viewer,
        "version": version,
        "text": shown_text_of(version),
        "participants": all_participants,
        "unanswered": [p for p in summoned if p.answer == Answer.PENDING],
        "not_sent": [p for p in summoned if p.answer == Answer.NOT_SENT],
        "statuses": statuses,
        "readiness": plan_readiness,
        "next_step": step,
        "versions": versions(plan),
        "consent": consent,
        "consent_withdrawn": consent is None and plan.consent_id is not None,
        "card": actor.strong_authentication,
        "actions": {
            "change_initiative": process.may_change_initiative(plan.state, viewer),
            "summon": process.may_summon(plan.state, viewer),
            "send": process.may_summon(plan.state, viewer) and consent is not None,
            "answer": process.may_answer(plan.state, viewer),
            "edit": process.may_edit_plan(plan.state, viewer),
            "sign": process.may_sign(plan.state, viewer, already_signed=signed_here)
            and can_sign_sip_part(actor.user, actor.unit, actor.unit.pk),
            "finalise": plan.state == PlanState.PLANNING and viewer.is_coordinator,
            "new_version": process.may_new_version(plan.state, viewer),
            "close": process.may_close(plan.state, viewer),
            "consent": process.may_record_consent(plan.state, viewer) and consent is None,
        },
        "summons_key": uuid.uuid4().hex,
    }
