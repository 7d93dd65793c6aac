"""Forms of the inbox: list filters, the search by personnummer, message actions, alerts."""

from __future__ import annotations

import re

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from samplan.core.choice_fields import IdChoiceField
from samplan.core.filter_forms import shared_fields
from samplan.core.message_types import MessageType
from samplan.messaging.models import DeliveryState
from samplan.organizations.models import Unit
from samplan.patients.forms import IdentityNumberField

MAX_ALERT_RECEIVERS = 10
# A mobile number as people write it: +46 or 0, then digits with spaces or dashes.
_MOBILE = re.compile(r"^(?:\+46|0046|0)7\d{8}$")


def _blank_choice(label: str, choices: list[tuple[str, str]]) -> list[tuple[str, str]]:
    return [("", label), *choices]


class IdentitySearchForm(forms.Form):
    """Search a list by personnummer; the number goes by POST, never into the address."""

    # Its field's markup depends on the language and the number alone: inbox_frame keeps it
    # per language while no number is shown (a number is data: never kept).
    fixed_markup = True

    # Empty shows the whole list: a filter, not a required field.
    identity = IdentityNumberField(required=False)

    def __init__(self, *args: object, reserve_patterns: tuple = (), **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        if reserve_patterns:
            self.fields["identity"].reserve_patterns = tuple(reserve_patterns)


# Mottagna's state filter for new and read deliveries alike (the header count's link).
UNACKNOWLEDGED = "open"


@shared_fields  # nothing here changes a field per instance
class ReceivedFilterForm(forms.Form):
    # Its fields' markup depends on the language and the chosen values alone (fixed choices,
    # nothing set per instance): inbox_frame keeps it per language and value.
    fixed_markup = True

    state = forms.ChoiceField(
        label=_("State"),
        required=False,
        choices=_blank_choice(
            _("All"), [(UNACKNOWLEDGED, _("Not acknowledged")), *DeliveryState.choices]
        ),
    )
    message_type = forms.ChoiceField(
        label=_("Type"),
        required=False,
        choices=_blank_choice(_("All types"), list(MessageType.choices)),
    )
    overdue = forms.BooleanField(label=_("Overdue only"), required=False)


@shared_fields  # nothing here changes a field per instance
class SentFilterForm(forms.Form):
    fixed_markup = True  # as ReceivedFilterForm's

    message_type = forms.ChoiceField(
        label=_("Type"),
        required=False,
        choices=_blank_choice(_("All types"), list(MessageType.choices)),
    )


class ForwardForm(forms.Form):
    to_unit = IdChoiceField(
        label=_("Forward to"),
        queryset=Unit.objects.none(),
        empty_label=_("Choose a unit"),
        help_text=_("Units with an inbox in your own organisation."),
    )

    def __init__(self, *args: object, units: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["to_unit"].queryset = units


class ReturnForm(forms.Form):
    reason = forms.CharField(
        label=_("Why is the message misaddressed?"),
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "The sender sees the reason. Do not write anything about the patient that the "
            "sender does not already know."
        ),
        error_messages={"required": _("Say why the message is misaddressed.")},
    )

    def clean_reason(self) -> str:
        reason = self.cleaned_data["reason"].strip()
        if not reason:
            raise ValidationError(_("Say why the message is misaddressed."))
        return reason


def _lines(value: str) -> list[str]:
    return [line.strip() for line in re.split(r"[\n,;]", value or "") if line.strip()]


class AlertSettingsForm(forms.Form):
    enabled = forms.BooleanField(label=_("Send alerts when messages arrive"), required=False)
    sms_numbers = forms.CharField(
        label=_("Mobile numbers for SMS"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=format_lazy(
            _("One per line, e.g. 070-123 45 67. At most {max}."), max=MAX_ALERT_RECEIVERS
        ),
    )
    email_addresses = forms.CharField(
        label=_("E-mail addresses"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=format_lazy(
            _("One per line; preferably the unit's shared mailbox. At most {max}."),
            max=MAX_ALERT_RECEIVERS,
        ),
    )

    def clean_sms_numbers(self) -> list[str]:
        numbers = []
        for line in _lines(self.cleaned_data["sms_numbers"]):
            compact = re.sub(r"[\s\-()]", "", line)
            if not _MOBILE.match(compact):
                raise ValidationError(
                    _("%(number)s is not a Swedish mobile number (07x-xxx xx xx).")
                    % {"number": line}
                )
            national = compact.removeprefix("+46").removeprefix("0046").removeprefix("0")
            normalised = "+46" + national
            if normalised not in numbers:
                numbers.append(normalised)
        if len(numbers) > MAX_ALERT_RECEIVERS:
            raise ValidationError(_("At most %(max)d numbers.") % {"max": MAX_ALERT_RECEIVERS})
        return numbers

    def clean_email_addresses(self) -> list[str]:
        addresses = []
        for line in _lines(self.cleaned_data["email_addresses"]):
            try:
                validate_email(line)
            except ValidationError:
                raise ValidationError(
                    _("%(address)s is not an e-mail address.") % {"address": line}
                ) from None
            if line.lower() not in (a.lower() for a in addresses):
                addresses.append(line)
        if len(addresses) > MAX_ALERT_RECEIVERS:
            raise ValidationError(_("At most %(max)d addresses.") % {"max": MAX_ALERT_RECEIVERS})
        return addresses

    def clean(self) -> dict:
        data = super().clean()
        if data.get("enabled") and not (data.get("sms_numbers") or data.get("email_addresses")):
            raise ValidationError(
                _("Give at least one mobile number or e-mail address to send alerts to.")
            )
        return data


# --- Stuck messages ---------------------------------------------------------------------------


class StuckFilterForm(forms.Form):
    """Fastnade meddelanden's filters (GET): the organisation (for those who handle more than
    one), the unit, and late or in the fallback inbox. A bad value is ignored."""

    organisation = IdChoiceField(
        label=_("Organisation"), queryset=Unit.objects.none(), required=False, empty_label=None
    )
    unit = IdChoiceField(
        label=_("Unit"), queryset=Unit.objects.none(), required=False, empty_label=_("All units")
    )
    kind = forms.ChoiceField(
        label=_("Which messages"),
        required=False,
        choices=[
            ("", _("Late and in the fallback inbox")),
            ("late", _("Not acknowledged by the cut-off")),
            ("fallback", _("In the fallback inbox")),
        ],
    )

    def __init__(self, *args: object, organizations: object, units: object, **kwargs: object):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = organizations
        self.fields["unit"].queryset = units


class StuckForwardForm(forms.Form):
    to_unit = IdChoiceField(
        label=_("Forward to"),
        queryset=Unit.objects.none(),
        empty_label=_("Choose a unit"),
        help_text=_("Units with an inbox in the organisation the message was sent to."),
        error_messages={
            "required": _("Choose the unit to forward the message to."),
            "invalid_choice": _(
                "Choose a unit with an inbox in the organisation the message was sent to."
            ),
        },
    )
    reason = forms.CharField(
        label=_("Why is it forwarded?"),
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            'The units that follow the message see the reason, e.g. "Nobody acknowledged it; '
            'the patient lives in the area of Hemtjänst Väst".'
        ),
        error_messages={"required": _("Say why the message is forwarded.")},
    )

    def __init__(self, *args: object, units: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["to_unit"].queryset = units

    def clean_reason(self) -> str:
        reason = self.cleaned_data["reason"].strip()
        if not reason:
            raise ValidationError(_("Say why the message is forwarded."))
        return reason


class EscalationSettingsForm(forms.Form):
    enabled = forms.BooleanField(
        label=_("Tell the unit's manager about messages not acknowledged in time"),
        required=False,
    )
    delay_hours = forms.IntegerField(
        label=_("Hours after the cut-off"),
        min_value=1,
        max_value=168,
        help_text=_("Between 1 and 168 hours (a week). By SMS and e-mail, once per message."),
        error_messages={
            "required": _("Give the number of hours."),
            "invalid": _("Give a whole number of hours."),
            "min_value": _("At least 1 hour."),
            "max_value": _("At most 168 hours (a week)."),
        },
    )
