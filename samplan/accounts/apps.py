from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "samplan.accounts"
    label = "accounts"
    verbose_name = _("Users and access")

    def ready(self) -> None:
        from samplan.accounts import checks  # noqa: F401  (registers the start-up checks)
