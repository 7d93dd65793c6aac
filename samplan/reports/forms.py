"""The report filter: the year, and optionally one unit within the reader's reach."""

from __future__ import annotations

import datetime

from django import forms
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from samplan.core.choice_fields import IdChoiceField
from samplan.organizations.models import Unit

FIRST_YEAR = 2018  # the law (2017:612) applies from 2018


class ReportForm(forms.Form):
    year = forms.TypedChoiceField(label=_("Year"), coerce=int)
    unit = IdChoiceField(
        label=_("Unit"), queryset=Unit.objects.none(), required=False, empty_label=_("All units")
    )

    def __init__(self, *args: object, units: QuerySet[Unit], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        this_year = timezone.localdate().year
        self.fields["year"].choices = [(y, str(y)) for y in range(this_year, FIRST_YEAR - 1, -1)]
        self.fields["unit"].queryset = units
        self.fields["unit"].empty_label = _("All units")

    def choice(self) -> tuple[int, Unit | None]:
        """The year and unit asked for; this year and every unit when the form is not valid."""
        if self.is_bound and self.is_valid():
            return self.cleaned_data["year"], self.cleaned_data["unit"]
        return timezone.localdate().year, None


def month_choices(today: datetime.date) -> list[tuple[str, str]]:
    """Every month from the law's first (January 2018) to this one, newest first."""
    choices = []
    year, month = today.year, today.month
    while year >= FIRST_YEAR:
        first = datetime.date(year, month, 1)
        choices.append((f"{first:%Y-%m}", date_format(first, "F Y").capitalize()))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return choices


class MonthForm(forms.Form):
    """The national statistics' month: the last closed month unless another is chosen."""

    month = forms.ChoiceField(label=_("Month"))

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["month"].choices = month_choices(timezone.localdate())

    def choice(self) -> datetime.date:
        if self.is_bound and self.is_valid():
            return datetime.datetime.strptime(self.cleaned_data["month"], "%Y-%m").date()
        first = timezone.localdate().replace(day=1)
        return (first - datetime.timedelta(days=1)).replace(day=1)


class RecountForm(forms.Form):
    """Recount a month: the month and the snapshot the administrator saw (hidden fields)."""

    month = forms.CharField(max_length=7)
    snapshot = forms.IntegerField(min_value=1)
    confirm = forms.BooleanField(required=True)

    def clean_month(self) -> datetime.date:
        try:
            return datetime.datetime.strptime(self.cleaned_data["month"], "%Y-%m").date()
        except ValueError:
            raise forms.ValidationError(_("Choose a month.")) from None
