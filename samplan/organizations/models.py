"""Organisations (huvudmän), their unit trees and the profession catalogue (domain.md §2)."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from samplan.core.choices import ChoiceLabels
from samplan.organizations.terms import DEFAULT_TERMS, AgreementTerms, LiabilityModel
from samplan.organizations.validators import (
    format_org_number,
    normalize_hsa_id,
    normalize_org_number,
)


class OrganizationKind(models.TextChoices):
    REGION = "region", _("Region")
    MUNICIPALITY = "municipality", _("Municipality")
    PRIVATE_PROVIDER = "private_provider", _("Private provider")


class Organization(ChoiceLabels, models.Model):
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=20, choices=OrganizationKind.choices)
    org_number = models.CharField(_("organisation number"), max_length=10, unique=True)
    hsa_id = models.CharField(_("HSA-id"), max_length=31, blank=True)
    # Kommunkod (4 digits) for a municipality, länskod (2 digits) for a region: drives routing.
    area_code = models.CharField(_("municipality or county code"), max_length=4, blank=True)
    contracted_by = models.ForeignKey(
        "self",
        verbose_name=_("contracted by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="contractors",
    )
    is_active = models.BooleanField(_("active"), default=True)
    # A provider registered before it starts: until this date none of its units is routable
    # and none of its users can log in (samplan.addressing.router, samplan.accounts.sessions).
    starts_on = models.DateField(
        _("start date"),
        null=True,
        blank=True,
        help_text=_("Nothing of the organisation is routable and no one can log in before it."),
    )
    # A subcontractor (underleverantör) works under a main provider's contract; the main
    # provider's managers order its staff's access (samplan.accessrequests.access).
    main_provider = models.ForeignKey(
        "self",
        verbose_name=_("main provider"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="subcontractors",
    )
    # Its users log in with SITHS only (the identity provider or the card), never a password.
    require_siths = models.BooleanField(
        _("require SITHS login"),
        default=False,
        help_text=_(
            "The organisation's users log in with SITHS eID or their smart card only; "
            "password login is refused."
        ),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")

    def __str__(self) -> str:
        return self.name

    @property
    def org_number_display(self) -> str:
        return format_org_number(self.org_number)

    def has_started(self, day: datetime.date | None = None) -> bool:
        return self.starts_on is None or self.starts_on <= (day or timezone.localdate())

    def is_active_on(self, day: datetime.date | None = None) -> bool:
        """Switched on and started on `day` (today): its units route, its users log in."""
        return self.is_active and self.has_started(day)

    def clean(self) -> None:
        errors: dict[str, ValidationError] = {}
        if self.org_number:
            try:
                self.org_number = normalize_org_number(self.org_number)
            except ValidationError as error:
                errors["org_number"] = error
        if self.hsa_id:
            try:
                self.hsa_id = normalize_hsa_id(self.hsa_id)
            except ValidationError as error:
                errors["hsa_id"] = error
        if self.kind == OrganizationKind.PRIVATE_PROVIDER and not self.contracted_by_id:
            errors["contracted_by"] = ValidationError(
                _("A private provider must name the region or municipality it is contracted by.")
            )
        if self.kind != OrganizationKind.PRIVATE_PROVIDER and self.contracted_by_id:
            errors["contracted_by"] = ValidationError(
                _("Only a private provider is contracted by another organisation.")
            )
        if self.pk and self.contracted_by_id == self.pk:
            errors["contracted_by"] = ValidationError(_("An organisation cannot contract itself."))
        if self.main_provider_id:
            if self.kind != OrganizationKind.PRIVATE_PROVIDER:
                errors["main_provider"] = ValidationError(
                    _("Only a private provider can be a subcontractor.")
                )
            elif self.main_provider.kind != OrganizationKind.PRIVATE_PROVIDER:
                errors["main_provider"] = ValidationError(
                    _("The main provider must be a private provider.")
                )
            elif self.pk and self.main_provider_id == self.pk:
                errors["main_provider"] = ValidationError(
                    _("An organisation cannot be its own main provider.")
                )
        if errors:
            raise ValidationError(errors)


class UnitKind(models.TextChoices):
    ADMINISTRATION = "administration", _("Administration or department")
    HOSPITAL_WARD_SOMATIC = "ward_somatic", _("Hospital ward, somatic")
    HOSPITAL_WARD_PSYCHIATRIC = "ward_psychiatric", _("Hospital ward, psychiatric")
    EMERGENCY_DEPARTMENT = "emergency", _("Emergency department")
    PRIMARY_CARE_CENTRE = "primary_care", _("Primary care centre")
    OUTPATIENT_PSYCHIATRY = "outpatient_psychiatry", _("Outpatient psychiatry")
    HOME_HEALTH_CARE = "home_health_care", _("Municipal home health care")
    HOME_CARE = "home_care", _("Home care")
    NURSING_HOME = "nursing_home", _("Nursing home")
    DISABILITY_SERVICES = "disability_services", _("Disability services (LSS)")
    NEEDS_ASSESSMENT = "needs_assessment", _("Needs assessment")
    SOCIAL_SERVICES = "social_services", _("Social services")
    SCHOOL_HEALTH = "school_health", _("School health service")
    MUNICIPAL_INTAKE = "municipal_intake", _("Municipal intake unit")
    OTHER = "other", _("Other")


class UnitQuerySet(models.QuerySet):
    def active_on(self, day: datetime.date | None = None) -> UnitQuerySet:
        """Units that are switched on and within their validity dates on `day`."""
        day = day or timezone.localdate()
        return self.filter(
            Q(is_active=True),
            Q(active_from__isnull=True) | Q(active_from__lte=day),
            Q(active_to__isnull=True) | Q(active_to__gte=day),
        )


class Unit(ChoiceLabels, models.Model):
    organization = models.ForeignKey(
        Organization, verbose_name=_("organisation"), on_delete=models.PROTECT, related_name="units"
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=32, choices=UnitKind.choices)
    hsa_id = models.CharField(_("HSA-id"), max_length=31, null=True, blank=True, unique=True)
    has_inbox = models.BooleanField(
        _("has an inbox"),
        default=False,
        help_text=_("The unit receives messages (enhetsbrevlåda)."),
    )
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    visiting_address = models.CharField(_("visiting address"), max_length=200, blank=True)
    opening_hours = models.CharField(_("opening hours"), max_length=200, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    active_from = models.DateField(_("active from"), null=True, blank=True)
    active_to = models.DateField(_("active to"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = UnitQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("unit")
        verbose_name_plural = _("units")
        indexes = [
            # The unit tree of one organisation (administration, choose-unit lists).
            models.Index(fields=["organization", "parent"], name="unit_org_parent_idx"),
            # Telefonlista search orders by name within active units.
            models.Index(fields=["is_active", "name"], name="unit_active_name_idx"),
        ]

    def __str__(self) -> str:
        return self.name

    def is_active_on(self, day: datetime.date | None = None) -> bool:
        day = day or timezone.localdate()
        return (
            self.is_active
            and (self.active_from is None or self.active_from <= day)
            and (self.active_to is None or day <= self.active_to)
        )

    def ancestors(self) -> list[Unit]:
        """From the root down to the parent (one query per level; trees are shallow).

        Stops at a unit already seen, so that a cycle (units re-parented in memory before
        clean() refuses it) ends the walk instead of looping forever.
        """
        chain: list[Unit] = []
        seen = {self.pk}
        node = self.parent
        while node is not None and node.pk not in seen:
            seen.add(node.pk)
            chain.append(node)
            node = node.parent
        return list(reversed(chain))

    def clean(self) -> None:
        errors: dict[str, ValidationError] = {}
        if self.hsa_id:
            try:
                self.hsa_id = normalize_hsa_id(self.hsa_id)
            except ValidationError as error:
                errors["hsa_id"] = error
        else:
            self.hsa_id = None
        if self.parent_id:
            if self.parent.organization_id != self.organization_id:
                errors["parent"] = ValidationError(
                    _("The parent unit must belong to the same organisation.")
                )
            elif self.pk and any(
                node.pk == self.pk for node in [self.parent, *self.parent.ancestors()]
            ):
                errors["parent"] = ValidationError(_("A unit cannot be placed under itself."))
        if self.active_from and self.active_to and self.active_to < self.active_from:
            errors["active_to"] = ValidationError(_("The end date is before the start date."))
        if errors:
            raise ValidationError(errors)


class Profession(models.Model):
    """Catalogue of professions (yrkesroller), editable by system administrators."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=100)
    is_licensed = models.BooleanField(
        _("licensed profession"),
        default=False,
        help_text=_("Licensed health professionals (legitimerad personal) write care reports."),
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("profession")
        verbose_name_plural = _("professions")

    def __str__(self) -> str:
        return self.name


class Agreement(models.Model):
    """Överenskommelse: the cut-off, periods and liability rules a region and a municipality
    agreed on, for a period. Without one, domain.md's defaults apply (DEFAULT_TERMS)."""

    # Each field of AgreementTerms and the column (or pk) it comes from: terms() here, and
    # organizations.agreements.terms_annotations where another row reads them in its statement.
    TERM_COLUMNS = {
        "cutoff": "cutoff_time",
        "cutoff_rule": "cutoff_rule",
        "admission_notice_hours": "admission_notice_hours",
        "summons_days": "summons_days",
        "grace_days_somatic": "grace_days_somatic",
        "grace_days_psychiatric": "grace_days_psychiatric",
        "liability_model": "liability_model",
        "daily_amount": "daily_amount",
        "agreement_id": "pk",
    }

    region = models.ForeignKey(
        Organization,
        verbose_name=_("region"),
        on_delete=models.PROTECT,
        related_name="agreements_as_region",
        limit_choices_to={"kind": OrganizationKind.REGION},
    )
    municipality = models.ForeignKey(
        Organization,
        verbose_name=_("municipality"),
        on_delete=models.PROTECT,
        related_name="agreements_as_municipality",
        limit_choices_to={"kind": OrganizationKind.MUNICIPALITY},
    )
    reference = models.CharField(
        _("reference"),
        max_length=200,
        blank=True,
        help_text=_("The agreement's name or record number, e.g. a decision's registration."),
    )
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(
        _("valid to"),
        null=True,
        blank=True,
        help_text=_("Leave empty if it runs until further notice."),
    )
    cutoff_time = models.TimeField(
        _("cut-off time"),
        default=DEFAULT_TERMS.cutoff,
        help_text=_("Messages that arrive before this time are to be acknowledged the same day."),
    )
    cutoff_rule = models.BooleanField(
        _("cut-off rule for payment liability"),
        default=DEFAULT_TERMS.cutoff_rule,
        help_text=_(
            "A ready notice sent at or after the cut-off counts from the next day "
            "when the grace days are counted."
        ),
    )
    admission_notice_hours = models.PositiveSmallIntegerField(
        _("hours to send the admission notice"),
        default=DEFAULT_TERMS.admission_notice_hours,
        validators=[MinValueValidator(1), MaxValueValidator(168)],
    )
    summons_days = models.PositiveSmallIntegerField(
        _("days to send the SIP summons"),
        default=DEFAULT_TERMS.summons_days,
        validators=[MaxValueValidator(30)],
        help_text=_("Calendar days after the day the patient was reported ready for discharge."),
    )
    grace_days_somatic = models.PositiveSmallIntegerField(
        _("grace days, somatic care"),
        default=DEFAULT_TERMS.grace_days_somatic,
        validators=[MaxValueValidator(30)],
    )
    grace_days_psychiatric = models.PositiveSmallIntegerField(
        _("grace days, psychiatric care"),
        default=DEFAULT_TERMS.grace_days_psychiatric,
        validators=[MaxValueValidator(30)],
    )
    liability_model = models.CharField(
        _("liability model"),
        max_length=20,
        choices=LiabilityModel.choices,
        default=LiabilityModel.PER_PATIENT,
    )
    daily_amount = models.DecimalField(
        _("own amount per day (SEK)"),
        max_digits=9,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal(0))],
        help_text=_("Leave empty to use the amount per year set by Socialstyrelsen."),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["region__name", "municipality__name", "-valid_from"]
        verbose_name = _("agreement")
        verbose_name_plural = _("agreements")
        # Moved from the discharge app: the table keeps its name (and its rows).
        db_table = "discharge_agreement"
        indexes = [
            # terms_for(): the agreement in force for a region and a municipality on a date;
            # also the overlap check when one is saved.
            models.Index(
                fields=["region", "municipality", "valid_from"], name="agreement_pair_from_idx"
            ),
            # The agreements page of a municipality's administrators.
            models.Index(fields=["municipality", "valid_from"], name="agreement_muni_from_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.region} – {self.municipality} ({self.valid_from:%Y-%m-%d})"

    def is_in_force(self, day: datetime.date) -> bool:
        return self.valid_from <= day and (self.valid_to is None or day <= self.valid_to)

    def terms(self) -> AgreementTerms:
        return AgreementTerms(
            **{name: getattr(self, column) for name, column in self.TERM_COLUMNS.items()}
        )

    def clean(self) -> None:
        errors: dict[str, ValidationError] = {}
        if self.region_id and self.region.kind != OrganizationKind.REGION:
            errors["region"] = ValidationError(_("Choose a region."))
        if self.municipality_id and self.municipality.kind != OrganizationKind.MUNICIPALITY:
            errors["municipality"] = ValidationError(_("Choose a municipality."))
        if self.valid_from and self.valid_to and self.valid_to < self.valid_from:
            errors["valid_to"] = ValidationError(_("The end date is before the start date."))
        if not errors and self.region_id and self.municipality_id and self.valid_from:
            overlapping = self.overlapping().first()
            if overlapping is not None:
                errors["valid_from"] = ValidationError(
                    _(
                        "Another agreement between %(region)s and %(municipality)s is in force "
                        "from %(start)s during this period. End it first, or change the dates."
                    )
                    % {
                        "region": self.region,
                        "municipality": self.municipality,
                        "start": overlapping.valid_from.isoformat(),
                    }
                )
        if errors:
            raise ValidationError(errors)

    def overlapping(self) -> models.QuerySet[Agreement]:
        """Other agreements of the same pair whose period meets this one's."""
        others = Agreement.objects.filter(
            region_id=self.region_id, municipality_id=self.municipality_id
        ).exclude(pk=self.pk)
        others = others.filter(
            models.Q(valid_to__isnull=True) | models.Q(valid_to__gte=self.valid_from)
        )
        if self.valid_to is not None:
            others = others.filter(valid_from__lte=self.valid_to)
        return others.order_by("valid_from")
