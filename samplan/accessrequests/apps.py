from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccessRequestsConfig(AppConfig):
    name = "samplan.accessrequests"
    label = "accessrequests"
    verbose_name = _("Access orders and reviews")

    def ready(self) -> None:
        from samplan.accessrequests.services import card_cancel_notice
        from samplan.accounts.access_ended import on_last_access_ended

        # Access that ends outside an order (Administrera, closing down, a takeover) still
        # reaches the card administrator.
        on_last_access_ended(card_cancel_notice)
