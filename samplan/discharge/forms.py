from __future__ import annotations

import datetime
import uuid
from collections.abc import Iterable
from decimal import Decimal

from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from samplan.core.choice_fields import IdChoiceField
from samplan.core.filter_forms import shared_fields
from samplan.discharge.message_forms import (
    CLOCK_TOLERANCE,
    LocalDateField,
    LocalDateTimeField,
    now_minute,
)
from samplan.discharge.models import DischargeCase
from samplan.discharge.process import WARD_KINDS, CaseState
from samplan.organizations.models import Agreement, Organization, OrganizationKind, Unit
from samplan.organizations.terms import AgreementTerms, CareType
from samplan.patients.forms import IdentityNumberField
from samplan.patients.identity import ReservePattern


class AmountField(forms.DecimalField):
    """Kronor as people type them: "9 300", "9300,50" or "9300.50"."""

    def to_python(self, value: object) -> Decimal | None:
        if isinstance(value, str):
            value = value.replace(" ", "").replace("\xa0", "").replace("\u202f", "")
        return super().to_python(value)


TERM_FIELDS = [
    "cutoff_time",
    "cutoff_rule",
    "admission_notice_hours",
    "summons_days",
    "grace_days_somatic",
    "grace_days_psychiatric",
    "liability_model",
    "daily_amount",
]


class AgreementForm(forms.ModelForm):
    """The agreement's period and terms. On a new agreement also its two parties, of which
    the user must administer at least one (`party_ids`)."""

    class Meta:
        model = Agreement
        fields = ["region", "municipality", "reference", "valid_from", "valid_to", *TERM_FIELDS]
        localized_fields = ["daily_amount"]
        field_classes = {"daily_amount": AmountField}
        widgets = {
            "valid_from": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "valid_to": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "cutoff_time": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        }

    def __init__(self, *args: object, party_ids: set[int], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.party_ids = party_ids
        if self.instance.pk:
            # The parties of a recorded agreement are fixed: end it and record a new one.
            del self.fields["region"]
            del self.fields["municipality"]
        else:
            active = Organization.objects.filter(is_active=True).order_by("name")
            self.fields["region"].queryset = active.filter(kind=OrganizationKind.REGION)
            self.fields["municipality"].queryset = active.filter(kind=OrganizationKind.MUNICIPALITY)

    def clean(self) -> dict:
        cleaned = super().clean()
        if self.instance.pk is None:
            region, municipality = cleaned.get("region"), cleaned.get("municipality")
            if (
                region is not None
                and municipality is not None
                and region.pk not in self.party_ids
                and municipality.pk not in self.party_ids
            ):
                raise forms.ValidationError(
                    _("You can only record agreements that one of your organisations is party to.")
                )
        return cleaned

    def terms(self) -> AgreementTerms:
        data = self.cleaned_data
        return AgreementTerms(
            cutoff=data["cutoff_time"],
            cutoff_rule=data["cutoff_rule"],
            admission_notice_hours=data["admission_notice_hours"],
            summons_days=data["summons_days"],
            grace_days_somatic=data["grace_days_somatic"],
            grace_days_psychiatric=data["grace_days_psychiatric"],
            liability_model=data["liability_model"],
            daily_amount=data["daily_amount"],
        )


class DailyAmountForm(forms.Form):
    year = forms.IntegerField(
        label=_("Year"), validators=[MinValueValidator(2018), MaxValueValidator(2100)]
    )
    amount = AmountField(
        label=_("Amount per day (SEK)"),
        max_digits=9,
        decimal_places=2,
        min_value=Decimal(1),
        localize=True,
    )
    source = forms.CharField(
        label=_("Source"),
        max_length=200,
        required=False,
        help_text=_("Where the figure comes from, e.g. Socialstyrelsen's decision."),
    )

    def __init__(self, *args: object, fixed_year: int | None = None, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        if fixed_year is not None:
            # Editing one year: the year is the page's, never a posted value.
            self.fields["year"].disabled = True
            self.fields["year"].initial = fixed_year


def one_time_key() -> str:
    """A fresh key per rendered form: a second post of the same form is recognised."""
    return uuid.uuid4().hex


class OneTimeKeyMixin(forms.Form):
    key = forms.CharField(widget=forms.HiddenInput, max_length=64, initial=one_time_key)


class CaseOpenForm(OneTimeKeyMixin):
    """Nytt ärende: the person and the stay."""

    identity = IdentityNumberField(widget=forms.TextInput(attrs={"autofocus": True}))
    admitted_at = LocalDateTimeField(label=_("Admitted at"), initial=now_minute)
    care_type = forms.ChoiceField(
        label=_("Care type"),
        choices=CareType.choices,
        help_text=_("Decides the grace days of the payment liability."),
    )
    estimated_discharge_date = LocalDateField(label=_("Estimated discharge date"), required=False)

    def __init__(
        self,
        *args: object,
        care_type: str,
        reserve_patterns: Iterable[ReservePattern] | None = None,
        **kwargs: object,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["care_type"].initial = care_type
        if reserve_patterns is not None:
            self.fields["identity"].reserve_patterns = tuple(reserve_patterns)

    def clean_admitted_at(self) -> datetime.datetime:
        value = self.cleaned_data["admitted_at"]
        if value > timezone.now() + CLOCK_TOLERANCE:
            raise forms.ValidationError(_("The admission time cannot be in the future."))
        return min(value, timezone.now())

    def clean(self) -> dict:
        data = super().clean()
        admitted, estimated = data.get("admitted_at"), data.get("estimated_discharge_date")
        if admitted and estimated and estimated < timezone.localdate(admitted):
            self.add_error(
                "estimated_discharge_date", _("The date cannot be before the admission.")
            )
        return data


class MessageCancelForm(OneTimeKeyMixin):
    reason = forms.CharField(
        label=_("Why the message is cancelled"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "The receivers see the reason. The message stays in the history, struck through."
        ),
    )


class CaseTransferForm(forms.Form):
    to_ward = IdChoiceField(
        label=_("Ward the patient moves to"),
        queryset=Unit.objects.none(),
        empty_label=_("Choose a ward"),
    )

    def __init__(self, *args: object, case: DischargeCase, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["to_ward"]
        field.queryset = (
            Unit.objects.active_on()
            .filter(kind__in=WARD_KINDS, has_inbox=True, organization__is_active=True)
            .exclude(pk=case.ward_id)
            .select_related("organization")
            .order_by("organization__name", "name")
        )
        field.label_from_instance = lambda unit: f"{unit.name} ({unit.organization.name})"


class CaseEditForm(forms.Form):
    """The case's details that deadlines and payment liability read."""

    care_type = forms.ChoiceField(label=_("Care type"), choices=CareType.choices)
    estimated_discharge_date = LocalDateField(
        label=_("Estimated discharge date"),
        required=False,
        help_text=_("To tell the other units of a change, send planning information instead."),
    )
    services_need_assessed_at = LocalDateTimeField(
        label=_("When the physician assessed that services may be needed"),
        required=False,
        help_text=_(
            "Only when this was assessed after the admission: the 24 hours of the admission "
            "notice then run from this time."
        ),
    )
    care_contact_needed = forms.BooleanField(label=_("A care contact is needed"), required=False)
    sip_needed = forms.BooleanField(
        label=_("A SIP is needed (services from both region and municipality)"), required=False
    )
    services_refused = forms.BooleanField(
        label=_("The patient declines the municipality's services"), required=False
    )


# --- Översikt's filters ----------------------------------------------------------------------

OPEN_CASES = "open"
ALL_CASES = "all"


class OverviewSort:
    NEWEST = "-admitted"
    OLDEST = "admitted"
    NAME = "name"
    WARD = "ward"
    CHOICES = (
        (NEWEST, _("Admission, newest first")),
        (OLDEST, _("Admission, oldest first")),
        (NAME, _("Name")),
        (WARD, _("Ward")),
    )


@shared_fields  # nothing here changes a field per instance
class OverviewFilterForm(forms.Form):
    # Its fields' markup depends on the language and the chosen values alone (fixed choices,
    # nothing set per instance): messaging's inbox_search keeps it per language and value.
    fixed_markup = True

    state = forms.ChoiceField(
        label=_("Case state"),
        required=False,
        choices=[
            (OPEN_CASES, _("Open cases")),
            *CaseState.choices,
            (ALL_CASES, _("All cases")),
        ],
    )
    care_type = forms.ChoiceField(
        label=_("Care type"),
        required=False,
        choices=[("", _("All")), *CareType.choices],
    )
    overdue = forms.BooleanField(label=_("Overdue only"), required=False)
    sort = forms.ChoiceField(label=_("Sort by"), required=False, choices=OverviewSort.CHOICES)

    def values(self) -> dict:
        """Cleaned values, with defaults for anything missing or invalid."""
        self.is_valid()  # a bad value in the address is ignored; the valid ones count
        data = self.cleaned_data
        return {
            "state": data.get("state") or OPEN_CASES,
            "care_type": data.get("care_type") or "",
            "overdue": bool(data.get("overdue")),
            "sort": data.get("sort") or OverviewSort.NEWEST,
        }
