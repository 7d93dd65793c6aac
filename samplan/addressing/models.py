"""The addressing register (adresseringsregister, domain.md §4): what the router reads.

Patient filters and residence lists name a person by the normalised identity number, not by a
foreign key to Patient: a unit registers its clients before the person ever appears in
samplan, and the register must route the first admission notice correctly.

All dates are inclusive calendar dates in Europe/Stockholm: a row with valid_to 2026-03-31
still routes on 2026-03-31 and no longer on 2026-04-01. An empty end date means "until
further notice".
"""

from __future__ import annotations

import datetime
import uuid

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from samplan.core.message_types import MessageType
from samplan.organizations.models import Organization, Unit
from samplan.patients.identity import format_identity


class PatientFilterQuerySet(models.QuerySet):
    def valid_on(self, day: datetime.date) -> PatientFilterQuerySet:
        return self.filter(Q(valid_from__lte=day), Q(valid_to__isnull=True) | Q(valid_to__gte=day))


class PatientFilter(models.Model):
    """Personnummerfilter: a unit has registered the person as its client for a period."""

    unit = models.ForeignKey(
        Unit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="patient_filters"
    )
    identity_number = models.CharField(_("identity number"), max_length=13)
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    created_at = models.DateTimeField(_("registered"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("registered by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    updated_at = models.DateTimeField(_("changed"), auto_now=True)

    objects = PatientFilterQuerySet.as_manager()

    class Meta:
        ordering = ["identity_number", "valid_from"]
        verbose_name = _("patient filter")
        verbose_name_plural = _("patient filters")
        indexes = [
            # The router: rows for one identity number valid on a day (identity_number = %s
            # AND valid_from <= %s AND (valid_to ...)); also the register page's order
            # (ORDER BY identity_number, valid_from).
            models.Index(
                fields=["identity_number", "valid_from"], name="patientfilter_identity_idx"
            ),
        ]
        constraints = [
            # One registration per unit, person and start date: the key imports match on
            # (identical rows are skipped, a changed end date is updated). Its index also
            # serves the need-to-know check (unit = %s AND identity_number = %s ...) and the
            # import's look-up of existing rows (unit_id IN ... AND identity_number IN ...).
            models.UniqueConstraint(
                fields=["unit", "identity_number", "valid_from"], name="patientfilter_unique_start"
            ),
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=F("valid_from")),
                name="patientfilter_end_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.identity_display} – {self.unit}"

    @property
    def identity_display(self) -> str:
        return format_identity(self.identity_number)

    def is_valid_on(self, day: datetime.date) -> bool:
        return self.valid_from <= day and (self.valid_to is None or day <= self.valid_to)


class ResidenceEntryQuerySet(models.QuerySet):
    def valid_on(self, day: datetime.date) -> ResidenceEntryQuerySet:
        return self.filter(Q(moved_in__lte=day), Q(moved_out__isnull=True) | Q(moved_out__gte=day))


class ResidenceEntry(models.Model):
    """Boendelista: the person lives at a nursing home (or LSS housing) from move-in to move-out.

    The move-out date is the last day the home receives the person's messages, so a message
    sent on moving day still reaches the staff who know the person.
    """

    unit = models.ForeignKey(
        Unit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="residents"
    )
    identity_number = models.CharField(_("identity number"), max_length=13)
    moved_in = models.DateField(_("moved in"))
    moved_out = models.DateField(_("moved out"), null=True, blank=True)
    created_at = models.DateTimeField(_("registered"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("registered by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    updated_at = models.DateTimeField(_("changed"), auto_now=True)

    objects = ResidenceEntryQuerySet.as_manager()

    class Meta:
        ordering = ["identity_number", "moved_in"]
        verbose_name = _("residence list entry")
        verbose_name_plural = _("residence list")
        indexes = [
            # The router: where one person lives on a day (identity_number = %s AND
            # moved_in <= %s AND (moved_out ...)); also the residence list page's order.
            models.Index(fields=["identity_number", "moved_in"], name="residence_identity_idx"),
        ]
        constraints = [
            # One stay per home, person and move-in date: the import key (see PatientFilter).
            # Its index also serves the need-to-know check and the import's look-up.
            models.UniqueConstraint(
                fields=["unit", "identity_number", "moved_in"], name="residence_unique_move_in"
            ),
            models.CheckConstraint(
                condition=Q(moved_out__isnull=True) | Q(moved_out__gte=F("moved_in")),
                name="residence_out_after_in",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.identity_display} – {self.unit}"

    @property
    def identity_display(self) -> str:
        return format_identity(self.identity_number)

    def is_valid_on(self, day: datetime.date) -> bool:
        return self.moved_in <= day and (self.moved_out is None or day <= self.moved_out)


class AreaRule(models.Model):
    """Områdesregel: messages of a type about people registered in a municipality (optionally
    within a postal-code range) go to a unit, typically the municipality's intake unit."""

    municipality_code = models.CharField(_("municipality code"), max_length=4)
    postal_code_from = models.CharField(_("postal codes from"), max_length=5, blank=True)
    postal_code_to = models.CharField(_("postal codes to"), max_length=5, blank=True)
    # Empty means every message type.
    message_type = models.CharField(
        _("message type"), max_length=40, choices=MessageType.choices, blank=True
    )
    unit = models.ForeignKey(
        Unit, verbose_name=_("receiving unit"), on_delete=models.PROTECT, related_name="area_rules"
    )
    valid_from = models.DateField(_("valid from"), default=timezone.localdate)
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    created_at = models.DateTimeField(_("registered"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("registered by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ["municipality_code", "postal_code_from", "message_type"]
        verbose_name = _("area rule")
        verbose_name_plural = _("area rules")
        indexes = [
            # The router: rules for one municipality code (then filtered by type and dates).
            models.Index(
                fields=["municipality_code", "message_type"], name="arearule_code_type_idx"
            ),
            # The area-rule page: one organisation's rules, through their receiving units.
            models.Index(fields=["unit", "municipality_code"], name="arearule_unit_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=[
                    "unit",
                    "municipality_code",
                    "postal_code_from",
                    "postal_code_to",
                    "message_type",
                    "valid_from",
                ],
                name="arearule_unique",
                violation_error_message=_("The same area rule already exists."),
            ),
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=F("valid_from")),
                name="arearule_end_after_start",
            ),
            # Both ends of a postal-code range, or neither.
            models.CheckConstraint(
                condition=(Q(postal_code_from="") & Q(postal_code_to=""))
                | (~Q(postal_code_from="") & ~Q(postal_code_to="")),
                name="arearule_postal_range_complete",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.municipality_code} {self.postal_range_display} → {self.unit}".strip()

    @property
    def has_postal_range(self) -> bool:
        return bool(self.postal_code_from)

    @property
    def postal_range_display(self) -> str:
        if not self.has_postal_range:
            return ""
        return (
            f"{format_postal_code(self.postal_code_from)}–{format_postal_code(self.postal_code_to)}"
        )

    def is_valid_on(self, day: datetime.date) -> bool:
        return self.valid_from <= day and (self.valid_to is None or day <= self.valid_to)

    def covers_postal_code(self, postal_code: str) -> bool:
        return self.postal_code_from <= postal_code <= self.postal_code_to


def format_postal_code(code: str) -> str:
    """Swedish postal codes are written "641 30"."""
    return f"{code[:3]} {code[3:]}" if len(code) == 5 else code


class FallbackInbox(models.Model):
    """Reservadress: an organisation's central inbox for messages the register cannot place,
    where its super users forward them (domain.md §4 step 5). Required for municipalities and
    regions; the register pages warn while one is missing."""

    organization = models.OneToOneField(
        Organization,
        verbose_name=_("organisation"),
        on_delete=models.CASCADE,
        related_name="fallback_inbox",
    )
    unit = models.ForeignKey(
        Unit, verbose_name=_("central inbox"), on_delete=models.PROTECT, related_name="+"
    )
    updated_at = models.DateTimeField(_("changed"), auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("fallback inbox")
        verbose_name_plural = _("fallback inboxes")

    def __str__(self) -> str:
        return f"{self.organization}: {self.unit}"


class ImportKind(models.TextChoices):
    PATIENT_FILTER = "patient_filter", _("Patient filter")
    RESIDENCE = "residence", _("Residence list")


class ImportStatus(models.TextChoices):
    CHECKED = "checked", _("Checked, waiting for your choice")
    QUEUED = "queued", _("Waiting to start")
    RUNNING = "running", _("Importing")
    DONE = "done", _("Imported")
    DISCARDED = "discarded", _("Nothing imported")
    FAILED = "failed", _("Failed")
    EXPIRED = "expired", _("Expired")


class RegisterImport(models.Model):
    """A checked import file kept between "check" and "import", so the second step needs no
    upload. The parsed rows are dropped once the import has finished, been discarded or
    expired: the row keeps only counts, not the identity numbers."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    kind = models.CharField(_("kind"), max_length=20, choices=ImportKind.choices)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    uploaded_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    file_name = models.CharField(_("file"), max_length=200)
    status = models.CharField(
        _("status"), max_length=20, choices=ImportStatus.choices, default=ImportStatus.CHECKED
    )
    total_rows = models.PositiveIntegerField(default=0)
    # [[line, unit_id, identity_number, start ISO date, end ISO date or ""], ...]
    rows = models.JSONField(default=list, blank=True)
    # [[line, message], ...], in line order.
    errors = models.JSONField(default=list, blank=True)
    error_count = models.PositiveIntegerField(default=0)
    good_count = models.PositiveIntegerField(default=0)
    processed_rows = models.PositiveIntegerField(default=0)
    created_count = models.PositiveIntegerField(default=0)
    updated_count = models.PositiveIntegerField(default=0)
    unchanged_count = models.PositiveIntegerField(default=0)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-uploaded_at"]
        indexes = [
            # The import page: the user's own recent imports, newest first.
            models.Index(fields=["uploaded_by", "-uploaded_at"], name="registerimport_user_idx"),
            # Purging expired checked files (expires_at < now).
            models.Index(fields=["expires_at"], name="registerimport_expires_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.file_name} ({self.get_status_display()})"

    @property
    def is_finished(self) -> bool:
        return self.status in {
            ImportStatus.DONE,
            ImportStatus.DISCARDED,
            ImportStatus.FAILED,
            ImportStatus.EXPIRED,
        }

    @property
    def duration_seconds(self) -> float | None:
        if self.started_at is None or self.finished_at is None:
            return None
        return (self.finished_at - self.started_at).total_seconds()

    @property
    def progress_percent(self) -> int:
        if not self.good_count:
            return 100 if self.is_finished else 0
        return min(100, round(100 * self.processed_rows / self.good_count))
