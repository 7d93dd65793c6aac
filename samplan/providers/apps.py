from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProvidersConfig(AppConfig):
    name = "samplan.providers"
    label = "providers"
    verbose_name = _("Provider start, takeover and closing down")
