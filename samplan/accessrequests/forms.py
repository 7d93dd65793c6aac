"""Forms of the access-order pages. Every choice (unit, person, role) is limited to the
manager's own units and organisation, so an id posted by hand from another unit or
organisation fails like any other wrong input; dates in the past and personnummer that fail
their check are refused with a plain message."""

from __future__ import annotations

from django import forms
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from samplan.accessrequests import access as order_access
from samplan.accessrequests.models import AccessRequest, AccessSettings, RequestKind
from samplan.accounts.models import LoginMethod, Membership, Role, User
from samplan.core.choice_fields import IdChoiceField
from samplan.organizations.models import Profession, Unit
from samplan.organizations.validators import normalize_hsa_id
from samplan.patients.identity import IdentityError, IdentityKind, parse_identity


class DateInput(forms.DateInput):
    """The browser's date picker; it sends and expects ISO dates whatever the language."""

    input_type = "date"

    def __init__(self, attrs: dict | None = None) -> None:
        super().__init__(attrs=attrs, format="%Y-%m-%d")


class UnitField(IdChoiceField):
    default_error_messages = {
        "invalid_choice": _("Choose one of your own units: you order access only for them."),
    }

    def label_from_instance(self, obj: Unit) -> str:
        return obj.name


class PersonField(IdChoiceField):
    default_error_messages = {
        "invalid_choice": _("Choose a person among your organisation's staff."),
    }

    def label_from_instance(self, obj: User) -> str:
        return f"{obj.get_full_name() or obj.username} ({obj.username})"


class MembershipField(IdChoiceField):
    default_error_messages = {"invalid_choice": _("Choose a role in one of your own units.")}

    def label_from_instance(self, obj: Membership) -> str:
        until = obj.valid_to.isoformat() if obj.valid_to else _("until further notice")
        return f"{obj.user} – {obj.get_role_display()} – {obj.unit.name} ({until})"


def _role_choices() -> list[tuple[str, str]]:
    return [(role, Role(role).label) for role in order_access.ORDERABLE_ROLES]


class _OrderForm(forms.ModelForm):
    kind: str = ""

    def __init__(self, *args: object, actor: User, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.actor = actor
        self.instance.kind = self.kind
        if "unit" in self.fields:
            self.fields["unit"].queryset = order_access.managed_units(actor).order_by("name")
        if "role" in self.fields:
            self.fields["role"].choices = [("", "---------"), *_role_choices()]
            self.fields["role"].required = True
        if "valid_from" in self.fields:
            self.fields["valid_from"].required = True
            self.fields["valid_from"].initial = timezone.localdate()
        if "subject" in self.fields:
            self.fields["subject"].required = True
            self.fields["subject"].queryset = order_access.orderable_staff(actor).order_by(
                "last_name", "first_name"
            )

    def clean(self) -> dict:
        cleaned = super().clean()
        today = timezone.localdate()
        valid_from, valid_to = cleaned.get("valid_from"), cleaned.get("valid_to")
        if valid_from and valid_from < today:
            self.add_error("valid_from", _("Access cannot start in the past."))
        if valid_to and valid_to < today:
            self.add_error("valid_to", _("The end date cannot be in the past."))
        elif valid_from and valid_to and valid_to < valid_from:
            self.add_error("valid_to", _("The end date is before the start date."))
        return cleaned


class NewUserOrderForm(_OrderForm):
    kind = RequestKind.NEW_USER
    personnummer = forms.CharField(
        label=_("Personnummer"),
        required=False,
        help_text=_("Personnummer or HSA-id: at least one of them."),
    )

    class Meta:
        model = AccessRequest
        fields = [
            "first_name",
            "last_name",
            "personnummer",
            "hsa_id",
            "email",
            "mobile",
            "profession",
            "login_method",
            "unit",
            "role",
            "valid_from",
            "valid_to",
            "note",
        ]
        field_classes = {"unit": UnitField}
        widgets = {
            "valid_from": DateInput(),
            "valid_to": DateInput(),
            "note": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        for name in ("first_name", "last_name", "email", "login_method", "unit"):
            self.fields[name].required = True
        self.fields["login_method"].choices = LoginMethod.choices
        self.fields["profession"].queryset = Profession.objects.order_by("name")

    def clean_personnummer(self) -> str:
        value = self.cleaned_data.get("personnummer", "").strip()
        if not value:
            return ""
        try:
            identity = parse_identity(value, reserve_patterns=())
        except IdentityError as error:
            raise ValidationError(error.messages) from None
        if identity.kind != IdentityKind.PERSONAL and identity.kind != IdentityKind.COORDINATION:
            raise ValidationError(_("Enter a personnummer or samordningsnummer."))
        return identity.number

    def clean_hsa_id(self) -> str:
        value = self.cleaned_data.get("hsa_id", "").strip()
        return normalize_hsa_id(value) if value else ""

    def clean(self) -> dict:
        cleaned = super().clean()
        given = cleaned.get("personnummer") or cleaned.get("hsa_id")
        if not given and "personnummer" not in self.errors and "hsa_id" not in self.errors:
            self.add_error("personnummer", _("Enter a personnummer or an HSA-id."))
        return cleaned


class GrantOrderForm(_OrderForm):
    kind = RequestKind.GRANT

    class Meta:
        model = AccessRequest
        fields = ["subject", "unit", "role", "valid_from", "valid_to", "note"]
        field_classes = {"unit": UnitField, "subject": PersonField}
        widgets = {
            "valid_from": DateInput(),
            "valid_to": DateInput(),
            "note": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"].required = True


class ChangeOrderForm(_OrderForm):
    kind = RequestKind.CHANGE

    class Meta:
        model = AccessRequest
        fields = ["membership", "valid_to", "note"]
        field_classes = {"membership": MembershipField}
        labels = {"valid_to": _("New last day")}
        widgets = {"valid_to": DateInput(), "note": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["membership"].required = True
        self.fields["membership"].queryset = (
            order_access.staff_memberships(self.actor)
            .select_related("user", "unit")
            .order_by("user__last_name", "user__first_name", "unit__name")
        )
        self.fields["valid_to"].required = True


class EndOrderForm(_OrderForm):
    kind = RequestKind.END_ALL

    class Meta:
        model = AccessRequest
        fields = ["subject", "end_date", "note"]
        field_classes = {"subject": PersonField}
        widgets = {"end_date": DateInput(), "note": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["end_date"].required = True
        self.fields["subject"].queryset = self.fields["subject"].queryset.filter(
            pk__in=order_access.staff_memberships(self.actor).values("user_id")
        )

    def clean_end_date(self):
        value = self.cleaned_data.get("end_date")
        if value and value < timezone.localdate():
            raise ValidationError(_("The last day cannot be in the past."))
        return value


ORDER_FORMS = {
    "ny-anvandare": NewUserOrderForm,
    "ny-behorighet": GrantOrderForm,
    "andrad-period": ChangeOrderForm,
    "avslut": EndOrderForm,
}


class ApproveForm(forms.Form):
    """A new password account gets its first password from the administrator, who gives it
    to the person (the same rules as everywhere: accounts.passwords)."""

    password = forms.CharField(
        label=_("Initial password"),
        required=False,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("Only for a new account that logs in with a password. Tell it in person."),
    )

    def __init__(self, *args: object, order: AccessRequest, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.order = order
        self.needs_password = (
            order.kind == RequestKind.NEW_USER and order.login_method == LoginMethod.PASSWORD
        )
        if not self.needs_password:
            del self.fields["password"]

    def clean_password(self) -> str:
        password = self.cleaned_data.get("password", "")
        if not password:
            raise ValidationError(_("Give the new account an initial password."))
        probe = User(username="", first_name=self.order.first_name, last_name=self.order.last_name)
        password_validation.validate_password(password, probe)
        return password


class RejectForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000
    )


class OrderFilterForm(forms.Form):
    state = forms.ChoiceField(
        label=_("State"),
        required=False,
        choices=[
            ("", _("Open")),
            ("all", _("All")),
            ("pending", _("Awaiting approval")),
            ("approved", _("Approved, waiting for its date")),
            ("done", _("Carried out")),
            ("rejected", _("Rejected")),
            ("cancelled", _("Withdrawn by the orderer")),
        ],
    )


class AccessSettingsForm(forms.ModelForm):
    class Meta:
        model = AccessSettings
        fields = [
            "orders_carried_out_directly",
            "card_admin_email",
            "card_email_hsa_id",
            "card_email_personnummer",
            "card_email_contact",
            "review_interval_months",
            "grace_days",
            "warning_days",
            "next_review_on",
        ]
        widgets = {"next_review_on": DateInput()}

    def clean_review_interval_months(self) -> int:
        value = self.cleaned_data["review_interval_months"]
        if not 1 <= value <= 24:
            raise ValidationError(_("Choose between 1 and 24 months."))
        return value

    def clean_grace_days(self) -> int:
        value = self.cleaned_data["grace_days"]
        if not 1 <= value <= 180:
            raise ValidationError(_("Choose between 1 and 180 days."))
        return value

    def clean(self) -> dict:
        cleaned = super().clean()
        grace, warning = cleaned.get("grace_days"), cleaned.get("warning_days")
        if grace and warning is not None and warning >= grace:
            self.add_error("warning_days", _("The warning must come before the last day."))
        day = cleaned.get("next_review_on")
        if day and day < timezone.localdate():
            self.add_error("next_review_on", _("The date cannot be in the past."))
        return cleaned
