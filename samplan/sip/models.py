"""Coordinated individual plans (SIP, domain.md §7): the plan, its units, versions, interventions,
signatures, the messages sent for it, and its history.

A SipPlan holds the initiative (purpose, questions, meeting proposal) and points at its current
SipVersion, which holds the plan's text. A finalised version is locked for good: a change or a
follow-up makes the next version, copied from it. Every save, answer, signature and version is
a SipEvent, so the whole history stays visible.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from samplan.core.choices import ChoiceLabels
from samplan.sip.process import (
    VISIBLE_ANSWERS,
    Answer,
    ParticipantRole,
    PlanState,
)

__all__ = [
    "VISIBLE_ANSWERS",
    "Answer",
    "CloseReason",
    "EventKind",
    "InterventionStatus",
    "MeetingMode",
    "MessageKind",
    "ParticipantRole",
    "PlanState",
    "SignatureMethod",
    "SipContact",
    "SipEvent",
    "SipIntervention",
    "SipMessage",
    "SipParticipant",
    "SipPlan",
    "SipSignature",
    "SipVersion",
    "VersionReason",
]


class MeetingMode(models.TextChoices):
    IN_PERSON = "in_person", _("Meeting in person")
    VIDEO = "video", _("Video meeting")
    PHONE = "phone", _("Phone meeting")


class CloseReason(models.TextChoices):
    GOALS_REACHED = "goals_reached", _("The goals are reached")
    NOT_NEEDED = "not_needed", _("Coordination is no longer needed")
    PERSON_DECLINED = "person_declined", _("The person does not want to go on")
    CONSENT_WITHDRAWN = "consent_withdrawn", _("The consent was withdrawn")
    MOVED = "moved", _("The person has moved")
    DIED = "died", _("The person has died")
    OTHER = "other", _("Other reason")


class SipPlan(ChoiceLabels, models.Model):
    patient = models.ForeignKey(
        "patients.Patient",
        verbose_name=_("patient"),
        on_delete=models.PROTECT,
        related_name="sip_plans",
    )
    initiator_unit = models.ForeignKey(
        "organizations.Unit",
        verbose_name=_("initiating unit"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    initiated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("initiated by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    # A plan started from a discharge case: its summons is the case's SIP summons.
    case = models.ForeignKey(
        "discharge.DischargeCase",
        verbose_name=_("discharge case"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="sip_plans",
    )
    state = models.CharField(
        _("state"), max_length=20, choices=PlanState.choices, default=PlanState.INITIATIVE
    )
    # The initiative (domain.md §7 step 1).
    purpose = models.TextField(_("purpose of the plan"))
    person_goals = models.TextField(_("the person's own goals"), blank=True)
    questions = models.TextField(_("questions for the meeting"), blank=True)
    proposed_coordinator = models.CharField(_("proposed coordinator"), max_length=200, blank=True)
    meeting_at = models.DateTimeField(_("proposed meeting time"), null=True, blank=True)
    meeting_mode = models.CharField(
        _("kind of meeting"),
        max_length=20,
        choices=MeetingMode.choices,
        default=MeetingMode.IN_PERSON,
    )
    meeting_place = models.CharField(_("meeting place"), max_length=200, blank=True)
    meeting_link = models.CharField(_("link or phone number"), max_length=300, blank=True)
    invited_others = models.TextField(_("others invited"), blank=True)
    # Optimistic lock of the initiative fields (the plan's text has its own in SipVersion).
    revision = models.PositiveIntegerField(default=1)
    # The consent the latest summons was sent under (shown on the plan, also once withdrawn).
    consent = models.ForeignKey(
        "patients.Consent", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    current_version = models.ForeignKey(
        "SipVersion", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # The current locked version's follow-up date, kept here for the SIP list.
    next_follow_up = models.DateField(_("next follow-up"), null=True, blank=True)
    closed_at = models.DateTimeField(pgettext_lazy("plan", "closed"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    close_reason = models.CharField(
        _("reason for closing"), max_length=30, choices=CloseReason.choices, blank=True
    )
    close_text = models.TextField(_("about the closing"), blank=True)
    # The key of the form that created the plan: a form posted twice creates one plan.
    creation_key = models.CharField(max_length=64)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("coordinated individual plan")
        verbose_name_plural = _("coordinated individual plans")
        constraints = [
            models.UniqueConstraint(
                fields=["initiated_by", "creation_key"], name="sipplan_creation_key_unique"
            ),
        ]
        indexes = [
            # Reports: plans started per initiating unit and period.
            models.Index(fields=["initiator_unit", "created_at"], name="sipplan_initiator_idx"),
            # The SIP list orders a unit's plans newest first.
            models.Index(fields=["-created_at"], name="sipplan_created_idx"),
        ]

    def __str__(self) -> str:
        return f"SIP {self.pk}"

    @property
    def is_closed(self) -> bool:
        return self.state == PlanState.CLOSED


class MessageKind(models.TextChoices):
    SUMMONS = "summons", _("Summons")
    REMINDER = "reminder", _("Reminder to answer")
    FOLLOW_UP = "follow_up", _("Follow-up reminder")


class SipMessage(models.Model):
    """A message samplan sent for a plan: the summons, reminders, follow-up reminders.

    Kept here rather than as a field on Message so the messaging app stays unaware of plans.
    """

    plan = models.ForeignKey(SipPlan, on_delete=models.PROTECT, related_name="messages")
    message = models.OneToOneField(
        "messaging.Message", on_delete=models.PROTECT, related_name="sip_link"
    )
    kind = models.CharField(max_length=20, choices=MessageKind.choices)

    class Meta:
        indexes = [models.Index(fields=["plan", "kind"], name="sipmessage_plan_kind_idx")]

    def __str__(self) -> str:
        return f"{self.kind} {self.message_id} for {self.plan_id}"


class SipParticipant(ChoiceLabels, models.Model):
    """A unit of the plan: the initiator, or a unit summoned (kallad), with its answer."""

    plan = models.ForeignKey(SipPlan, on_delete=models.PROTECT, related_name="participants")
    unit = models.ForeignKey(
        "organizations.Unit",
        verbose_name=_("unit"),
        on_delete=models.PROTECT,
        related_name="sip_participations",
    )
    role = models.CharField(_("role"), max_length=20, choices=ParticipantRole.choices)
    answer = models.CharField(
        _("answer"), max_length=20, choices=Answer.choices, default=Answer.NOT_SENT
    )
    added_at = models.DateTimeField(default=timezone.now)
    # The delivery of the summons to this unit: its inbox row, arrival and cut-off.
    delivery = models.ForeignKey(
        "messaging.Delivery", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    due_at = models.DateTimeField(_("answer by"), null=True, blank=True)
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    attendees = models.TextField(_("who attends"), blank=True)
    decline_reason = models.TextField(_("reason for declining"), blank=True)
    reminded_at = models.DateTimeField(_("last reminded"), null=True, blank=True)
    reminder_count = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["role", "unit__name"]
        verbose_name = _("unit of a plan")
        verbose_name_plural = _("units of plans")
        constraints = [
            models.UniqueConstraint(fields=["plan", "unit"], name="sipparticipant_unique"),
        ]
        indexes = [
            # The SIP list and plan_for_unit: the plans a unit sees (answer not declined).
            models.Index(fields=["unit", "answer"], name="sipparticipant_unit_idx"),
            # Reminders: summoned units that have not answered, by deadline.
            models.Index(
                fields=["due_at"],
                condition=Q(answer="pending"),
                name="sipparticipant_pending_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.unit} in SIP {self.plan_id}"

    @property
    def answered_late(self) -> bool:
        return bool(self.answered_at and self.due_at and self.answered_at > self.due_at)


class VersionReason(models.TextChoices):
    INITIAL = "initial", _("First version")
    CHANGE = "change", _("Change after finalising")
    FOLLOW_UP = "follow_up", _("Follow-up")


class SipVersion(ChoiceLabels, models.Model):
    """One version of the plan's text. Locked (locked_at set) once finalised: never changed."""

    plan = models.ForeignKey(SipPlan, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField(_("version"))
    reason = models.CharField(_("why this version"), max_length=20, choices=VersionReason.choices)
    based_on = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    # Optimistic lock: raised by one on every save; a save from an older form is refused.
    revision = models.PositiveIntegerField(default=1)
    updated_at = models.DateTimeField(default=timezone.now)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    # The plan (domain.md §7 step 3).
    goals = models.TextField(_("the person's goals"), blank=True)
    others_do = models.TextField(_("what others do"), blank=True)
    responsible_principal = models.ForeignKey(
        "organizations.Organization",
        verbose_name=_("principal with overall responsibility"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    coordinator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("coordinator"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    coordinator_unit = models.ForeignKey(
        "organizations.Unit",
        verbose_name=_("coordinator's unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    participation = models.TextField(_("the person's participation and views"), blank=True)
    relatives_views = models.TextField(_("relatives' participation and views"), blank=True)
    follow_up_date = models.DateField(_("follow-up date"), null=True, blank=True)
    follow_up_how = models.TextField(_("how the plan is followed up"), blank=True)
    locked_at = models.DateTimeField(_("finalised"), null=True, blank=True)
    locked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    follow_up_reminded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["plan", "number"]
        verbose_name = _("version of a plan")
        verbose_name_plural = _("versions of plans")
        constraints = [
            models.UniqueConstraint(fields=["plan", "number"], name="sipversion_number_unique"),
        ]
        indexes = [
            # Follow-up reminders: locked versions whose follow-up date has come, not reminded.
            models.Index(
                fields=["follow_up_date"],
                condition=Q(locked_at__isnull=False, follow_up_reminded_at__isnull=True),
                name="sipversion_follow_up_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"SIP {self.plan_id} v{self.number}"

    @property
    def is_locked(self) -> bool:
        return self.locked_at is not None


class InterventionStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    ONGOING = "ongoing", _("Ongoing")
    DONE = "done", _("Done")
    CANCELLED = "cancelled", pgettext_lazy("intervention status", "Cancelled")


class SipIntervention(ChoiceLabels, models.Model):
    """An intervention (insats) of one version: what, who is responsible, when, status."""

    version = models.ForeignKey(SipVersion, on_delete=models.PROTECT, related_name="interventions")
    position = models.PositiveSmallIntegerField()
    what = models.TextField(_("intervention"))
    unit = models.ForeignKey(
        "organizations.Unit",
        verbose_name=_("responsible unit"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    # The unit's principal when written (a private provider acts for its contracting principal).
    principal = models.ForeignKey(
        "organizations.Organization",
        verbose_name=_("responsible principal"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    profession = models.ForeignKey(
        "organizations.Profession",
        verbose_name=_("profession"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    starts_on = models.DateField(_("from"), null=True, blank=True)
    ends_on = models.DateField(_("to"), null=True, blank=True)
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=InterventionStatus.choices,
        default=InterventionStatus.PLANNED,
    )

    class Meta:
        ordering = ["version", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["version", "position"], name="sipintervention_position_unique"
            ),
        ]

    def __str__(self) -> str:
        return self.what[:60]


class SipContact(models.Model):
    """The contact person of one unit in one version."""

    version = models.ForeignKey(SipVersion, on_delete=models.PROTECT, related_name="contacts")
    unit = models.ForeignKey("organizations.Unit", on_delete=models.PROTECT, related_name="+")
    name = models.CharField(_("contact person"), max_length=200)
    phone = models.CharField(_("phone"), max_length=40, blank=True)

    class Meta:
        ordering = ["version", "unit__name"]
        constraints = [
            models.UniqueConstraint(fields=["version", "unit"], name="sipcontact_unique"),
        ]

    def __str__(self) -> str:
        return self.name


class SignatureMethod(models.TextChoices):
    PASSWORD = "password", _("Password entered again")
    SMART_CARD = "smart_card", _("Smart card")


class SipSignature(models.Model):
    """A unit's signature of a version's text as it was at `revision` (kept for good)."""

    version = models.ForeignKey(SipVersion, on_delete=models.PROTECT, related_name="signatures")
    revision = models.PositiveIntegerField()
    unit = models.ForeignKey("organizations.Unit", on_delete=models.PROTECT, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    signed_at = models.DateTimeField(_("signed"), default=timezone.now)
    method = models.CharField(_("signed with"), max_length=20, choices=SignatureMethod.choices)

    class Meta:
        ordering = ["signed_at", "pk"]
        constraints = [
            # A unit signs one text once; a double click finds the first signature.
            models.UniqueConstraint(
                fields=["version", "revision", "unit"], name="sipsignature_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.unit} v{self.version_id} r{self.revision}"


class EventKind(models.TextChoices):
    CREATED = "created", _("Plan started")
    INITIATIVE_CHANGED = "initiative_changed", _("Initiative changed")
    UNITS_CHOSEN = "units_chosen", _("Units to summon chosen")
    SUMMONS_SENT = "summons_sent", _("Summons sent")
    ACCEPTED = "accepted", _("Summons accepted")
    DECLINED = "declined", _("Summons declined")
    SAVED = "saved", _("Plan saved")
    SIGNED = "signed", _("Part signed")
    FINALISED = "finalised", _("Plan finalised")
    VERSION_CREATED = "version_created", _("New version")
    CONSENT_RECORDED = "consent_recorded", _("Consent recorded")
    REMINDER_SENT = "reminder_sent", _("Reminder to answer sent")
    FOLLOW_UP_REMINDER_SENT = "follow_up_reminder_sent", _("Follow-up reminder sent")
    UNIT_JOINED = "unit_joined", _("Unit summoned by a forwarded message")
    CLOSED = "closed", _("Plan closed")


class SipEvent(ChoiceLabels, models.Model):
    """One thing that happened to a plan, for its history (append-only)."""

    plan = models.ForeignKey(SipPlan, on_delete=models.PROTECT, related_name="events")
    version = models.ForeignKey(
        SipVersion, null=True, blank=True, on_delete=models.PROTECT, related_name="events"
    )
    at = models.DateTimeField(default=timezone.now)
    kind = models.CharField(max_length=30, choices=EventKind.choices)
    # None for what the system did by itself (reminders).
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    unit = models.ForeignKey(
        "organizations.Unit", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # The version's revision after a save: a stale form finds the saves it missed by this.
    revision = models.PositiveIntegerField(null=True, blank=True)
    # Plain values: unit names, reasons, and for saves the changed fields
    # ({"changes": [{"field": ..., "arg": ..., "old": ..., "new": ...}]}).
    detail = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "pk"]
        indexes = [
            # The plan's history page, and the saves a stale form missed (by version).
            models.Index(fields=["plan", "at"], name="sipevent_plan_at_idx"),
            models.Index(fields=["version", "revision"], name="sipevent_version_rev_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.plan_id} {self.kind} {self.at:%Y-%m-%d %H:%M}"
