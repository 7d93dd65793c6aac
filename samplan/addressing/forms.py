"""Forms of the addressing register. Unit choices are limited to the units the user may keep,
so a forged unit id is refused as an invalid choice."""

from __future__ import annotations

import re

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from samplan.addressing.models import AreaRule, ImportKind
from samplan.core.choice_fields import IdChoiceField
from samplan.core.message_types import MessageType
from samplan.organizations.models import Unit
from samplan.patients.identity import parse_identity


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self) -> None:
        super().__init__(format="%Y-%m-%d")


class UnitChoiceField(IdChoiceField):
    def label_from_instance(self, unit: Unit) -> str:
        return f"{unit.name} ({unit.organization.name})"


def _units(queryset: QuerySet[Unit]) -> QuerySet[Unit]:
    return (
        queryset.filter(has_inbox=True)
        .select_related("organization")
        .order_by("organization__name", "name")
    )


class IdentityField(forms.CharField):
    """A personnummer, samordningsnummer or reservnummer, cleaned to its stored form."""

    def __init__(self, **kwargs: object) -> None:
        kwargs.setdefault("label", _("Personnummer"))
        kwargs.setdefault("max_length", 20)
        super().__init__(**kwargs)

    def clean(self, value: str) -> str:
        value = super().clean(value)
        if not value:
            return value
        return parse_identity(value).number


class PeriodMixin:
    def clean(self) -> dict:
        data = super().clean()  # type: ignore[misc]
        start, end = data.get("start"), data.get("end")
        if start and end and end < start:
            self.add_error("end", _("The end date is before the start date."))
        return data


class RegisterEntryForm(PeriodMixin, forms.Form):
    """A patient-filter or residence-list row: unit, person and period."""

    unit = UnitChoiceField(label=_("Unit"), queryset=Unit.objects.none())
    identity_number = IdentityField()
    start = forms.DateField(label=_("From"), widget=DateInput())
    end = forms.DateField(
        label=_("To"),
        required=False,
        widget=DateInput(),
        help_text=_("Leave empty while it lasts."),
    )

    def __init__(self, *args: object, kind: str, units: QuerySet[Unit], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = _units(units)
        if kind == ImportKind.RESIDENCE:
            self.fields["unit"].label = _("Nursing home or LSS housing")
            self.fields["start"].label = _("Moved in")
            self.fields["end"].label = _("Moved out")
            self.fields["end"].help_text = _("Leave empty while the person lives there.")


class PeriodForm(PeriodMixin, forms.Form):
    """Editing a register row changes only its period (e.g. ends it)."""

    start = forms.DateField(label=_("From"), widget=DateInput())
    end = forms.DateField(
        label=_("To"),
        required=False,
        widget=DateInput(),
        help_text=_("Leave empty while it lasts."),
    )

    def __init__(self, *args: object, kind: str, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        if kind == ImportKind.RESIDENCE:
            self.fields["start"].label = _("Moved in")
            self.fields["end"].label = _("Moved out")


def _digits(value: str, length: int, message: str) -> str:
    cleaned = re.sub(r"\s", "", value or "")
    if cleaned and not re.fullmatch(rf"\d{{{length}}}", cleaned):
        raise ValidationError(message)
    return cleaned


class AreaRuleForm(forms.ModelForm):
    unit = UnitChoiceField(label=_("Receiving unit"), queryset=Unit.objects.none())
    # Written "641 30" by people; cleaned to five digits below.
    postal_code_from = forms.CharField(
        label=_("Postal codes from"),
        required=False,
        max_length=7,
        help_text=_("Optional: a postal-code range, e.g. 641 30 to 641 99."),
    )
    postal_code_to = forms.CharField(label=_("Postal codes to"), required=False, max_length=7)
    message_type = forms.ChoiceField(
        label=_("Message type"),
        required=False,
        choices=[("", _("All message types")), *MessageType.choices],
    )

    class Meta:
        model = AreaRule
        fields = [
            "municipality_code",
            "postal_code_from",
            "postal_code_to",
            "message_type",
            "unit",
            "valid_from",
            "valid_to",
        ]
        widgets = {"valid_from": DateInput(), "valid_to": DateInput()}
        help_texts = {
            "municipality_code": _("Kommunkod, four digits, e.g. 0483."),
        }

    def __init__(self, *args: object, units: QuerySet[Unit], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = _units(units)

    def clean_municipality_code(self) -> str:
        code = _digits(
            self.cleaned_data["municipality_code"],
            4,
            _("A municipality code has four digits."),
        )
        if not code:
            raise ValidationError(_("A municipality code has four digits."))
        return code

    def clean_postal_code_from(self) -> str:
        return _digits(
            self.cleaned_data["postal_code_from"], 5, _("A postal code has five digits.")
        )

    def clean_postal_code_to(self) -> str:
        return _digits(self.cleaned_data["postal_code_to"], 5, _("A postal code has five digits."))

    def clean(self) -> dict:
        data = super().clean()
        low, high = data.get("postal_code_from"), data.get("postal_code_to")
        if bool(low) != bool(high):
            raise ValidationError(_("Give both ends of the postal-code range, or neither."))
        if low and high and high < low:
            self.add_error("postal_code_to", _("The range ends before it starts."))
        start, end = data.get("valid_from"), data.get("valid_to")
        if start and end and end < start:
            self.add_error("valid_to", _("The end date is before the start date."))
        return data

    def validate_unique(self) -> None:
        """The service reports a duplicate rule; the form need not query for it."""


class FallbackInboxForm(forms.Form):
    unit = UnitChoiceField(label=_("Central inbox"), queryset=Unit.objects.none())

    def __init__(self, *args: object, units: QuerySet[Unit], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = _units(units)


class ImportForm(forms.Form):
    kind = forms.ChoiceField(label=_("Register"), choices=ImportKind.choices)
    file = forms.FileField(
        label=_("File (CSV or XLSX)"),
        help_text=_(
            "First row: enhet; personnummer; från; till (patient filters) or enhet; "
            "personnummer; inflyttning; utflyttning (residence lists)."
        ),
    )

    def __init__(self, *args: object, kinds: list[tuple[str, str]], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = kinds


class SimulatorForm(forms.Form):
    identity_number = IdentityField()
    message_type = forms.ChoiceField(
        label=_("Message type"),
        choices=MessageType.choices,
        initial=MessageType.ADMISSION_NOTICE,
    )
    day = forms.DateField(
        label=_("Date"), required=False, widget=DateInput(), help_text=_("Empty means today.")
    )
    sender = UnitChoiceField(
        label=_("Sending unit"),
        required=False,
        queryset=Unit.objects.none(),
        help_text=_("Optional. The sender never receives its own message."),
    )

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["sender"].queryset = _units(Unit.objects.filter(is_active=True))
