from __future__ import annotations

from decimal import Decimal

from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils.translation import gettext_lazy as _

from samplan.discharge.models import Agreement
from samplan.discharge.terms import AgreementTerms
from samplan.organizations.models import Organization, OrganizationKind


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
