"""The report form, the handling forms, the inbox filter and the settings form."""

from __future__ import annotations

import datetime
import uuid

from django import forms
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from samplan.core.choice_fields import IdChoiceField, IdMultipleChoiceField
from samplan.deviations.models import (
    MAX_COMMENT,
    MAX_DESCRIPTION,
    Category,
    DeviationState,
)
from samplan.discharge.message_forms import CLOCK_TOLERANCE, LocalDateTimeField, now_minute
from samplan.organizations.models import Organization, Unit


class ReportForm(forms.Form):
    """Rapportera avvikelse. The organisations concerned: those of the linked case, plan or
    message to tick, and any other organisation from the list."""

    submission_key = forms.CharField(widget=forms.HiddenInput, max_length=64)
    occurred_at = LocalDateTimeField(
        label=_("Date and time of the event"),
        initial=now_minute,
        help_text=_("As close to the event as you know it. Not in the future."),
    )
    category = forms.ChoiceField(label=_("Category"), choices=Category.choices)
    description = forms.CharField(
        label=_("What happened"),
        max_length=MAX_DESCRIPTION,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_(
            "Describe what happened and what it led to. Do not write the patient's name or "
            "personnummer: the link to the case or plan carries them to those who may see them."
        ),
    )
    organizations = IdMultipleChoiceField(
        label=_("Organisations concerned"),
        queryset=Organization.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    other_organization = IdChoiceField(
        label=_("Another organisation concerned"),
        queryset=Organization.objects.none(),
        required=False,
        empty_label=_("– none –"),
    )

    def __init__(
        self,
        *args: object,
        proposed: QuerySet[Organization],
        others: QuerySet[Organization],
        **kwargs: object,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organizations"].queryset = proposed
        self.fields["other_organization"].queryset = others
        if not self.is_bound:
            self.initial.setdefault("submission_key", uuid.uuid4().hex)
            self.initial.setdefault("organizations", list(proposed.values_list("pk", flat=True)))
        if not proposed.exists():
            del self.fields["organizations"]

    def clean_occurred_at(self) -> datetime.datetime:
        value = self.cleaned_data["occurred_at"]
        if value > timezone.now() + CLOCK_TOLERANCE:
            raise forms.ValidationError(_("The time of the event cannot be in the future."))
        return value

    def organization_ids(self) -> list[int]:
        chosen = [o.pk for o in self.cleaned_data.get("organizations") or []]
        other = self.cleaned_data.get("other_organization")
        if other is not None:
            chosen.append(other.pk)
        return chosen


class CommentForm(forms.Form):
    text = forms.CharField(
        label=_("Comment"), max_length=MAX_COMMENT, widget=forms.Textarea(attrs={"rows": 3})
    )


class MoveForm(forms.Form):
    """A state change; answering needs the text (the answer)."""

    to = forms.ChoiceField(choices=DeviationState.choices, widget=forms.HiddenInput)
    text = forms.CharField(
        label=_("Answer"),
        max_length=MAX_COMMENT,
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
    )


INBOX_STATES = [("", _("Not closed")), *DeviationState.choices, ("all", _("All"))]


class InboxFilterForm(forms.Form):
    state = forms.ChoiceField(label=_("State"), choices=INBOX_STATES, required=False)
    category = forms.ChoiceField(
        label=_("Category"), choices=[("", _("All")), *Category.choices], required=False
    )


class AnswerDaysForm(forms.Form):
    answer_days = forms.IntegerField(
        label=_("Days to answer a deviation"),
        min_value=1,
        max_value=90,
        help_text=_("Calendar days after the day the deviation was reported. Default 14."),
    )


class SettingsForm(forms.Form):
    receiving_unit = IdChoiceField(
        label=_("Receiving unit"),
        queryset=Unit.objects.none(),
        required=False,
        empty_label=_("– none –"),
        help_text=_(
            "The unit that receives deviations reported to the organisation, e.g. the MAS or "
            "the patient-safety function. Give its handlers the role Deviation handler there."
        ),
    )

    def __init__(self, *args: object, units: QuerySet[Unit], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["receiving_unit"].queryset = units
