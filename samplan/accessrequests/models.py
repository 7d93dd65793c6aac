"""Access orders (behörighetsbeställningar), an organisation's settings for them, and the
periodic access review (behörighetsgranskning) of domain.md §9 "Access requests".

A manager orders; the organisation's local administrator approves or rejects; approval carries
the order out, at once or on its date (samplan.accessrequests.scheduled). Every step is also
written to the administrative change history (auditlog.AdminChange) by the services.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from samplan.accounts.models import LoginMethod, Role
from samplan.core.choices import ChoiceLabels

DEFAULT_REVIEW_MONTHS = 6
DEFAULT_GRACE_DAYS = 30
DEFAULT_WARNING_DAYS = 7


class AccessSettings(models.Model):
    """One organisation's rules for access orders, card hand-off and access review."""

    organization = models.OneToOneField(
        "organizations.Organization",
        verbose_name=_("organisation"),
        on_delete=models.CASCADE,
        related_name="access_settings",
    )
    orders_carried_out_directly = models.BooleanField(
        _("manager orders are carried out directly"),
        default=False,
        help_text=_(
            "Orders from managers are carried out without waiting for the local administrator."
        ),
    )
    card_admin_email = models.EmailField(
        _("card administrator's e-mail"),
        blank=True,
        help_text=_(
            "Receives what to order or cancel for SITHS cards when a user is created or their "
            "last access ends. Empty: no e-mail is sent."
        ),
    )
    card_email_hsa_id = models.BooleanField(_("include HSA-id in the card e-mail"), default=True)
    card_email_personnummer = models.BooleanField(
        _("include personnummer in the card e-mail"), default=False
    )
    card_email_contact = models.BooleanField(
        _("include e-mail and mobile in the card e-mail"), default=False
    )
    review_interval_months = models.PositiveSmallIntegerField(
        _("review interval (months)"), default=DEFAULT_REVIEW_MONTHS
    )
    grace_days = models.PositiveSmallIntegerField(
        _("days to answer a review"),
        default=DEFAULT_GRACE_DAYS,
        help_text=_("Roles not confirmed within this many days end automatically."),
    )
    warning_days = models.PositiveSmallIntegerField(
        _("warning days before automatic end"), default=DEFAULT_WARNING_DAYS
    )
    next_review_on = models.DateField(_("next review starts"), null=True, blank=True)

    class Meta:
        verbose_name = _("access settings")
        verbose_name_plural = _("access settings")

    def __str__(self) -> str:
        return str(self.organization)


class RequestKind(models.TextChoices):
    NEW_USER = "new_user", _("New user")
    GRANT = "grant", _("New role")
    CHANGE = "change", _("Changed period")
    END_ALL = "end_all", _("End of all access")


class RequestState(models.TextChoices):
    PENDING = "pending", _("Awaiting approval")
    APPROVED = "approved", _("Approved, waiting for its date")
    DONE = "done", _("Carried out")
    REJECTED = "rejected", _("Rejected")
    CANCELLED = "cancelled", _("Withdrawn by the orderer")


OPEN_STATES = (RequestState.PENDING, RequestState.APPROVED)


class AccessRequest(ChoiceLabels, models.Model):
    """One order: a new user with a role, a role for an existing user, a changed period of a
    role, or the end of all of a person's access on a date."""

    organization = models.ForeignKey(
        "organizations.Organization",
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    kind = models.CharField(_("kind"), max_length=20, choices=RequestKind.choices)
    state = models.CharField(
        _("state"), max_length=20, choices=RequestState.choices, default=RequestState.PENDING
    )
    # The person: an existing account, or (NEW_USER) the details of the account to create.
    subject = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("person"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    first_name = models.CharField(_("first name"), max_length=150, blank=True)
    last_name = models.CharField(_("last name"), max_length=150, blank=True)
    personnummer = models.CharField(_("personnummer"), max_length=12, blank=True)
    hsa_id = models.CharField(_("HSA-id"), max_length=31, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    mobile = models.CharField(_("mobile"), max_length=40, blank=True)
    profession = models.ForeignKey(
        "organizations.Profession",
        verbose_name=_("profession"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
    )
    login_method = models.CharField(
        _("login method"), max_length=20, choices=LoginMethod.choices, blank=True
    )
    # The role (NEW_USER, GRANT) or the membership whose period changes (CHANGE).
    unit = models.ForeignKey(
        "organizations.Unit",
        verbose_name=_("unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, blank=True)
    membership = models.ForeignKey(
        "accounts.Membership",
        verbose_name=_("role"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    # END_ALL: the last day of access.
    end_date = models.DateField(_("last day of access"), null=True, blank=True)
    note = models.TextField(_("note to the administrator"), blank=True, max_length=2000)

    ordered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("ordered by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    ordered_at = models.DateTimeField(_("ordered"), default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    reason = models.TextField(_("reason"), blank=True, max_length=2000)
    carried_out_at = models.DateTimeField(_("carried out"), null=True, blank=True)
    created_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created account"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ["-ordered_at", "-pk"]
        verbose_name = _("access order")
        verbose_name_plural = _("access orders")
        indexes = [
            # The local administrator's list: an organisation's orders in a state, newest first.
            models.Index(
                fields=["organization", "state", "-ordered_at"], name="accessreq_org_state_idx"
            ),
            # The manager's list: orders for the units they manage, newest first.
            models.Index(fields=["unit", "-ordered_at"], name="accessreq_unit_idx"),
            # The scheduler: approved orders waiting for their date.
            models.Index(
                fields=["state", "valid_from"],
                condition=Q(state="approved"),
                name="accessreq_waiting_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.person_name}"

    @property
    def person_name(self) -> str:
        if self.subject_id is not None:
            return str(self.subject)
        return f"{self.first_name} {self.last_name}".strip()


class AccessNotice(models.Model):
    """An e-mail to send (the orderer's news, the card administrator's hand-off, review
    notices), written in the transaction of the change it tells of and sent by the task
    worker after commit; one not yet sent is sent by the next run of accessrequests_run."""

    to = models.EmailField()
    subject = models.CharField(max_length=200)
    body = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            # The sender: notices not yet sent, oldest first.
            models.Index(
                fields=["created_at"], condition=Q(sent_at__isnull=True), name="notice_unsent_idx"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.to}: {self.subject}"


class AccessReview(models.Model):
    """One round of the periodic access review of an organisation."""

    organization = models.ForeignKey(
        "organizations.Organization",
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    started_on = models.DateField(_("started"))
    due_on = models.DateField(_("answer by"))
    first_warning_sent_at = models.DateTimeField(null=True, blank=True)
    last_warning_sent_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)

    class Meta:
        ordering = ["-started_on", "-pk"]
        verbose_name = _("access review")
        verbose_name_plural = _("access reviews")
        indexes = [
            # The review list of an organisation, newest first; the scheduler's open rounds.
            models.Index(fields=["organization", "-started_on"], name="review_org_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.organization} {self.started_on:%Y-%m-%d}"


class ReviewDecision(models.TextChoices):
    PENDING = "pending", _("Not answered")
    CONFIRMED = "confirmed", _("Confirmed")
    ENDED = "ended", _("Ended by the manager")
    EXPIRED = "expired", _("Ended automatically")
    GONE = "gone", _("Already ended")


class ReviewItem(ChoiceLabels, models.Model):
    """One role (membership) to confirm or end in a review round."""

    review = models.ForeignKey(AccessReview, on_delete=models.CASCADE, related_name="items")
    membership = models.ForeignKey(
        "accounts.Membership", on_delete=models.CASCADE, related_name="+"
    )
    unit = models.ForeignKey("organizations.Unit", on_delete=models.PROTECT, related_name="+")
    decision = models.CharField(
        max_length=20, choices=ReviewDecision.choices, default=ReviewDecision.PENDING
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["unit__name", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["review", "membership"], name="review_item_unique"),
        ]
        indexes = [
            # The manager's list: a round's items in the units they manage, by decision.
            models.Index(fields=["review", "unit", "decision"], name="review_item_unit_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.review}: {self.membership_id} {self.decision}"
