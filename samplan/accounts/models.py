"""Users, their memberships (behörigheter) in units, and the login event log."""

from __future__ import annotations

import datetime

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Lower, Upper
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from samplan.core.choices import ChoiceLabels
from samplan.organizations.models import Organization, Profession, Unit


class LoginMethod(models.TextChoices):
    PASSWORD = "password", _("Username and password")
    SMART_CARD = "smart_card", _("Smart card (SITHS)")


class User(AbstractUser):
    organization = models.ForeignKey(
        Organization,
        verbose_name=_("organisation"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="users",
        help_text=_("The organisation whose administrators manage this account."),
    )
    hsa_id = models.CharField(_("HSA-id"), max_length=31, blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    mobile = models.CharField(_("mobile"), max_length=40, blank=True)
    profession = models.ForeignKey(
        Profession, verbose_name=_("profession"), null=True, blank=True, on_delete=models.SET_NULL
    )
    login_method = models.CharField(
        _("login method"), max_length=20, choices=LoginMethod.choices, default=LoginMethod.PASSWORD
    )
    # Set once a smart-card user has converted; from then on password login is refused.
    card_converted_at = models.DateTimeField(_("converted to smart card"), null=True, blank=True)
    card_subject = models.CharField(max_length=200, blank=True, db_index=True)
    failed_login_count = models.PositiveIntegerField(default=0)
    locked_until = models.DateTimeField(null=True, blank=True)

    objects = UserManager()

    class Meta:
        ordering = ["last_name", "first_name"]
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            # Login looks usernames up case-insensitively, so two may not differ only in case.
            models.UniqueConstraint(
                Lower("username"),
                name="user_username_ci_unique",
                violation_error_message=_("A user with that username already exists."),
            ),
            # SITHS login through the identity provider finds the user by HSA-id: at most one
            # user per HSA-id (many users have none).
            models.UniqueConstraint(
                fields=["hsa_id"],
                condition=~Q(hsa_id=""),
                name="user_hsa_id_unique",
                violation_error_message=_("Another user already has this HSA-id."),
            ),
        ]
        indexes = [
            # Administration: one organisation's users by name (user list, filtered by active).
            models.Index(
                fields=["organization", "is_active", "last_name", "first_name"],
                name="user_org_active_name_idx",
            ),
        ]

    def __str__(self) -> str:
        return self.get_full_name() or self.username

    @property
    def password_login_allowed(self) -> bool:
        return self.card_converted_at is None

    def is_locked(self, now: datetime.datetime | None = None) -> bool:
        return self.locked_until is not None and self.locked_until > (now or timezone.now())


class Role(models.TextChoices):
    USER = "user", _("User")
    SUPER_USER = "super_user", _("Super user")
    LOCAL_ADMIN = "local_admin", _("Local administrator")
    SYSTEM_ADMIN = "system_admin", _("System administrator")
    MANAGER = "manager", _("Manager")
    LOG_REVIEWER = "log_reviewer", _("Log reviewer")
    REPORT_VIEWER = "report_viewer", _("Report viewer")
    # Handles the deviations reported to the organisation, in its receiving unit
    # (samplan.deviations); reads no patient content because of this role alone.
    DEVIATION_HANDLER = "deviation_handler", _("Deviation handler")


class MembershipQuerySet(models.QuerySet):
    def active_on(self, day: datetime.date | None = None) -> MembershipQuerySet:
        """Memberships in force on `day`: started, not past valid_to, not ended early."""
        day = day or timezone.localdate()
        return self.filter(
            Q(valid_from__lte=day),
            Q(valid_to__isnull=True) | Q(valid_to__gte=day),
            ended_at__isnull=True,
        )


class Membership(ChoiceLabels, models.Model):
    """A user's role in a unit (behörighet), valid for a period; several per user."""

    user = models.ForeignKey(
        User, verbose_name=_("user"), on_delete=models.CASCADE, related_name="memberships"
    )
    unit = models.ForeignKey(
        Unit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="memberships"
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    valid_from = models.DateField(_("valid from"), default=timezone.localdate)
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    ended_at = models.DateTimeField(_("ended"), null=True, blank=True)
    ended_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = MembershipQuerySet.as_manager()

    class Meta:
        ordering = ["unit__name", "role"]
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        indexes = [
            # Every request: the user's memberships in force (choose unit, current unit check).
            models.Index(fields=["user", "ended_at", "valid_from"], name="membership_user_idx"),
            # Administration: who holds a role in a unit.
            models.Index(fields=["unit", "role"], name="membership_unit_role_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.user} – {self.get_role_display()} – {self.unit}"

    def is_active_on(self, day: datetime.date | None = None) -> bool:
        day = day or timezone.localdate()
        return (
            self.ended_at is None
            and self.valid_from <= day
            and (self.valid_to is None or day <= self.valid_to)
        )


class LoginEventKind(models.TextChoices):
    LOGIN = "login", _("Logged in")
    FAILED = "failed", _("Failed login")
    LOCKED = "locked", _("Account locked")
    ADDRESS_LOCKED = "address_locked", _("Client address blocked")
    LOGOUT = "logout", _("Logged out")
    IDLE_TIMEOUT = "idle_timeout", _("Logged out after inactivity")
    UNIT_SELECTED = "unit_selected", _("Unit chosen")


class LoginEvent(models.Model):
    """Append-only record of logins, failed logins, lock-outs and logouts."""

    at = models.DateTimeField(default=timezone.now)
    kind = models.CharField(max_length=20, choices=LoginEventKind.choices)
    user = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT)
    username = models.CharField(max_length=150, blank=True)
    unit = models.ForeignKey(Unit, null=True, blank=True, on_delete=models.PROTECT)
    client_address = models.GenericIPAddressField(null=True, blank=True)

    class Meta:
        ordering = ["-at"]
        indexes = [
            # Login history of one user, newest first (admin user page).
            models.Index(fields=["user", "-at"], name="loginevent_user_at_idx"),
            # Login history of an organisation's users in a period (log review).
            models.Index(fields=["-at"], name="loginevent_at_idx"),
            # Failed attempts from one address in the lock-out window (throttling.py).
            models.Index(fields=["client_address", "-at"], name="loginevent_address_at_idx"),
            # Failed attempts at one username, any case (throttling.py, unknown usernames).
            models.Index(Upper("username"), F("at").desc(), name="loginevent_username_at_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.kind} {self.username}"


class SamlMessageSeen(models.Model):
    """An identity provider's assertion ID or the request ID a response answered, once used.

    A SAML response is refused when either was seen before (a replay), for as long as the
    assertion could still be valid; older rows are removed as new ones come.
    """

    value = models.CharField(max_length=256, unique=True)
    expires_at = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return self.value
