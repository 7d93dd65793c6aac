from __future__ import annotations

from django import forms
from django.contrib.auth.forms import PasswordChangeForm
from django.utils.translation import gettext_lazy as _

from samplan.accounts.models import User
from samplan.core.choice_fields import IdChoiceField
from samplan.organizations.models import Organization


class LoginForm(forms.Form):
    username = forms.CharField(
        label=_("Username"),
        max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "username", "autofocus": True}),
    )
    password = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )


class ChooseUnitForm(forms.Form):
    unit = forms.TypedChoiceField(label=_("Unit"), coerce=int)

    def __init__(self, *args: object, units: list, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"].choices = [
            (unit.pk, f"{unit.name} ({unit.organization.name})") for unit in units
        ]


class OwnContactForm(forms.ModelForm):
    """What every user keeps current themselves (seed 000: 'Håller kontaktuppgifter aktuella')."""

    class Meta:
        model = User
        fields = ["email", "phone", "mobile"]


class OwnPasswordChangeForm(PasswordChangeForm):
    pass


class CardConversionForm(forms.Form):
    """Konvertera: bind the inserted smart card to an existing account (seed 000)."""

    organization = IdChoiceField(
        label=_("Organisation"),
        queryset=Organization.objects.filter(is_active=True),
        empty_label=_("Choose an organisation"),
    )
    username = forms.CharField(label=_("Username"), max_length=150)
    password = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
