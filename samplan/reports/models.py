"""Per-case facts the reports count, kept current from the cases and their messages.

Counting a year of a large region straight from messages means grouping hundreds of thousands
of rows and running the payment-liability rules for every case on every page view: seconds,
not the fraction of a second a report must take (issue 6). So each case's facts are worked
out once, when something about it changes (samplan.reports.facts.refresh), with the same
rules the case page uses (samplan.discharge.liability), and stored here; a report is then one
GROUP BY over this narrow table.
"""

from __future__ import annotations

from django.db import models


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
    refreshed_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [
            # Admission-notice report: a region's / municipality's cases by month admitted.
            models.Index(fields=["region", "admitted_month"], name="casefact_region_adm_idx"),
            models.Index(fields=["municipality", "admitted_month"], name="casefact_muni_adm_idx"),
            # Days-as-ready and liability reports: cases by month discharged.
            models.Index(fields=["region", "discharged_month"], name="casefact_region_dis_idx"),
            models.Index(fields=["municipality", "discharged_month"], name="casefact_muni_dis_idx"),
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
