"""Forms of the SIP pages. They parse and check what was typed; the services check the rest
(need-to-know, process rules, ids that do not belong to the plan)."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from samplan.accounts.access import SIP_ROLES
from samplan.accounts.models import Membership
from samplan.addressing.models import FallbackInbox
from samplan.organizations.models import Organization, OrganizationKind, Profession, Unit
from samplan.patients.forms import ConsentGiverFields, IdentityNumberField
from samplan.patients.identity import ReservePattern
from samplan.patients.models import ConsentGiver
from samplan.patients.services import PatientDetails
from samplan.sip.content import ContactData, InterventionData, PlanText, plan_text_of
from samplan.sip.models import (
    CloseReason,
    InterventionStatus,
    MeetingMode,
    SipParticipant,
    SipPlan,
    SipVersion,
    VersionReason,
)
from samplan.sip.services import ConsentGiven, Initiative, principal_of

DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"]


def _textarea(rows: int = 3) -> forms.Textarea:
    return forms.Textarea(attrs={"rows": rows})


def _date_input() -> forms.DateInput:
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _datetime_input() -> forms.DateTimeInput:
    return forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


def summonable_units() -> Iterable[Unit]:
    """The directory of units that can be summoned: active units with an inbox, less the
    organisations' inboxes for unaddressed (returned) messages, which take no summons."""
    return (
        Unit.objects.active_on()
        .filter(has_inbox=True)
        .exclude(pk__in=FallbackInbox.objects.values("unit_id"))
        .select_related("organization")
        .order_by("organization__name", "name")
    )


class UnitsField(forms.ModelMultipleChoiceField):
    """Units to summon, shown as checkboxes grouped by organisation (template: _units.html)."""

    def __init__(self, **kwargs: object) -> None:
        kwargs.setdefault("label", _("Units to summon"))
        kwargs.setdefault(
            "help_text",
            _("The principals' units that are to take part. Each gets the summons in its inbox."),
        )
        super().__init__(queryset=Unit.objects.none(), required=False, **kwargs)


class _UnitsMixin:
    """Builds the grouped checkbox list once per form (one query)."""

    def _set_units(self, exclude: Sequence[int]) -> None:
        self._units = [u for u in summonable_units() if u.pk not in set(exclude)]
        self.fields["units"].queryset = Unit.objects.filter(pk__in=[u.pk for u in self._units])

    def unit_groups(self) -> list[tuple[str, list[tuple[Unit, bool]]]]:
        chosen = {str(value) for value in (self["units"].value() or [])}
        groups: dict[str, list[tuple[Unit, bool]]] = {}
        for unit in self._units:
            groups.setdefault(unit.organization.name, []).append((unit, str(unit.pk) in chosen))
        return list(groups.items())


class InitiativeFields(forms.Form):
    purpose = forms.CharField(
        label=_("Purpose of the plan"),
        widget=_textarea(),
        help_text=_("Why a coordinated plan is needed, in plain words."),
    )
    person_goals = forms.CharField(
        label=_("The person's own goals"), widget=_textarea(), required=False
    )
    questions = forms.CharField(
        label=_("Questions for the meeting"), widget=_textarea(), required=False
    )
    proposed_coordinator = forms.CharField(
        label=_("Proposed coordinator"),
        max_length=200,
        required=False,
        help_text=_("Name and unit of the person proposed to coordinate the plan."),
    )
    meeting_at = forms.DateTimeField(
        label=_("Proposed meeting time"),
        required=False,
        input_formats=DATETIME_FORMATS,
        widget=_datetime_input(),
    )
    meeting_mode = forms.ChoiceField(
        label=_("Kind of meeting"),
        choices=MeetingMode.choices,
        initial=MeetingMode.IN_PERSON,
        widget=forms.RadioSelect,
    )
    meeting_place = forms.CharField(
        label=_("Meeting place"),
        max_length=200,
        required=False,
        help_text=_("For a meeting in person: address and room."),
    )
    meeting_link = forms.CharField(
        label=_("Link or phone number"),
        max_length=300,
        required=False,
        help_text=_("For a video or phone meeting: the link or the number to call."),
    )
    invited_others = forms.CharField(
        label=_("Others invited"),
        widget=_textarea(2),
        required=False,
        help_text=_("E.g. the school, relatives, a good man: names and how they are reached."),
    )

    def clean(self) -> dict:
        data = super().clean()
        mode = data.get("meeting_mode")
        if mode in (MeetingMode.VIDEO, MeetingMode.PHONE) and not data.get("meeting_link"):
            self.add_error("meeting_link", _("Give the link or the phone number of the meeting."))
        return data

    def initiative(self) -> Initiative:
        data = self.cleaned_data
        return Initiative(
            purpose=data["purpose"],
            person_goals=data["person_goals"],
            questions=data["questions"],
            proposed_coordinator=data["proposed_coordinator"],
            meeting_at=data["meeting_at"],
            meeting_mode=data["meeting_mode"],
            meeting_place=data["meeting_place"],
            meeting_link=data["meeting_link"],
            invited_others=data["invited_others"],
        )


class ConsentForm(ConsentGiverFields):
    """The consent to the SIP (scope SIP), recorded through the patients app."""

    def consent(self) -> ConsentGiven:
        data = self.cleaned_data
        return ConsentGiven(
            given_by=data["given_by"],
            given_at=data["given_at"],
            given_by_name=data["given_by_name"],
            given_by_relation=data["given_by_relation"],
            exclusions=data["exclusions"],
        )


class SipNewForm(_UnitsMixin, InitiativeFields):
    """Initiativ: the person, the initiative, the units to summon and, if given, the consent."""

    identity = IdentityNumberField()
    first_name = forms.CharField(
        label=_("First name"),
        max_length=100,
        required=False,
        help_text=_("Needed only if the person is not yet registered in samplan."),
    )
    last_name = forms.CharField(label=_("Last name"), max_length=100, required=False)
    units = UnitsField()
    consent_given = forms.ChoiceField(
        label=_("Consent to the SIP"),
        choices=[
            ("", _("Not recorded now (nothing can be sent until it is)")),
            *ConsentGiver.choices,
        ],
        required=False,
        widget=forms.RadioSelect,
    )
    consent_name = forms.CharField(
        label=_("Name of guardian or representative"), max_length=200, required=False
    )
    consent_relation = forms.CharField(
        label=_("Relation or mandate"),
        max_length=200,
        required=False,
        help_text=_("E.g. mother, god man, förvaltare."),
    )
    consent_at = forms.DateTimeField(
        label=_("When the consent was given"),
        required=False,
        input_formats=[*DATETIME_FORMATS, "%Y-%m-%d"],
        widget=_datetime_input(),
    )
    creation_key = forms.UUIDField(widget=forms.HiddenInput)

    field_order = ["identity", "first_name", "last_name"]

    def __init__(
        self,
        *args: object,
        unit: Unit,
        reserve_patterns: Iterable[ReservePattern] | None = None,
        with_identity: bool = True,
        **kwargs: object,
    ) -> None:
        kwargs.setdefault(
            "initial",
            {
                "creation_key": uuid.uuid4(),
                "consent_at": timezone.localtime().replace(second=0, microsecond=0),
            },
        )
        super().__init__(*args, **kwargs)
        self._set_units(exclude=[unit.pk])
        if reserve_patterns is not None:
            self.fields["identity"].reserve_patterns = tuple(reserve_patterns)
        if not with_identity:  # started from a discharge case: the case names the person
            for name in ("identity", "first_name", "last_name"):
                del self.fields[name]

    def clean(self) -> dict:
        data = super().clean()
        giver = data.get("consent_given")
        if giver:
            if not data.get("consent_at"):
                self.add_error("consent_at", _("Enter when the consent was given."))
            if giver != ConsentGiver.PERSON and not data.get("consent_name", "").strip():
                self.add_error(
                    "consent_name", _("Enter the name of the guardian or representative.")
                )
        return data

    def patient_details(self) -> PatientDetails:
        return PatientDetails(
            first_name=self.cleaned_data.get("first_name", ""),
            last_name=self.cleaned_data.get("last_name", ""),
        )

    def consent(self) -> ConsentGiven | None:
        data = self.cleaned_data
        if not data.get("consent_given"):
            return None
        return ConsentGiven(
            given_by=data["consent_given"],
            given_at=data["consent_at"],
            given_by_name=data["consent_name"],
            given_by_relation=data["consent_relation"],
        )


class InitiativeForm(InitiativeFields):
    """Ändra initiativ (before the summons): carries the plan's revision (optimistic lock)."""

    revision = forms.IntegerField(widget=forms.HiddenInput)

    @classmethod
    def for_plan(cls, plan: SipPlan, data: object = None) -> InitiativeForm:
        initial = {
            name: getattr(plan, name)
            for name in (
                "purpose",
                "person_goals",
                "questions",
                "proposed_coordinator",
                "meeting_at",
                "meeting_mode",
                "meeting_place",
                "meeting_link",
                "invited_others",
            )
        }
        if initial["meeting_at"]:
            initial["meeting_at"] = timezone.localtime(initial["meeting_at"])
        initial["revision"] = plan.revision
        return cls(data, initial=initial)


class UnitsForm(_UnitsMixin, forms.Form):
    """Kalla: choose the units to summon next (those already summoned are not listed)."""

    units = UnitsField(label=_("Units to summon next"))

    def __init__(
        self, *args: object, plan: SipPlan, summoned: Sequence[SipParticipant], **kwargs: object
    ) -> None:
        super().__init__(*args, **kwargs)
        sent = [p.unit_id for p in summoned if p.answer != "not_sent"]
        self._set_units(exclude=[plan.initiator_unit_id, *sent])


class AnswerForm(forms.Form):
    ACCEPT, DECLINE = "accept", "decline"
    answer = forms.ChoiceField(
        label=_("Your unit's answer"),
        choices=[(ACCEPT, _("Accept")), (DECLINE, _("Decline"))],
        widget=forms.RadioSelect,
    )
    attendees = forms.CharField(
        label=_("Who attends"),
        required=False,
        widget=_textarea(2),
        help_text=_("When accepting: name and profession of those who come."),
    )
    reason = forms.CharField(
        label=_("Reason for declining"),
        required=False,
        widget=_textarea(2),
        help_text=_("When declining: why your unit does not take part."),
    )

    def clean(self) -> dict:
        data = super().clean()
        if data.get("answer") == self.ACCEPT and not data.get("attendees", "").strip():
            self.add_error("attendees", _("Name who attends from your unit."))
        if data.get("answer") == self.DECLINE and not data.get("reason", "").strip():
            self.add_error("reason", _("Say why your unit declines."))
        return data


# --- the plan's text ------------------------------------------------------------------------


class InterventionForm(forms.Form):
    what = forms.CharField(label=_("Intervention"), widget=_textarea(2), required=False)
    unit = forms.ModelChoiceField(
        label=_("Responsible unit"), queryset=Unit.objects.none(), required=False
    )
    profession = forms.ModelChoiceField(
        label=_("Profession"),
        queryset=Profession.objects.none(),
        required=False,
        empty_label=_("Not stated"),
    )
    starts_on = forms.DateField(label=_("From"), required=False, widget=_date_input())
    ends_on = forms.DateField(label=_("To"), required=False, widget=_date_input())
    status = forms.ChoiceField(
        label=_("Status"), choices=InterventionStatus.choices, initial=InterventionStatus.PLANNED
    )

    def __init__(
        self, *args: object, units: Sequence[Unit] = (), professions=None, **kwargs: object
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = Unit.objects.filter(pk__in=[u.pk for u in units])
        self.fields["unit"].choices = [("", _("Not stated"))] + [
            (u.pk, f"{u.name} ({u.organization.name})") for u in units
        ]
        if professions is not None:
            self.fields["profession"].queryset = professions

    def is_blank(self) -> bool:
        data = getattr(self, "cleaned_data", {})
        return not (data.get("what") or "").strip()

    def clean(self) -> dict:
        data = super().clean()
        if (data.get("what") or "").strip():
            if data.get("unit") is None:
                self.add_error("unit", _("Choose the unit responsible for the intervention."))
            start, end = data.get("starts_on"), data.get("ends_on")
            if start and end and end < start:
                self.add_error("ends_on", _("The end date is before the start date."))
        return data


class BaseInterventionFormSet(forms.BaseFormSet):
    def __init__(self, *args: object, units: Sequence[Unit] = (), **kwargs: object) -> None:
        self.units = units
        self.professions = Profession.objects.order_by("name")
        super().__init__(*args, **kwargs)
        # A new plan usually has an intervention per unit: offer a row for each at first.
        if not self.initial:
            self.extra = max(self.extra, len(units))

    def get_form_kwargs(self, index: int | None) -> dict:
        return {"units": self.units, "professions": self.professions}

    def interventions(self) -> tuple[InterventionData, ...]:
        result = []
        for form in self.forms:
            if form.is_blank() or (self.can_delete and self._should_delete_form(form)):
                continue
            data = form.cleaned_data
            result.append(
                InterventionData(
                    what=data["what"].strip(),
                    unit=data["unit"],
                    profession=data["profession"],
                    starts_on=data["starts_on"],
                    ends_on=data["ends_on"],
                    status=data["status"],
                )
            )
        return tuple(result)


InterventionFormSet = forms.formset_factory(
    InterventionForm, formset=BaseInterventionFormSet, extra=2, can_delete=True, max_num=50
)


class PlanForm(forms.Form):
    """The plan's text, carrying the version and revision it was opened on."""

    version_number = forms.IntegerField(widget=forms.HiddenInput)
    revision = forms.IntegerField(widget=forms.HiddenInput)
    goals = forms.CharField(label=_("The person's goals"), widget=_textarea(), required=False)
    others_do = forms.CharField(
        label=_("What others do"),
        widget=_textarea(),
        required=False,
        help_text=_("Others than the region and the municipality, e.g. the school or relatives."),
    )
    responsible_principal = forms.ModelChoiceField(
        label=_("Principal with overall responsibility"),
        queryset=Organization.objects.none(),
        required=False,
        empty_label=_("Not decided"),
    )
    coordinator = forms.ChoiceField(label=_("Coordinator"), required=False)
    participation = forms.CharField(
        label=_("The person's participation and views"), widget=_textarea(), required=False
    )
    relatives_views = forms.CharField(
        label=_("Relatives' participation and views"), widget=_textarea(), required=False
    )
    follow_up_date = forms.DateField(
        label=_("Follow-up date"), required=False, widget=_date_input()
    )
    follow_up_how = forms.CharField(
        label=_("How the plan is followed up"), widget=_textarea(2), required=False
    )

    def __init__(
        self,
        *args: object,
        plan_units: Sequence[Unit],
        party_units: Sequence[Unit],
        **kwargs: object,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.party_units = list(party_units)
        principals = {}
        for unit in plan_units:
            principal = principal_of(unit.organization)
            if principal.kind in (OrganizationKind.REGION, OrganizationKind.MUNICIPALITY):
                principals[principal.pk] = principal
        self.fields["responsible_principal"].queryset = Organization.objects.filter(
            pk__in=list(principals)
        ).order_by("name")
        memberships = (
            Membership.objects.active_on()
            .filter(
                unit__in=self.party_units,
                role__in=SIP_ROLES,
                user__is_active=True,
            )
            .select_related("user", "unit")
            .order_by("unit__name", "user__last_name", "user__first_name")
        )
        choices: dict[str, str] = {}
        for membership in memberships:
            user = membership.user
            key = f"{membership.unit_id}-{user.pk}"
            choices[key] = f"{user.get_full_name() or user.username} ({membership.unit.name})"
        self.fields["coordinator"].choices = [("", _("Not decided")), *choices.items()]
        self._people = {
            f"{m.unit_id}-{m.user_id}": (m.user, m.unit) for m in memberships
        }  # the query ran once above
        for unit in self.party_units:
            self.fields[f"contact_name_{unit.pk}"] = forms.CharField(
                label=_("Contact person, %(unit)s") % {"unit": unit.name},
                max_length=200,
                required=False,
            )
            self.fields[f"contact_phone_{unit.pk}"] = forms.CharField(
                label=_("Phone, %(unit)s") % {"unit": unit.name}, max_length=40, required=False
            )

    def contact_fields(self) -> list[tuple[Unit, forms.BoundField, forms.BoundField]]:
        return [
            (unit, self[f"contact_name_{unit.pk}"], self[f"contact_phone_{unit.pk}"])
            for unit in self.party_units
        ]

    @staticmethod
    def initial_for(version: SipVersion, text: PlanText) -> dict[str, object]:
        initial: dict[str, object] = {
            "version_number": version.number,
            "revision": version.revision,
            "goals": text.goals,
            "others_do": text.others_do,
            "responsible_principal": text.responsible_principal.pk
            if text.responsible_principal
            else None,
            "coordinator": f"{text.coordinator_unit.pk}-{text.coordinator.pk}"
            if text.coordinator and text.coordinator_unit
            else "",
            "participation": text.participation,
            "relatives_views": text.relatives_views,
            "follow_up_date": text.follow_up_date,
            "follow_up_how": text.follow_up_how,
        }
        for contact in text.contacts:
            initial[f"contact_name_{contact.unit.pk}"] = contact.name
            initial[f"contact_phone_{contact.unit.pk}"] = contact.phone
        return initial

    def plan_text(self, interventions: tuple[InterventionData, ...]) -> PlanText:
        data = self.cleaned_data
        coordinator, coordinator_unit = self._people.get(data["coordinator"], (None, None))
        contacts = tuple(
            ContactData(
                unit=unit,
                name=data[f"contact_name_{unit.pk}"].strip(),
                phone=data[f"contact_phone_{unit.pk}"].strip(),
            )
            for unit in self.party_units
            if data[f"contact_name_{unit.pk}"].strip()
        )
        return PlanText(
            goals=data["goals"],
            others_do=data["others_do"],
            responsible_principal=data["responsible_principal"],
            coordinator=coordinator,
            coordinator_unit=coordinator_unit,
            participation=data["participation"],
            relatives_views=data["relatives_views"],
            follow_up_date=data["follow_up_date"],
            follow_up_how=data["follow_up_how"],
            interventions=interventions,
            contacts=contacts,
        )


class SignForm(forms.Form):
    password = forms.CharField(
        label=_("Your password"),
        strip=False,
        required=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        help_text=_("Signing with password login asks for your password again."),
    )

    def __init__(self, *args: object, card: bool, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        if card:
            del self.fields["password"]
        else:
            self.fields["password"].required = True
            self.fields["password"].error_messages["required"] = _("Enter your password to sign.")


class NewVersionForm(forms.Form):
    reason = forms.ChoiceField(
        label=_("Why a new version"),
        choices=[
            (VersionReason.FOLLOW_UP, VersionReason.FOLLOW_UP.label),
            (VersionReason.CHANGE, VersionReason.CHANGE.label),
        ],
        initial=VersionReason.FOLLOW_UP,
        widget=forms.RadioSelect,
    )


class CloseForm(forms.Form):
    reason = forms.ChoiceField(
        label=_("Why the plan is closed"), choices=CloseReason.choices, widget=forms.RadioSelect
    )
    text = forms.CharField(
        label=_("About the closing"),
        required=False,
        widget=_textarea(2),
        help_text=_("Needed for another reason; otherwise optional."),
    )

    def clean(self) -> dict:
        data = super().clean()
        if data.get("reason") == CloseReason.OTHER and not data.get("text", "").strip():
            self.add_error("text", _("Describe the reason."))
        return data


class CompareForm(forms.Form):
    old = forms.TypedChoiceField(label=_("Compare version"), coerce=int)
    new = forms.TypedChoiceField(label=_("with version"), coerce=int)

    def __init__(self, *args: object, numbers: Sequence[int], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        choices = [(n, str(n)) for n in numbers]
        self.fields["old"].choices = choices
        self.fields["new"].choices = choices

    def clean(self) -> dict:
        data = super().clean()
        if data.get("old") is not None and data.get("old") == data.get("new"):
            raise ValidationError(_("Choose two different versions."))
        return data


def plan_forms(
    data: object, *, plan: SipPlan, units: tuple[Sequence[Unit], Sequence[Unit]]
) -> tuple[PlanForm, BaseInterventionFormSet]:
    """The plan's text form and its interventions, opened on the current version.

    `units`: (units the text may name, parties), from selectors.plan_units.
    """
    plan_units, party_units = units
    version = plan.current_version
    text = plan_text_of(version)
    form = PlanForm(
        data,
        initial=PlanForm.initial_for(version, text),
        plan_units=plan_units,
        party_units=party_units,
    )
    formset = InterventionFormSet(
        data,
        units=plan_units,
        prefix="insats",
        initial=[
            {
                "what": item.what,
                "unit": item.unit.pk,
                "profession": item.profession.pk if item.profession else None,
                "starts_on": item.starts_on,
                "ends_on": item.ends_on,
                "status": item.status,
            }
            for item in text.interventions
        ],
    )
    return form, formset
