from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SipConfig(AppConfig):
    name = "samplan.sip"
    label = "sip"
    verbose_name = _("Coordinated individual plans")

    def ready(self) -> None:
        from samplan.patients.merging import register_reassign
        from samplan.patients.relations import register_relation
        from samplan.sip.models import VISIBLE_ANSWERS, SipParticipant, SipPlan

        def takes_part_in_a_plan(unit, patient) -> bool:
            return SipParticipant.objects.filter(
                unit=unit, answer__in=VISIBLE_ANSWERS, plan__patient=patient
            ).exists()

        def reassign_plans(from_patient, to_patient) -> int:
            # The plans' messages move with the discharge app's reassign (all messages).
            return SipPlan.objects.filter(patient=from_patient).update(patient=to_patient)

        # The initiator and every summoned unit that has not declined see the person
        # (need-to-know, domain.md §3); a unit that declined no longer does.
        register_relation("sip.participant", takes_part_in_a_plan)
        register_reassign("sip.plans", reassign_plans)
