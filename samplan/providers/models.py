"""A provider's life in samplan (seed 002): registered ahead of its start, taken over by another
provider on a date (övertagande), or closed down (avveckling).

The organisations and units themselves are organizations.Organization and Unit; this app keeps
what the registration and the takeover need beyond them.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from samplan.core.choices import ChoiceLabels


class ProviderStart(models.Model):
    """A private provider (or subcontractor) registered by a system administrator, with the
    responsible manager (ansvarig chef) who orders access for the provider's own staff."""

    organization = models.OneToOneField(
        "organizations.Organization",
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        related_name="provider_start",
    )
    responsible_manager = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("responsible manager"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    registered_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("provider start")
        verbose_name_plural = _("provider starts")

    def __str__(self) -> str:
        return str(self.organization)


class TakeoverState(models.TextChoices):
    PLANNED = "planned", pgettext_lazy("takeover", "Planned")
    DONE = "done", pgettext_lazy("takeover", "Carried out")
    CANCELLED = "cancelled", pgettext_lazy("takeover", "Cancelled")


class Takeover(ChoiceLabels, models.Model):
    """Övertagande: on `takes_effect_on` the units listed move from one provider to another.

    A unit's organisation never changes: the taking-over provider gets a successor unit (its
    HSA-id carries the new organisation number), and on the date the registers, open cases,
    SIP plans and unacknowledged deliveries move to it while the old unit closes. So every
    past row (deliveries, case participations, access-log rows, administrative history) stays
    with the old unit and counts for the organisation that did the work at the time.
    """

    from_organization = models.ForeignKey(
        "organizations.Organization",
        verbose_name=_("handing over"),
        on_delete=models.PROTECT,
        related_name="takeovers_out",
    )
    to_organization = models.ForeignKey(
        "organizations.Organization",
        verbose_name=_("taking over"),
        on_delete=models.PROTECT,
        related_name="takeovers_in",
    )
    takes_effect_on = models.DateField(_("date of the takeover"))
    state = models.CharField(
        _("state"), max_length=20, choices=TakeoverState.choices, default=TakeoverState.PLANNED
    )
    planned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    planned_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(_("carried out or cancelled"), null=True, blank=True)
    # What the task worker moved, for the takeover's page: counts per kind of row.
    result = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-takes_effect_on", "-pk"]
        verbose_name = _("takeover")
        verbose_name_plural = _("takeovers")
        indexes = [
            # The task worker: planned takeovers whose date has come.
            models.Index(
                fields=["takes_effect_on"],
                condition=models.Q(state="planned"),
                name="takeover_due_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.from_organization} → {self.to_organization} ({self.takes_effect_on})"


class TakeoverUnit(models.Model):
    """One unit of a takeover and the taking-over provider's unit that succeeds it."""

    takeover = models.ForeignKey(Takeover, on_delete=models.CASCADE, related_name="units")
    unit = models.ForeignKey(
        "organizations.Unit", verbose_name=_("unit"), on_delete=models.PROTECT, related_name="+"
    )
    successor = models.ForeignKey(
        "organizations.Unit",
        verbose_name=_("successor unit"),
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        ordering = ["unit__name"]
        constraints = [
            models.UniqueConstraint(fields=["takeover", "unit"], name="takeoverunit_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.unit} → {self.successor}"
