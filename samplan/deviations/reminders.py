"""Reminders of deviations not answered by their due date, sent once.

Run hourly by `manage.py deviations_remind` (deploy/samplan-deviation-reminders.timer) and by
the task worker (samplan.deviations.tasks). A deviation that is still received or under
investigation on its due date gets one e-mail to the deviation handlers of the receiving unit
it was sent to; the row is claimed with a lock (skip_locked) and marked reminded in the same
transaction, so two runs at once, or a run repeated, send nothing twice. A deviation whose
organisation has no receiving unit yet waits until one is set. The e-mail names the
deviation's number, category and due date, never the patient.
"""

from __future__ import annotations

import datetime
import logging

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from samplan.accounts.access import role_holders
from samplan.accounts.models import Role
from samplan.deviations.models import AWAITING_ANSWER, DeviationRecipient

logger = logging.getLogger(__name__)


def due_for_reminder(today: datetime.date) -> list[int]:
    """devrecipient_remind_idx: unanswered, not reminded, due today or earlier."""
    return list(
        DeviationRecipient.objects.filter(
            state__in=AWAITING_ANSWER,
            reminded_at__isnull=True,
            due_on__lte=today,
            unit__isnull=False,
        )
        .order_by("due_on", "pk")
        .values_list("pk", flat=True)
    )


def reminders_send(*, now: datetime.datetime | None = None) -> int:
    """Sends the reminders due; returns how many deviations were reminded."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    reminded = 0
    for pk in due_for_reminder(today):
        with transaction.atomic():
            recipient = (
                DeviationRecipient.objects.select_for_update(skip_locked=True, of=("self",))
                .select_related("deviation", "unit")
                .filter(pk=pk, reminded_at__isnull=True, state__in=AWAITING_ANSWER)
                .first()
            )
            if recipient is None:
                continue
            addresses = sorted(
                {
                    email
                    for email in role_holders(
                        [recipient.unit_id], [Role.DEVIATION_HANDLER]
                    ).values_list("user__email", flat=True)
                    if email
                }
            )
            recipient.reminded_at = now
            recipient.save(update_fields=["reminded_at"])
            reminded += 1
            if addresses:
                _send(recipient, addresses)
    return reminded


def _send(recipient: DeviationRecipient, addresses: list[str]) -> None:
    with translation.override(settings.LANGUAGE_CODE):
        number = recipient.deviation.number
        subject = _("Deviation %(number)s is waiting for an answer") % {"number": number}
        body = _(
            "Deviation %(number)s (%(category)s) to %(unit)s was to be answered by %(due)s and "
            "is not answered yet.\n\nOpen it in samplan: %(path)s"
        ) % {
            "number": number,
            "category": recipient.get_category_display(),
            "unit": recipient.unit.name,
            "due": recipient.due_on.isoformat(),
            "path": reverse("deviations:detail", args=[recipient.deviation_id]),
        }

    def _deliver() -> None:
        try:
            EmailMessage(
                subject=subject,
                body=body,
                from_email=settings.DEFAULT_FROM_EMAIL,
                to=addresses,
            ).send()
        except Exception:  # the mark stays: a reminder is sent once, at most
            logger.exception("deviation reminder %s not sent", recipient.pk)

    transaction.on_commit(_deliver, robust=True)
