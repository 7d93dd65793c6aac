"""Telefonlista: every logged-in user finds any active unit's contact data."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from samplan.organizations.models import UnitKind
from samplan.testing import UnitFactory

URL = reverse("organizations:directory")


def listed(response) -> list[str]:
    return [unit.name for unit in response.context["page"]]


@pytest.fixture
def nurse(cast, login_as):
    return login_as(cast.ward_nurse, cast.ward)


def test_anonymous_is_sent_to_login(client, db):
    response = client.get(URL)
    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:login"))


def test_lists_units_with_contact_data(cast, nurse):
    cast.home_care.phone = "0150-572 10"
    cast.home_care.email = "hemtjanst.ost@testkommun.example"
    cast.home_care.visiting_address = "Storgatan 1, 641 30 Katrineholm"
    cast.home_care.opening_hours = "Dygnet runt"
    cast.home_care.save()
    response = nurse.get(URL)
    html = response.content.decode()
    assert response.status_code == 200
    assert "<h1>Telefonlista</h1>" in html
    for text in ("0150-572 10", "hemtjanst.ost@testkommun.example", "Storgatan 1", "Dygnet runt"):
        assert text in html
    assert 'href="tel:0150-572 10"' in html


def test_every_organisation_is_listed_for_every_user(cast, login_as):
    """The directory is shared: an outsider municipality's user finds the region's wards."""
    response = login_as(cast.outsider, cast.outsider_unit).get(URL)
    names = listed(response)
    assert {"Avd 1 Medicin", "Vårdcentralen Norr", "Hemtjänst Öst", "Hemtjänst Annan"} <= set(names)


def test_a_user_who_has_not_chosen_a_unit_may_look_too(cast, login_as):
    response = login_as(cast.two_unit_user).get(URL)
    assert response.status_code == 200


def test_search_by_name_is_case_insensitive(cast, nurse):
    assert listed(nurse.get(URL, {"q": "vårdcentralen"})) == ["Vårdcentralen Norr"]
    assert listed(nurse.get(URL, {"q": "  avd 1  "})) == ["Avd 1 Medicin"]


def test_search_by_parent_unit_name(cast, nurse):
    assert listed(nurse.get(URL, {"q": "Testsjukhuset"})) == ["Avd 1 Medicin", "Testsjukhuset"]


def test_search_by_phone(cast, nurse):
    cast.care_centre.phone = "0150-56 30 00"
    cast.care_centre.save()
    assert listed(nurse.get(URL, {"q": "56 30"})) == ["Vårdcentralen Norr"]


def test_search_by_hsa_id_in_any_case(cast, nurse):
    cast.ward.hsa_id = f"SE{cast.region.org_number}-AVD1"
    cast.ward.save()
    assert listed(nurse.get(URL, {"q": f"se{cast.region.org_number}-avd1"})) == ["Avd 1 Medicin"]


def test_search_without_match_says_so(cast, nurse):
    response = nurse.get(URL, {"q": "finns inte"})
    assert listed(response) == []
    assert "Ingen enhet matchar sökningen." in response.content.decode()


def test_filter_by_organisation(cast, nurse):
    names = listed(nurse.get(URL, {"organisation": cast.municipality.pk}))
    assert names == ["Hemtjänst Öst", "Vård och omsorg"]


def test_filter_by_kind(cast, nurse):
    names = listed(nurse.get(URL, {"kind": UnitKind.HOME_CARE}))
    assert names == ["Hemtjänst Annan", "Omsorg AB Hemtjänst", "Hemtjänst Öst"]  # by organisation


def test_filters_combine_with_search(cast, nurse):
    params = {"q": "hemtjänst", "organisation": cast.other_municipality.pk, "kind": "home_care"}
    assert listed(nurse.get(URL, params)) == ["Hemtjänst Annan"]


def test_forged_filter_values_are_ignored_or_match_nothing(cast, nurse):
    everything = listed(nurse.get(URL))
    assert listed(nurse.get(URL, {"organisation": "1 OR 1=1", "kind": "bogus"})) == everything
    assert listed(nurse.get(URL, {"organisation": 999_999})) == []
    response = nurse.get(URL, {"page": "x", "size": "-5"})
    assert response.status_code == 200


def test_the_chosen_filters_stay_selected(cast, nurse):
    html = nurse.get(URL, {"organisation": cast.region.pk, "kind": "ward_somatic", "q": "Avd"})
    html = html.content.decode()
    assert f'<option value="{cast.region.pk}" selected>' in html
    assert '<option value="ward_somatic" selected>' in html
    assert 'value="Avd"' in html


def test_inactive_and_closed_units_are_hidden(cast, nurse):
    today = timezone.localdate()
    UnitFactory(organization=cast.region, name="Stängd enhet", is_active=False)
    UnitFactory(
        organization=cast.region, name="Nedlagd enhet", active_to=today - datetime.timedelta(1)
    )
    UnitFactory(
        organization=cast.region, name="Framtida enhet", active_from=today + datetime.timedelta(1)
    )
    UnitFactory(organization=cast.region, name="Sista dagen", active_to=today)
    UnitFactory(organization=cast.region, name="Första dagen", active_from=today)
    names = listed(nurse.get(URL, {"organisation": cast.region.pk}))
    assert "Sista dagen" in names and "Första dagen" in names
    assert not {"Stängd enhet", "Nedlagd enhet", "Framtida enhet"} & set(names)


def test_pagination(cast, nurse):
    UnitFactory.create_batch(60, organization=cast.region, name="Avdelning X")
    first = nurse.get(URL, {"q": "Avdelning X"})
    assert len(listed(first)) == 50
    assert first.context["page"].paginator.count == 60
    html = first.content.decode()
    assert "Sida 1 av 2" in html and 'href="?q=Avdelning+X&amp;page=2"' in html
    assert len(listed(nurse.get(URL, {"q": "Avdelning X", "page": 2}))) == 10
    assert len(listed(nurse.get(URL, {"q": "Avdelning X", "size": 20}))) == 20
    assert len(listed(nurse.get(URL, {"q": "Avdelning X", "page": 99}))) == 10  # the last page


def test_a_fixed_number_of_queries_however_many_units(cast, nurse, django_assert_max_num_queries):
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert nurse.get(URL).status_code == 200
        return len(captured)

    queries()  # the first request also records session activity
    few = queries()
    for number in range(40):
        parent = UnitFactory(organization=cast.region, name=f"Klinik {number}")
        UnitFactory(organization=cast.region, parent=parent, name=f"Avdelning {number}")
    # No query per row; the COUNT is added once the list no longer fits on one page
    # (samplan.core.paging).
    assert queries() == few + 1
    with django_assert_max_num_queries(12):
        nurse.get(URL, {"q": "Avdelning", "organisation": cast.region.pk, "kind": "home_care"})
