"""Forms of the administration pages. Every choice an administrator gets (organisation, unit,
parent unit, role) is limited to what accounts.access lets them touch, so an id from another
organisation posted by hand fails validation like any other wrong input."""

from __future__ import annotations

import datetime

from django import forms
from django.contrib.auth import password_validation
from django.contrib.auth.forms import SetPasswordForm
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from samplan.accounts import access
from samplan.accounts import administering as org_access
from samplan.accounts.models import Role, User
from samplan.administration.services import UNIT_CONTACT_FIELDS, UNIT_TREE_FIELDS
from samplan.auditlog.models import AdminChange
from samplan.core.choice_fields import IdChoiceField
from samplan.organizations.models import Organization, OrganizationKind, Unit
from samplan.organizations.validators import normalize_hsa_id, normalize_org_number


class DateInput(forms.DateInput):
    """The browser's date picker; it sends and expects ISO dates whatever the language."""

    input_type = "date"

    def __init__(self, attrs: dict | None = None) -> None:
        super().__init__(attrs=attrs, format="%Y-%m-%d")


# --- Users -----------------------------------------------------------------------------

USER_FORM_FIELDS = [
    "organization",
    "username",
    "first_name",
    "last_name",
    "email",
    "phone",
    "mobile",
    "hsa_id",
    "profession",
    "login_method",
]


class UserFilterForm(forms.Form):
    STATUS_CHOICES = [
        ("active", _("Active")),
        ("inactive", _("Deactivated")),
        ("all", _("All")),
    ]

    q = forms.CharField(label=_("Search name, username or HSA-id"), required=False)
    status = forms.ChoiceField(label=_("Status"), choices=STATUS_CHOICES, required=False)


class _UserFormBase(forms.ModelForm):
    class Meta:
        model = User
        fields = USER_FORM_FIELDS

    def __init__(self, *args: object, organizations: QuerySet[Organization], **kwargs: object):
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = organizations
        self.fields["organization"].required = True
        self.fields["organization"].empty_label = None
        self.fields["organization"].help_text = ""
        self.fields["first_name"].required = True
        self.fields["last_name"].required = True
        self.fields["username"].help_text = _("Letters, digits and @ . + - _ only.")
        self.fields["hsa_id"].help_text = _("For example SE2321000032-1234.")

    def clean_username(self) -> str:
        username = self.cleaned_data["username"].strip()
        others = User.objects.filter(username__iexact=username)
        if self.instance.pk:
            others = others.exclude(pk=self.instance.pk)
        if others.exists():
            raise ValidationError(_("A user with that username already exists."))
        return username

    def clean_hsa_id(self) -> str:
        value = self.cleaned_data["hsa_id"].strip()
        if not value:
            return ""
        hsa_id = normalize_hsa_id(value)
        others = User.objects.filter(hsa_id=hsa_id)
        if self.instance.pk:
            others = others.exclude(pk=self.instance.pk)
        if others.exists():
            raise ValidationError(_("Another user already has this HSA-id."))
        return hsa_id


class UserCreateForm(_UserFormBase):
    password1 = forms.CharField(
        label=_("Initial password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_(
            "8–30 characters (å, ä and ö count as two) with an upper-case letter, a lower-case "
            "letter, a digit and a special character. Smart-card users need it once, to convert."
        ),
    )
    password2 = forms.CharField(
        label=_("Repeat the password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean(self) -> dict:
        cleaned = super().clean()
        first, second = cleaned.get("password1"), cleaned.get("password2")
        if first and second and first != second:
            self.add_error("password2", _("The two passwords differ."))
        elif first:
            candidate = User(
                username=cleaned.get("username", ""),
                first_name=cleaned.get("first_name", ""),
                last_name=cleaned.get("last_name", ""),
                email=cleaned.get("email", ""),
            )
            try:
                password_validation.validate_password(first, candidate)
            except ValidationError as error:
                self.add_error("password1", error)
        return cleaned


class UserEditForm(_UserFormBase):
    pass


class AdminSetPasswordForm(SetPasswordForm):
    """Django's form: the password rules (samplan.accounts.passwords) run against the user."""


# --- Memberships -------------------------------------------------------------------------


class UnitChoiceField(IdChoiceField):
    def label_from_instance(self, obj: Unit) -> str:
        return f"{obj.name} ({obj.organization.name})"


class MembershipForm(forms.Form):
    unit = UnitChoiceField(label=_("Unit"), queryset=Unit.objects.none())
    role = forms.ChoiceField(label=_("Role"))
    valid_from = forms.DateField(label=_("Valid from"), widget=DateInput())
    valid_to = forms.DateField(
        label=_("Valid to"),
        required=False,
        widget=DateInput(),
        help_text=_("Leave empty for access until further notice."),
    )

    def __init__(self, *args: object, actor: User, **kwargs: object) -> None:
        kwargs.setdefault("initial", {"valid_from": timezone.localdate()})
        super().__init__(*args, **kwargs)
        self.actor = actor
        self.fields["unit"].queryset = (
            access.administered_units(actor)
            .filter(is_active=True)
            .select_related("organization")
            .order_by("organization__name", "name")
        )
        offered = (
            access.GRANTABLE_BY_SYSTEM_ADMIN
            if access.is_system_administrator(actor)
            else access.GRANTABLE_BY_LOCAL_ADMIN
        )
        self.fields["role"].choices = [(role, Role(role).label) for role in offered]

    def clean(self) -> dict:
        cleaned = super().clean()
        unit, role = cleaned.get("unit"), cleaned.get("role")
        if unit is not None and role and not access.can_grant(self.actor, unit, role):
            self.add_error("role", _("You cannot grant this role in this unit."))
        valid_from, valid_to = cleaned.get("valid_from"), cleaned.get("valid_to")
        if valid_from and valid_from < timezone.localdate():
            self.add_error("valid_from", _("A membership cannot start in the past."))
        if valid_from and valid_to and valid_to < valid_from:
            self.add_error("valid_to", _("The end date is before the start date."))
        return cleaned


# --- Units -------------------------------------------------------------------------------


class UnitForm(forms.ModelForm):
    """A unit's fields, limited to those the actor may change (see unit_form)."""

    class Meta:
        model = Unit
        fields = [*UNIT_TREE_FIELDS, *UNIT_CONTACT_FIELDS]
        widgets = {"active_from": DateInput(), "active_to": DateInput()}

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        if "parent" in self.fields:
            parents = Unit.objects.filter(organization_id=self.instance.organization_id)
            if self.instance.pk:
                parents = parents.exclude(pk=self.instance.pk)
            self.fields["parent"].queryset = parents.order_by("name")
            self.fields["parent"].empty_label = _("(top level of the organisation)")
        if "hsa_id" in self.fields:
            self.fields["hsa_id"].help_text = _("For example SE2321000032-1234.")

    def clean_name(self) -> str:
        name = self.cleaned_data["name"].strip()
        parent = self.cleaned_data.get("parent", self.instance.parent if self.instance else None)
        siblings = Unit.objects.filter(
            organization_id=self.instance.organization_id,
            parent=parent,
            name__iexact=name,
            is_active=True,
        )
        if self.instance.pk:
            siblings = siblings.exclude(pk=self.instance.pk)
        if siblings.exists():
            # Also what stops a form posted twice from creating the unit twice.
            raise ValidationError(_("There is already an active unit with this name here."))
        return name


def unit_form(
    actor: User, unit: Unit, data: dict | None = None, *, initial: dict | None = None
) -> UnitForm:
    """The unit form with the fields the actor may change: contact data for local admins,
    also the tree fields for the organisation's system administrators. Tree fields posted
    by someone else are not in the form, so they are ignored."""
    form = UnitForm(data, instance=unit, initial=initial)
    if not org_access.can_change_unit_tree(actor, unit.organization):
        for name in UNIT_TREE_FIELDS:
            del form.fields[name]
    return form


# --- Organisations -----------------------------------------------------------------------


class OrganizationForm(forms.ModelForm):
    # Wider than the stored 10 digits: people write 232100-0032; clean_org_number normalises.
    org_number = forms.CharField(
        label=_("Organisation number"),
        max_length=13,
        help_text=_("10 digits, e.g. 232100-0032."),
    )

    class Meta:
        model = Organization
        fields = [
            "name",
            "kind",
            "org_number",
            "hsa_id",
            "area_code",
            "contracted_by",
            "is_active",
            "require_siths",
        ]

    def __init__(self, *args: object, actor: User, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        instance = self.instance
        founding = (
            org_access.can_create_organization(actor, instance.kind, instance.contracted_by)
            if instance.pk
            else True
        )
        if actor.is_superuser:
            self.fields["contracted_by"].queryset = Organization.objects.exclude(pk=instance.pk)
        elif founding:
            # A system admin creates (and closes) private providers contracted by their own
            # organisation, nothing else.
            self.fields["contracted_by"].queryset = org_access.provider_contracting_organizations(
                actor
            )
            self.fields["contracted_by"].required = True
            self.fields["contracted_by"].empty_label = None
            self.fields["kind"].choices = [
                (OrganizationKind.PRIVATE_PROVIDER, OrganizationKind.PRIVATE_PROVIDER.label)
            ]
        if not founding:
            for name in ("kind", "contracted_by", "is_active"):
                del self.fields[name]
        if not instance.pk:
            del self.fields["is_active"]
        if instance.pk and instance.org_number:
            self.initial["org_number"] = instance.org_number_display

    def clean_org_number(self) -> str:
        number = normalize_org_number(self.cleaned_data["org_number"])
        others = Organization.objects.filter(org_number=number)
        if self.instance.pk:
            others = others.exclude(pk=self.instance.pk)
        if others.exists():
            raise ValidationError(
                _("An organisation with this organisation number already exists.")
            )
        return number

    def clean_hsa_id(self) -> str:
        value = self.cleaned_data["hsa_id"].strip()
        return normalize_hsa_id(value) if value else ""


# --- History -----------------------------------------------------------------------------

HISTORY_TYPES = [
    ("user", _("Users")),
    ("membership", _("Memberships")),
    ("unit", _("Units")),
    ("organization", _("Organisations")),
]


class HistoryFilterForm(forms.Form):
    type = forms.ChoiceField(
        label=_("Object type"), choices=[("", _("All")), *HISTORY_TYPES], required=False
    )
    date_from = forms.DateField(label=_("From date"), required=False, widget=DateInput())
    date_to = forms.DateField(label=_("To date"), required=False, widget=DateInput())

    def clean(self) -> dict:
        cleaned = super().clean()
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and end < start:
            self.add_error("date_to", _("The end date is before the start date."))
        return cleaned

    def filter(self, changes: QuerySet[AdminChange]) -> QuerySet[AdminChange]:
        """The rows matching a valid filter; an invalid one filters nothing (errors shown)."""
        if not self.is_valid():
            return changes
        data = self.cleaned_data
        if data["type"]:
            changes = changes.filter(target_type=data["type"])
        if data["date_from"]:
            changes = changes.filter(at__gte=_start_of(data["date_from"]))
        if data["date_to"]:
            changes = changes.filter(at__lt=_start_of(data["date_to"] + datetime.timedelta(days=1)))
        return changes


def _start_of(day: datetime.date) -> datetime.datetime:
    """Midnight in Stockholm at the start of `day`."""
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))
