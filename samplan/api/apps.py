from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApiConfig(AppConfig):
    name = "samplan.api"
    label = "api"
    verbose_name = _("Integration API")

    def ready(self) -> None:
        from samplan.api.webhooks import deliveries_created
        from samplan.messaging.hooks import on_deliveries_created

        # New deliveries (after commit) become webhook events for the systems that want them.
        on_deliveries_created(deliveries_created)
