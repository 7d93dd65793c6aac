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
            # The history of one object (user or unit page).
            models.Index(fields=["target_type", "target_id", "-at"], name="adminchange_target_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.action} {self.target_repr}"
