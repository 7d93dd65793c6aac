"""The router: which units a message about a person goes to, and why (domain.md §4).

`route()` is the one entry point. For a person, a message type, the sending unit and a point
in time it proposes recipient units from the addressing register, in the order of §4:

1. patient filters (personnummerfilter) valid on the day,
2. the residence list (boendelista): where the person lives on the day,
3. listing: the primary care centre the person is listed at,
4. area rules: the person's registered municipality (and postal-code range) for the type,
5. fallback: the central inbox of the municipality (or region) when steps 1–4 found no unit
   on the side the message type must reach.

Invariants (tested with hypothesis over random registers):
- never empty: the fallback chain ends at the sender's own organisation's central inbox; an
  installation where even that is missing raises NoRecipientError (loud, never a silent drop);
- each unit at most once: a unit found by several steps is proposed once, with every reason,
  the first (highest step) first;
- only units that can receive on that day: active, inside active_from/active_to, with an inbox,
  of an active organisation that has started (Organization.starts_on);
- never the sending unit: a message to oneself informs nobody, and it would hide that the
  register has no other receiver (the fallback is used instead);
- protected identity (any protection other than "none"): the postal code is never used, so
  area rules with a postal-code range are skipped and the municipality-level rule or the
  fallback takes the message; reason texts name no municipality code, postal code, dates of
  residence or "lives at" — only which register step chose the unit.

"at" decides which register rows and units are valid: its calendar day in Europe/Stockholm.
The router runs a fixed number of queries (at most five) whatever the size of the register;
each query is served by an index named in models.py.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Protocol

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from samplan.addressing.models import AreaRule, FallbackInbox, PatientFilter, ResidenceEntry
from samplan.core.message_types import MessageType
from samplan.organizations.models import OrganizationKind, Unit
from samplan.patients.models import Protection


class ReasonCode(models.TextChoices):
    """Why a unit was proposed; stored with each delivery by messaging."""

    PATIENT_FILTER = "patient_filter", gettext_lazy("Patient filter")
    RESIDENCE = "residence", gettext_lazy("Residence list")
    LISTING = "listing", gettext_lazy("Listing")
    AREA_RULE = "area_rule", gettext_lazy("Area rule")
    FALLBACK = "fallback", gettext_lazy("Fallback inbox")


class Side:
    """Whose organisation a message type must reach: decides the fallback inbox."""

    MUNICIPALITY = OrganizationKind.MUNICIPALITY.value
    REGION = OrganizationKind.REGION.value


@dataclass(frozen=True)
class RouteSpec:
    steps: tuple[str, ...]
    # The fallback inbox used when the steps found no unit whose principal is this side.
    side: str
    # Principals (organisation kind, or the contracting organisation's kind for a private
    # provider) the steps may propose; None accepts every unit.
    accepts: frozenset[str] | None = None


_ALL_STEPS = (
    ReasonCode.PATIENT_FILTER,
    ReasonCode.RESIDENCE,
    ReasonCode.LISTING,
    ReasonCode.AREA_RULE,
)
# Hospital → municipality and care centre (law 2017:612): the municipal units that know the
# person, the nursing home, the listed care centre, the municipality's intake by area rule.
TO_MUNICIPALITY_AND_CARE_CENTRE = RouteSpec(steps=_ALL_STEPS, side=Side.MUNICIPALITY)
# Municipality → region: a care report goes to the care centre (the ward comes from the case,
# which messaging adds); the region may route by area rule; never to municipal units.
TO_REGION = RouteSpec(
    steps=(ReasonCode.LISTING, ReasonCode.AREA_RULE),
    side=Side.REGION,
    accepts=frozenset({Side.REGION}),
)
# Municipality → ward before admission: the ward is only known from the case; the register
# can only offer the region's area rules and its central inbox.
TO_REGION_WARD = RouteSpec(
    steps=(ReasonCode.AREA_RULE,), side=Side.REGION, accepts=frozenset({Side.REGION})
)

# The register-based proposal per message type. Messages that go to a case's participants
# (planning info, ready for discharge, ...) are sent by messaging to the participants; the
# router's proposal for them is the one used when a case has none yet.
ROUTES: dict[str, RouteSpec] = {
    MessageType.STATUS_REPORT: TO_REGION_WARD,
    MessageType.ADMISSION_NOTICE: TO_MUNICIPALITY_AND_CARE_CENTRE,
    MessageType.PLANNING_INFO: TO_MUNICIPALITY_AND_CARE_CENTRE,
    MessageType.CARE_CONTACT_APPOINTED: TO_MUNICIPALITY_AND_CARE_CENTRE,
    MessageType.READY_FOR_DISCHARGE: TO_MUNICIPALITY_AND_CARE_CENTRE,
    MessageType.READINESS_WITHDRAWN: TO_MUNICIPALITY_AND_CARE_CENTRE,
    MessageType.SIP_SUMMONS: TO_MUNICIPALITY_AND_CARE_CENTRE,
    MessageType.DISCHARGE_NOTICE: TO_MUNICIPALITY_AND_CARE_CENTRE,
    MessageType.DISCHARGE_INFO: TO_MUNICIPALITY_AND_CARE_CENTRE,
    MessageType.CARE_REPORT: TO_REGION,
    MessageType.EXTRA_MESSAGE: TO_MUNICIPALITY_AND_CARE_CENTRE,
    MessageType.CANCELLATION: TO_MUNICIPALITY_AND_CARE_CENTRE,
    MessageType.CASE_WITHDRAWN: TO_MUNICIPALITY_AND_CARE_CENTRE,
}


class RoutingPerson(Protocol):
    """What the router needs of a person: a Patient, or a RoutingSubject for someone not
    (yet) in samplan."""

    identity_number: str
    protection: str
    registered_municipality: str
    postal_code: str
    listed_care_centre_id: int | None


@dataclass(frozen=True)
class RoutingSubject:
    """A person known only by identity number (e.g. in the simulator, or before the patient
    record exists): no address and no listing, so only steps 1, 2 and 5 can find units."""

    identity_number: str
    protection: str = Protection.NONE
    registered_municipality: str = ""
    postal_code: str = ""
    listed_care_centre_id: int | None = None


@dataclass(frozen=True)
class Reason:
    code: str
    text: str


@dataclass(frozen=True)
class Recipient:
    unit: Unit
    reasons: tuple[Reason, ...]

    @property
    def reason(self) -> Reason:
        """The reason of the first step that found the unit."""
        return self.reasons[0]


@dataclass(frozen=True)
class Skipped:
    """A unit a step found but the router left out, and why (shown by the simulator)."""

    unit: Unit
    reason: Reason
    why: str


@dataclass
class RoutingResult:
    day: datetime.date
    recipients: list[Recipient]
    skipped: list[Skipped] = field(default_factory=list)


class NoRecipientError(Exception):
    """Not even the sender's organisation has a usable fallback inbox: a configuration error
    the sender must see, never a message silently dropped."""


def route(
    *,
    patient: RoutingPerson,
    message_type: str,
    sender_unit: Unit | None,
    at: datetime.datetime | datetime.date | None = None,
) -> list[Recipient]:
    """The proposed recipients, in step order, each unit once with its reasons."""
    return explain_route(
        patient=patient, message_type=message_type, sender_unit=sender_unit, at=at
    ).recipients


def explain_route(
    *,
    patient: RoutingPerson,
    message_type: str,
    sender_unit: Unit | None,
    at: datetime.datetime | datetime.date | None = None,
) -> RoutingResult:
    """As route(), plus the units the steps found but left out, for the simulator."""
    try:
        spec = ROUTES[message_type]
    except KeyError:
        raise ValueError(f"Unknown message type {message_type!r}") from None
    day = routing_day(at)
    protected = patient.protection != Protection.NONE
    collector = _Collector(day=day, sender=sender_unit, accepts=spec.accepts)
    # Phase 1: the register rows of each step, as plain values (one cheap query per step).
    filters = _filter_rows(patient, day) if ReasonCode.PATIENT_FILTER in spec.steps else []
    residence = _residence_rows(patient, day) if ReasonCode.RESIDENCE in spec.steps else []
    rules = (
        _rule_rows(patient, message_type, day, protected)
        if ReasonCode.AREA_RULE in spec.steps
        else []
    )
    listed = patient.listed_care_centre_id if ReasonCode.LISTING in spec.steps else None
    # Phase 2: every unit they name, with organisation and contractor, in one query.
    unit_ids = {row[0] for row in filters} | {row[0] for row in residence}
    unit_ids |= {rule.unit_id for rule in rules}
    if listed is not None:
        unit_ids.add(listed)
    units = (
        Unit.objects.select_related("organization__contracted_by").in_bulk(unit_ids)
        if unit_ids
        else {}
    )
    # Phase 3: the steps in order, each unit once.
    for step in spec.steps:
        if step == ReasonCode.PATIENT_FILTER:
            _filters(collector, filters, units)
        elif step == ReasonCode.RESIDENCE:
            _residence(collector, residence, units, protected)
        elif step == ReasonCode.LISTING and listed is not None and listed in units:
            collector.offer(
                units[listed], Reason(ReasonCode.LISTING, _("Listed at this care centre"))
            )
        elif step == ReasonCode.AREA_RULE:
            _area_rules(collector, rules, units, protected)
    if not collector.reaches(spec.side):
        _fallback(collector, patient, spec.side, sender_unit)
    if not collector.recipients:
        raise NoRecipientError(
            _(
                "No unit can receive this message: the sender's organisation has no usable "
                "fallback inbox. Contact your system administrator."
            )
        )
    return RoutingResult(day=day, recipients=collector.result(), skipped=collector.skipped)


def routing_day(at: datetime.datetime | datetime.date | None) -> datetime.date:
    """The calendar day in Europe/Stockholm that decides validity."""
    if at is None:
        return timezone.localdate()
    if isinstance(at, datetime.datetime):
        return timezone.localdate(at) if timezone.is_aware(at) else at.date()
    return at


def principal_kind(unit: Unit) -> str:
    """Region or municipality behind a unit; a private provider answers for its contractor."""
    organization = unit.organization
    if organization.kind == OrganizationKind.PRIVATE_PROVIDER and organization.contracted_by:
        return organization.contracted_by.kind
    return organization.kind


class _Collector:
    """Keeps proposals in order, each unit once, and records what was left out."""

    def __init__(
        self, *, day: datetime.date, sender: Unit | None, accepts: frozenset[str] | None
    ) -> None:
        self.day = day
        self.sender_id = sender.pk if sender is not None else None
        self.accepts = accepts
        self.recipients: dict[int, list[Reason]] = {}
        self.units: dict[int, Unit] = {}
        self.skipped: list[Skipped] = []

    def why_not(self, unit: Unit, *, check_accepts: bool = True) -> str | None:
        if unit.pk == self.sender_id:
            return _("It is the sending unit.")
        if not unit.has_inbox:
            return _("The unit has no inbox.")
        if not unit.is_active_on(self.day):
            return _("The unit is not active on this date.")
        if not unit.organization.is_active:
            return _("The unit's organisation is not active.")
        if not unit.organization.has_started(self.day):
            return _("The unit's organisation has not started yet.")
        if check_accepts and self.accepts is not None and principal_kind(unit) not in self.accepts:
            return _("The unit does not receive this message type.")
        return None

    def usable(self, unit: Unit, reason: Reason, *, check_accepts: bool = True) -> bool:
        why = self.why_not(unit, check_accepts=check_accepts)
        if why is not None:
            self.skipped.append(Skipped(unit=unit, reason=reason, why=why))
            return False
        return True

    def offer(self, unit: Unit, reason: Reason, *, check_accepts: bool = True) -> bool:
        if not self.usable(unit, reason, check_accepts=check_accepts):
            return False
        self.add(unit, reason)
        return True

    def add(self, unit: Unit, reason: Reason) -> None:
        reasons = self.recipients.setdefault(unit.pk, [])
        self.units.setdefault(unit.pk, unit)
        if reason not in reasons:
            reasons.append(reason)

    def reaches(self, side: str) -> bool:
        return any(principal_kind(unit) == side for unit in self.units.values())

    def result(self) -> list[Recipient]:
        return [
            Recipient(unit=self.units[pk], reasons=tuple(reasons))
            for pk, reasons in self.recipients.items()
        ]


def _period(start: datetime.date, end: datetime.date | None) -> str:
    return f"{start.isoformat()}–{end.isoformat() if end else ''}"


def _filter_rows(patient: RoutingPerson, day: datetime.date) -> list[tuple]:
    """(unit_id, valid_from, valid_to) of the person's filters valid on the day, oldest first.
    Served by patientfilter_identity_idx."""
    return list(
        PatientFilter.objects.valid_on(day)
        .filter(identity_number=patient.identity_number)
        .order_by("valid_from", "pk")
        .values_list("unit_id", "valid_from", "valid_to")
    )


def _residence_rows(patient: RoutingPerson, day: datetime.date) -> list[tuple]:
    """(unit_id, moved_in) of where the person lives on the day, latest move first.
    Served by residence_identity_idx."""
    return list(
        ResidenceEntry.objects.valid_on(day)
        .filter(identity_number=patient.identity_number)
        .order_by("-moved_in", "pk")
        .values_list("unit_id", "moved_in")
    )


_POSTAL_CODE = re.compile(r"\d{5}")
_MUNICIPALITY_CODE = re.compile(r"\d{4}")


def _rule_rows(
    patient: RoutingPerson, message_type: str, day: datetime.date, protected: bool
) -> list[AreaRule]:
    """The area rules that can match, as unsaved AreaRule objects (for their display helpers).
    Served by arearule_code_type_idx."""
    code = patient.registered_municipality or ""
    if not _MUNICIPALITY_CODE.fullmatch(code):
        return []
    postal_code = patient.postal_code or ""
    # The postal code is address data: unknown, or not to be used for a protected person.
    postal = Q(postal_code_from="")
    if not protected and _POSTAL_CODE.fullmatch(postal_code):
        postal |= Q(postal_code_from__lte=postal_code, postal_code_to__gte=postal_code)
    fields = ("unit_id", "municipality_code", "postal_code_from", "postal_code_to", "message_type")
    rows = (
        AreaRule.objects.filter(
            Q(message_type=message_type) | Q(message_type=""),
            Q(valid_to__isnull=True) | Q(valid_to__gte=day),
            postal,
            municipality_code=code,
            valid_from__lte=day,
        )
        .order_by("pk")
        .values_list(*fields)
    )
    return [AreaRule(**dict(zip(fields, row, strict=True))) for row in rows]


def _filters(collector: _Collector, rows: list[tuple], units: dict[int, Unit]) -> None:
    for unit_id, start, end in rows:
        unit = units[unit_id]
        # The registration period is about the unit's service, not the person's address,
        # so it is shown for protected people too.
        text = _("Patient filter: registered with %(unit)s %(period)s") % {
            "unit": unit.name,
            "period": _period(start, end),
        }
        collector.offer(unit, Reason(ReasonCode.PATIENT_FILTER, text))


def _residence(
    collector: _Collector, rows: list[tuple], units: dict[int, Unit], protected: bool
) -> None:
    for unit_id, moved_in in rows:
        unit = units[unit_id]
        if protected:
            # Where a protected person lives is never told, not even by a date.
            text = _("Residence list (protected identity: details are not shown)")
        else:
            text = _("Residence list: lives at %(unit)s since %(date)s") % {
                "unit": unit.name,
                "date": moved_in.isoformat(),
            }
        collector.offer(unit, Reason(ReasonCode.RESIDENCE, text))


def _area_rules(
    collector: _Collector, rules: list[AreaRule], units: dict[int, Unit], protected: bool
) -> None:
    # The most specific matching rules win: a postal-code range before the whole
    # municipality, then a named message type before "all types". Rules whose unit cannot
    # receive are dropped first, so a closed district unit falls back to the wider rule.
    best: dict[tuple[bool, bool], list[tuple[Unit, Reason]]] = {}
    for rule in rules:
        unit = units[rule.unit_id]
        reason = Reason(ReasonCode.AREA_RULE, _area_rule_text(rule, protected))
        if collector.usable(unit, reason):
            best.setdefault((rule.has_postal_range, bool(rule.message_type)), []).append(
                (unit, reason)
            )
    if not best:
        return
    winner = max(best)
    for level, matches in best.items():
        for unit, reason in matches:
            if level == winner:
                collector.add(unit, reason)
            else:
                collector.skipped.append(
                    Skipped(unit=unit, reason=reason, why=_("A more specific area rule applies."))
                )


def _area_rule_text(rule: AreaRule, protected: bool) -> str:
    if protected:
        text = _("Area rule for the registered municipality (protected identity)")
    elif rule.has_postal_range:
        text = _("Area rule: municipality %(code)s, postal codes %(range)s") % {
            "code": rule.municipality_code,
            "range": rule.postal_range_display,
        }
    else:
        text = _("Area rule: municipality %(code)s") % {"code": rule.municipality_code}
    if rule.message_type:
        text = f"{text}, {rule.get_message_type_display().lower()}"
    return text


def _fallback(
    collector: _Collector, patient: RoutingPerson, side: str, sender: Unit | None
) -> None:
    """The side's central inbox for the person's home; else the sender's own organisation's
    (and its contracting organisation's), whose super users forward the message."""
    code = patient.registered_municipality or ""
    home: Q | None = None
    if side == Side.MUNICIPALITY and _MUNICIPALITY_CODE.fullmatch(code):
        home = Q(organization__kind=OrganizationKind.MUNICIPALITY, organization__area_code=code)
    elif side == Side.REGION and _MUNICIPALITY_CODE.fullmatch(code):
        # The first two digits of a kommunkod are the county (länskod) of its region.
        home = Q(organization__kind=OrganizationKind.REGION, organization__area_code=code[:2])
    conditions = [home] if home is not None else []
    if sender is not None:
        conditions.append(Q(organization__units=sender.pk))
        conditions.append(Q(organization__contractors__units=sender.pk))
    if not conditions:
        return
    query = conditions[0]
    for condition in conditions[1:]:
        query |= condition
    inboxes = {
        inbox.pk: inbox
        for inbox in FallbackInbox.objects.filter(query).select_related(
            "organization", "unit__organization__contracted_by"
        )
    }.values()
    sender_org = sender.organization_id if sender is not None else None

    def rank(inbox: FallbackInbox) -> int:
        if (
            home is not None
            and inbox.organization.kind == side
            and (inbox.organization.area_code == (code if side == Side.MUNICIPALITY else code[:2]))
        ):
            return 0
        if inbox.organization_id == sender_org:
            return 1
        return 2

    for inbox in sorted(inboxes, key=lambda inbox: (rank(inbox), inbox.organization_id)):
        position = rank(inbox)
        if position == 0:
            text = (
                _("Fallback: the municipality's central inbox")
                if side == Side.MUNICIPALITY
                else _("Fallback: the region's central inbox")
            )
        else:
            text = _(
                "Fallback: the sending organisation's central inbox (no receiver was found "
                "for the person's home)"
            )
        # The last resort is the sender's side by definition: no message-type filter there.
        if collector.offer(inbox.unit, Reason(ReasonCode.FALLBACK, text), check_accepts=False):
            return


def reason_codes(recipients: Iterable[Recipient]) -> list[str]:
    """The first reason's code per recipient (handy in tests and logs)."""
    return [recipient.reason.code for recipient in recipients]
