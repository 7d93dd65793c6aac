"""The message page's body written in Python ({% message_page %}, templatetags/message_blocks.py)
gives the markup of the template as it was (tests/reference/message_detail.html): for the
contexts the view really builds (a receiver with an open delivery, with the return form in
error; a handled delivery; the sender), varied (cancelled, entered late,
referring to another message, a sender known by user name only, no thread, values that need
escaping, the deviation button), in Swedish and English. Only the length of runs of
whitespace may differ."""

import copy
import datetime
import re
from pathlib import Path

import pytest
from django.template import Context, engines
from django.urls import reverse
from django.utils import timezone, translation

from samplan.messaging import views
from samplan.messaging.models import Delivery, DeliveryState
from samplan.organizations.models import UnitKind
from samplan.testing import UnitFactory

REFERENCE = Path(__file__).parent / "reference" / "message_detail.html"
TOKEN = "t" * 64


def squeeze(html: str) -> str:
    return re.sub(r"\s+", " ", str(html)).strip()


def reference_body():
    """The old template's content block, with the libraries it loaded."""
    text = REFERENCE.read_text(encoding="utf-8")
    loads = re.search(r"{% load [^%]*%}", text).group(0)
    body = text[text.index("{% block content %}") + len("{% block content %}") :]
    body = body[: body.rindex("{% endblock %}")]
    return engines["django"].from_string(loads + body)


NEW_BODY = engines["django"].from_string(
    '{% load help deviation_blocks message_blocks %}{% help_link "kommun" "meddelande" as help %}'
    '{% report_button "meddelande" message.pk as report %}{% message_page help report %}'
)


@pytest.fixture
def captured(monkeypatch):
    """The contexts the message page's view renders its template with."""
    contexts = []
    real = views.render

    def render(request, template_name, context=None, *args, **kwargs):
        if template_name == "messaging/message_detail.html":
            contexts.append(dict(context))
        return real(request, template_name, context, *args, **kwargs)

    monkeypatch.setattr(views, "render", render)
    return contexts


def variants(context):
    """The context as the view gave it, and with the message varied."""
    yield context
    message = copy.copy(context["message"])
    now = timezone.now()
    message.cancelled_at = now
    message.occurred_at = now - datetime.timedelta(days=1)
    message.refers_to_id = message.pk
    message.text = 'Rad ett <b>"fet"</b>\nRad två & tre'
    message.sender_unit = copy.copy(message.sender_unit)
    message.sender_unit.name = 'Avd "7" <&>'
    varied = {
        **context,
        "message": message,
        "show_text": True,
        "items": [*context["items"], ("Etikett <i>", "Värde\n<två> & 'tre'")],
        "thread_links": [("Öppna <x>", "/a?b=1&c=2"), ("Plan", "/p/")],
        "show_report_deviation": True,
    }
    yield varied
    message = copy.copy(message)
    message.sender_user = copy.copy(message.sender_user)
    message.sender_user.first_name, message.sender_user.last_name = "", ""
    message.sender_user.username = "<user & 'name'>"
    yield {**varied, "message": message, "thread_links": [], "items": []}


def first_difference(new: str, old: str) -> str:
    """Both texts around where they first differ, for the failure's message."""
    at = min(len(new), len(old))
    at = next((i for i in range(at) if new[i] != old[i]), at)
    return f"{new[at - 80 : at + 120]!r} != {old[at - 80 : at + 120]!r}"


def assert_same(contexts):
    assert contexts
    old_template = reference_body()
    for context in contexts:
        for varied in variants(context):
            for language in ("sv", "en"):
                with translation.override(language):
                    values = {**varied, "csrf_token": TOKEN}
                    old = old_template.template.render(Context(values))
                    new = NEW_BODY.template.render(Context(values))
                    new, old = squeeze(new), squeeze(old)
                    assert new == old, first_difference(new, old)


@pytest.fixture
def home_health(cast):
    return UnitFactory(
        organization=cast.municipality,
        name='Hemsjukvården "Syd" <&>',
        kind=UnitKind.HOME_HEALTH_CARE,
    )


def page(message):
    return reverse("messaging:message_detail", args=[message.pk])


def test_receiver_with_an_open_delivery(client, cast, login_as, build, captured, home_health):
    _, message = build.admitted(first_name="Alma <b>", last_name="O'Andersson")
    login_as(cast.home_care_nurse, cast.home_care)
    assert client.get(page(message)).status_code == 200  # new: read on opening
    assert client.get(page(message)).status_code == 200  # read, not acknowledged
    returning = reverse("messaging:message_return", args=[message.pk])
    assert client.post(returning, {"reason": " "}).status_code == 400
    assert all(context["can_act"] for context in captured)
    assert_same(captured)
    # Forwarding is a page of its own: the message page names no other unit.
    html = client.get(page(message)).content.decode()
    assert "Hemsjukvården" not in html
    assert f'href="/meddelanden/{message.pk}/vidarebefordra/"' in html


def test_forms_with_an_error_of_their_own(client, cast, login_as, build, captured):
    _, message = build.admitted()
    login_as(cast.home_care_nurse, cast.home_care)
    client.get(page(message))
    context = captured[0]
    return_form = views.ReturnForm({"reason": "Fel"}, auto_id="return_%s")
    return_form.is_valid()
    return_form.add_error(None, "Redan <hanterat>")
    assert_same([{**context, "return_form": return_form}])


def test_handled_delivery_and_the_sender(client, cast, login_as, build, captured):
    _, message = build.admitted()
    Delivery.objects.filter(message=message, unit=cast.home_care).update(
        state=DeliveryState.RETURNED,
        handled_at=timezone.now(),
        return_reason="Inte <vår>",
        reason_text="",
    )
    login_as(cast.home_care_nurse, cast.home_care)
    client.get(page(message))
    client.logout()
    login_as(cast.ward_nurse, cast.ward)
    client.get(page(message))
    assert [context["delivery"] is None for context in captured] == [False, True]
    assert not any(context["can_act"] for context in captured)
    assert_same(captured)
