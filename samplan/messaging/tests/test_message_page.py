"""The message page: who may open it, logging, read on opening, content, history, and the
actions Kvittera, Vidarebefordra and Returnera (felsänt)."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from samplan.auditlog.models import AccessLogEntry
from samplan.messaging import views
from samplan.messaging.models import Delivery, DeliveryState
from samplan.organizations.models import UnitKind
from samplan.testing import UnitFactory


def page(message):
    return reverse("messaging:message_detail", args=[message.pk])


def action(name, message):
    return reverse(f"messaging:message_{name}", args=[message.pk])


@pytest.fixture
def sent(build):
    _, message = build.admitted(first_name="Alma", last_name="Andersson")
    return message


@pytest.fixture
def home_health(cast):
    """Another inbox unit of the municipality, to forward to."""
    return UnitFactory(
        organization=cast.municipality, name="Hemsjukvården", kind=UnitKind.HOME_HEALTH_CARE
    )


def mine(cast, message):
    return Delivery.objects.get(message=message, unit=cast.home_care)


def test_receiver_opens_it_it_is_read_and_logged(client, cast, login_as, sent):
    login_as(cast.home_care_nurse, cast.home_care)
    response = client.get(page(sent))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Alma Andersson" in html and "Inskrivningsmeddelande" in html
    assert "Avdelningens telefon" in html and "016-10 00 00" in html  # content, labelled
    assert ">Kvittera</button>" in html and "Returnera (felsänt)" in html
    delivery = mine(cast, sent)
    assert delivery.state == DeliveryState.READ and delivery.read_by == cast.home_care_nurse
    entry = AccessLogEntry.objects.get()
    assert (entry.patient, entry.object_type, entry.object_id, entry.unit) == (
        sent.patient,
        "message",
        str(sent.pk),
        cast.home_care,
    )
    # A second opening keeps the first read time.
    read_at = delivery.read_at
    client.get(page(sent))
    assert mine(cast, sent).read_at == read_at
    assert AccessLogEntry.objects.count() == 2


def test_sender_sees_every_receivers_history(client, cast, login_as, sent):
    login_as(cast.ward_nurse, cast.ward)
    html = client.get(page(sent)).content.decode()
    assert "Hemtjänst Öst" in html and "Vårdcentralen Norr" in html
    assert ">Kvittera</button>" not in html  # nothing for the sender to acknowledge
    assert not Delivery.objects.exclude(state=DeliveryState.NEW).exists()


def test_a_receiver_sees_only_its_own_delivery_history(client, cast, login_as, sent):
    login_as(cast.home_care_nurse, cast.home_care)
    html = client.get(page(sent)).content.decode()
    history = html[html.index('id="history-h"') :]
    assert "Hemtjänst Öst" in history and "Vårdcentralen Norr" not in history


@pytest.mark.parametrize("who", ["other_unit", "other_organisation"])
def test_other_units_get_404_and_nothing_is_logged(client, cast, login_as, build, who):
    _, message = build.admitted()
    build_only_care_centre = build.send(build.case(), "admission_notice", cast.care_centre)
    user, unit, target = {
        "other_unit": (cast.home_care_nurse, cast.home_care, build_only_care_centre),
        "other_organisation": (cast.outsider, cast.outsider_unit, message),
    }[who]
    login_as(user, unit)
    assert client.get(page(target)).status_code == 404
    assert client.post(action("acknowledge", target)).status_code == 404
    assert not AccessLogEntry.objects.exists()
    assert not Delivery.objects.exclude(state=DeliveryState.NEW).exists()


def test_anonymous_and_administrators(client, cast, login_as, sent):
    response = client.get(page(sent))
    assert response.status_code == 302 and response.url.startswith(reverse("accounts:login"))
    login_as(cast.municipal_local_admin, cast.municipal_admin_unit)
    assert client.get(page(sent)).status_code == 404
    assert client.get(reverse("messaging:message_detail", args=[99999])).status_code == 404


def test_acknowledge_twice_is_harmless(client, cast, login_as, sent):
    login_as(cast.home_care_nurse, cast.home_care)
    response = client.post(action("acknowledge", sent), follow=True)
    assert "Meddelandet är kvitterat" in response.content.decode()
    delivery = mine(cast, sent)
    assert delivery.state == DeliveryState.ACKNOWLEDGED
    response = client.post(action("acknowledge", sent), follow=True)
    assert "redan hanterat" in response.content.decode()
    assert mine(cast, sent).acknowledged_at == delivery.acknowledged_at
    assert client.get(action("acknowledge", sent)).status_code == 405


def test_forward_within_the_own_organisation(client, cast, login_as, sent, home_health):
    login_as(cast.home_care_nurse, cast.home_care)
    html = client.get(page(sent)).content.decode()
    # The message page links to the forward page and lists no units itself.
    assert f'href="{action("forward", sent)}"' in html and "Hemsjukvården" not in html
    html = client.get(action("forward", sent)).content.decode()
    assert "Hemsjukvården" in html and "Hemtjänst Annan" not in html  # the choices
    assert "Hemtjänst Öst</option>" not in html  # not the own unit
    response = client.post(action("forward", sent), {"to_unit": home_health.pk})
    assert response.status_code == 302 and response["Location"] == page(sent)
    assert mine(cast, sent).state == DeliveryState.FORWARDED
    copy = Delivery.objects.get(message=sent, unit=home_health)
    assert copy.state == DeliveryState.NEW and copy.forwarded_from == mine(cast, sent)
    # The history shows where it went; the receiving unit can now open it.
    html = client.get(page(sent)).content.decode()
    assert "Vidarebefordrat" in html and "Hemsjukvården" in html
    assert "Meddelandet vidarebefordrades till Hemsjukvården." in html


def test_the_forward_page_names_the_message_but_no_person_and_logs_nothing(
    client, cast, login_as, sent, home_health
):
    login_as(cast.home_care_nurse, cast.home_care)
    before = AccessLogEntry.objects.count()
    response = client.get(action("forward", sent))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Inskrivningsmeddelande" in html and "Avd 1 Medicin" in html
    patient = sent.patient
    assert patient.last_name not in html and patient.identity_number not in html
    assert AccessLogEntry.objects.count() == before
    # Opening it does not mark the delivery read: only the message page shows the content.
    assert mine(cast, sent).state == DeliveryState.NEW


def test_forward_twice_forwards_once(client, cast, login_as, sent, home_health):
    """A double click on Vidarebefordra: the second post finds the delivery handled."""
    login_as(cast.home_care_nurse, cast.home_care)
    assert client.post(action("forward", sent), {"to_unit": home_health.pk}).status_code == 302
    response = client.post(action("forward", sent), {"to_unit": home_health.pk})
    assert response.status_code == 400
    assert "inte längre öppet" in response.content.decode()
    assert Delivery.objects.filter(message=sent, unit=home_health).count() == 1
    html = client.get(action("forward", sent)).content.decode()
    assert "inte längre öppet" in html and 'name="to_unit"' not in html


def test_nowhere_to_forward_to(client, cast, login_as, sent):
    login_as(cast.home_care_nurse, cast.home_care)
    html = client.get(action("forward", sent)).content.decode()
    assert "Din organisation har ingen annan enhet med inkorg" in html
    assert 'name="to_unit"' not in html


def test_forward_to_another_organisation_is_refused(client, cast, login_as, sent, home_health):
    login_as(cast.home_care_nurse, cast.home_care)
    response = client.post(action("forward", sent), {"to_unit": cast.outsider_unit.pk})
    assert response.status_code == 400
    assert "Välj ett giltigt alternativ" in response.content.decode()
    assert mine(cast, sent).state == DeliveryState.NEW  # the error page shows no content
    assert not Delivery.objects.filter(unit=cast.outsider_unit).exists()
    for forged in ("", "abc", str(cast.home_care.pk)):
        response = client.post(action("forward", sent), {"to_unit": forged})
        assert response.status_code == 400
    assert mine(cast, sent).state == DeliveryState.NEW


def test_return_needs_a_reason_and_the_sender_sees_it(client, cast, login_as, sent):
    login_as(cast.home_care_nurse, cast.home_care)
    response = client.post(action("return", sent), {"reason": "   "})
    assert response.status_code == 400
    assert "Ange varför meddelandet är felsänt" in response.content.decode()
    assert mine(cast, sent).state != DeliveryState.RETURNED
    response = client.post(action("return", sent), {"reason": "Bor inte i vårt område"})
    assert response.status_code == 302
    delivery = mine(cast, sent)
    assert delivery.state == DeliveryState.RETURNED
    assert delivery.return_reason == "Bor inte i vårt område"
    # No fallback inbox yet (samplan.addressing): no copy is made.
    assert Delivery.objects.filter(message=sent).count() == 2
    # A second post changes nothing.
    response = client.post(action("return", sent), {"reason": "Igen"})
    assert response.status_code == 400 and mine(cast, sent).return_reason == delivery.return_reason
    client.logout()
    login_as(cast.ward_nurse, cast.ward)
    html = client.get(reverse("messaging:sent")).content.decode()
    assert "Bor inte i vårt område" in html


def test_return_copies_to_the_fallback_inbox_once_it_exists(
    client, cast, login_as, sent, home_health, monkeypatch
):
    monkeypatch.setattr(views, "fallback_inbox_for", lambda organization: home_health)
    login_as(cast.home_care_nurse, cast.home_care)
    client.post(action("return", sent), {"reason": "Fel enhet"})
    copy = Delivery.objects.get(message=sent, unit=home_health)
    assert copy.reason_code == "returned_copy" and "Fel enhet" in copy.reason_text


def test_forged_action_on_a_message_of_another_unit(client, cast, login_as, build, home_health):
    other = build.send(build.case(), "admission_notice", cast.care_centre)
    login_as(cast.home_care_nurse, cast.home_care)
    assert client.post(action("forward", other), {"to_unit": home_health.pk}).status_code == 404
    assert client.get(action("forward", other)).status_code == 404
    assert client.post(action("return", other), {"reason": "x"}).status_code == 404
    assert Delivery.objects.get(message=other).state == DeliveryState.NEW


# --- The case page link ---------------------------------------------------------------


def test_links_to_the_case_page_when_it_exists(client, cast, login_as, sent):
    login_as(cast.home_care_nurse, cast.home_care)
    html = client.get(page(sent)).content.decode()
    assert f'<a href="/utskrivning/arenden/{sent.case_link.case_id}/">Öppna ärendet</a>' in html
    html = client.get(reverse("discharge:overview")).content.decode()
    assert f'href="/utskrivning/arenden/{sent.case_link.case_id}/"' in html


# --- Queries ----------------------------------------------------------------------------


def test_the_message_page_reads_no_units_to_forward_to(client, cast, login_as, sent, home_health):
    """The page's queries do not depend on how many units the organisation has: forwarding
    has its own page. Session, user, memberships; the message with the unit's delivery; the
    log (recent rows, chain, row, chain); the history. The header's count comes with the
    message (it was a COUNT of its own: 7 and 10)."""
    for number in range(5):
        UnitFactory(organization=cast.municipality, name=f"Hemtjänst {number}")
    login_as(cast.home_care_nurse, cast.home_care)
    client.get(page(sent))  # read on the first opening; later openings are the same
    with CaptureQueriesContext(connection) as queries:
        html = client.get(page(sent)).content.decode()
    assert "Hemtjänst 4" not in html
    units_read = [q for q in queries.captured_queries if 'FROM "organizations_unit"' in q["sql"]]
    assert not units_read
    # PostgreSQL writes the log row in one statement: the recent rows for the "many patients"
    # flag, the chain's lock, the row and the chain's move.
    assert len(queries) == (6 if connection.vendor == "postgresql" else 9)


def test_the_forward_page_marks_an_overdue_delivery(client, cast, login_as, sent, home_health):
    login_as(cast.home_care_nurse, cast.home_care)
    assert "Försenad" not in client.get(action("forward", sent)).content.decode()
    Delivery.objects.filter(pk=mine(cast, sent).pk).update(
        due_at=mine(cast, sent).arrived_at - datetime.timedelta(minutes=1)
    )
    assert "Försenad" in client.get(action("forward", sent)).content.decode()


def test_the_forward_page_narrows_its_units_by_name_or_hsa_id(
    client, cast, login_as, sent, home_health
):
    """A region has hundreds of units with an inbox: typing part of a name, or an HSA-id,
    shows only those; the post is checked against every unit of the organisation."""
    other = UnitFactory(
        organization=cast.municipality,
        name="Korttidsboendet Linden",
        kind=UnitKind.NURSING_HOME,
        hsa_id="SE2120001234-KTB1",
    )
    login_as(cast.home_care_nurse, cast.home_care)

    def options(query):
        html = client.get(action("forward", sent), query).content.decode()
        names = ("Hemsjukvården", "Korttidsboendet Linden")
        return html, {name for name in names if f">{name}</option>" in html}

    html, shown = options({})
    assert shown == {"Hemsjukvården", "Korttidsboendet Linden"}
    assert 'name="enhet"' in html and "Sök enhet" in html
    html, shown = options({"enhet": "sjukvård"})
    assert shown == {"Hemsjukvården"} and 'value="sjukvård"' in html and "Visa alla enheter" in html
    assert options({"enhet": "  se2120001234-ktb1 "})[1] == {"Korttidsboendet Linden"}
    html, shown = options({"enhet": '<b>"Tandvården"</b>'})
    assert not shown and 'name="to_unit"' not in html
    assert "Ingen enhet med inkorg i din organisation har ”&lt;b&gt;&quot;Tandvården" in html
    assert "<b>" not in html.split("<main", 1)[1]
    # Filtered to one unit, the form still takes any unit of the organisation.
    response = client.post(action("forward", sent), {"to_unit": other.pk})
    assert response.status_code == 302
    assert Delivery.objects.filter(message=sent, unit=other).exists()
