"""The text of a plan version as one plain value, and the field-by-field comparison of two.

A PlanText is built either from a stored version (`plan_text_of`) or from a submitted form, so
the save service can tell whether anything changed before it touches a locked version, the
history can record exactly which fields a save changed, and two versions can be compared.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from samplan.accounts.models import User
from samplan.core.prepared import prepared
from samplan.organizations.models import Organization, Profession, Unit
from samplan.sip.models import InterventionStatus, SipContact, SipIntervention, SipVersion


@dataclass(frozen=True)
class InterventionData:
    what: str
    unit: Unit
    profession: Profession | None = None
    starts_on: datetime.date | None = None
    ends_on: datetime.date | None = None
    status: str = InterventionStatus.PLANNED

    @property
    def status_label(self) -> str:
        return str(InterventionStatus(self.status).label)


@dataclass(frozen=True)
class ContactData:
    unit: Unit
    name: str
    phone: str = ""


@dataclass(frozen=True)
class PlanText:
    goals: str = ""
    others_do: str = ""
    responsible_principal: Organization | None = None
    coordinator: User | None = None
    coordinator_unit: Unit | None = None
    participation: str = ""
    relatives_views: str = ""
    follow_up_date: datetime.date | None = None
    follow_up_how: str = ""
    interventions: tuple[InterventionData, ...] = field(default_factory=tuple)
    contacts: tuple[ContactData, ...] = field(default_factory=tuple)


TEXT_FIELDS = ("goals", "others_do", "participation", "relatives_views", "follow_up_how")

# The plan's fields in the order pages, PDFs and comparisons show them.
FIELD_LABELS = {
    "goals": gettext_lazy("The person's goals"),
    "intervention": gettext_lazy("Intervention"),
    "others_do": gettext_lazy("What others do"),
    "responsible_principal": gettext_lazy("Principal with overall responsibility"),
    "coordinator": gettext_lazy("Coordinator"),
    "contact": gettext_lazy("Contact person"),
    "participation": gettext_lazy("The person's participation and views"),
    "relatives_views": gettext_lazy("Relatives' participation and views"),
    "follow_up_date": gettext_lazy("Follow-up date"),
    "follow_up_how": gettext_lazy("How the plan is followed up"),
}


@prepared
def _interventions(*, version_id: int) -> QuerySet[SipIntervention]:
    return SipIntervention.objects.filter(version_id=version_id).select_related(
        "unit__organization", "profession"
    )


@prepared
def _contacts(*, version_id: int) -> QuerySet[SipContact]:
    return (
        SipContact.objects.filter(version_id=version_id)
        .select_related("unit")
        .order_by("unit__name", "pk")
    )


# What sip_plan_text (templatetags/plan_blocks.py) shows of a version's rows, for the plan
# page: names only, as rows rather than model instances (the units' whole rows and a model
# instance per unit, organization and profession were most of these reads' CPU, issue 18).
# The PDFs, the forms and the comparisons read whole rows (plan_text_of): they show more (a
# unit's phone) or keep the instances.


@dataclass(frozen=True)
class Named:
    """A unit, organization or profession as the plan page shows it: its name (and a unit's
    organization)."""

    pk: int
    name: str
    organization: Named | None = None


@dataclass(frozen=True)
class PersonName:
    """A user as the plan page names them (get_full_name() or username)."""

    first_name: str
    last_name: str
    username: str

    def get_full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()  # as AbstractUser's


@prepared
def _shown_interventions(*, version_id: int) -> QuerySet[SipIntervention]:
    return SipIntervention.objects.filter(version_id=version_id).values_list(
        "what",
        "unit_id",
        "unit__name",
        "unit__organization_id",
        "unit__organization__name",
        "profession_id",
        "profession__name",
        "starts_on",
        "ends_on",
        "status",
    )


@prepared
def _shown_contacts(*, version_id: int) -> QuerySet[SipContact]:
    return (
        SipContact.objects.filter(version_id=version_id)
        .order_by("unit__name", "pk")
        .values_list("unit_id", "unit__name", "name", "phone")
    )


def plan_text_of(version: SipVersion) -> PlanText:
    """The stored text of a version (two queries: interventions and contacts)."""
    interventions = tuple(
        InterventionData(
            what=row.what,
            unit=row.unit,
            profession=row.profession,
            starts_on=row.starts_on,
            ends_on=row.ends_on,
            status=row.status,
        )
        for row in _interventions(version_id=version.pk)
    )
    contacts = tuple(
        ContactData(unit=row.unit, name=row.name, phone=row.phone)
        for row in _contacts(version_id=version.pk)
    )
    return _text_of(version, interventions, contacts)


def shown_text_of(version: SipVersion) -> PlanText:
    """plan_text_of with only what sip_plan_text shows of the units and professions (their
    names, as Named): the plan page. For anything else use plan_text_of."""
    interventions = tuple(
        InterventionData(
            what=what,
            unit=Named(unit_id, unit_name, Named(organization_id, organization_name))
            if unit_id is not None
            else None,
            profession=Named(profession_id, profession_name) if profession_id is not None else None,
            starts_on=starts_on,
            ends_on=ends_on,
            status=status,
        )
        for (
            what,
            unit_id,
            unit_name,
            organization_id,
            organization_name,
            profession_id,
            profession_name,
            starts_on,
            ends_on,
            status,
        ) in _shown_interventions(version_id=version.pk)
    )
    contacts = tuple(
        ContactData(unit=Named(unit_id, unit_name), name=name, phone=phone)
        for unit_id, unit_name, name, phone in _shown_contacts(version_id=version.pk)
    )
    return _text_of(version, interventions, contacts)


def _text_of(
    version: SipVersion,
    interventions: tuple[InterventionData, ...],
    contacts: tuple[ContactData, ...],
) -> PlanText:
    return PlanText(
        goals=version.goals,
        others_do=version.others_do,
        responsible_principal=version.responsible_principal,
        coordinator=version.coordinator,
        coordinator_unit=version.coordinator_unit,
        participation=version.participation,
        relatives_views=version.relatives_views,
        follow_up_date=version.follow_up_date,
        follow_up_how=version.follow_up_how,
        interventions=interventions,
        contacts=contacts,
    )


def _date(value: datetime.date | None) -> str:
    return value.isoformat() if value else ""


def intervention_line(item: InterventionData) -> str:
    """One intervention as one line, for comparisons and the history."""
    period = ""
    if item.starts_on or item.ends_on:
        period = f"{_date(item.starts_on)}–{_date(item.ends_on)}"
    parts = [
        item.what.strip(),
        item.unit.name,
        item.profession.name if item.profession else "",
        period,
        item.status_label,
    ]
    return " · ".join(part for part in parts if part)


def coordinator_line(text: PlanText) -> str:
    if text.coordinator is None:
        return ""
    name = text.coordinator.get_full_name() or text.coordinator.username
    return f"{name}, {text.coordinator_unit.name}" if text.coordinator_unit else name


@dataclass(frozen=True)
class Entry:
    field: str
    arg: str  # the intervention's number, or the contact's unit name
    value: str


def snapshot(text: PlanText) -> list[Entry]:
    """Every field of the plan as (field, arg, plain value), in FIELD_LABELS order."""
    entries = [Entry("goals", "", text.goals.strip())]
    entries += [
        Entry("intervention", str(number), intervention_line(item))
        for number, item in enumerate(text.interventions, start=1)
    ]
    entries += [
        Entry("others_do", "", text.others_do.strip()),
        Entry(
            "responsible_principal",
            "",
            text.responsible_principal.name if text.responsible_principal else "",
        ),
        Entry("coordinator", "", coordinator_line(text)),
    ]
    entries += [
        Entry(
            "contact", contact.unit.name, ", ".join(p for p in (contact.name, contact.phone) if p)
        )
        for contact in sorted(text.contacts, key=lambda c: c.unit.name)
    ]
    entries += [
        Entry("participation", "", text.participation.strip()),
        Entry("relatives_views", "", text.relatives_views.strip()),
        Entry("follow_up_date", "", _date(text.follow_up_date)),
        Entry("follow_up_how", "", text.follow_up_how.strip()),
    ]
    return entries


def field_label(field_name: str, arg: str = "") -> str:
    label = str(FIELD_LABELS.get(field_name, field_name))
    if field_name == "intervention" and arg:
        return _("Intervention %(number)s") % {"number": arg}
    if field_name == "contact" and arg:
        return _("Contact person, %(unit)s") % {"unit": arg}
    return label


@dataclass(frozen=True)
class Comparison:
    field: str
    arg: str
    old: str
    new: str

    @property
    def changed(self) -> bool:
        return self.old != self.new

    @property
    def label(self) -> str:
        return field_label(self.field, self.arg)


def compare(old: PlanText, new: PlanText) -> list[Comparison]:
    """Every field of either text with its old and new value (the version comparison)."""
    before = {(e.field, e.arg): e.value for e in snapshot(old)}
    after = {(e.field, e.arg): e.value for e in snapshot(new)}
    keys: list[tuple[str, str]] = []
    for entry in [*snapshot(new), *snapshot(old)]:
        key = (entry.field, entry.arg)
        if key not in keys:
            keys.append(key)
    order = list(FIELD_LABELS)
    keys.sort(
        key=lambda k: (
            order.index(k[0]),
            int(k[1]) if k[1].isascii() and k[1].isdigit() else 0,
            k[1],
        )
    )
    return [
        Comparison(field=f, arg=a, old=before.get((f, a), ""), new=after.get((f, a), ""))
        for f, a in keys
    ]


def changes(old: PlanText, new: PlanText) -> list[dict[str, str]]:
    """Only what differs, as plain values for SipEvent.detail."""
    return [
        {"field": c.field, "arg": c.arg, "old": c.old, "new": c.new}
        for c in compare(old, new)
        if c.changed
    ]


def describe_change(change: dict[str, str]) -> Comparison:
    """A stored change (SipEvent.detail) as a Comparison for templates."""
    return Comparison(
        field=change.get("field", ""),
        arg=change.get("arg", ""),
        old=change.get("old", ""),
        new=change.get("new", ""),
    )
