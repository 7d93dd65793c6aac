"""One form per message type of domain.md §5, and how a sent message's content is shown.

Each form's fields (apart from the late-entry time and the hidden controls) become the
message's `content`: plain JSON values (text, ISO dates and times, choice codes, booleans).
`content_items` turns stored content back into labelled lines with the same labels, so the
case page, the inbox and a printout show what the sender saw.
"""

from __future__ import annotations

import datetime
from typing import ClassVar

from django import forms
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from samplan.core.message_types import MessageType
from samplan.discharge.models import DischargeCase
from samplan.messaging.content import (
    DATETIME,
    ContentField,
    fields_of_form,
    register_content_fields,
)
from samplan.messaging.content import content_items as messaging_content_items
from samplan.patients.display import patient_display

M = MessageType

# A time a little ahead of the server clock is a clock difference, not the future.
CLOCK_TOLERANCE = datetime.timedelta(minutes=5)
DATETIME_INPUT_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"]

# Swedish words in the address of each form (/utskrivning/arenden/<id>/skicka/<slug>/).
SLUGS: dict[str, str] = {
    M.STATUS_REPORT: "statusmeddelande",
    M.ADMISSION_NOTICE: "inskrivningsmeddelande",
    M.PLANNING_INFO: "planeringsunderlag",
    M.CARE_CONTACT_APPOINTED: "fast-vardkontakt",
    M.READY_FOR_DISCHARGE: "utskrivningsklar",
    M.READINESS_WITHDRAWN: "aterta-utskrivningsklar",
    M.SIP_SUMMONS: "kallelse-sip",
    M.DISCHARGE_NOTICE: "utskrivningsmeddelande",
    M.DISCHARGE_INFO: "information-vid-utskrivning",
    M.CARE_REPORT: "vardrapport",
    M.EXTRA_MESSAGE: "extrameddelande",
    M.CASE_WITHDRAWN: "avbrott",
}
TYPES_BY_SLUG = {slug: message_type for message_type, slug in SLUGS.items()}


class LocalDateTimeField(forms.DateTimeField):
    """A Swedish wall-clock time typed in a datetime-local input (stored in UTC)."""

    widget = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
    input_formats = DATETIME_INPUT_FORMATS


class LocalDateField(forms.DateField):
    widget = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    input_formats = ["%Y-%m-%d"]


def _text(label: str, *, required: bool = False, rows: int = 3, **kwargs: object) -> forms.Field:
    return forms.CharField(
        label=label,
        required=required,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": rows}),
        **kwargs,
    )


def _line(label: str, *, required: bool = False, **kwargs: object) -> forms.Field:
    return forms.CharField(label=label, required=required, max_length=200, **kwargs)


def now_minute() -> datetime.datetime:
    return timezone.localtime().replace(second=0, microsecond=0)


class WithdrawalReason(models.TextChoices):
    """Why the ward withdraws a case; a transfer to another ward is its own action."""

    NO_LONGER_NEEDED = "no_longer_needed", _("Services after discharge are no longer needed")
    DECEASED = "deceased", _("The patient has died")
    MOVED_REGION = "moved_region", _("The patient has moved to another region")


class MessageForm(forms.Form):
    """What every message form has: the hidden controls and the late-entry time."""

    message_type_value: ClassVar[str]
    # The field whose text is also the message's plain text (what the inbox shows first).
    text_field: ClassVar[str | None] = "note"
    # At least one of these must be filled in (forms of free information).
    one_of: ClassVar[tuple[str, ...]] = ()
    CONTROL_FIELDS: ClassVar[tuple[str, ...]] = ("message_type", "key", "occurred_at")

    message_type = forms.CharField(widget=forms.HiddenInput)
    key = forms.CharField(widget=forms.HiddenInput, max_length=64)
    occurred_at = LocalDateTimeField(
        label=_("Happened at (late entry)"),
        required=False,
        help_text=_(
            "Only when this is entered afterwards, e.g. after a downtime when the message "
            "went by phone or paper: when it really happened. It is shown as entered late."
        ),
    )

    def __init__(self, *args: object, case: DischargeCase, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.case = case
        # The late-entry time goes last, after the message's own fields.
        self.order_fields([*[n for n in self.fields if n != "occurred_at"], "occurred_at"])

    def _not_in_future(self, name: str) -> datetime.datetime | None:
        value = self.cleaned_data.get(name)
        if value is not None and value > timezone.now() + CLOCK_TOLERANCE:
            raise forms.ValidationError(_("The time cannot be in the future."))
        return value

    def _not_before_admission(self, value: datetime.datetime | None) -> None:
        if value is not None and value < self.case.admitted_at:
            raise forms.ValidationError(_("The time cannot be before the admission."))

    def clean_occurred_at(self) -> datetime.datetime | None:
        value = self._not_in_future("occurred_at")
        self._not_before_admission(value)
        return value

    def clean(self) -> dict:
        data = super().clean()
        if self.one_of and not any(data.get(name) for name in self.one_of):
            raise forms.ValidationError(_("Fill in at least one of the fields."))
        return data

    def content(self) -> dict[str, object]:
        """The message type's own fields as plain JSON values; empty ones left out."""
        result: dict[str, object] = {}
        for name, value in self.cleaned_data.items():
            if name in self.CONTROL_FIELDS or value in (None, ""):
                continue
            result[name] = _plain(value)
        return result

    def text(self) -> str:
        return self.cleaned_data.get(self.text_field, "") if self.text_field else ""


def _plain(value: object) -> object:
    if isinstance(value, datetime.datetime):
        return value.isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    return value


class StatusReportForm(MessageForm):
    message_type_value = M.STATUS_REPORT
    one_of = ("living", "services", "contact", "note")

    living = _line(_("Housing before admission"))
    services = _text(_("Services before admission"))
    contact = _line(_("Contact in the municipality (name and phone)"))
    note = _text(_("Other information"))


class AdmissionNoticeForm(MessageForm):
    message_type_value = M.ADMISSION_NOTICE

    ward_phone = _line(_("The ward's phone"), required=True)
    estimated_discharge_date = LocalDateField(label=_("Estimated discharge date"), required=False)
    note = _text(_("Note"))

    def __init__(self, *args: object, case: DischargeCase, **kwargs: object) -> None:
        super().__init__(*args, case=case, **kwargs)
        self.fields["ward_phone"].initial = case.ward.phone
        self.fields["estimated_discharge_date"].initial = case.estimated_discharge_date

    def clean_estimated_discharge_date(self) -> datetime.date | None:
        return _not_before_admission_day(self.case, self.cleaned_data["estimated_discharge_date"])


class PlanningInfoForm(MessageForm):
    message_type_value = M.PLANNING_INFO
    one_of = ("needs", "adl", "aids", "risks", "estimated_discharge_date", "note")

    needs = _text(_("Needs after discharge"))
    adl = _text(_("Functional level (ADL)"))
    aids = _text(_("Aids"))
    risks = _text(_("Risks"))
    estimated_discharge_date = LocalDateField(
        label=_("Changed estimated discharge date"),
        required=False,
        help_text=_("The case's estimated discharge date changes when the message is sent."),
    )
    note = _text(_("Other information"))

    def clean_estimated_discharge_date(self) -> datetime.date | None:
        return _not_before_admission_day(self.case, self.cleaned_data["estimated_discharge_date"])


class CareContactForm(MessageForm):
    message_type_value = M.CARE_CONTACT_APPOINTED

    name = _line(_("Name of the care contact"), required=True)
    profession = _line(_("Profession"), required=True)
    phone = _line(_("Phone"), required=True)
    note = _text(_("Note"))


class ReadyForm(MessageForm):
    message_type_value = M.READY_FOR_DISCHARGE

    judged_at = LocalDateTimeField(
        label=_("When the physician judged the patient ready for discharge"),
        initial=now_minute,
    )
    note = _text(_("Note"))

    def clean_judged_at(self) -> datetime.datetime:
        value = self._not_in_future("judged_at")
        self._not_before_admission(value)
        return value


class ReadinessWithdrawnForm(MessageForm):
    message_type_value = M.READINESS_WITHDRAWN
    text_field = "reason"

    reason = _text(_("Why the patient is no longer ready for discharge"), required=True)


class SipSummonsForm(MessageForm):
    message_type_value = M.SIP_SUMMONS

    meeting_at = LocalDateTimeField(label=_("Proposed meeting time"))
    place = _line(_("Place, or video or phone"), required=True)
    note = _text(_("Note"))


class DischargeNoticeForm(MessageForm):
    message_type_value = M.DISCHARGE_NOTICE

    discharged_at = LocalDateTimeField(label=_("Discharged at"), initial=now_minute)
    note = _text(_("Note"))

    def clean_discharged_at(self) -> datetime.datetime:
        value = self._not_in_future("discharged_at")
        self._not_before_admission(value)
        return value


class DischargeInfoForm(MessageForm):
    message_type_value = M.DISCHARGE_INFO
    text_field = "text"

    text = _text(_("Information at discharge"), required=True, rows=8)


class CareReportForm(MessageForm):
    message_type_value = M.CARE_REPORT
    text_field = "text"

    text = _text(_("Care report"), required=True, rows=8)
    author = _line(_("Written by (name)"), required=True)
    author_profession = _line(
        _("Profession"),
        required=True,
        help_text=_("A care report is written by licensed staff, e.g. a nurse."),
    )


class ExtraMessageForm(MessageForm):
    message_type_value = M.EXTRA_MESSAGE
    text_field = "text"

    text = _text(_("Message"), required=True, rows=6)


class CaseWithdrawnForm(MessageForm):
    message_type_value = M.CASE_WITHDRAWN
    text_field = "text"

    reason = forms.ChoiceField(
        label=_("Why the case is withdrawn"),
        choices=WithdrawalReason.choices,
        widget=forms.RadioSelect,
        help_text=_("If the patient moves to another ward, transfer the case instead."),
    )
    text = _text(_("Comment"))


def _not_before_admission_day(case: DischargeCase, value: datetime.date | None):
    if value is not None and value < timezone.localdate(case.admitted_at):
        raise forms.ValidationError(_("The date cannot be before the admission."))
    return value


FORMS: dict[str, type[MessageForm]] = {
    form.message_type_value: form
    for form in (
        StatusReportForm,
        AdmissionNoticeForm,
        PlanningInfoForm,
        CareContactForm,
        ReadyForm,
        ReadinessWithdrawnForm,
        SipSummonsForm,
        DischargeNoticeForm,
        DischargeInfoForm,
        CareReportForm,
        ExtraMessageForm,
        CaseWithdrawnForm,
    )
}


def case_content(case: DischargeCase, message_type: str) -> dict[str, object]:
    """What the case adds to a message by itself. The admission notice carries the stay and
    the registered address (domain.md §5), the address never for a protected identity."""
    if message_type != M.ADMISSION_NOTICE:
        return {}
    content: dict[str, object] = {
        "admitted_at": case.admitted_at.isoformat(),
        "ward": case.ward.name,
    }
    if not case.patient.is_protected:
        address = patient_display(case.patient, participant=True).address
        if address:
            content["registered_address"] = address
    return content


# Content the case adds by itself (not typed), with its labels.
AUTOMATIC_FIELDS = {
    "admitted_at": ContentField(_("Admitted"), DATETIME),
    "ward": ContentField(_("Ward")),
    "registered_address": ContentField(_("Registered address"), contact=True),
}


def register_message_content() -> None:
    """Tells messaging the label and formatter of every key these forms write (called from
    DischargeConfig.ready()), so the message page and the case page show the same words."""
    register_content_fields(M.ADMISSION_NOTICE, AUTOMATIC_FIELDS)
    for message_type, form_class in FORMS.items():
        register_content_fields(
            message_type, fields_of_form(form_class, exclude=MessageForm.CONTROL_FIELDS)
        )


def content_items(message_type: str, content: dict, *, protected: bool) -> list[tuple[str, str]]:
    """(label, text) for each stored value, in the form's order; unknown keys last."""
    return messaging_content_items(content, message_type, protected=protected)


def _parse_datetime(value: str) -> datetime.datetime | None:
    if "T" not in value:
        return None
    try:
        moment = datetime.datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment if timezone.is_aware(moment) else None
