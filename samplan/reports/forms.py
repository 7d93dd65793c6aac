"""The report filter: the year, and optionally one unit within the reader's reach."""

from __future__ import annotations

from django import forms
from django.db.models import QuerySet
from django.utils import timezone
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
