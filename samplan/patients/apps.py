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

        from samplan.auditlog.subjects import Subjects, register_subjects
        from samplan.patients.models import Patient, Protection
        from samplan.patients.relations import unit_has_relation

        def by_identity(number: str) -> Patient | None:
            return Patient.objects.filter(identity_number=number).only("pk", "protection").first()

        # What the access log (below this app) flags about the people it logs.
        register_subjects(
            Subjects(
                by_identity=by_identity,
                is_protected=lambda patient: patient.protection != Protection.NONE,
                unit_has_relation=unit_has_relation,
            )
        )
