"""Mottagna: the unit's deliveries, new and overdue marks, filters, search, paging, Kvittera
valda, the access log and a fixed number of queries."""

import datetime
import re
from html import unescape
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from samplan.auditlog.models import AccessLogEntry
from samplan.core.message_types import MessageType
from samplan.core.paging import PAGE_SIZES
from samplan.messaging.models import Delivery, DeliveryState
from samplan.messaging.search import SESSION_KEY
from samplan.patients.models import Protection

STOCKHOLM = ZoneInfo("Europe/Stockholm")


def url(**params):
    query = "&".join(f"{k}={v}" for k, v in params.items())
    return reverse("messaging:received") + (f"?{query}" if query else "")


def rows(html):
    return html.count('data-testid="delivery-row"')


@pytest.fixture(autouse=True)
def _long_sessions(settings):
    # The clock jumps hours between send and view in these tests; no idle logout meanwhile.
    settings.SESSION_IDLE_MINUTES = 100_000


def test_the_units_deliveries_newest_first_with_new_marked(client, cast, login_as, build):
    build.admitted(first_name="Alma", last_name="Andersson")
    build.admitted(first_name="Bertil", last_name="Berg")
    build.send(
        build.case(first_name="Cilla", last_name="Care"),
        MessageType.ADMISSION_NOTICE,
        cast.care_centre,
    )
    login_as(cast.home_care_nurse, cast.home_care)
    html = client.get(url()).content.decode()
    assert rows(html) == 2
    assert html.index("Bertil Berg") < html.index("Alma Andersson")
    assert "Cilla" not in html  # sent to the care centre only
    assert html.count('class="row--new"') == 2 and html.count("badge--new") == 2
    assert "Avd 1 Medicin" in html and "Inskrivningsmeddelande" in html


def test_another_unit_and_another_organisation_see_only_their_own(client, cast, login_as, build):
    build.admitted(first_name="Alma", last_name="Andersson")
    login_as(cast.outsider, cast.outsider_unit)
    html = client.get(url()).content.decode()
    assert rows(html) == 0 and "Alma" not in html
    assert "Inga meddelanden." in html and "0 meddelanden" in html
    client.logout()
    login_as(cast.ward_nurse, cast.ward)  # the unit that sent it received nothing
    assert rows(client.get(url()).content.decode()) == 0


def test_overdue_is_marked_in_words_and_filtered(client, cast, login_as, build):
    with time_machine.travel(datetime.datetime(2030, 3, 4, 9, 0, tzinfo=STOCKHOLM), tick=False):
        build.admitted(first_name="Alma", last_name="Andersson")
    with time_machine.travel(datetime.datetime(2030, 3, 4, 11, 0, tzinfo=STOCKHOLM), tick=False):
        login_as(cast.home_care_nurse, cast.home_care)
        html = client.get(url()).content.decode()
        assert "Försenad" not in html and "2030-03-04 12:00" in html
        assert rows(client.get(url(overdue="on")).content.decode()) == 0
    with time_machine.travel(datetime.datetime(2030, 3, 4, 13, 0, tzinfo=STOCKHOLM), tick=False):
        html = client.get(url()).content.decode()
        assert "Försenad" in html and "row--overdue" in html
        assert rows(client.get(url(overdue="on")).content.decode()) == 1


def test_filters_by_state_and_type(client, cast, login_as, build):
    case, notice = build.admitted()
    build.send(case, MessageType.PLANNING_INFO, cast.home_care)
    Delivery.objects.filter(message=notice, unit=cast.home_care).update(
        state=DeliveryState.ACKNOWLEDGED
    )
    login_as(cast.home_care_nurse, cast.home_care)
    assert rows(client.get(url()).content.decode()) == 2
    assert rows(client.get(url(state="new")).content.decode()) == 1
    assert rows(client.get(url(state="acknowledged")).content.decode()) == 1
    assert rows(client.get(url(message_type="planning_info")).content.decode()) == 1
    # A forged filter value is ignored, not an error.
    response = client.get(url(state="bogus", message_type="x"))
    assert response.status_code == 200 and rows(response.content.decode()) == 2


def test_search_by_personnummer_keeps_the_number_out_of_the_address(client, cast, login_as, build):
    tolvan, _ = build.admitted(identity_number="191212121212", first_name="Tolvan", last_name="T")
    build.admitted(first_name="Alma", last_name="Andersson")
    login_as(cast.home_care_nurse, cast.home_care)
    # Ten digits with "+" (100 years or older): normalised to the stored twelve digits.
    response = client.post(url(state="new"), {"identity": "121212+1212"})
    assert response.status_code == 302
    assert "1212" not in response.url and "sok=" in response.url and "state=new" in response.url
    html = client.get(response.url).content.decode()
    assert rows(html) == 1 and "Tolvan" in html and "Alma" not in html
    assert "19121212-1212" in html  # what is shown as searched
    search = AccessLogEntry.objects.get(action="search")
    assert search.searched_identity == "191212121212" and search.patient.first_name == "Tolvan"
    assert search.detail == "list_page|list=received&page=1"
    # "Show all" drops the search and keeps the filter; paging and the filter form keep both.
    token = parse_qs(urlsplit(response.url).query)["sok"][0]
    assert '<a href="?state=new">Visa alla</a>' in html
    for _ in range(PAGE_SIZES[0]):  # more than one page of Tolvan's messages
        build.send(tolvan, MessageType.PLANNING_INFO)
    html = client.get(response.url).content.decode()
    assert f'<input type="hidden" name="sok" value="{token}">' in html
    next_page = re.search(r'<a href="\?([^"]*)" rel="next">', html).group(1)
    assert parse_qs(unescape(next_page)) == {"state": ["new"], "sok": [token], "page": ["2"]}
    second = client.get(f"{url()}?{unescape(next_page)}").content.decode()
    assert rows(second) == 1 and "Alma" not in second
    assert rows(client.get(url()).content.decode()) == PAGE_SIZES[0]


def test_search_that_finds_nothing_is_logged(client, cast, login_as, build):
    build.admitted()
    login_as(cast.home_care_nurse, cast.home_care)
    response = client.post(url(), {"identity": "19121212-1212"})
    html = client.get(response.url).content.decode()
    assert rows(html) == 0
    entry = AccessLogEntry.objects.get()
    assert (entry.action, entry.patient, entry.searched_identity) == (
        "search",
        None,
        "191212121212",
    )


def test_an_invalid_number_gets_a_plain_error_and_no_list(client, cast, login_as, build):
    build.admitted()
    login_as(cast.home_care_nurse, cast.home_care)
    response = client.post(url(), {"identity": "12345"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "10 eller 12 siffror" in html and 'value="12345"' in html
    assert rows(html) == 0
    assert SESSION_KEY not in client.session
    entry = AccessLogEntry.objects.get()  # the attempt is logged, as in Sök patient
    assert (entry.action, entry.patient, entry.searched_identity, entry.detail) == (
        "search",
        None,
        "12345",
        "list_invalid_number|list=received",
    )


def test_search_takes_the_regions_own_reserve_number_format(client, cast, login_as, build):
    from samplan.patients.models import ReserveNumberFormat

    build.admitted()
    login_as(cast.ward_nurse, cast.ward)
    assert client.post(url(), {"identity": "R123456"}).status_code == 200  # not a number yet
    ReserveNumberFormat.objects.create(region=cast.region, name="R", regex=r"R\d{6}")
    response = client.post(url(), {"identity": "R123456"})
    assert response.status_code == 302 and "sok=" in response.url


def test_an_unknown_search_token_shows_all_with_a_note(client, cast, login_as, build):
    build.admitted()
    login_as(cast.home_care_nurse, cast.home_care)
    html = client.get(url(sok="forged")).content.decode()
    assert rows(html) == 1 and "Sökningen har gått ut" in html


def test_pages_and_page_size(client, cast, login_as, build):
    for _ in range(25):
        build.admitted()
    login_as(cast.home_care_nurse, cast.home_care)
    assert rows(client.get(url()).content.decode()) == 20
    assert rows(client.get(url(page=2)).content.decode()) == 5
    html = client.get(url(size=50)).content.decode()
    assert rows(html) == 25 and '<option value="50" selected>' in html
    assert rows(client.get(url(size=7)).content.decode()) == 20


def test_one_log_row_per_patient_shown(client, cast, login_as, build):
    case, _ = build.admitted(first_name="Alma", last_name="Andersson")
    build.send(case, MessageType.PLANNING_INFO, cast.home_care)
    build.admitted(first_name="Bertil", last_name="Berg")
    login_as(cast.home_care_nurse, cast.home_care)
    client.get(url())
    entries = AccessLogEntry.objects.all()
    assert entries.count() == 2  # three rows, two patients
    assert {e.patient.first_name for e in entries} == {"Alma", "Bertil"}
    assert all(
        (e.action, e.unit, e.user, e.detail)
        == ("view", cast.home_care, cast.home_care_nurse, "list_page|list=received&page=1")
        for e in entries
    )


def test_protected_identity_shows_the_badge_and_hides_it_from_a_unit_that_left(
    client, cast, login_as, build
):
    case, _ = build.admitted(
        first_name="Hemlig", last_name="Person", protection=Protection.PROTECTED_REGISTRATION
    )
    login_as(cast.home_care_nurse, cast.home_care)
    html = client.get(url()).content.decode()
    assert "Hemlig Person" in html and 'data-testid="protected-badge"' in html
    # The unit no longer takes part in the case: name and number give way to the placeholder.
    case.participants.filter(unit=cast.home_care).update(left_at=case.admitted_at)
    html = client.get(url()).content.decode()
    assert "Hemlig" not in html and "Skyddad" in html and 'data-testid="protected-badge"' in html


def _count_queries(client):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url(size=50))
    assert response.status_code == 200
    return len(queries), rows(response.content.decode())


def test_a_fixed_number_of_queries_whatever_the_rows(client, cast, login_as, build):
    for _ in range(5):
        build.admitted()
    login_as(cast.home_care_nurse, cast.home_care)
    client.get(url())  # the first request of a session also records its activity
    few, shown = _count_queries(client)
    assert shown == 5
    for _ in range(45):
        build.admitted()
    many, shown = _count_queries(client)
    assert shown == 50
    assert many == few
    assert few <= 11


def test_the_page_count_reads_the_units_deliveries_alone(client, cast, login_as, build):
    """The paginator's COUNT must not join the messages: a busy unit has tens of thousands
    of deliveries, and counting them through messaging_message cost tens of milliseconds
    per page at a region's volume (bench/RESULTS.md). The protected-identity rule still
    needs the unit's part in each row's case, read for the page alone. (The plain list
    reads the unit's maintained count instead: test_received_count.py.)"""
    build.admitted()
    login_as(cast.home_care_nurse, cast.home_care)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url(state="new")).status_code == 200
    counts = [
        q["sql"] for q in queries if "COUNT(" in q["sql"] and "messaging_delivery" in q["sql"]
    ]
    assert counts, "the page counts the unit's deliveries"
    assert all("messaging_message" not in sql for sql in counts)


# --- Kvittera valda -------------------------------------------------------------------------


def test_acknowledge_many_ignores_forged_ids_and_a_second_post(client, cast, login_as, build):
    _, first = build.admitted()
    build.admitted()
    mine = list(Delivery.objects.filter(unit=cast.home_care).values_list("pk", flat=True))
    theirs = Delivery.objects.get(message=first, unit=cast.care_centre)
    login_as(cast.home_care_nurse, cast.home_care)
    form = {"delivery": [*mine, theirs.pk, "x"], "next": url(state="new")}
    response = client.post(reverse("messaging:acknowledge"), form)
    assert response.status_code == 302 and response.url == url(state="new")
    acknowledged = Delivery.objects.filter(state=DeliveryState.ACKNOWLEDGED)
    assert set(acknowledged.values_list("pk", flat=True)) == set(mine)
    assert all(d.acknowledged_by == cast.home_care_nurse for d in acknowledged)
    theirs.refresh_from_db()
    assert theirs.state == DeliveryState.NEW
    stamps = list(acknowledged.values_list("acknowledged_at", flat=True))
    response = client.post(reverse("messaging:acknowledge"), form, follow=True)
    assert "redan hanterat" in response.content.decode()
    assert list(acknowledged.values_list("acknowledged_at", flat=True)) == stamps


def test_acknowledge_without_choice_or_with_an_outside_next(client, cast, login_as, build):
    build.admitted()
    login_as(cast.home_care_nurse, cast.home_care)
    response = client.post(
        reverse("messaging:acknowledge"), {"next": "https://evil.example/"}, follow=False
    )
    assert response.url == reverse("messaging:received")
    assert not Delivery.objects.filter(state=DeliveryState.ACKNOWLEDGED).exists()
    assert client.get(reverse("messaging:acknowledge")).status_code == 405


def test_acknowledge_is_for_patient_workers_only(client, cast, login_as, build):
    build.admitted()
    ids = list(Delivery.objects.values_list("pk", flat=True))
    login_as(cast.municipal_local_admin, cast.municipal_admin_unit)
    assert client.post(reverse("messaging:acknowledge"), {"delivery": ids}).status_code == 404
    client.logout()
    assert client.post(reverse("messaging:acknowledge"), {"delivery": ids}).status_code == 302
    assert not Delivery.objects.filter(state=DeliveryState.ACKNOWLEDGED).exists()


def test_a_later_page_and_a_filtered_list_pick_their_rows_with_the_limit_inside(
    client, cast, login_as, build
):
    """The thread lookups (in_thread, takes_part) are planned for the page's rows only: with
    the LIMIT outside, PostgreSQL planned them for the unit's whole inbox (bench/RESULTS.md,
    session 7). The rows are the newest first, as on the first page."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for _ in range(25):
        build.admitted()
    login_as(cast.home_care_nurse, cast.home_care)
    for query in (url(page=2), url(state="new")):
        with CaptureQueriesContext(connection) as captured:
            html = client.get(query).content.decode()
        listed = [q["sql"] for q in captured if "takes_part" in q["sql"]]
        assert len(listed) == 1
        inner = listed[0].split('"messaging_delivery"."id" IN (SELECT', 1)
        assert len(inner) == 2 and "LIMIT" in inner[1]
        assert "LIMIT" not in inner[1].rsplit(")", 1)[1]  # the outer query has none of its own
        assert rows(html) in (5, 20)
