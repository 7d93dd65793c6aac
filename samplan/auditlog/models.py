"""History of administrative changes, the access log (with its hash chain) and log reviews."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
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
    PURGE = "purge", _("Access-log rows purged")


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
    """Raised on any attempt to change or delete access-log rows through the ORM."""


# The hash a chain starts from, before its first row (and after a purge of nothing).
GENESIS_HASH = "0" * 64


class AccessLogQuerySet(models.QuerySet):
    """Reads only: bulk changes and deletes are refused like single ones.

    The one way rows leave the table is the retention purge (samplan.auditlog.chain.purge),
    which deletes through Django's base QuerySet on purpose.
    """

    def update(self, **kwargs: object) -> int:
        raise AppendOnlyError("Access-log rows cannot be changed.")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError("Access-log rows cannot be deleted; use accesslog_purge.")

    def bulk_update(self, *args: object, **kwargs: object) -> int:
        raise AppendOnlyError("Access-log rows cannot be changed.")

    def bulk_create(self, *args: object, **kwargs: object) -> list:
        # Rows are chained one by one (chain.append); a bulk insert would skip the chain.
        raise AppendOnlyError("Access-log rows are written one at a time by access_log_record.")


class AccessLogEntry(models.Model):
    """One read or change of patient data (domain.md §8). Lean, append-only and chained.

    `seq` orders the chain; `prev_hash` is the hash of the row before (or the chain's anchor)
    and `hash` covers this row's fields and `prev_hash` (samplan.auditlog.chain). The four
    flags are worked out when the row is written, so they record the situation at the time
    of access (samplan.auditlog.flags) and the review pages filter on them in SQL.
    """

    seq = models.BigIntegerField(unique=True)
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
    # The integrating system that made the call ("<id>:<name>", samplan.api), when the read
    # came through the API; the user is then the system's service user and `user_hsa_id`
    # the person the system named.
    integration_client = models.CharField(max_length=120, blank=True)
    # Flags for log review (domain.md §8), as they were at the time of access.
    not_participant = models.BooleanField(default=False)
    protected_identity = models.BooleanField(default=False)
    outside_hours = models.BooleanField(default=False)
    many_patients = models.BooleanField(default=False)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)

    objects = AccessLogQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-pk"]
        indexes = [
            # Log review and log extract: one patient's accesses in an organisation, newest
            # first; and their number, counted in the index alone (logreview.selectors).
            models.Index(
                fields=["patient", "organization", "-at"], name="accesslog_patient_org_at_idx"
            ),
            # Log review: one user's accesses in a period; the "many patients" count at write
            # time (user_id = %s AND at >= %s).
            models.Index(fields=["user", "-at"], name="accesslog_user_at_idx"),
            # Log review: an organisation's (or unit's) accesses in a period.
            models.Index(fields=["organization", "-at"], name="accesslog_org_at_idx"),
            models.Index(fields=["unit", "-at"], name="accesslog_unit_at_idx"),
            # Log review by patient: searches for the person's number that showed nobody
            # (searched_identity = %s), e.g. a unit without relation probing for a person.
            models.Index(
                fields=["searched_identity", "-at"],
                condition=~Q(searched_identity=""),
                name="accesslog_searched_idx",
            ),
            # Log review, "flagged only": an organisation's flagged rows newest first.
            models.Index(
                fields=["organization", "-at"],
                condition=Q(not_participant=True)
                | Q(protected_identity=True)
                | Q(outside_hours=True)
                | Q(many_patients=True),
                name="accesslog_org_flagged_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.action} {self.object_type}"

    def save(self, *args: object, **kwargs: object) -> None:
        if self.pk is not None:
            raise AppendOnlyError("Access-log rows cannot be changed.")
        if self.seq is None:
            # A new row made outside access_log_record (objects.create): it still takes its
            # place in the chain; its review flags are what the caller set.
            from samplan.auditlog.chain import append

            append(self)
            return
        super().save(*args, **kwargs)

    def delete(self, *args: object, **kwargs: object) -> None:
        raise AppendOnlyError("Access-log rows cannot be deleted.")

    @property
    def flagged(self) -> bool:
        return (
            self.not_participant
            or self.protected_identity
            or self.outside_hours
            or self.many_patients
        )


class AccessLogChain(models.Model):
    """The head of the hash chain: one row (pk 1), locked by every writer.

    `seq`/`last_hash`: the newest row. `anchor_seq`/`anchor_hash`: the last row removed by a
    retention purge (0 and GENESIS_HASH before any purge); the oldest row kept must point at
    it. Writers lock this row (SELECT ... FOR UPDATE) so that rows get their place in the
    chain one at a time, also with several app servers on PostgreSQL.
    """

    seq = models.BigIntegerField(default=0)
    last_hash = models.CharField(max_length=64, default=GENESIS_HASH)
    anchor_seq = models.BigIntegerField(default=0)
    anchor_hash = models.CharField(max_length=64, default=GENESIS_HASH)

    def __str__(self) -> str:
        return f"access log chain at {self.seq}"


class ReviewKind(models.TextChoices):
    SAMPLE = "sample", _("Random sample")
    SEARCH = "search", _("Chosen from a search")


class ReviewResult(models.TextChoices):
    NO_REMARKS = "no_remarks", _("No remarks: every access was justified")
    FOLLOW_UP = "follow_up", _("Needs follow-up with the unit's manager")
    UNAUTHORISED = "unauthorised", _("Unauthorised access found: reported as a deviation")


class LogReview(models.Model):
    """One log review (logggranskning): which accesses a reviewer checked, the result and a
    comment (domain.md §8). Open while the reviewer works; once completed it is kept as it is.
    """

    organization = models.ForeignKey(
        "organizations.Organization", on_delete=models.PROTECT, related_name="+"
    )
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("reviewer"), on_delete=models.PROTECT
    )
    reviewer_unit = models.ForeignKey(
        "organizations.Unit", null=True, on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=ReviewKind.choices)
    # What the entries were chosen by: the search filters or the sample's period and size,
    # as readable text for the list of reviews.
    criteria = models.CharField(_("selection"), max_length=500, blank=True)
    period_from = models.DateField(_("from"), null=True, blank=True)
    period_to = models.DateField(_("to"), null=True, blank=True)
    created_at = models.DateTimeField(_("started"), default=timezone.now)
    completed_at = models.DateTimeField(_("completed"), null=True, blank=True)
    result = models.CharField(_("result"), max_length=20, choices=ReviewResult.choices, blank=True)
    comment = models.TextField(_("comment"), blank=True)
    # The form's key: posting the same form twice finds this review instead of a second one.
    form_key = models.CharField(max_length=64)
    entries = models.ManyToManyField(AccessLogEntry, through="LogReviewEntry", related_name="+")

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("log review")
        verbose_name_plural = _("log reviews")
        constraints = [
            models.UniqueConstraint(fields=["reviewer", "form_key"], name="logreview_form_key"),
        ]
        indexes = [
            # Past reviews of an organisation, newest first.
            models.Index(fields=["organization", "-created_at"], name="logreview_org_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.created_at:%Y-%m-%d}"

    @property
    def is_completed(self) -> bool:
        return self.completed_at is not None


class LogReviewEntry(models.Model):
    """An access in a review, and whether the reviewer marked it as checked."""

    review = models.ForeignKey(LogReview, on_delete=models.PROTECT, related_name="items")
    entry = models.ForeignKey(AccessLogEntry, on_delete=models.PROTECT, related_name="+")
    checked = models.BooleanField(_("checked"), default=False)

    class Meta:
        ordering = ["-entry__at", "-entry_id"]
        constraints = [
            models.UniqueConstraint(fields=["review", "entry"], name="logreviewentry_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.review_id}: {self.entry_id}"
