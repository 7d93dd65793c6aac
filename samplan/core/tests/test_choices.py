from django.db import models
from django.utils import translation

from samplan.messaging.models import Delivery, DeliveryState


def test_label_is_djangos_and_follows_the_active_language():
    delivery = Delivery(state=DeliveryState.ACKNOWLEDGED)
    field = Delivery._meta.get_field("state")
    for language in ("sv", "en"):
        with translation.override(language):
            expected = models.Model._get_FIELD_display(delivery, field)
            assert delivery.get_state_display() == expected
    with translation.override("sv"):
        swedish = delivery.get_state_display()
    with translation.override("en"):
        assert delivery.get_state_display() != swedish  # translated when shown, not cached


def test_unknown_value_is_shown_as_it_is():
    assert Delivery(state="no-such-state").get_state_display() == "no-such-state"
