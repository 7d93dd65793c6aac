from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DeviationsConfig(AppConfig):
    name = "samplan.deviations"
    label = "deviations"
    verbose_name = _("Deviations")

    def ready(self) -> None:
        from samplan.deviations.models import Deviation
        from samplan.patients.merging import register_reassign

        def reassign_deviations(from_patient, to_patient) -> int:
            return Deviation.objects.filter(patient=from_patient).update(patient=to_patient)

        # A reservnummer linked to the real personnummer: the deviations move with the person.
        register_reassign("deviations.deviations", reassign_deviations)
