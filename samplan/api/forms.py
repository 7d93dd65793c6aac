"""The administration form for an integrating system."""

from __future__ import annotations

import datetime

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from samplan.api.access import client_unit_choices
from samplan.api.models import IntegrationClient, Scope
from samplan.api.services import ClientDetails
from samplan.organizations.models import Organization


class ClientForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    units = forms.ModelMultipleChoiceField(
        label=_("Units it may act for"),
        queryset=None,
        widget=forms.CheckboxSelectMultiple,
    )
    scopes = forms.MultipleChoiceField(
        label=_("Permissions"), choices=Scope.choices, widget=forms.CheckboxSelectMultiple
    )
    expires_on = forms.DateField(
        label=_("Valid until (date)"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("The token stops working at the end of this day."),
    )
    rate_per_minute = forms.IntegerField(
        label=_("Requests per minute"), min_value=1, max_value=100_000, initial=600
    )

    webhook_url = forms.URLField(
        label=_("Webhook address (optional)"),
        required=False,
        max_length=500,
        assume_scheme="https",
        help_text=_(
            "samplan POSTs an event here when a message arrives in one of the units, signed "
            "with the webhook secret shown on the system's page."
        ),
    )

    def __init__(
        self,
        *args: object,
        organization: Organization,
        client: IntegrationClient | None = None,
        **kwargs: object,
    ) -> None:
        if client is not None and "initial" not in kwargs:
            kwargs["initial"] = {
                "name": client.name,
                "units": list(client.units.all()),
                "scopes": client.scopes,
                "expires_on": timezone.localtime(client.expires_at).date(),
                "rate_per_minute": client.rate_per_minute,
                "webhook_url": client.webhook_url,
            }
        super().__init__(*args, **kwargs)
        self.fields["units"].queryset = client_unit_choices(organization)
        if client is None:
            self.fields["expires_on"].initial = timezone.localdate() + datetime.timedelta(days=365)

    def details(self) -> ClientDetails:
        data = self.cleaned_data
        end_of_day = datetime.datetime.combine(
            data["expires_on"], datetime.time(23, 59, 59), tzinfo=timezone.get_current_timezone()
        )
        return ClientDetails(
            name=data["name"],
            units=list(data["units"]),
            scopes=list(data["scopes"]),
            expires_at=end_of_day,
            rate_per_minute=data["rate_per_minute"],
            webhook_url=data.get("webhook_url") or "",
        )
