"""Discharge cases, their participants and events, and the amount per liable day for each
year. (The agreements between a region and a municipality are samplan.organizations'.)"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from samplan.core.choices import ChoiceLabels
from samplan.discharge.process import OPEN_STATES, CaseState
from samplan.organizations.terms import CareType


class DailyAmount(models.Model):
    """The amount the municipality pays per liable day in a calendar year (domain.md §6):
    set each year by Socialstyrelsen, unless an agreement sets its own."""

    year = models.PositiveSmallIntegerField(
        _("year"), unique=True, validators=[MinValueValidator(2018), MaxValueValidator(2100)]
    )
    amount = models.DecimalField(
        _("amount per day (SEK)"),
        max_digits=9,
        decimal_places=2,
        validators=[MinValueValidator(Decimal(1))],
    )
    source = models.CharField(
        _("source"),
        max_length=200,
        blank=True,
        help_text=_("Where the figure comes from, e.g. Socialstyrelsen's decision."),
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-year"]
        verbose_name = _("amount per day")
        verbose_name_plural = _("amounts per day")

    def __str__(self) -> str:
        return f"{self.year}: {self.amount} kr"


class DischargeCase(ChoiceLabels, models.Model):
    """Utskrivningsärende: the joint planning for one hospital stay (domain.md §5).

    The case opens when the ward registers the stay (state `admitted`); the admission notice
    is then sent on it. It moves with the person if they are transferred to another ward.
    """

    patient = models.ForeignKey(
        "patients.Patient",
        verbose_name=_("patient"),
        on_delete=models.PROTECT,
        related_name="discharge_cases",
    )
    ward = models.ForeignKey(
        "organizations.Unit", verbose_name=_("ward"), on_delete=models.PROTECT, related_name="+"
    )
    care_type = models.CharField(_("care type"), max_length=20, choices=CareType.choices)
    admitted_at = models.DateTimeField(_("admitted"))
    # The doctor's later assessment that services may be needed starts the 24 h instead.
    services_need_assessed_at = models.DateTimeField(
        _("need of services assessed"), null=True, blank=True
    )
    estimated_discharge_date = models.DateField(
        _("estimated discharge date"), null=True, blank=True
    )
    state = models.CharField(
        _("state"), max_length=20, choices=CaseState.choices, default=CaseState.ADMITTED
    )
    # The principals whose agreement governs deadlines and liability for this stay.
    region = models.ForeignKey(
        "organizations.Organization", on_delete=models.PROTECT, related_name="+"
    )
    municipality = models.ForeignKey(
        "organizations.Organization",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    care_contact_needed = models.BooleanField(_("care contact needed"), default=True)
    sip_needed = models.BooleanField(_("SIP needed"), default=False)
    services_refused = models.BooleanField(_("the person refused the services"), default=False)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    opened_at = models.DateTimeField(_("opened"), default=timezone.now)
    # Key of the form that opened the case: a second post of the same form finds this case.
    opening_key = models.CharField(max_length=64, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    # The messages sent on the case, through the link the case owns (CaseMessage below).
    messages = models.ManyToManyField(
        "messaging.Message", through="CaseMessage", related_name="+", blank=True
    )
    withdrawn_reason = models.CharField(_("reason for withdrawal"), max_length=40, blank=True)

    class Meta:
        ordering = ["-admitted_at", "-pk"]
        verbose_name = _("discharge case")
        verbose_name_plural = _("discharge cases")
        constraints = [
            # One open case per patient: a person is in one hospital stay at a time, and a
            # transfer moves the case rather than opening another.
            models.UniqueConstraint(
                fields=["patient"],
                condition=Q(state__in=["admitted", "ready", "discharged"]),
                name="dischargecase_one_open_per_patient",
            ),
        ]
        indexes = [
            # The ward's own cases by admission (Översikt for a ward).
            models.Index(fields=["ward", "-admitted_at"], name="dischargecase_ward_idx"),
            # Reports: cases by region/municipality and period.
            models.Index(fields=["municipality", "admitted_at"], name="dischargecase_muni_idx"),
            # Översikt, newest first (ORDER BY admitted_at DESC, id DESC over open cases): the
            # open cases are walked in order and the unit's own found by probing its
            # participation, so a busy unit's first page stops after a few hundred rows
            # instead of sorting every open case of the region (bench/RESULTS.md).
            models.Index(
                fields=["-admitted_at", "-id"],
                condition=Q(state__in=["admitted", "ready", "discharged"]),
                name="dischargecase_open_newest_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.patient.identity_display} {self.admitted_at:%Y-%m-%d}"

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES


class ParticipantRole(models.TextChoices):
    WARD = "ward", _("Ward")
    MUNICIPALITY = "municipality", _("Municipality")
    CARE_CENTRE = "care_centre", _("Care centre")
    CARE_CONTACT = "care_contact", _("Care contact")
    ADDED = "added", _("Added later")


class CaseParticipant(ChoiceLabels, models.Model):
    """A unit taking part in a case: it sees the case while its participation lasts."""

    case = models.ForeignKey(DischargeCase, on_delete=models.CASCADE, related_name="participants")
    unit = models.ForeignKey(
        "organizations.Unit", on_delete=models.PROTECT, related_name="case_participations"
    )
    role = models.CharField(_("role"), max_length=20, choices=ParticipantRole.choices)
    joined_at = models.DateTimeField(default=timezone.now)
    left_at = models.DateTimeField(null=True, blank=True)
    # Copies of the case's "is open" (its state in OPEN_STATES) and admitted_at, so that
    # Översikt's default list reads a unit's open cases from its own participations, newest
    # first, and stops after a page (participant_open_newest_idx): a ward takes part in every
    # case it ever had, most of them closed, and a municipal intake unit in thousands of open
    # ones (3,004 at bench scale 3); walking the region's open cases to find the unit's own
    # grew with the region. The open lists take the flag as the rule. A new participation
    # copies them from its case (services; save() for the time); after that the database
    # keeps them in step with the case, whatever changes it (a trigger, migration discharge
    # 0009).
    case_open = models.BooleanField(default=True, db_default=True)
    case_admitted_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["case", "unit"], name="caseparticipant_unique"),
        ]
        indexes = [
            # Översikt with "all" or closed cases: the cases a unit takes part in now.
            models.Index(
                fields=["unit", "case"],
                condition=Q(left_at__isnull=True),
                name="caseparticipant_active_idx",
            ),
            # Översikt's default list and its count: the open cases a unit takes part in now,
            # newest admission first (backwards for the oldest first).
            models.Index(
                fields=["unit", "-case_admitted_at", "-case"],
                condition=Q(left_at__isnull=True, case_open=True),
                name="participant_open_newest_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.unit} in {self.case_id}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.case_admitted_at is None:
            self.case_admitted_at = self.case.admitted_at
        super().save(*args, **kwargs)


class CaseEventKind(models.TextChoices):
    OPENED = "opened", _("Case opened")
    STATE_CHANGED = "state_changed", _("State changed")
    TRANSFERRED = "transferred", _("Transferred to another ward")
    PARTICIPANT_ADDED = "participant_added", _("Unit added")
    PARTICIPANT_LEFT = "participant_left", _("Unit left the case")
    UPDATED = "updated", _("Case details changed")
    CLOSED = "closed", _("Case closed")


class CaseEvent(ChoiceLabels, models.Model):
    """Everything on a case that is not a message or a delivery, for the timeline."""

    case = models.ForeignKey(DischargeCase, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(default=timezone.now)
    kind = models.CharField(max_length=30, choices=CaseEventKind.choices)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    unit = models.ForeignKey("organizations.Unit", on_delete=models.PROTECT, related_name="+")
    detail = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "pk"]
        indexes = [models.Index(fields=["case", "at"], name="caseevent_case_at_idx")]

    def __str__(self) -> str:
        return f"{self.case_id} {self.kind} {self.at:%Y-%m-%d %H:%M}"


class CaseMessage(models.Model):
    """A message sent on a discharge case (the law's messages, extra messages, cancellations).

    Messaging is a transport and knows nothing of cases (architecture.md): the case owns the
    link, as a SIP plan owns its SipMessage. A link table rather than a generic "thread"
    reference, so the database keeps the reference whole (PROTECT both ways) and the case's
    messages are an ordinary relation (`case.messages`, joins in reports and Översikt). One
    message belongs to at most one case: the message is the key.
    """

    message = models.OneToOneField(
        "messaging.Message", primary_key=True, on_delete=models.PROTECT, related_name="case_link"
    )
    # caselink by case: a case's messages (case page, Översikt cells, the overdue rule).
    case = models.ForeignKey(DischargeCase, on_delete=models.PROTECT, related_name="message_links")

    class Meta:
        verbose_name = _("message on a case")
        verbose_name_plural = _("messages on cases")

    def __str__(self) -> str:
        return f"{self.message_id} on case {self.case_id}"
