"""Escalation of stuck messages: the unit's manager is told when its deliveries are still not
acknowledged some hours after their cut-off ("Meddelanden får inte bli liggande!", seed 003).

Rules:
- Only organisations that asked for it (EscalationSettings.enabled), `delay_hours` after the
  delivery's cut-off (due_at).
- Once per delivery: the run claims the deliveries by setting `Delivery.escalated_at` in the
  same transaction that reads them (rows locked, others' locked rows skipped), so two runs at
  once tell nobody twice. A send that fails gives its claim back, and the next run tries again.
- One message per unit and run, naming the unit and how many messages wait: never the
  patient, nor the kind of message.
- The manager is whoever holds the manager role in the unit itself, else in the nearest unit
  above it (a manager's role reaches the sub-units, domain.md §2); an SMS to their mobile and
  an e-mail to their address. A unit without any manager is claimed all the same, and logged.

Run by `manage.py messaging_escalate` (deploy/samplan-escalation.timer, every 15 minutes).
"""

from __future__ import annotations

import datetime
import logging
from collections import defaultdict
from collections.abc import Sequence

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from samplan.accounts.access import role_holders
from samplan.accounts.models import Role, User
from samplan.messaging.models import OPEN_STATES, Delivery, EscalationSettings
from samplan.messaging.sms import send_sms
from samplan.organizations.models import Unit

logger = logging.getLogger(__name__)


def escalation_text(unit: Unit, count: int) -> str:
    """The whole SMS (and the e-mail's first line): the unit's name and a count."""
    with translation.override(settings.LANGUAGE_CODE):
        return ngettext(
            "%(count)d message to %(unit)s has not been acknowledged in time in samplan.",
            "%(count)d messages to %(unit)s have not been acknowledged in time in samplan.",
            count,
        ) % {"count": count, "unit": unit.name}


def _email_body(unit: Unit, count: int) -> str:
    with translation.override(settings.LANGUAGE_CODE):
        return "\n\n".join(
            [
                escalation_text(unit, count),
                _(
                    "Please make sure that someone in the unit reads and acknowledges them today, "
                    "or forwards them to the right unit."
                ),
                _(
                    "This message contains no information about the patients. You get it because "
                    "you are the unit's manager and your organisation has asked for it."
                ),
            ]
        )


def unit_managers(unit: Unit) -> list[User]:
    """The active managers of the unit, else of the nearest unit above it that has any."""
    for candidate in [unit, *reversed(unit.ancestors())]:
        managers = [
            membership.user
            for membership in role_holders([candidate], [Role.MANAGER]).select_related("user")
        ]
        if managers:
            return sorted({m.pk: m for m in managers}.values(), key=lambda m: m.pk)
    return []


def _claim(organization_id: int, before: datetime.datetime, now: datetime.datetime) -> dict:
    """The organisation's open deliveries past `before` that no run has escalated, claimed
    (escalated_at = now), grouped by unit. Index delivery_open_due_idx (due_at) WHERE open."""
    with transaction.atomic():
        rows = list(
            Delivery.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(
                state__in=OPEN_STATES,
                due_at__lt=before,
                escalated_at__isnull=True,
                unit__organization_id=organization_id,
            )
            .values_list("pk", "unit_id")
        )
        Delivery.objects.filter(pk__in=[pk for pk, _unit in rows]).update(escalated_at=now)
    by_unit: dict[int, list[int]] = defaultdict(list)
    for pk, unit_id in rows:
        by_unit[unit_id].append(pk)
    return by_unit


def _tell(managers: Sequence[User], unit: Unit, count: int, key: str) -> None:
    mobiles = [m.mobile for m in managers if m.mobile]
    addresses = [m.email for m in managers if m.email]
    if addresses:
        get_connection().send_messages(
            [
                EmailMessage(
                    subject=escalation_text(unit, count),
                    body=_email_body(unit, count),
                    to=[address],
                    headers={"Message-ID": f"<escalation-{key}-{number}@samplan>"},
                )
                for number, address in enumerate(addresses)
            ]
        )
    send_sms(mobiles, escalation_text(unit, count), key=key)


def escalations_send(*, now: datetime.datetime | None = None) -> int:
    """Tell the managers of units with deliveries stuck past their organisation's delay.
    Returns how many deliveries were escalated."""
    now = now or timezone.now()
    escalated = 0
    for wish in EscalationSettings.objects.filter(enabled=True).order_by("pk"):
        before = now - datetime.timedelta(hours=wish.delay_hours)
        claimed = _claim(wish.organization_id, before, now)
        units = Unit.objects.in_bulk(list(claimed))
        for unit_id, delivery_ids in sorted(claimed.items()):
            unit = units[unit_id]
            managers = unit_managers(unit)
            if not managers:
                logger.warning("Stuck messages in unit %s: no manager to tell", unit_id)
                escalated += len(delivery_ids)
                continue
            key = f"{unit_id}-{min(delivery_ids)}-{now:%Y%m%d%H%M}"
            try:
                _tell(managers, unit, len(delivery_ids), key)
            except Exception as error:
                # Give the claim back: the next run tries again.
                logger.warning("Escalation to unit %s failed, will retry: %s", unit_id, error)
                Delivery.objects.filter(pk__in=delivery_ids, escalated_at=now).update(
                    escalated_at=None
                )
                continue
            escalated += len(delivery_ids)
    return escalated
