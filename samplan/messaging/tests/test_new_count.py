"""The header's new-message count: one indexed query, no log row, adaptive polling, and it does
not keep an idle session alive."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from samplan.accounts.sessions import SESSION_ACTIVITY_KEY
from samplan.auditlog.models import AccessLogEntry
from samplan.messaging.models import Delivery, DeliveryState

COUNT = reverse("messaging:new_count")
BACKGROUND = {"HTTP_X_SAMPLAN_BACKGROUND": "1"}


def test_counts_the_units_unacknowledged_deliveries_only(client, cast, login_as, build):
    """New lasts until acknowledged: a read delivery still counts, an acknowledged one not."""
    build.admitted()
    _, read = build.admitted()
    _, acknowledged = build.admitted()
    build.send(build.case(), "admission_notice", cast.care_centre)
    Delivery.objects.filter(message=read, unit=cast.home_care).update(state=DeliveryState.READ)
    Delivery.objects.filter(message=acknowledged, unit=cast.home_care).update(
        state=DeliveryState.ACKNOWLEDGED
    )
    login_as(cast.home_care_nurse, cast.home_care)
    response = client.get(COUNT, **BACKGROUND)
    html = response.content.decode()
    assert response.status_code == 200
    assert "2 nya<" in html and 'id="inbox-count"' in html
    assert "?state=open" in html
    assert "no-cache" in response["Cache-Control"]
    assert not AccessLogEntry.objects.exists()


def test_one_query_of_its_own(client, cast, login_as, build):
    for _ in range(3):
        build.admitted()
    login_as(cast.home_care_nurse, cast.home_care)
    client.get(COUNT, **BACKGROUND)
    with CaptureQueriesContext(connection) as queries:
        client.get(COUNT, **BACKGROUND)
    own = [q["sql"] for q in queries.captured_queries if "messaging_" in q["sql"]]
    assert len(own) == 1 and own[0].startswith("SELECT COUNT(*)")
    # Session, user and memberships are read by every request; nothing else.
    assert len(queries) == 4


@pytest.mark.parametrize(
    ("params", "interval"),
    [
        ("", 30),  # first poll
        ("?previous=0&interval=30", 30),  # changed: keep polling often
        ("?previous=2&interval=30", 60),  # unchanged: back off
        ("?previous=2&interval=240", 300),  # at most five minutes
        ("?previous=0&interval=30&hidden=1", 60),  # hidden tab: back off
        ("?previous=x&interval=y", 30),  # nonsense: start over
    ],
)
def test_polls_less_often_while_nothing_changes(client, cast, login_as, build, params, interval):
    build.admitted()
    build.admitted()
    login_as(cast.home_care_nurse, cast.home_care)
    html = client.get(COUNT + params, **BACKGROUND).content.decode()
    assert f"load delay:{interval}s" in html
    assert f"previous=2&amp;interval={interval}" in html
    assert 'hx-headers=\'{"X-Samplan-Background": "1"}\'' in html


def test_polling_does_not_keep_the_session_alive(client, cast, login_as):
    login_as(cast.home_care_nurse, cast.home_care)
    ten_minutes_ago = int(timezone.now().timestamp()) - 600
    session = client.session
    session[SESSION_ACTIVITY_KEY] = ten_minutes_ago
    session.save()
    assert client.get(COUNT, **BACKGROUND).status_code == 200
    assert client.session[SESSION_ACTIVITY_KEY] == ten_minutes_ago
    client.get(COUNT)  # the same request without the header counts as activity
    assert client.session[SESSION_ACTIVITY_KEY] > ten_minutes_ago


def test_who_may_poll(client, cast, login_as):
    response = client.get(COUNT, **BACKGROUND)
    assert response.status_code == 302
    login_as(cast.municipal_local_admin, cast.municipal_admin_unit)
    assert client.get(COUNT, **BACKGROUND).status_code == 404
