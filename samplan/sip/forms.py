"""Forms of the SIP pages. They parse and check what was typed; the services check the rest
(need-to-know, process rules, ids that do not belong to the plan). The forms that write the
plan's text (goals, interventions, coordinator, contacts) are samplan.sip.text_forms."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from samplan.addressing.models import FallbackInbox
from samplan.core.choice_fields import IdMultipleChoiceField
from samplan.organizations.models import Unit
from samplan.patients.forms import ConsentGiverFields, IdentityNumberField
from samplan.patients.identity import ReservePattern
from samplan.patients.models import ConsentGiver
from samplan.patients.services import PatientDetails
from samplan.sip.models import (
    CloseReason,
    MeetingMode,
    SipParticipant,
    SipPlan,
    VersionReason,
)
from samplan.sip.services import ConsentGiven, Initiative

DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"]


def textarea(rows: int = 3) -> forms.Textarea:
    return forms.Textarea(attrs={"rows": rows})


def date_input() -> forms.DateInput:
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def datetime_input() -> forms.DateTimeInput:
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


class UnitsField(IdMultipleChoiceField):
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
        widget=textarea(),
        help_text=_("Why a coordinated plan is needed, in plain words."),
    )
    person_goals = forms.CharField(
        label=_("The person's own goals"), widget=textarea(), required=False
    )
    questions = forms.CharField(
        label=_("Questions for the meeting"), widget=textarea(), required=False
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
        widget=datetime_input(),
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
        widget=textarea(2),
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
        widget=datetime_input(),
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
        widget=textarea(2),
        help_text=_("When accepting: name and profession of those who come."),
    )
    reason = forms.CharField(
        label=_("Reason for declining"),
        required=False,
        widget=textarea(2),
        help_text=_("When declining: why your unit does not take part."),
    )

    def clean(self) -> dict:
        data = super().clean()
        if data.get("answer") == self.ACCEPT and not data.get("attendees", "").strip():
            self.add_error("attendees", _("Name who attends from your unit."))
        if data.get("answer") == self.DECLINE and not data.get("reason", "").strip():
            self.add_error("reason", _("Say why your unit declines."))
        return data


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
        widget=textarea(2),
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
