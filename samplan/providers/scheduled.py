"""What happens on a date, run hourly (`manage.py providers_run`, the task
providers_scheduled_run): planned takeovers whose date has come are carried out, each in one
transaction. A second run, or two hosts at once, change nothing twice (takeover_carry_out
locks the takeover and looks at its state).

The steps act as the "samplan" system account (the same account accessrequests uses), so the
history shows that samplan did them, not a person.
"""

from __future__ import annotations

import datetime

from django.utils import timezone

from samplan.accounts.models import User
from samplan.core.actor import Actor, task_actor
from samplan.providers.takeover import takeovers_due

SYSTEM_USERNAME = "samplan.system"


def system_actor() -> Actor:
    """The account automatic steps are recorded under: inactive, it can never log in."""
    account, created = User.objects.get_or_create(
        username=SYSTEM_USERNAME,
        defaults={"first_name": "samplan", "last_name": "(automatiskt)", "is_active": False},
    )
    if created:
        account.set_unusable_password()
        account.save(update_fields=["password"])
    return task_actor(account)


def scheduled_run(*, now: datetime.datetime | None = None) -> dict[str, int]:
    today = timezone.localdate(now or timezone.now())
    return {"takeovers": takeovers_due(actor=system_actor(), today=today)}
