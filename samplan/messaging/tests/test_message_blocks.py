"""The message page's history rows and a delivery's state in words, written in Python
(templatetags/message_blocks.py), give the markup of the templates as they were (kept in
tests/reference/): a delivery in every state (in time, late, overdue, forwarded with a reason
from another unit, returned, cancelled), with names that need escaping, in Swedish and English.
Only the length of runs of whitespace may differ."""

import copy
import datetime
import re
from pathlib import Path

from django.template import Context, Engine
from django.urls import reverse
from django.utils import timezone, translation

from samplan.messaging.models import Delivery, DeliveryState
from samplan.messaging.templatetags.message_blocks import delivery_state, message_history_rows

REFERENCE = Path(__file__).parent / "reference"


def reference(name: str):
    engine = Engine(
        loaders=["django.template.loaders.app_directories.Loader"],
        libraries={"i18n": "django.templatetags.i18n"},
    )
    return engine.from_string((REFERENCE / name).read_text(encoding="utf-8"))


def squeeze(html: str) -> str:
    return re.sub(r"\s+", " ", str(html)).strip()


def deliveries(cast, message):
    """Copies of a real delivery in every state the pages show."""
    real = Delivery.objects.select_related("unit", "read_by").filter(message=message).first()
    real.unit.name = 'Hemtjänst "Öst" <&>'
    now = timezone.now()
    hour = datetime.timedelta(hours=1)
    user = cast.home_care_nurse
    variants = []

    def variant(**changes):
        copied = copy.copy(real)
        for name, value in changes.items():
            setattr(copied, name, value)
        variants.append(copied)
        return copied

    variant(state=DeliveryState.NEW, due_at=now + hour)
    variant(state=DeliveryState.NEW, due_at=now - hour)
    variant(state=DeliveryState.READ, read_at=now - hour, read_by=user, due_at=now + hour)
    variant(state=DeliveryState.READ, read_at=now - hour, read_by=None, due_at=now - hour)
    for due in (now, now - 2 * hour):
        variant(
            state=DeliveryState.ACKNOWLEDGED,
            read_at=now - 3 * hour,
            read_by=user,
            acknowledged_at=now - hour,
            acknowledged_by=user,
            due_at=due,
        )
    forwarded = variant(
        state=DeliveryState.FORWARDED,
        handled_at=now - hour,
        handled_by=user,
        forward_reason="Fel enhet <igen> & 'så'",
    )
    variant(
        state=DeliveryState.FORWARDED, handled_at=now - hour, handled_by=None, forward_reason=""
    )
    variant(
        state=DeliveryState.NEW,
        due_at=now + hour,
        forwarded_from=forwarded,
    )
    variant(
        state=DeliveryState.RETURNED,
        handled_at=now - hour,
        handled_by=user,
        return_reason="Inte vår patient <b>",
    )
    variant(state=DeliveryState.CANCELLED, handled_at=now, handled_by=None)
    return variants


def test_the_blocks_give_the_old_templates_markup(cast, build):
    _, message = build.admitted(first_name="Alma", last_name="Andersson")
    history = deliveries(cast, message)
    assert any(d.forwarded_from for d in history)
    for language in ("sv", "en"):
        with translation.override(language):
            old = reference("history_rows.html").render(Context({"history": history}))
            assert squeeze(message_history_rows(history)) == squeeze(old)
            for d in history:
                old = reference("_delivery_state.html").render(Context({"d": d}))
                assert squeeze(delivery_state(d)) == squeeze(old), d.state
    rows = message_history_rows(history)
    assert "Hemtjänst &quot;Öst&quot; &lt;&amp;&gt;" in rows and "<b>" not in rows


def test_the_message_page_shows_the_history(client, cast, login_as, build):
    _, message = build.admitted(first_name="Alma", last_name="Andersson")
    login_as(cast.home_care_nurse, cast.home_care)
    html = client.get(reverse("messaging:message_detail", args=[message.pk])).content.decode()
    assert "Läst " in html and "ej kvitterad" in html
