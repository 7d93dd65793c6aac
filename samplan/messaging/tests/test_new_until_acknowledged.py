"""'New' lasts until the unit acknowledges (the 12:00 routine checks the red messages): opening
a message keeps it red in Mottagna, Översikt and the header count, marked as read but not
acknowledged; the message page leads with Kvittera; the lists have one filter form."""

import re

from django.urls import reverse

from samplan.messaging.models import Delivery, DeliveryState


def _count(client) -> str:
    html = client.get(reverse("messaging:new_count"), HTTP_X_SAMPLAN_BACKGROUND="1")
    return html.content.decode()


def test_opening_keeps_it_new_until_acknowledged(client, cast, login_as, build):
    _, message = build.admitted()
    login_as(cast.home_care_nurse, cast.home_care)
    received = reverse("messaging:received")
    assert "1 ny<" in _count(client)
    assert 'class="badge badge--new">Ny<' in client.get(received).content.decode()

    client.get(reverse("messaging:message_detail", args=[message.pk]))
    assert Delivery.objects.get(message=message, unit=cast.home_care).state == DeliveryState.READ
    assert "1 ny<" in _count(client)
    html = client.get(received).content.decode()
    assert 'class="row--new' in html and "Läst, ej kvitterad" in html
    assert 'class="badge badge--new">Ny<' not in html
    overview = client.get(reverse("discharge:overview")).content.decode()
    assert 'class="row--new' in overview and "cell--received" in overview
    # The header's link lists exactly the unacknowledged ones.
    assert (
        len(
            re.findall(
                'data-testid="delivery-row"', client.get(received + "?state=open").content.decode()
            )
        )
        == 1
    )

    client.post(reverse("messaging:message_acknowledge", args=[message.pk]))
    assert "0 nya<" in _count(client)
    html = client.get(received).content.decode()
    assert "row--new" not in html and "Läst, ej kvitterad" not in html
    assert "row--new" not in client.get(reverse("discharge:overview")).content.decode()
    assert 'data-testid="delivery-row"' not in client.get(received + "?state=open").content.decode()


def test_the_message_page_leads_with_kvittera_and_keeps_the_rest_closed(
    client, cast, login_as, build
):
    _, message = build.admitted()
    login_as(cast.home_care_nurse, cast.home_care)
    url = reverse("messaging:message_detail", args=[message.pk])
    html = client.get(url).content.decode()
    kvittera = html.index(">Kvittera</button>")
    assert kvittera < html.index('<details class="disclosure">')
    assert html.count('<details class="disclosure">') == 1  # return, closed
    # Forwarding is a page of its own, linked after Kvittera.
    assert kvittera < html.index('id="forward-link"') < html.index('id="return_reason"')
    # A return without a reason comes back with that part open.
    html = client.post(reverse("messaging:message_return", args=[message.pk])).content.decode()
    assert '<details class="disclosure" open>' in html
    # After acknowledging, the status line is what takes the focus.
    response = client.post(reverse("messaging:message_acknowledge", args=[message.pk]), follow=True)
    html = response.content.decode()
    assert 'id="status-line" tabindex="-1" data-focus-on-load' in html
    assert "core/focus-status.js" in html


def test_lists_have_one_filter_form_and_nothing_marked_required(client, cast, login_as, build):
    build.admitted()
    login_as(cast.home_care_nurse, cast.home_care)
    for name in ("discharge:overview", "messaging:received", "messaging:sent"):
        html = client.get(reverse(name)).content.decode()
        main = html[html.index("<main") :]
        assert main.count('type="submit" class="button">Sök<') == 1, name
        assert 'class="required"' not in main, name
        assert "required" not in re.search(r'<input[^>]*name="identity"[^>]*>', main).group(0)


def test_the_filter_form_posts_filters_and_number_together(client, cast, login_as, build):
    case, _ = build.admitted()
    login_as(cast.home_care_nurse, cast.home_care)
    url = reverse("messaging:received")
    response = client.post(url, {"filters": "1", "identity": "", "state": "open", "size": "50"})
    assert response.status_code == 302 and response.url == f"{url}?state=open&size=50"
    number = case.patient.identity_number
    response = client.post(url, {"filters": "1", "identity": number, "state": "open"})
    assert response.status_code == 302
    assert "state=open" in response.url and "sok=" in response.url and number not in response.url
    # A bad number: a plain Swedish error, no 500.
    response = client.post(url, {"filters": "1", "identity": "12345"})
    assert response.status_code == 200 and "field__error" in response.content.decode()


def test_search_boxes_elsewhere_are_not_marked_required(client, cast, login_as):
    from samplan.accounts.models import Role
    from samplan.testing import user_with_role

    login_as(cast.ward_nurse, cast.ward)
    html = client.get(reverse("patients:search")).content.decode()
    assert 'class="required"' not in html[html.index("<main") :]
    reviewer = user_with_role("granskare", cast.care_centre, Role.LOG_REVIEWER)
    login_as(reviewer, cast.care_centre)
    html = client.get(reverse("logreview:search")).content.decode()
    assert 'class="required"' not in html[html.index("<main") :]
