"""The case page, the message page, Mottagna and Översikt read the header's new-message
count in a statement of their own (messaging.access.new_count_column) instead of a COUNT of
its own: the header shows the same number as the polled badge, and falls back to its own
COUNT where the page read none."""

from django.urls import reverse

from samplan.messaging.models import Delivery, DeliveryState
from samplan.messaging.testing import header_count

OVERVIEW = reverse("discharge:overview")


def _home_care_with_deliveries(cast, build):
    """Three cases sent to home care: one delivery new, one read, one acknowledged."""
    cases = []
    for state in (DeliveryState.NEW, DeliveryState.READ, DeliveryState.ACKNOWLEDGED):
        case, message = build.admitted()
        Delivery.objects.filter(message=message, unit=cast.home_care).update(state=state)
        cases.append(case)
    return cases


def test_the_case_page_shows_the_units_count_without_counting_again(client, cast, login_as, build):
    cases = _home_care_with_deliveries(cast, build)
    login_as(cast.home_care_nurse, cast.home_care)
    url = reverse("discharge:case_detail", args=[cases[0].pk])
    client.get(url)
    words, counts = header_count(client, url)
    assert words == "2 nya" and counts == []
    Delivery.objects.filter(unit=cast.home_care, state=DeliveryState.READ).update(
        state=DeliveryState.ACKNOWLEDGED
    )
    assert header_count(client, url) == ("1 ny", [])
    # The printout reads the case the same way.
    words, counts = header_count(client, reverse("discharge:case_print", args=[cases[0].pk]))
    assert counts == [] and (not words or words == "1 ny")


def test_the_count_is_the_acting_units_not_the_wards(client, cast, login_as, build):
    cases = _home_care_with_deliveries(cast, build)
    login_as(cast.ward_nurse, cast.ward)  # the ward sent them: nothing new for it
    words, counts = header_count(client, reverse("discharge:case_detail", args=[cases[0].pk]))
    assert words == "0 nya" and counts == []


def test_overviews_first_page_carries_the_count(client, cast, login_as, build):
    _home_care_with_deliveries(cast, build)
    login_as(cast.home_care_nurse, cast.home_care)
    client.get(OVERVIEW)
    assert header_count(client, OVERVIEW) == ("2 nya", [])


def test_where_the_page_reads_no_row_the_header_counts_on_its_own(client, cast, login_as, build):
    _home_care_with_deliveries(cast, build)
    login_as(cast.home_care_nurse, cast.home_care)
    # A search that finds nobody, and "overdue only" (not read through the first rows).
    for url in (f"{OVERVIEW}?state=closed", f"{OVERVIEW}?overdue=on"):
        words, counts = header_count(client, url)
        assert words == "2 nya" and len(counts) == 1, url


def test_mottagna_carries_the_count_in_its_first_page(client, cast, login_as, build):
    _home_care_with_deliveries(cast, build)
    login_as(cast.home_care_nurse, cast.home_care)
    received = reverse("messaging:received")
    client.get(received)
    assert header_count(client, received) == ("2 nya", [])
    html = client.get(received).content.decode()
    assert 'data-testid="tab-new-count"' in html and "(2)" in html  # the tab's count too
    # A filtered list reads no first rows of its own: the header counts as before.
    words, counts = header_count(client, f"{received}?state=acknowledged")
    assert words == "2 nya" and len(counts) == 1


def test_the_message_page_carries_the_count(client, cast, login_as, build):
    cases = _home_care_with_deliveries(cast, build)
    new = Delivery.objects.get(message__case_link__case=cases[0], unit=cast.home_care)
    login_as(cast.home_care_nurse, cast.home_care)
    url = reverse("messaging:message_detail", args=[new.message_id])
    # Opening a new delivery marks it read: still not acknowledged, so the count stays.
    assert header_count(client, url) == ("2 nya", [])
    new.refresh_from_db()
    assert new.state == DeliveryState.READ
    assert header_count(client, url) == ("2 nya", [])
    # The sender's view of the same message: the ward's own count.
    login_as(cast.ward_nurse, cast.ward)
    assert header_count(client, url) == ("0 nya", [])
