"""Who may open the inbox pages, the start page, the main menu and Skapa."""

import pytest
from django.urls import reverse

from samplan.auditlog.models import AccessLogEntry

LISTS = ["discharge:overview", "messaging:received", "messaging:sent", "discharge:create"]


@pytest.mark.parametrize("name", LISTS)
def test_anonymous_is_sent_to_log_in(client, cast, name):
    response = client.get(reverse(name))
    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:login"))


@pytest.mark.parametrize("name", LISTS)
def test_a_user_without_a_unit_chooses_one_first(client, cast, name):
    client.force_login(cast.home_care_nurse)
    response = client.get(reverse(name))
    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:choose_unit"))


@pytest.mark.parametrize("name", LISTS)
def test_administrators_without_patient_work_do_not_get_the_inbox(
    client, cast, login_as, build, name
):
    build.admitted()
    login_as(cast.municipal_local_admin, cast.municipal_admin_unit)
    assert client.get(reverse(name)).status_code == 404
    assert not AccessLogEntry.objects.exists()


@pytest.mark.parametrize("name", LISTS)
def test_patient_workers_open_every_tab(client, cast, login_as, name):
    login_as(cast.home_care_nurse, cast.home_care)
    response = client.get(reverse(name))
    assert response.status_code == 200
    html = response.content.decode()
    for tab in ("Översikt", "Mottagna", "Skickade", "Skapa", "Avisering"):
        assert tab in html
    assert html.count("<h1") == 1


def test_start_page_is_oversikt_for_patient_workers(client, cast, login_as):
    login_as(cast.ward_nurse, cast.ward)
    response = client.get(reverse("core:home"))
    assert response.status_code == 302 and response.url == reverse("discharge:overview")


def test_administrators_keep_the_unit_start_page(client, cast, login_as):
    login_as(cast.region_local_admin, cast.care_centre)
    response = client.get(reverse("core:home"))
    assert response.status_code == 200
    html = response.content.decode()
    assert reverse("discharge:overview") not in html
    assert 'id="inbox-count"' not in html


def test_main_menu_has_inkorg_and_the_new_count(client, cast, login_as, build):
    build.admitted()
    build.admitted()
    login_as(cast.home_care_nurse, cast.home_care)
    html = client.get(reverse("messaging:sent")).content.decode()
    assert f'<a href="{reverse("discharge:overview")}">Inkorg</a>' in html
    assert 'id="inbox-count"' in html and "2 nya" in html
    assert "vendor/htmx/htmx.min.js" in html
    assert 'data-testid="tab-new-count"><span aria-hidden="true">(2)' in html
    assert '<span class="visually-hidden">2 nya</span>' in html


def test_skapa_offers_the_ways_to_create(client, cast, login_as):
    login_as(cast.ward_nurse, cast.ward)
    html = client.get(reverse("discharge:create")).content.decode()
    assert reverse("patients:search") in html
    assert "ärendesidan" in html
