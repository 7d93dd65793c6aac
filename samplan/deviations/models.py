"""Collaboration deviations (avvikelser) between organisations (seed 003, issue 15).

A unit reports a deviation from a case, a message, a SIP plan, or free-standing, naming the
organisations concerned. Each organisation concerned gets a `DeviationRecipient`: its own
state (received → under investigation → answered → closed), due date and answer, handled by
the holders of the `deviation_handler` role in the organisation's receiving unit
(`DeviationSettings.receiving_unit`, e.g. the MAS or the patient-safety function).

The patient is kept as a link (through the case, plan or message); who may see it is decided
in samplan.deviations.access, never stored as text in the deviation.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from samplan.core.choices import ChoiceLabels

DEFAULT_ANSWER_DAYS = 14
MAX_DESCRIPTION = 4000
MAX_COMMENT = 4000


class Category(models.TextChoices):
    MESSAGE_LATE = "message_late", _("Message missing or late")
    INFORMATION = "information", _("Wrong or missing information")
    WRONG_RECIPIENT = "wrong_recipient", _("Wrong recipient")
    MEDICATION = "medication", _("Medication")
    AIDS = "aids", _("Aids and equipment")
    PLANNING = "planning", _("Planning not followed")
    SIP_LATE = "sip_late", _("SIP not held or late")
    OTHER = "other", pgettext_lazy("deviation category", "Other")


class DeviationState(models.TextChoices):
    RECEIVED = "received", pgettext_lazy("deviation state", "Received")
    INVESTIGATING = "investigating", pgettext_lazy("deviation state", "Under investigation")
    ANSWERED = "answered", pgettext_lazy("deviation state", "Answered")
    CLOSED = "closed", pgettext_lazy("deviation state", "Closed")


# States in which the receiving organisation still owes an answer.
AWAITING_ANSWER = (DeviationState.RECEIVED, DeviationState.INVESTIGATING)


class DeviationSettings(models.Model):
    """An organisation's receiving unit for deviations, set by its administrators."""

    organization = models.OneToOneField(
        "organizations.Organization",
        verbose_name=_("organisation"),
        on_delete=models.CASCADE,
        related_name="deviation_settings",
    )
    receiving_unit = models.ForeignKey(
        "organizations.Unit",
        verbose_name=_("receiving unit"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_(
            "The unit that receives deviations reported to the organisation, e.g. the MAS or "
            "the patient-safety function. Its users with the role Deviation handler handle them."
        ),
    )

    class Meta:
        verbose_name = _("deviation settings")
        verbose_name_plural = _("deviation settings")

    def __str__(self) -> str:
        return str(self.organization)


class AgreementDeviationTerms(models.Model):
    """The days to answer a deviation under an agreement between a region and a municipality
    (domain.md: configurable per agreement; default 14 days)."""

    agreement = models.OneToOneField(
        "organizations.Agreement",
        verbose_name=_("agreement"),
        on_delete=models.CASCADE,
        related_name="deviation_terms",
    )
    answer_days = models.PositiveSmallIntegerField(
        _("days to answer a deviation"),
        default=DEFAULT_ANSWER_DAYS,
        validators=[MinValueValidator(1), MaxValueValidator(90)],
    )

    class Meta:
        verbose_name = _("deviation terms")
        verbose_name_plural = _("deviation terms")

    def __str__(self) -> str:
        return f"{self.agreement}: {self.answer_days}"


class Deviation(ChoiceLabels, models.Model):
    """One reported deviation; sent to every organisation concerned (DeviationRecipient)."""

    reporting_unit = models.ForeignKey(
        "organizations.Unit",
        verbose_name=_("reporting unit"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reported by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    reported_at = models.DateTimeField(_("reported"), default=timezone.now)
    occurred_at = models.DateTimeField(_("date and time of the event"))
    category = models.CharField(_("category"), max_length=20, choices=Category.choices)
    description = models.TextField(_("what happened"), max_length=MAX_DESCRIPTION)
    # The link kept (at most one of case, plan, message; the patient follows from it).
    patient = models.ForeignKey(
        "patients.Patient", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    case = models.ForeignKey(
        "discharge.DischargeCase",
        verbose_name=_("discharge case"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    plan = models.ForeignKey(
        "sip.SipPlan",
        verbose_name=_("SIP plan"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    message = models.ForeignKey(
        "messaging.Message",
        verbose_name=_("message"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # The report form's one-off key: a double post finds the deviation already made.
    submission_key = models.CharField(max_length=64)

    class Meta:
        ordering = ["-reported_at", "-pk"]
        verbose_name = _("deviation")
        verbose_name_plural = _("deviations")
        constraints = [
            models.UniqueConstraint(
                fields=["reported_by", "submission_key"], name="deviation_submission_unique"
            ),
        ]
        indexes = [
            # The reporting unit's list (Rapporterade): its deviations, newest first.
            models.Index(fields=["reporting_unit", "-reported_at"], name="deviation_unit_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.get_category_display()}"

    @property
    def number(self) -> str:
        """The reference shown on pages and exports, e.g. AVV-2026-000123."""
        return f"AVV-{timezone.localtime(self.reported_at):%Y}-{self.pk:06d}"


class DeviationRecipient(ChoiceLabels, models.Model):
    """A deviation as one organisation concerned receives it: its state, due date, answer."""

    deviation = models.ForeignKey(Deviation, on_delete=models.CASCADE, related_name="recipients")
    organization = models.ForeignKey(
        "organizations.Organization",
        verbose_name=_("organisation concerned"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    # The receiving unit when it was sent (None: the organisation had none configured; its
    # handlers see it once one is).
    unit = models.ForeignKey(
        "organizations.Unit",
        verbose_name=_("receiving unit"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    state = models.CharField(
        _("state"), max_length=20, choices=DeviationState.choices, default=DeviationState.RECEIVED
    )
    # Copied from the deviation so the inbox and the report need no join to order and count.
    reported_at = models.DateTimeField(_("reported"))
    reporting_organization = models.ForeignKey(
        "organizations.Organization",
        verbose_name=_("reporting organisation"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    category = models.CharField(_("category"), max_length=20, choices=Category.choices)
    due_on = models.DateField(_("answer by"))
    answer = models.TextField(_("answer"), blank=True, max_length=MAX_COMMENT)
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-reported_at", "-pk"]
        verbose_name = _("organisation concerned")
        verbose_name_plural = _("organisations concerned")
        constraints = [
            models.UniqueConstraint(
                fields=["deviation", "organization"], name="deviation_recipient_unique"
            ),
        ]
        indexes = [
            # The organisation's deviation inbox: its deviations in a state, newest first.
            models.Index(
                fields=["organization", "state", "-reported_at"], name="devrecipient_inbox_idx"
            ),
            # The follow-up report: an organisation's (received or reported) deviations of a
            # year, by reported_at.
            models.Index(fields=["organization", "reported_at"], name="devrecipient_report_idx"),
            models.Index(
                fields=["reporting_organization", "reported_at"],
                name="devrecipient_reporter_idx",
            ),
            # The reminder run: unanswered deviations not yet reminded, by due date.
            models.Index(
                fields=["due_on"],
                condition=Q(reminded_at__isnull=True, state__in=["received", "investigating"]),
                name="devrecipient_remind_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.deviation_id} → {self.organization_id} ({self.state})"

    def is_overdue(self, today: object = None) -> bool:
        today = today or timezone.localdate()
        return self.state in AWAITING_ANSWER and self.due_on < today


class NoteKind(models.TextChoices):
    COMMENT = "comment", _("Comment")
    STATE = "state", _("State changed")
    ANSWER = "answer", _("Answer")


class DeviationNote(ChoiceLabels, models.Model):
    """A comment from either side, a state change or the answer, in order: the thread."""

    recipient = models.ForeignKey(
        DeviationRecipient, on_delete=models.CASCADE, related_name="notes"
    )
    kind = models.CharField(max_length=20, choices=NoteKind.choices)
    text = models.TextField(blank=True, max_length=MAX_COMMENT)
    state = models.CharField(max_length=20, choices=DeviationState.choices, blank=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    unit = models.ForeignKey("organizations.Unit", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "pk"]
        indexes = [
            # The deviation page's thread, oldest first.
            models.Index(fields=["recipient", "created_at"], name="devnote_thread_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.recipient_id} {self.kind}"
