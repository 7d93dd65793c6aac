"""Per-case facts the reports count, kept current from the cases and their messages.

Counting a year of a large region straight from messages means grouping hundreds of thousands
of rows and running the payment-liability rules for every case on every page view: seconds,
not the fraction of a second a report must take (issue 6). So each case's facts are worked
out once, when something about it changes (samplan.reports.facts.refresh), with the same
rules the case page uses (samplan.discharge.liability), and stored here; a report is then one
GROUP BY over this narrow table.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AdmissionState(models.TextChoices):
    IN_TIME = "in_time", "in time"
    LATE = "late", "late"
    MISSING = "missing", "missing"


class CaseFact(models.Model):
    """One discharge case as the reports see it. Rebuilt whenever the case changes."""

    case = models.OneToOneField(
        "discharge.DischargeCase", primary_key=True, on_delete=models.CASCADE, related_name="+"
    )
    region = models.ForeignKey(
        "organizations.Organization", on_delete=models.CASCADE, related_name="+"
    )
    municipality = models.ForeignKey(
        "organizations.Organization", null=True, on_delete=models.CASCADE, related_name="+"
    )
    ward = models.ForeignKey("organizations.Unit", on_delete=models.CASCADE, related_name="+")
    # Months are the first day of the Swedish local month: GROUP BY needs no time zone maths.
    admitted_month = models.DateField()
    admission = models.CharField(max_length=10, choices=AdmissionState.choices)
    discharged_at = models.DateTimeField(null=True)
    discharged_month = models.DateField(null=True)
    ready_at = models.DateTimeField(null=True)  # the latest ready notice still standing
    ready_days = models.PositiveIntegerField(null=True)  # calendar days ready -> discharge
    # Payment liability (for discharged cases with a municipality and a ready notice).
    liable_days = models.PositiveIntegerField(default=0)
    liable_amount = models.DecimalField(max_digits=12, decimal_places=2, null=True)
    amount_missing = models.BooleanField(default=False)
    liability_counted = models.BooleanField(default=False)  # in the liability report at all
    counted_days = models.PositiveIntegerField(null=True)  # days from day 0 (every condition held)
    grace_days = models.PositiveIntegerField(default=0)
    # The failing conditions, comma-separated stable codes ("" when every condition held).
    reasons = models.CharField(max_length=200, blank=True)
    # Follow-up indicators (figures.indicators, issue 15): the person, for readmissions.
    patient = models.ForeignKey(
        "patients.Patient", null=True, on_delete=models.CASCADE, related_name="+"
    )
    # The first standing admission notice at most 24 h after the admission (or the later
    # assessment), whatever the agreement says: the national indicator's fixed 24 h.
    notice_within_24h = models.BooleanField(default=False)
    # Calendar days (Swedish local dates) from admission to the latest standing ready notice,
    # and from the first standing SIP summons to the meeting it (the latest one) proposes.
    admission_to_ready_days = models.PositiveIntegerField(null=True)
    summons_to_meeting_days = models.PositiveIntegerField(null=True)
    # Discharged, and the same person admitted again (a new case) within 30 days.
    readmitted = models.BooleanField(default=False)
    # National statistics (reports.national): somatic or psychiatric care; the ready periods
    # as local dates, "2026-01-05/2026-01-07;2026-01-09/" (an open end: still running); the
    # first ready date and the last end (None: running or never ready), for the index.
    care_type = models.CharField(max_length=20, blank=True)
    ready_periods = models.CharField(max_length=400, blank=True)
    ready_from = models.DateField(null=True)
    ready_until = models.DateField(null=True)
    refreshed_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [
            # Admission-notice report: a region's / municipality's cases by month admitted.
            models.Index(fields=["region", "admitted_month"], name="casefact_region_adm_idx"),
            models.Index(fields=["municipality", "admitted_month"], name="casefact_muni_adm_idx"),
            # Days-as-ready and liability reports: cases by month discharged.
            models.Index(fields=["region", "discharged_month"], name="casefact_region_dis_idx"),
            models.Index(fields=["municipality", "discharged_month"], name="casefact_muni_dis_idx"),
            # National statistics: a region's cases ready at some time in a month
            # (ready_until >= the 1st or still running, ready_from <= the last day).
            models.Index(
                fields=["region", "ready_until", "ready_from"], name="casefact_region_ready_idx"
            ),
        ]

    def __str__(self) -> str:
        return f"facts of case {self.case_id}"


class FactsState(models.Model):
    """How far the facts are up to date (one row): the newest message, case and case event
    taken into account, and the agreements and amounts per day they were computed with."""

    last_message_id = models.BigIntegerField(default=0)
    last_case_id = models.BigIntegerField(default=0)
    last_event_id = models.BigIntegerField(default=0)
    terms_signature = models.CharField(max_length=200, blank=True)
    refreshed_at = models.DateTimeField(null=True)

    def __str__(self) -> str:
        return f"facts up to message {self.last_message_id}"


class StatisticsSnapshot(models.Model):
    """The national statistics of utskrivningsklara days of one region's closed month, frozen
    the first time they are counted (samplan.reports.national): later corrections of a case
    do not change a published month. A recount makes a new snapshot and keeps the old one
    (superseded_at set), so the history of every figure sent stays."""

    region = models.ForeignKey(
        "organizations.Organization",
        verbose_name=_("region"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    month = models.DateField(_("month"))  # the first day of the Swedish local month
    made_at = models.DateTimeField(_("counted"))
    # The totals of the rows, for the history (the administrative change history too).
    days = models.PositiveIntegerField(_("days ready for discharge"), default=0)
    patients = models.PositiveIntegerField(_("patients ready for discharge"), default=0)
    # Who asked for a recount (None: made the first time the month was asked for, or by
    # manage.py reports_national_statistics).
    made_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    superseded_at = models.DateTimeField(null=True)

    class Meta:
        ordering = ["region", "-month", "-made_at"]
        verbose_name = _("national statistics of a month")
        verbose_name_plural = _("national statistics of months")
        constraints = [
            # One snapshot in force per region and month: two first requests at once make one.
            models.UniqueConstraint(
                fields=["region", "month"],
                condition=models.Q(superseded_at__isnull=True),
                name="statisticssnapshot_one_current",
            ),
        ]
        indexes = [
            # The statistics page: a region's snapshots of a month, newest first (history).
            models.Index(fields=["region", "month", "-made_at"], name="statsnapshot_region_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.region} {self.month:%Y-%m}"


class StatisticsRow(models.Model):
    """One line of a snapshot: a municipality and care type, its days and patients."""

    snapshot = models.ForeignKey(StatisticsSnapshot, on_delete=models.CASCADE, related_name="rows")
    municipality = models.ForeignKey(
        "organizations.Organization", on_delete=models.PROTECT, related_name="+"
    )
    care_type = models.CharField(max_length=20)
    days = models.PositiveIntegerField()
    patients = models.PositiveIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["snapshot", "municipality", "care_type"], name="statisticsrow_unique"
            ),
        ]
        indexes = [
            # A municipality's own figures: the rows naming it, by snapshot.
            models.Index(fields=["municipality", "snapshot"], name="statisticsrow_muni_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.municipality_id} {self.care_type}: {self.days} days"
