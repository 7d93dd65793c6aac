"""Forms of the provider pages. Choices (contracting organisation, main provider, units) are
limited to what the actor administers, so an id of another organisation posted by hand fails
validation like any other wrong input."""

from __future__ import annotations

import datetime

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from samplan.accounts import administering as org_access
from samplan.accounts.models import User
from samplan.administration.forms import DateInput
from samplan.organizations.models import Organization, OrganizationKind, Unit, UnitKind
from samplan.organizations.validators import normalize_hsa_id, normalize_org_number
from samplan.providers import access as provider_access


def _not_in_past(day: datetime.date | None) -> datetime.date | None:
    if day is not None and day < timezone.localdate():
        raise ValidationError(_("The date cannot be in the past."))
    return day


class ProviderForm(forms.ModelForm):
    """The provider itself (the organisation number is checked by Organization.clean:
    10 digits with a valid check digit) and its responsible manager."""

    # Wider than the stored 10 digits: people write 556677-8899; clean_org_number normalises.
    org_number = forms.CharField(
        label=_("Organisation number"),
        max_length=13,
        help_text=_("10 digits, e.g. 556677-8899."),
    )
    manager_first_name = forms.CharField(label=_("First name"), max_length=150)
    manager_last_name = forms.CharField(label=_("Last name"), max_length=150)
    manager_email = forms.EmailField(label=_("E-mail"))
    manager_mobile = forms.CharField(label=_("Mobile"), max_length=40)
    manager_username = forms.CharField(
        label=_("Username"),
        max_length=150,
        help_text=_("Letters, digits and @ . + - _ only."),
    )

    class Meta:
        model = Organization
        fields = ["name", "org_number", "hsa_id", "contracted_by", "main_provider", "starts_on"]
        widgets = {"starts_on": DateInput()}

    def __init__(self, *args: object, actor: User, **kwargs: object) -> None:
        kwargs.setdefault("instance", Organization(kind=OrganizationKind.PRIVATE_PROVIDER))
        super().__init__(*args, **kwargs)
        contractors = org_access.provider_contracting_organizations(actor).exclude(
            kind=OrganizationKind.PRIVATE_PROVIDER
        )
        self.fields["contracted_by"].queryset = contractors
        self.fields["contracted_by"].required = True
        self.fields["contracted_by"].label = _("Contracted by (municipality or region)")
        self.fields["main_provider"].queryset = provider_access.providers_of(actor).filter(
            is_active=True, main_provider__isnull=True
        )
        self.fields["main_provider"].help_text = _(
            "Only for a subcontractor (underleverantör): the provider whose contract it works "
            "under. Its managers order the subcontractor's access."
        )
        self.fields["starts_on"].required = True
        self.fields["hsa_id"].help_text = _("For example SE5566778899-1000.")

    def clean_org_number(self) -> str:
        number = normalize_org_number(self.cleaned_data["org_number"])
        if Organization.objects.filter(org_number=number).exists():
            raise ValidationError(
                _("An organisation with this organisation number already exists.")
            )
        return number

    def clean_starts_on(self) -> datetime.date | None:
        return _not_in_past(self.cleaned_data.get("starts_on"))

    def clean_manager_username(self) -> str:
        username = self.cleaned_data["manager_username"].strip()
        if User.objects.filter(username__iexact=username).exists():
            raise ValidationError(_("A user with that username already exists."))
        return username

    def manager(self) -> User:
        data = self.cleaned_data
        return User(
            username=data["manager_username"],
            first_name=data["manager_first_name"],
            last_name=data["manager_last_name"],
            email=data["manager_email"],
            mobile=data["manager_mobile"],
        )


class UnitRowForm(forms.Form):
    """One unit of the new provider; empty rows after the first are left out."""

    name = forms.CharField(label=_("Unit name"), max_length=200)
    # An empty first choice: a browser sends a select's first option, and a kind picked by
    # default would make an untouched extra row look filled in.
    kind = forms.ChoiceField(label=_("Kind"), choices=[("", "---------"), *UnitKind.choices])
    hsa_id = forms.CharField(label=_("HSA-id"), max_length=31, required=False)
    has_inbox = forms.BooleanField(label=_("Has an inbox"), required=False)

    def clean_hsa_id(self) -> str | None:
        value = self.cleaned_data["hsa_id"].strip()
        if not value:
            return None
        hsa_id = normalize_hsa_id(value)
        if Unit.objects.filter(hsa_id=hsa_id).exists():
            raise ValidationError(_("Another unit already has this HSA-id."))
        return hsa_id

    def unit(self) -> Unit:
        data = self.cleaned_data
        return Unit(
            name=data["name"],
            kind=data["kind"],
            hsa_id=data["hsa_id"],
            has_inbox=data["has_inbox"],
        )


class _UnitRows(forms.BaseFormSet):
    def clean(self) -> None:
        super().clean()
        hsa_ids = [
            form.cleaned_data.get("hsa_id")
            for form in self.forms
            if form.cleaned_data and form.cleaned_data.get("hsa_id")
        ]
        if len(hsa_ids) != len(set(hsa_ids)):
            raise ValidationError(_("Two units have the same HSA-id."))

    def units(self) -> list[Unit]:
        return [form.unit() for form in self.forms if form.cleaned_data]


UnitRows = forms.formset_factory(
    UnitRowForm, formset=_UnitRows, extra=2, min_num=1, validate_min=True, max_num=10
)


def provider_choices(actor: User) -> QuerySet[Organization]:
    return provider_access.providers_of(actor).filter(is_active=True)


class HandOverForm(forms.Form):
    """Another active unit with an inbox in the closing unit's own organisation."""

    to_unit = forms.ModelChoiceField(
        label=_("Hand over to"),
        queryset=Unit.objects.none(),
        help_text=_(
            "Its unacknowledged messages are forwarded there, and its part in open cases and "
            "SIP plans moves there."
        ),
    )

    def __init__(self, *args: object, unit: Unit, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["to_unit"].queryset = (
            Unit.objects.active_on()
            .filter(organization_id=unit.organization_id, has_inbox=True)
            .exclude(pk=unit.pk)
            .order_by("name")
        )


BLOCKER_KINDS = ("deliveries", "cases", "plans")


class TakeoverFromForm(forms.Form):
    """Step one: which organisation hands over (the units to choose depend on it)."""

    fran = forms.ModelChoiceField(label=_("Handing over"), queryset=Organization.objects.none())

    def __init__(self, *args: object, actor: User, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["fran"].queryset = provider_access.takeover_parties(actor)


class TakeoverForm(forms.Form):
    to_organization = forms.ModelChoiceField(
        label=_("Taking over"), queryset=Organization.objects.none()
    )
    takes_effect_on = forms.DateField(label=_("Date of the takeover"), widget=DateInput())
    units = forms.ModelMultipleChoiceField(
        label=_("Units that move"),
        queryset=Unit.objects.none(),
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(
        self, *args: object, actor: User, from_organization: Organization, **kwargs: object
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["to_organization"].queryset = (
            provider_access.takeover_parties(actor)
            .filter(is_active=True)
            .exclude(pk=from_organization.pk)
        )
        self.fields["units"].queryset = Unit.objects.filter(
            organization=from_organization, is_active=True
        ).order_by("name")

    def clean_takes_effect_on(self) -> datetime.date | None:
        return _not_in_past(self.cleaned_data.get("takes_effect_on"))
