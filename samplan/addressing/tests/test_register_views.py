"""Patient filters and residence lists in the UI: who may see and change which rows."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse

from samplan.accounts.models import Role
from samplan.addressing.models import PatientFilter, ResidenceEntry
from samplan.addressing.tests.conftest import OTHER_PERSON, PERSON
from samplan.auditlog.models import AccessLogEntry, AdminChange
from samplan.organizations.models import Profession
from samplan.testing import MembershipFactory, UserFactory

D = datetime.date
FILTERS = reverse("addressing:filters")
FILTERS_NEW = reverse("addressing:filters_create")
RESIDENCE = reverse("addressing:residence")
RESIDENCE_NEW = reverse("addressing:residence_create")


@pytest.fixture
def admin(world, login_as):
    return login_as(world.cast.municipal_local_admin, world.cast.municipal_admin_unit)


NEW_YEAR = D(2026, 1, 1)


def add_filter(unit, number=PERSON, start=NEW_YEAR, end=None):
    return PatientFilter.objects.create(
        unit=unit, identity_number=number, valid_from=start, valid_to=end
    )


def test_local_admin_lists_the_organisations_filters(world, admin):
    add_filter(world.cast.home_care)
    add_filter(world.cast.outsider_unit, OTHER_PERSON)
    html = admin.get(FILTERS).content.decode()
    assert "19121212-1212" in html and "Hemtjänst Öst" in html
    assert "19400404-9898" not in html  # another municipality's row


def test_list_runs_a_fixed_number_of_queries(world, admin, django_assert_max_num_queries):
    add_filter(world.cast.home_care)
    admin.get(FILTERS)
    PatientFilter.objects.bulk_create(
        PatientFilter(unit=world.district, identity_number=f"1950{i:08d}", valid_from=D(2026, 1, 1))
        for i in range(60)
    )
    # 8, and 3 for the access-log row that says who browsed the list (chain head, insert, head).
    with django_assert_max_num_queries(11):
        response = admin.get(FILTERS)
    assert response.status_code == 200
    assert "61 registreringar" in response.content.decode()


def test_search_by_personnummer_is_logged(world, admin):
    add_filter(world.cast.home_care)
    response = admin.get(FILTERS, {"q": "19121212-1212"})
    assert "Hemtjänst Öst" in response.content.decode()
    entry = AccessLogEntry.objects.get()
    assert entry.searched_identity == PERSON and entry.action == "search"


def test_search_with_a_bad_number_says_why(world, admin):
    html = admin.get(FILTERS, {"q": "19121212-1213"}).content.decode()
    assert "Kontrollsiffran" in html
    # No search was made; the list it shows instead is logged as browsed.
    assert not AccessLogEntry.objects.filter(action="search").exists()
    assert AccessLogEntry.objects.get().object_type == "patientfilter"


def test_create_filter(world, admin):
    response = admin.post(
        FILTERS_NEW,
        {"unit": world.cast.home_care.pk, "identity_number": "121212-1212", "start": "2026-01-01"},
    )
    assert response.status_code == 302
    row = PatientFilter.objects.get()
    assert row.identity_number == "201212121212"
    assert row.created_by == world.cast.municipal_local_admin
    assert AdminChange.objects.filter(target_type="patientfilter", action="create").exists()


def test_posting_twice_creates_one_row(world, admin):
    data = {"unit": world.cast.home_care.pk, "identity_number": PERSON, "start": "2026-01-01"}
    admin.post(FILTERS_NEW, data)
    response = admin.post(FILTERS_NEW, data)
    assert PatientFilter.objects.count() == 1
    assert "redan registrerad" in response.content.decode()


def test_bad_personnummer_and_dates_are_refused_in_swedish(world, admin):
    response = admin.post(
        FILTERS_NEW,
        {
            "unit": world.cast.home_care.pk,
            "identity_number": "19121212-1213",
            "start": "2026-02-01",
            "end": "2026-01-01",
        },
    )
    html = response.content.decode()
    assert "Kontrollsiffran" in html
    assert "Slutdatumet är före startdatumet." in html
    assert not PatientFilter.objects.exists()


def test_forged_unit_of_another_organisation_is_refused(world, admin):
    response = admin.post(
        FILTERS_NEW,
        {"unit": world.cast.outsider_unit.pk, "identity_number": PERSON, "start": "2026-01-01"},
    )
    assert response.status_code == 200
    assert "Välj ett giltigt alternativ" in response.content.decode()
    assert not PatientFilter.objects.exists()


def test_edit_ends_a_filter(world, admin):
    row = add_filter(world.cast.home_care)
    url = reverse("addressing:filters_edit", args=[row.pk])
    assert admin.get(url).status_code == 200
    admin.post(url, {"start": "2026-01-01", "end": "2026-06-30"})
    row.refresh_from_db()
    assert row.valid_to == D(2026, 6, 30)


def test_delete_a_filter(world, admin):
    row = add_filter(world.cast.home_care)
    admin.post(reverse("addressing:filters_delete", args=[row.pk]))
    assert not PatientFilter.objects.exists()


def test_admin_of_another_organisation_cannot_see_or_change(world, login_as):
    row = add_filter(world.cast.home_care)
    client = login_as(world.cast.outsider_admin, world.cast.outsider_unit)
    assert "19121212-1212" not in client.get(FILTERS).content.decode()
    edit = reverse("addressing:filters_edit", args=[row.pk])
    assert client.get(edit).status_code == 404
    assert client.post(edit, {"start": "2020-01-01"}).status_code == 404
    assert client.post(reverse("addressing:filters_delete", args=[row.pk])).status_code == 404
    row.refresh_from_db()
    assert row.valid_from == D(2026, 1, 1)


def test_an_ordinary_user_may_not_use_the_register(world, login_as):
    client = login_as(world.cast.home_care_nurse, world.cast.home_care)
    assert client.get(FILTERS).status_code == 403
    assert client.get(reverse("addressing:index")).status_code == 403
    assert client.post(FILTERS_NEW, {}).status_code == 403


def test_anonymous_is_sent_to_login(world, client):
    for url in (FILTERS, RESIDENCE, reverse("addressing:index"), reverse("addressing:rules")):
        response = client.get(url)
        assert response.status_code == 302 and "/konto/" in response.url


def test_system_admin_of_the_contracting_municipality_keeps_the_providers_filters(world, login_as):
    client = login_as(world.cast.municipal_system_admin, world.cast.municipal_admin_unit)
    response = client.post(
        FILTERS_NEW,
        {"unit": world.cast.provider_unit.pk, "identity_number": PERSON, "start": "2026-01-01"},
    )
    assert response.status_code == 302
    assert PatientFilter.objects.filter(unit=world.cast.provider_unit).exists()


# --- Residence lists -------------------------------------------------------------------------


@pytest.fixture
def housing_coordinator(world):
    user = UserFactory(
        username="boende",
        organization=world.cast.municipality,
        profession=Profession.objects.get(code="housing_coordinator"),
    )
    MembershipFactory(user=user, unit=world.cast.municipal_admin_unit, role=Role.USER)
    return user


def test_housing_coordinator_keeps_nursing_home_lists(world, login_as, housing_coordinator):
    client = login_as(housing_coordinator, world.cast.municipal_admin_unit)
    assert client.get(reverse("addressing:index")).status_code == 200
    assert "Adresseringsregister" in client.get(reverse("addressing:index")).content.decode()
    response = client.post(
        RESIDENCE_NEW,
        {"unit": world.nursing_home.pk, "identity_number": PERSON, "start": "2025-06-01"},
    )
    assert response.status_code == 302
    assert ResidenceEntry.objects.filter(unit=world.nursing_home).exists()
    # ... but not LSS housing, nor patient filters, nor the simulator.
    response = client.post(
        RESIDENCE_NEW, {"unit": world.lss.pk, "identity_number": PERSON, "start": "2025-06-01"}
    )
    assert "Välj ett giltigt alternativ" in response.content.decode()
    assert client.get(FILTERS).status_code == 403
    assert client.get(reverse("addressing:simulator")).status_code == 403
    # The nav shows the register to the coordinator too.
    assert (
        reverse("addressing:index")
        in client.get(reverse("core:home"), follow=True).content.decode()
    )


def test_a_nurse_is_not_a_housing_coordinator(world, login_as):
    nurse = world.cast.home_care_nurse
    nurse.profession = Profession.objects.get(code="nurse")
    nurse.save()
    client = login_as(nurse, world.cast.home_care)
    assert client.get(RESIDENCE).status_code == 403


def test_lss_residence_list_is_for_system_administrators(world, login_as):
    local = login_as(world.cast.municipal_local_admin, world.cast.municipal_admin_unit)
    response = local.post(
        RESIDENCE_NEW, {"unit": world.lss.pk, "identity_number": PERSON, "start": "2025-06-01"}
    )
    assert "Välj ett giltigt alternativ" in response.content.decode()
    system = login_as(world.cast.municipal_system_admin, world.cast.municipal_admin_unit)
    response = system.post(
        RESIDENCE_NEW, {"unit": world.lss.pk, "identity_number": PERSON, "start": "2025-06-01"}
    )
    assert response.status_code == 302


def test_a_home_care_unit_has_no_residence_list(world, admin):
    response = admin.post(
        RESIDENCE_NEW,
        {"unit": world.cast.home_care.pk, "identity_number": PERSON, "start": "2025-06-01"},
    )
    assert "Välj ett giltigt alternativ" in response.content.decode()


def test_residence_of_another_organisation_is_404(world, login_as):
    row = ResidenceEntry.objects.create(
        unit=world.nursing_home, identity_number=PERSON, moved_in=D(2025, 6, 1)
    )
    client = login_as(world.cast.outsider_admin, world.cast.outsider_unit)
    assert client.get(reverse("addressing:residence_edit", args=[row.pk])).status_code == 404


def test_nav_link_for_administrators_only(world, login_as):
    home = reverse("core:home")
    client = login_as(world.cast.municipal_local_admin, world.cast.municipal_admin_unit)
    assert reverse("addressing:index") in client.get(home).content.decode()
    client = login_as(world.cast.home_care_nurse, world.cast.home_care)
    assert reverse("addressing:index") not in client.get(home).content.decode()


@pytest.mark.parametrize("language", ["sv", "en"])
def test_every_page_renders_with_one_h1(world, admin, language):
    from samplan.addressing.models import AreaRule

    admin.cookies["django_language"] = language
    row = add_filter(world.cast.home_care)
    home = ResidenceEntry.objects.create(
        unit=world.nursing_home, identity_number=PERSON, moved_in=D(2025, 6, 1)
    )
    rule = AreaRule.objects.create(municipality_code="0483", unit=world.intake)
    urls = [
        reverse("addressing:index"),
        FILTERS,
        FILTERS_NEW,
        reverse("addressing:filters_edit", args=[row.pk]),
        RESIDENCE,
        RESIDENCE_NEW,
        reverse("addressing:residence_edit", args=[home.pk]),
        reverse("addressing:rules"),
        reverse("addressing:rules_create"),
        reverse("addressing:rules_edit", args=[rule.pk]),
        reverse("addressing:fallbacks"),
        reverse("addressing:fallbacks_edit", args=[world.cast.municipality.pk]),
        reverse("addressing:import_upload"),
        reverse("addressing:simulator"),
    ]
    for url in urls:
        response = admin.get(url)
        assert response.status_code == 200, url
        assert response.content.decode().count("<h1") == 1, url


# --- A reserve number linked to a real one (patients.access.patient_by_identity) -------------


def _linked_reserve():
    from samplan.addressing.tests.conftest import make_patient
    from samplan.patients.testing import ReservePatientFactory

    person = make_patient()
    return person, ReservePatientFactory(merged_into=person)


def test_search_by_a_linked_reserve_number_logs_the_real_person(world, admin):
    person, reserve = _linked_reserve()
    add_filter(world.cast.home_care, reserve.identity_number)
    response = admin.get(FILTERS, {"q": reserve.identity_number})
    assert "Hemtjänst Öst" in response.content.decode()
    entry = AccessLogEntry.objects.get(action="search")
    assert entry.patient == person and entry.searched_identity == reserve.identity_number
    assert entry.detail == "addressing:patient_filter"


def test_edit_page_of_a_linked_reserve_number_logs_the_real_person(world, admin):
    person, reserve = _linked_reserve()
    row = add_filter(world.cast.home_care, reserve.identity_number)
    assert admin.get(reverse("addressing:filters_edit", args=[row.pk])).status_code == 200
    entry = AccessLogEntry.objects.get()
    assert (entry.action, entry.patient, entry.searched_identity) == ("view", person, "")
    assert entry.object_type == "patientfilter" and entry.object_id == str(row.pk)


def test_edit_page_of_someone_not_in_samplan_logs_the_number(world, admin):
    row = add_filter(world.cast.home_care)
    admin.get(reverse("addressing:filters_edit", args=[row.pk]))
    entry = AccessLogEntry.objects.get()
    assert (entry.action, entry.patient, entry.searched_identity) == ("view", None, PERSON)


def test_the_residence_list_shows_names_and_hides_a_protected_persons(world, admin):
    from samplan.patients.models import Protection
    from samplan.patients.testing import PatientFactory

    PatientFactory(identity_number=PERSON, first_name="Rut", last_name="Rosén")
    PatientFactory(
        identity_number=OTHER_PERSON,
        first_name="Hemlig",
        last_name="Person",
        protection=Protection.PROTECTED_REGISTRATION,
    )
    for number in (PERSON, OTHER_PERSON):
        ResidenceEntry.objects.create(
            unit=world.nursing_home, identity_number=number, moved_in=D(2025, 6, 1)
        )
    html = admin.get(RESIDENCE).content.decode()
    assert "Rut Rosén" in html
    assert "Hemlig" not in html and "Skyddad" in html
