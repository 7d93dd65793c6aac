from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DischargeConfig(AppConfig):
    name = "samplan.discharge"
    label = "discharge"
    verbose_name = _("Discharge planning")

    def ready(self) -> None:
        from samplan.discharge.message_forms import register_message_content
        from samplan.discharge.models import CaseParticipant, DischargeCase
        from samplan.discharge.threads import CASE_THREADS
        from samplan.messaging.threads import register_thread_kind
        from samplan.patients.merging import register_reassign
        from samplan.patients.relations import register_relation

        def takes_part_in_a_case(unit, patient) -> bool:
            return CaseParticipant.objects.filter(
                unit=unit, left_at__isnull=True, case__patient=patient
            ).exists()

        def reassign_cases(from_patient, to_patient) -> int:
            return DischargeCase.objects.filter(patient=from_patient).update(patient=to_patient)

        # A unit taking part in a case sees its patient (need-to-know, domain.md §3).
        register_relation("discharge.case_participant", takes_part_in_a_case)
        register_reassign("discharge.cases", reassign_cases)
        # Messages on a case belong to it (messaging's pages ask through this).
        register_thread_kind(CASE_THREADS)
        register_message_content()
