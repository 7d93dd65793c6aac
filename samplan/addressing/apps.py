from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AddressingConfig(AppConfig):
    name = "samplan.addressing"
    label = "addressing"
    verbose_name = _("Addressing register")

    def ready(self) -> None:
        from samplan.addressing.selectors import unit_has_register_relation
        from samplan.patients.relations import register_relation

        # A unit that keeps the person in its patient filter or residence list today has a
        # need-to-know relation (domain.md §3): it is one of the person's care providers.
        register_relation("addressing_register", unit_has_register_relation)
