from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SipConfig(AppConfig):
    name = "samplan.sip"
    label = "sip"
    verbose_name = _("Coordinated individual plans")

    def ready(self) -> None:
        from samplan.core.message_types import MessageType
        from samplan.messaging.content import (
            HIDDEN,
            ContentField,
            fields_of_form,
            register_content_fields,
        )
        from samplan.messaging.threads import register_thread_kind
        from samplan.patients.merging import register_reassign
        from samplan.patients.relations import register_relation
        from samplan.sip.forms import InitiativeFields
        from samplan.sip.models import VISIBLE_ANSWERS, SipParticipant, SipPlan
        from samplan.sip.threads import PLAN_THREADS

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
        # The plan's messages belong to it: messaging's pages ask through this who takes part
        # (a protected person's name), where the message page links, and a stuck message
        # forwarded to another unit summons that unit (threads.py).
        register_thread_kind(PLAN_THREADS)
        # The summons a plan sends (services._summons_content) carries the initiative's fields;
        # the plan's id only links the message to its plan.
        register_content_fields(
            MessageType.SIP_SUMMONS,
            {
                "sip_plan": ContentField(_("Coordinated individual plan"), HIDDEN),
                **fields_of_form(InitiativeFields, exclude=("person_goals",)),
            },
        )
