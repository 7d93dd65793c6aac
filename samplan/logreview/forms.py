"""Forms of the log review pages (Logggranskning) and the log extract (Loggutdrag)."""

from __future__ import annotations

import datetime
import uuid

from django import forms
from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from samplan.auditlog.access_log import AccessAction
from samplan.auditlog.models import ReviewResult
from samplan.core.http import parse_ids
from samplan.logreview.selectors import LogFilters, person_by_pk, units_by_name, user_by_name
from samplan.logreview.services import MAX_REVIEW_ENTRIES
from samplan.organizations.models import Unit

# Look back this far when the reviewer gives no start date: a month is what a regular
# review covers, and it keeps the first page fast on a large organisation.
DEFAULT_DAYS = 30
# How far back a search may reach at most (the rows are kept five years).
MAX_PERIOD_DAYS = 6 * 366

FLAG_CHOICES = [
    ("not_participant", _("Unit not a participant")),
    ("protected_identity", _("Protected identity")),
    ("outside_hours", _("Outside the unit's usual hours")),
    ("many_patients", _("Many patients in a short time")),
]


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs: object) -> None:
        super().__init__(format="%Y-%m-%d", **kwargs)


class UnitNameField(forms.CharField):
    """A unit of the reviewer's organisation, typed as its HSA-id or its name: a select would
    list every unit, and a region has hundreds to thousands. Cleans to the Unit, or None when
    nothing is typed (nothing is read then); what was typed stays in the field. The form
    sets `units`, the organisation's units: a unit of another organisation is no unit here."""

    def __init__(self, **kwargs: object) -> None:
        kwargs.setdefault("help_text", _("HSA-id or name of a unit in your organisation."))
        super().__init__(required=False, max_length=200, **kwargs)
        self.units: QuerySet[Unit] = Unit.objects.none()

    def clean(self, value: object) -> Unit | None:
        text = super().clean(value)
        if not text:
            return None
        found = units_by_name(self.units, text)
        if not found:
            raise forms.ValidationError(
                _("No unit in your organisation has that name or HSA-id."), code="not_found"
            )
        if len(found) > 1:
            raise forms.ValidationError(
                _("Several units in your organisation have that name. Type the unit's HSA-id."),
                code="ambiguous",
            )
        return found[0]


class PeriodMixin:
    """Checks a period: not reversed, not longer than MAX_PERIOD_DAYS."""

    def _clean_period(self, data: dict) -> None:
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and end < start:
            self.add_error("date_to", _("The end date is before the start date."))
        elif start and end and (end - start).days > MAX_PERIOD_DAYS:
            self.add_error("date_from", _("Choose a period of at most six years."))


class LogSearchForm(PeriodMixin, forms.Form):
    """The filters of the review list (GET). The patient comes as an id from the patient
    search, so personnummer never stand in an address."""

    user = forms.CharField(
        label=_("User"),
        required=False,
        max_length=150,
        help_text=_("Username or HSA-id."),
    )
    unit = UnitNameField(label=_("Unit"))
    date_from = forms.DateField(label=_("From"), required=False, widget=DateInput())
    date_to = forms.DateField(label=_("To"), required=False, widget=DateInput())
    action = forms.ChoiceField(
        label=_("Action"),
        required=False,
        choices=[("", _("All actions")), *AccessAction.choices],
    )
    flags = forms.MultipleChoiceField(
        label=_("Only accesses that are"),
        required=False,
        choices=FLAG_CHOICES,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Every chosen mark must apply."),
    )
    flagged = forms.BooleanField(label=_("Only accesses with any mark"), required=False)
    patient = forms.IntegerField(required=False, widget=forms.HiddenInput, min_value=1)

    def __init__(self, *args: object, units: QuerySet[Unit], **kwargs: object) -> None:
        """`units`: the reviewer's organisation's units, where a typed unit is looked for."""
        super().__init__(*args, **kwargs)
        self.fields["unit"].units = units

    def clean(self) -> dict:
        data = super().clean()
        self._clean_period(data)
        typed = data.get("user", "")
        data["user_object"] = user_by_name(typed) if typed else None
        if typed and data["user_object"] is None:
            self.add_error("user", _("No user has that username or HSA-id."))
        patient_id = data.get("patient")
        data["patient_object"], data["patient_linked"] = person_by_pk(patient_id)
        if patient_id and data["patient_object"] is None:
            self.add_error(None, _("The patient was not found. Search for the patient again."))
        return data

    def filters(self) -> LogFilters:
        """The filters to apply: the form's if valid, else the default period only."""
        today = timezone.localdate()
        default_from = today - datetime.timedelta(days=DEFAULT_DAYS)
        if not self.is_valid():
            return LogFilters(date_from=default_from, date_to=today)
        data = self.cleaned_data
        return LogFilters(
            patient=data["patient_object"],
            linked=data["patient_linked"],
            user=data["user_object"],
            unit=data["unit"],
            # A patient's or user's whole history is what one looks for; else the last month.
            date_from=data["date_from"]
            or (None if data["patient_object"] or data["user_object"] else default_from),
            date_to=data["date_to"],
            action=data["action"],
            flags=tuple(data["flags"]),
            flagged_only=data["flagged"],
        )


class FormKeyField(forms.CharField):
    """A key per rendered form: the same form posted twice makes one object."""

    def __init__(self, **kwargs: object) -> None:
        super().__init__(widget=forms.HiddenInput, max_length=64, **kwargs)


def new_form_key() -> str:
    return uuid.uuid4().hex


class ReviewSelectionForm(forms.Form):
    """Start a review of the accesses ticked on the search page."""

    entries = forms.TypedMultipleChoiceField(coerce=int, required=False)
    form_key = FormKeyField()
    criteria = forms.CharField(required=False, max_length=500, widget=forms.HiddenInput)

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        # Any id is accepted here; the service keeps only the organisation's own rows.
        raw = self.data.getlist("entries") if hasattr(self.data, "getlist") else []
        self.fields["entries"].choices = [(str(value), str(value)) for value in parse_ids(raw)]

    def clean_entries(self) -> list[int]:
        entries = self.cleaned_data["entries"]
        if not entries:
            raise forms.ValidationError(_("Tick at least one access to review."))
        return entries


class SampleForm(PeriodMixin, forms.Form):
    """Slumpa urval: draw accesses at random for a review."""

    date_from = forms.DateField(label=_("From"), widget=DateInput())
    date_to = forms.DateField(label=_("To"), widget=DateInput())
    size = forms.IntegerField(
        label=_("Number of accesses"),
        min_value=1,
        max_value=MAX_REVIEW_ENTRIES,
        initial=20,
    )
    unit = UnitNameField(label=_("Unit"))
    flagged = forms.BooleanField(label=_("Only accesses with any mark"), required=False)
    form_key = FormKeyField()

    def __init__(self, *args: object, units: QuerySet[Unit], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"].units = units

    def clean(self) -> dict:
        data = super().clean()
        self._clean_period(data)
        return data


class ReviewCompleteForm(forms.Form):
    checked = forms.TypedMultipleChoiceField(
        label=_("Checked"), coerce=int, required=False, widget=forms.CheckboxSelectMultiple
    )
    result = forms.ChoiceField(
        label=_("Result"),
        choices=ReviewResult.choices,
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(
        label=_("Comment"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_(
            "What was checked and with whom, and for a remark what is done about it. "
            "Do not write patient details here."
        ),
    )

    def __init__(self, *args: object, entry_ids: list[int], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["checked"].choices = [(pk, pk) for pk in entry_ids]


class ExtractForm(PeriodMixin, forms.Form):
    """Loggutdrag: the person, the period, and whether to name the users."""

    date_from = forms.DateField(label=_("From"), required=False, widget=DateInput())
    date_to = forms.DateField(label=_("To"), required=False, widget=DateInput())
    with_users = forms.BooleanField(
        label=_("Also show the names of the users"),
        required=False,
        help_text=_("Without this the extract names the units only."),
    )

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        if not settings.ACCESS_LOG_EXTRACT_USER_NAMES:
            del self.fields["with_users"]

    def clean(self) -> dict:
        data = super().clean()
        self._clean_period(data)
        data.setdefault("with_users", False)
        return data
