"""Background work of the SIP app (django-tasks; `manage.py task_worker` runs it in production).

The reminders are idempotent (one per unit and day, one per follow-up date), so the task may
be enqueued as often as wanted; deploy/samplan-sip-reminders.timer runs
`manage.py sip_reminders` every hour, which does the same without the queue.
"""

from __future__ import annotations

from django_tasks import task

from samplan.sip.reminders import follow_up_reminders_send, summons_reminders_send


@task()
def send_sip_reminders() -> dict[str, int]:
    """Reminders to units that have not answered a summons, and to coordinators' units on the
    follow-up date."""
    return {
        "summons": summons_reminders_send(),
        "follow_up": follow_up_reminders_send(),
    }
