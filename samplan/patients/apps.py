from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PatientsConfig(AppConfig):
    name = "samplan.patients"
    label = "patients"
    verbose_name = _("Patients")

    def ready(self) -> None:
        from samplan.patients.merging import register_reassign
        from samplan.patients.models import Consent

        def reassign_consents(from_patient, to_patient) -> int:
            return Consent.objects.filter(patient=from_patient).update(patient=to_patient)

        # Consents given under a reserve number were given by the same person.
        register_reassign("patients.consents", reassign_consents)
