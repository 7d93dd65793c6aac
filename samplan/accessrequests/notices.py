"""The e-mails of access orders and reviews: queued in the transaction of the change they tell
of (AccessNotice), sent by the task worker after commit.

Sending claims each notice with a row lock (skip_locked), sends, then records it sent; a
notice whose send failed stays unsent and goes with the next run of `accessrequests_run`
(hourly, deploy/samplan-access-orders.timer), so nothing is lost when the mail server is down.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation

from samplan.accessrequests.models import AccessNotice

logger = logging.getLogger(__name__)


def notice_queue(*, to: str, subject: str, template: str, context: dict) -> AccessNotice | None:
    """Writes the e-mail (in Swedish, whoever triggered it) and sends it after commit."""
    if not to:
        return None
    with translation.override(settings.LANGUAGE_CODE):
        body = render_to_string(template, context).strip()
        subject_text = str(subject)
    notice = AccessNotice.objects.create(to=to, subject=subject_text[:200], body=body)

    def _enqueue() -> None:
        from samplan.accessrequests.tasks import access_notices_send

        access_notices_send.enqueue()

    transaction.on_commit(_enqueue, robust=True)
    return notice


def notices_send(*, limit: int = 200) -> int:
    """Sends the notices not yet sent, oldest first; returns how many went out."""
    sent = 0
    pending = list(
        AccessNotice.objects.filter(sent_at__isnull=True)
        .order_by("created_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )
    for pk in pending:
        with transaction.atomic():
            notice = (
                AccessNotice.objects.select_for_update(skip_locked=True)
                .filter(pk=pk, sent_at__isnull=True)
                .first()
            )
            if notice is None:
                continue  # another worker has it, or sent it
            try:
                EmailMessage(
                    subject=notice.subject,
                    body=notice.body,
                    from_email=settings.DEFAULT_FROM_EMAIL,
                    to=[notice.to],
                ).send()
            except Exception:  # any transport failure: kept for the next run
                logger.exception("access notice %s not sent", notice.pk)
                continue
            notice.sent_at = timezone.now()
            notice.save(update_fields=["sent_at"])
            sent += 1
    return sent
