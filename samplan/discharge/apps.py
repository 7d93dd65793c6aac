from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DischargeConfig(AppConfig):
    name = "samplan.discharge"
    label = "discharge"
    verbose_name = _("Discharge planning")
