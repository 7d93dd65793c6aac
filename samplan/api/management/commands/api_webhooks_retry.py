"""Send webhook events whose retry time has come (run every minute by cron or a timer)."""

from django.core.management.base import BaseCommand

from samplan.api.webhooks import webhooks_retry_due


class Command(BaseCommand):
    help = "Send the integration API's webhook events that are due for another attempt."

    def handle(self, *args: object, **options: object) -> None:
        tried = webhooks_retry_due()
        self.stdout.write(f"{tried} webhook events tried")
