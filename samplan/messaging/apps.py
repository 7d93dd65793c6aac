from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MessagingConfig(AppConfig):
    name = "samplan.messaging"
    label = "messaging"
    verbose_name = _("Messages")

    def ready(self) -> None:
        from samplan.messaging.models import Message
        from samplan.patients.merging import register_reassign

        def reassign_messages(from_patient, to_patient) -> int:
            return Message.objects.filter(patient=from_patient).update(patient=to_patient)

        # A reservnummer linked to the real number: its messages name the real person.
        register_reassign("messaging.messages", reassign_messages)
