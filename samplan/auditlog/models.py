"""History of administrative changes. (The patient access log joins this app later.)"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class AdminAction(models.TextChoices):
    CREATE = "create", _("Created")
    UPDATE = "update", _("Changed")
    DEACTIVATE = "deactivate", _("Deactivated")
    REACTIVATE = "reactivate", _("Reactivated")
    GRANT = "grant", _("Access granted")
    END = "end", _("Access ended")
    UNLOCK = "unlock", _("Unlocked")
    PASSWORD = "password", _("Password set")


class AdminChange(models.Model):
    """One administrative change: who, when, what, and each changed field's old and new value.

    Append-only: written by the services that make the change, in the same transaction.
    """

    at = models.DateTimeField(_("time"), default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("changed by"), on_delete=models.PROTECT
    )
    actor_unit = models.ForeignKey(
        "organizations.Unit", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # The organisation whose administrators may read this row.
    organization = models.ForeignKey(
        "organizations.Organization", on_delete=models.PROTECT, related_name="+"
    )
    action = models.CharField(_("action"), max_length=20, choices=AdminAction.choices)
    target_type = models.CharField(_("object type"), max_length=40)
    target_id = models.CharField(max_length=40)
    target_repr = models.CharField(_("object"), max_length=300)
    changes = models.JSONField(_("changes"), default=dict, blank=True)

    class Meta:
        ordering = ["-at", "-pk"]
        indexes = [
            # The history page: one organisation's changes, newest first.
            models.Index(fields=["organization", "-at"], name="adminchange_org_at_idx"),
            # The history page filtered by object type (and period).
            models.Index(
                fields=["organization", "target_type", "-at"], name="adminchange_org_type_at_idx"
            ),
            # The history of one object (user or unit page).
            models.Index(fields=["target_type", "target_id", "-at"], name="adminchange_target_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.action} {self.target_repr}"


class AppendOnlyError(Exception):
    """Raised on any attempt to change or delete an access-log row through the ORM."""


class AccessLogEntry(models.Model):
    """One read or change of patient data (domain.md §8). Lean and append-only."""

    at = models.DateTimeField(default=timezone.now)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    user_hsa_id = models.CharField(max_length=31, blank=True)
    unit = models.ForeignKey(
        "organizations.Unit", null=True, on_delete=models.PROTECT, related_name="+"
    )
    organization = models.ForeignKey(
        "organizations.Organization", null=True, on_delete=models.PROTECT, related_name="+"
    )
    patient = models.ForeignKey(
        "patients.Patient", null=True, on_delete=models.PROTECT, related_name="+"
    )
    # What was typed into a search by identity number, also when nobody was found.
    searched_identity = models.CharField(max_length=13, blank=True)
    action = models.CharField(max_length=20)
    object_type = models.CharField(max_length=40, blank=True)
    object_id = models.CharField(max_length=40, blank=True)
    detail = models.CharField(max_length=200, blank=True)
    client_address = models.GenericIPAddressField(null=True, blank=True)

    class Meta:
        ordering = ["-at", "-pk"]
        indexes = [
            # Log review and log extract: one patient's accesses, newest first.
            models.Index(fields=["patient", "-at"], name="accesslog_patient_at_idx"),
            # Log review: one user's accesses in a period.
            models.Index(fields=["user", "-at"], name="accesslog_user_at_idx"),
            # Log review: an organisation's (or unit's) accesses in a period.
            models.Index(fields=["organization", "-at"], name="accesslog_org_at_idx"),
            models.Index(fields=["unit", "-at"], name="accesslog_unit_at_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.action} {self.object_type}"

    def save(self, *args: object, **kwargs: object) -> None:
        if self.pk is not None:
            raise AppendOnlyError("Access-log rows cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args: object, **kwargs: object) -> None:
        raise AppendOnlyError("Access-log rows cannot be deleted.")
