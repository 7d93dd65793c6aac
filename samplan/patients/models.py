"""The patient (den enskilde) and the identity, protection and address data that routing and
display rules depend on (domain.md §3)."""

from __future__ import annotations

import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from samplan.core.choices import ChoiceLabels
from samplan.organizations.models import Organization, OrganizationKind, Unit
from samplan.patients.identity import IdentityKind, ReservePattern, format_identity


class Protection(models.TextChoices):
    NONE = "none", _("No protection")
    CONFIDENTIALITY_MARKED = "confidentiality_marked", _("Confidentiality marking")
    PROTECTED_REGISTRATION = "protected_registration", _("Protected population registration")
    FICTITIOUS = "fictitious", _("Fictitious identity")


class Patient(ChoiceLabels, models.Model):
    identity_number = models.CharField(_("identity number"), max_length=13, unique=True)
    identity_kind = models.CharField(
        _("kind of identity number"),
        max_length=20,
        choices=[
            (IdentityKind.PERSONAL, _("Personnummer")),
            (IdentityKind.COORDINATION, _("Samordningsnummer")),
            (IdentityKind.RESERVE, _("Reservnummer")),
        ],
    )
    # The region that issued a reservnummer (its formats are configured per region).
    reserve_issuer = models.ForeignKey(
        Organization,
        verbose_name=_("issued by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    first_name = models.CharField(_("first name"), max_length=100)
    last_name = models.CharField(_("last name"), max_length=100)
    birth_date = models.DateField(_("date of birth"), null=True, blank=True)
    protection = models.CharField(
        _("protected identity"), max_length=30, choices=Protection.choices, default=Protection.NONE
    )
    # Folkbokföring: the municipality code (kommunkod) and postal code drive routing.
    registered_municipality = models.CharField(
        _("registered municipality"), max_length=4, blank=True
    )
    postal_code = models.CharField(_("postal code"), max_length=5, blank=True)
    street_address = models.CharField(_("address"), max_length=200, blank=True)
    city = models.CharField(_("city"), max_length=100, blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    listed_care_centre = models.ForeignKey(
        Unit,
        verbose_name=_("listed at care centre"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="listed_patients",
    )
    # A reservnummer identity that was later linked to the real personnummer points here.
    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="merged_from"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["last_name", "first_name"]
        verbose_name = _("patient")
        verbose_name_plural = _("patients")

    def __str__(self) -> str:
        return f"{self.identity_display} {self.first_name} {self.last_name}"

    @property
    def identity_display(self) -> str:
        return format_identity(self.identity_number, self.identity_kind)

    @property
    def is_protected(self) -> bool:
        return self.protection != Protection.NONE

    @property
    def is_reserve(self) -> bool:
        return self.identity_kind == IdentityKind.RESERVE


class ReserveCheck(models.TextChoices):
    NONE = "none", _("No check digit")
    LUHN = "luhn", _("Luhn check digit over the last 10 digits")


# A reserve number is stored in Patient.identity_number (and searched in the access log's
# searched_identity): both hold at most 13 characters.
MAX_IDENTITY_LENGTH = 13
# Sample numbers a reserve format must not swallow: parse_identity tries reserve formats
# first, so a format matching ordinary personnummer would turn every patient into a reserve.
PERSONNUMMER_SAMPLES = ("191212121212", "1912121212", "201212121212", "197010632391")


def validate_reserve_regex(value: str) -> None:
    """The regex must compile and must not match ordinary personnummer or samordningsnummer."""
    try:
        compiled = re.compile(value)
    except re.error as error:
        raise ValidationError(
            _("The regular expression cannot be used: %(error)s. Check brackets and symbols."),
            code="regex",
            params={"error": str(error)},
        ) from None
    if any(compiled.fullmatch(sample) for sample in PERSONNUMMER_SAMPLES):
        raise ValidationError(
            _(
                "The regular expression also matches ordinary personnummer (e.g. 191212121212). "
                "Make it stricter, e.g. start with a fixed prefix or letters."
            ),
            code="regex_too_wide",
        )


class ReserveNumberFormat(models.Model):
    """A region's reservnummer format (domain.md §3), kept by its system administrators.

    A region with no active format uses identity.DEFAULT_RESERVE_PATTERNS.
    """

    region = models.ForeignKey(
        Organization,
        verbose_name=_("region"),
        on_delete=models.PROTECT,
        related_name="reserve_number_formats",
        limit_choices_to={"kind": OrganizationKind.REGION},
    )
    name = models.CharField(
        _("name"),
        max_length=60,
        help_text=_("How staff recognise the format, e.g. 99ÅÅNNNNNNNK."),
    )
    regex = models.CharField(
        _("regular expression"),
        max_length=200,
        validators=[validate_reserve_regex],
        help_text=_(
            "Must match the whole number, written without spaces and with capital letters, "
            "e.g. 99\\d{10}."
        ),
    )
    # Not called "check": that would hide Model.check() (the system checks).
    check_digit = models.CharField(
        _("check digit"), max_length=10, choices=ReserveCheck.choices, default=ReserveCheck.NONE
    )
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["region__name", "name"]
        verbose_name = _("reserve number format")
        verbose_name_plural = _("reserve number formats")
        constraints = [
            # Its index also serves the admin list (a user's regions' formats by region, name).
            models.UniqueConstraint(
                fields=["region", "name"],
                name="reserveformat_region_name_uniq",
                violation_error_message=_("The region already has a format with this name."),
            )
        ]
        indexes = [
            # Every identity number typed: the active formats of the user's region.
            models.Index(fields=["region", "active"], name="reserveformat_region_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.region} – {self.name}"

    def as_pattern(self) -> ReservePattern:
        return ReservePattern(name=self.name, regex=self.regex, check=self.check_digit)


class PatientLink(models.Model):
    """History: a reservnummer identity was linked to the person's real personnummer.

    Everything registered in samplan.patients.merging moved from `from_patient` to
    `to_patient` in the same transaction; `moved` records how much, per registered name.
    """

    from_patient = models.ForeignKey(
        Patient,
        verbose_name=_("reserve identity"),
        on_delete=models.PROTECT,
        related_name="links_out",
    )
    to_patient = models.ForeignKey(
        Patient, verbose_name=_("linked to"), on_delete=models.PROTECT, related_name="links_in"
    )
    # The numbers as they were at the time, so the history reads right whatever happens later.
    from_identity = models.CharField(_("reserve number"), max_length=MAX_IDENTITY_LENGTH)
    to_identity = models.CharField(_("identity number"), max_length=MAX_IDENTITY_LENGTH)
    # True when the link created the patient record for the real personnummer.
    created_patient = models.BooleanField(default=False)
    linked_at = models.DateTimeField(_("linked"), default=timezone.now)
    linked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("linked by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    linked_by_unit = models.ForeignKey(
        Unit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="+"
    )
    moved = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-linked_at", "-pk"]
        verbose_name = _("link of reserve number")
        verbose_name_plural = _("links of reserve numbers")

    def __str__(self) -> str:
        return f"{self.from_identity} → {self.to_identity}"


class ConsentGiver(models.TextChoices):
    PERSON = "person", _("The person")
    GUARDIAN = "guardian", _("Guardian")
    LEGAL_REPRESENTATIVE = "legal_representative", _("Legal representative")


class ConsentScope(models.TextChoices):
    SIP = "sip", _("Coordinated individual plan (SIP)")
    INFORMATION_SHARING = "information_sharing", _("Sharing information with named units")


class Consent(ChoiceLabels, models.Model):
    """Samtycke (domain.md §3): who consented, when, to what, recorded by whom; withdrawable."""

    patient = models.ForeignKey(
        Patient, verbose_name=_("patient"), on_delete=models.PROTECT, related_name="consents"
    )
    given_by = models.CharField(
        _("consent given by"),
        max_length=30,
        choices=ConsentGiver.choices,
        default=ConsentGiver.PERSON,
    )
    given_by_name = models.CharField(
        _("name of guardian or representative"), max_length=200, blank=True
    )
    given_by_relation = models.CharField(
        _("relation or mandate"),
        max_length=200,
        blank=True,
        help_text=_("E.g. mother, god man, förvaltare."),
    )
    given_at = models.DateTimeField(_("consent given"))
    scope = models.CharField(_("scope"), max_length=30, choices=ConsentScope.choices)
    scope_text = models.TextField(
        _("what the consent covers"),
        blank=True,
        help_text=_("E.g. which units may share information, or what the plan is about."),
    )
    exclusions = models.TextField(
        _("exclusions"),
        blank=True,
        help_text=_("What the person does not consent to, e.g. a unit or a kind of information."),
    )
    recorded_at = models.DateTimeField(_("recorded"), default=timezone.now)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    recorded_by_unit = models.ForeignKey(
        Unit, verbose_name=_("recording unit"), on_delete=models.PROTECT, related_name="+"
    )
    withdrawn_at = models.DateTimeField(_("withdrawn"), null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("withdrawal recorded by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    withdrawn_by_unit = models.ForeignKey(
        Unit, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    withdrawn_reason = models.TextField(_("reason for withdrawal"), blank=True)
    # The recording form's one-time token: a form posted twice records one consent.
    form_token = models.UUIDField(null=True, blank=True, unique=True, editable=False)

    class Meta:
        ordering = ["-recorded_at", "-pk"]
        verbose_name = _("consent")
        verbose_name_plural = _("consents")
        indexes = [
            # The patient page: one patient's consents, newest first.
            models.Index(fields=["patient", "-recorded_at"], name="consent_patient_idx"),
            # active_consent(patient, scope): the patient's unwithdrawn consents of one scope.
            models.Index(
                fields=["patient", "scope", "-given_at"],
                condition=models.Q(withdrawn_at__isnull=True),
                name="consent_active_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_scope_display()} {self.given_at:%Y-%m-%d}"

    @property
    def is_active(self) -> bool:
        return self.withdrawn_at is None
