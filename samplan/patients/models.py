"""The patient (den enskilde) and the identity, protection and address data that routing and
display rules depend on (domain.md §3)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from samplan.organizations.models import Organization, Unit
from samplan.patients.identity import IdentityKind, format_identity


class Protection(models.TextChoices):
    NONE = "none", _("None")
    CONFIDENTIALITY_MARKED = "confidentiality_marked", _("Confidentiality marking")
    PROTECTED_REGISTRATION = "protected_registration", _("Protected population registration")
    FICTITIOUS = "fictitious", _("Fictitious identity")


class Patient(models.Model):
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
        return format_identity(self.identity_number)

    @property
    def is_protected(self) -> bool:
        return self.protection != Protection.NONE
