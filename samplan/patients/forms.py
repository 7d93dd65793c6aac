"""Forms of the patients app, and IdentityNumberField for every form where a number is typed."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from samplan.core.choice_fields import IdChoiceField
from samplan.organizations.models import Organization, Unit, UnitKind
from samplan.patients.identity import (
    DEFAULT_RESERVE_PATTERNS,
    Identity,
    IdentityKind,
    ReservePattern,
    parse_identity,
)
from samplan.patients.models import (
    MAX_IDENTITY_LENGTH,
    ConsentGiver,
    ConsentScope,
    Protection,
    ReserveNumberFormat,
)
from samplan.patients.services import PatientDetails

# What a person may type: 13 characters plus spaces and separators, with room to spare.
TYPED_MAX_LENGTH = 40


def add_service_errors(form: forms.Form, error: ValidationError, field: str | None) -> None:
    """Put a service's ValidationError on the fields it names, else on `field` or the form."""
    if hasattr(error, "error_dict"):
        for name, errors in error.error_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(field if field in form.fields else None, error)


class IdentityNumberField(forms.CharField):
    """A personnummer, samordningsnummer or (unless allow_reserve=False) reservnummer.

    cleaned_data holds an identity.Identity (number in stored form, kind, birth date). Errors
    are parse_identity's plain Swedish messages naming what is wrong; the typed text stays in
    the field. Pass the user's region's formats as reserve_patterns
    (samplan.patients.reserve_formats.reserve_patterns_for(request.unit.organization)).
    """

    default_error_messages = {
        "required": _("Enter a personnummer."),
        "reserve_not_allowed": _(
            "Enter the real personnummer or samordningsnummer, not a reservnummer."
        ),
        "too_long": _("The number is too long: at most %(max)d characters."),
    }

    def __init__(
        self,
        *,
        reserve_patterns: Iterable[ReservePattern] = DEFAULT_RESERVE_PATTERNS,
        allow_reserve: bool = True,
        **kwargs: object,
    ) -> None:
        kwargs.setdefault("label", _("Personnummer"))
        kwargs.setdefault(
            "help_text",
            _("10 or 12 digits, e.g. 19121212-1212. Samordningsnummer and reservnummer work too.")
            if allow_reserve
            else _("10 or 12 digits, e.g. 19121212-1212."),
        )
        super().__init__(**kwargs)
        self.reserve_patterns = tuple(reserve_patterns)
        self.allow_reserve = allow_reserve

    def widget_attrs(self, widget: forms.Widget) -> dict[str, str]:
        attrs = super().widget_attrs(widget)
        attrs.update(
            {
                "autocomplete": "off",
                "spellcheck": "false",
                "autocapitalize": "characters",
                "maxlength": str(TYPED_MAX_LENGTH),
            }
        )
        return attrs

    def to_python(self, value: object) -> Identity | None:
        if isinstance(value, Identity):
            return value
        text = super().to_python(value)
        if text in self.empty_values:
            return None
        if len(text) > TYPED_MAX_LENGTH:
            raise ValidationError(
                self.error_messages["too_long"],
                code="too_long",
                params={"max": MAX_IDENTITY_LENGTH},
            )
        identity = parse_identity(text, reserve_patterns=self.reserve_patterns)
        if identity.kind == IdentityKind.RESERVE and not self.allow_reserve:
            raise ValidationError(
                self.error_messages["reserve_not_allowed"], code="reserve_not_allowed"
            )
        if len(identity.number) > MAX_IDENTITY_LENGTH:
            raise ValidationError(
                self.error_messages["too_long"],
                code="too_long",
                params={"max": MAX_IDENTITY_LENGTH},
            )
        return identity

    def prepare_value(self, value: object) -> object:
        return value.display if isinstance(value, Identity) else value

    def has_changed(self, initial: object, data: object) -> bool:
        try:
            return self.to_python(initial) != self.to_python(data)
        except ValidationError:
            return True


class _WithReservePatterns:
    """Mixin: forms with an `identity` field take the region's formats as a keyword."""

    def _set_patterns(self, patterns: Iterable[ReservePattern] | None) -> None:
        if patterns is not None:
            self.fields["identity"].reserve_patterns = tuple(patterns)


class PatientSearchForm(_WithReservePatterns, forms.Form):
    identity = IdentityNumberField(
        label=_("Personnummer, samordningsnummer or reservnummer"),
        widget=forms.TextInput(attrs={"autofocus": True}),
    )

    def __init__(
        self, *args: object, reserve_patterns: Iterable[ReservePattern] | None = None, **kwargs
    ) -> None:
        super().__init__(*args, **kwargs)
        self._set_patterns(reserve_patterns)


def _digits(value: str) -> str:
    return re.sub(r"\s", "", value or "")


class PatientDetailsForm(forms.Form):
    """The details of a patient; contact fields are left out for a protected patient."""

    CONTACT_FIELDS = (
        "street_address",
        "postal_code",
        "city",
        "registered_municipality",
        "phone",
        "listed_care_centre",
    )

    first_name = forms.CharField(label=_("First name"), max_length=100)
    last_name = forms.CharField(label=_("Last name"), max_length=100)
    protection = forms.ChoiceField(
        label=_("Protected identity"),
        choices=Protection.choices,
        initial=Protection.NONE,
        help_text=_(
            "Address, phone and listing of a protected patient are never shown, not even to "
            "you after saving."
        ),
    )
    street_address = forms.CharField(label=_("Address"), max_length=200, required=False)
    postal_code = forms.CharField(label=_("Postal code"), max_length=6, required=False)
    city = forms.CharField(label=_("City"), max_length=100, required=False)
    registered_municipality = forms.CharField(
        label=_("Registered municipality (kommunkod)"),
        max_length=4,
        required=False,
        help_text=_("Four digits, e.g. 0483."),
    )
    phone = forms.CharField(label=_("Phone"), max_length=40, required=False)
    listed_care_centre = IdChoiceField(
        label=_("Listed at care centre"),
        queryset=Unit.objects.none(),
        required=False,
        empty_label=_("Not known"),
    )

    def __init__(self, *args: object, hide_contact: bool = False, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.hide_contact = hide_contact
        if hide_contact:
            for name in self.CONTACT_FIELDS:
                del self.fields[name]
        else:
            self.fields["listed_care_centre"].queryset = (
                Unit.objects.active_on()
                .filter(kind=UnitKind.PRIMARY_CARE_CENTRE)
                .select_related("organization")
                .order_by("name")
            )

    def clean_postal_code(self) -> str:
        value = _digits(self.cleaned_data["postal_code"])
        if value and not re.fullmatch(r"\d{5}", value):
            raise ValidationError(_("A postal code has five digits, e.g. 123 45."))
        return value

    def clean_registered_municipality(self) -> str:
        value = _digits(self.cleaned_data["registered_municipality"])
        if value and not re.fullmatch(r"\d{4}", value):
            raise ValidationError(_("A kommunkod has four digits, e.g. 0483."))
        return value

    def details(self) -> PatientDetails:
        data = self.cleaned_data
        values = {name: data[name] for name in ("first_name", "last_name", "protection")}
        if not self.hide_contact:
            values.update({name: data[name] for name in self.CONTACT_FIELDS})
            values["clear_listed_care_centre"] = data["listed_care_centre"] is None
        return PatientDetails(**values)


class PatientCreateForm(_WithReservePatterns, PatientDetailsForm):
    identity = IdentityNumberField()
    field_order = ["identity"]

    def __init__(
        self, *args: object, reserve_patterns: Iterable[ReservePattern] | None = None, **kwargs
    ) -> None:
        super().__init__(*args, **kwargs)
        self._set_patterns(reserve_patterns)


class PatientEditForm(PatientCreateForm):
    """Change details; the identity number can be corrected (a reservnummer stays one)."""


class LinkReserveForm(_WithReservePatterns, forms.Form):
    identity = IdentityNumberField(
        label=_("The person's personnummer or samordningsnummer"), allow_reserve=False
    )
    confirm = forms.BooleanField(
        label=_("I have checked that the reservnummer and this number are the same person."),
        error_messages={"required": _("Confirm that it is the same person.")},
    )

    def __init__(
        self, *args: object, reserve_patterns: Iterable[ReservePattern] | None = None, **kwargs
    ) -> None:
        super().__init__(*args, **kwargs)
        self._set_patterns(reserve_patterns)


class ConsentGiverFields(forms.Form):
    """Who gave a consent, when, and what it leaves out: the fields every consent form has
    (the patient's Samtycke here and the SIP's, samplan.sip.forms), with the check that a
    guardian or representative is named (as consent_record checks again), and a token so a
    form posted twice records one consent."""

    given_by = forms.ChoiceField(
        label=_("Consent given by"),
        choices=ConsentGiver.choices,
        initial=ConsentGiver.PERSON,
        widget=forms.RadioSelect,
    )
    given_by_name = forms.CharField(
        label=_("Name of guardian or representative"),
        max_length=200,
        required=False,
        help_text=_("Needed when a guardian or legal representative gave the consent."),
    )
    given_by_relation = forms.CharField(
        label=_("Relation or mandate"),
        max_length=200,
        required=False,
        help_text=_("E.g. mother, god man, förvaltare."),
    )
    given_at = forms.DateTimeField(
        label=_("When the consent was given"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    exclusions = forms.CharField(
        label=_("Exclusions"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("What the person does not consent to, e.g. a unit or a kind of information."),
    )
    form_token = forms.UUIDField(widget=forms.HiddenInput)

    def __init__(self, *args: object, **kwargs: object) -> None:
        kwargs.setdefault(
            "initial",
            {
                "given_at": timezone.localtime().replace(second=0, microsecond=0),
                "form_token": uuid.uuid4(),
            },
        )
        super().__init__(*args, **kwargs)

    def clean(self) -> dict:
        data = super().clean()
        if (
            data.get("given_by") not in (None, "", ConsentGiver.PERSON)
            and not (data.get("given_by_name") or "").strip()
        ):
            self.add_error("given_by_name", _("Enter the name of the guardian or representative."))
        return data


class ConsentForm(ConsentGiverFields):
    field_order = (
        "given_by",
        "given_by_name",
        "given_by_relation",
        "given_at",
        "scope",
        "scope_text",
        "exclusions",
    )

    scope = forms.ChoiceField(
        label=_("Scope"), choices=ConsentScope.choices, widget=forms.RadioSelect
    )
    scope_text = forms.CharField(
        label=_("What the consent covers"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("E.g. which units may share information, or what the plan is about."),
    )


class ConsentWithdrawForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for withdrawal (optional)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class ReserveNumberFormatForm(forms.ModelForm):
    """A region's reservnummer format; the model validates that the regex compiles."""

    class Meta:
        model = ReserveNumberFormat
        fields = ["region", "name", "regex", "check_digit", "active"]

    def __init__(self, *args: object, regions: Iterable[Organization], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        region_field = self.fields["region"]
        region_field.queryset = Organization.objects.filter(
            pk__in=[region.pk for region in regions]
        ).order_by("name")
        region_field.empty_label = None
        if self.instance.pk:
            region_field.disabled = True

    def clean_regex(self) -> str:
        return self.cleaned_data["regex"].strip()
