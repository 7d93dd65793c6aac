"""Mottagna's rows in one tag ({% received_rows page %}) give the markup of the loop they
replaced (each row's {% received_row %}, or the row saying there are none), for the pages the
view really builds, in Swedish and English, with the translations cached per language."""

import re

import pytest
from django.template import Context, engines
from django.urls import reverse
from django.utils import translation

from samplan.messaging import views
from samplan.messaging.models import Delivery, DeliveryState

# As messaging/received.html had it.
OLD = engines["django"].from_string(
    "{% load i18n received_rows %}\n"
    "        {% for row in page %}\n"
    "        {% received_row row %}\n"
    "        {% empty %}\n"
    '        <tr><td colspan="7">{% translate "No messages." %}</td></tr>\n'
    "        {% endfor %}\n"
)
NEW = engines["django"].from_string("{% load received_rows %}{% received_rows page %}")


def squeeze(html: str) -> str:
    return re.sub(r"\s+", " ", str(html)).strip()


@pytest.fixture
def pages(monkeypatch):
    found = []
    real = views.render

    def render(request, template_name, context=None, *args, **kwargs):
        if template_name == "messaging/received.html":
            found.append(context["page"])
        return real(request, template_name, context, *args, **kwargs)

    monkeypatch.setattr(views, "render", render)
    return found


def test_the_rows_tag_gives_the_loops_markup(client, cast, login_as, build, pages):
    login_as(cast.home_care_nurse, cast.home_care)
    client.get(reverse("messaging:received"))  # none yet
    for number in range(4):
        build.admitted(first_name=f"Alma <{number}>", last_name="O'Andersson")
    deliveries = Delivery.objects.filter(unit=cast.home_care).order_by("pk")
    Delivery.objects.filter(pk=deliveries[1].pk).update(state=DeliveryState.READ)
    Delivery.objects.filter(pk=deliveries[2].pk).update(state=DeliveryState.ACKNOWLEDGED)
    client.get(reverse("messaging:received"))
    assert [len(page.object_list) for page in pages] == [0, 4]
    for language in ("sv", "en", "sv"):
        with translation.override(language):
            for page in pages:
                old = OLD.template.render(Context({"page": page}))
                new = NEW.template.render(Context({"page": page}))
                assert squeeze(new) == squeeze(old)
