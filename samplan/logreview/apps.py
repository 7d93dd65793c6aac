from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LogreviewConfig(AppConfig):
    """Logggranskning and Loggutdrag: pages that read the access log across every domain, so
    they sit near the top of the layers; the log itself and its writer are samplan.auditlog."""

    name = "samplan.logreview"
    label = "logreview"
    verbose_name = _("Log review")
