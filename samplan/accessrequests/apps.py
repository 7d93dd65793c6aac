from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccessRequestsConfig(AppConfig):
    name = "samplan.accessrequests"
    label = "accessrequests"
    verbose_name = _("Access orders and reviews")
