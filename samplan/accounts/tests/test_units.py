"""Choosing and switching the unit a user acts for (Välj enhet)."""

import datetime

from django.urls import reverse
from django.utils import timezone

from samplan.accounts.models import LoginEvent, LoginEventKind, Membership
from samplan.accounts.sessions import SESSION_UNIT_KEY
from samplan.testing import TEST_PASSWORD

CHOOSE = reverse("accounts:choose_unit")
SWITCH = reverse("accounts:switch_unit")
HOME = reverse("core:home")


def login(client, username):
    client.post(reverse("accounts:login"), {"username": username, "password": TEST_PASSWORD})


def test_single_unit_user_goes_straight_in(client, cast):
    login(client, "avdssk")
    response = client.get(CHOOSE)
    assert response.status_code == 302
    assert client.session[SESSION_UNIT_KEY] == cast.ward.pk


def test_two_unit_user_chooses(client, cast):
    login(client, "tva")
    response = client.get(CHOOSE)
    html = response.content.decode()
    assert response.status_code == 200
    assert "Välj enhet att logga in på" in html
    assert "Avd 1 Medicin" in html and "Vårdcentralen Norr" in html
    client.post(CHOOSE, {"unit": cast.care_centre.pk})
    assert client.session[SESSION_UNIT_KEY] == cast.care_centre.pk
    assert LoginEvent.objects.filter(
        kind=LoginEventKind.UNIT_SELECTED, unit=cast.care_centre
    ).exists()


def test_header_shows_name_unit_and_organisation(client, cast, login_as):
    login_as(cast.two_unit_user, cast.ward)
    html = client.get(HOME, follow=True).content.decode()  # the start page is Översikt
    assert "Tove Två" in html
    assert "Avd 1 Medicin" in html and "Region Testland" in html
    assert 'id="switch-unit"' in html


def test_pages_acting_for_a_unit_ask_for_one(client, cast):
    login(client, "tva")
    response = client.get(HOME)
    assert response.status_code == 302 and response.url.startswith(CHOOSE)


def test_switch_unit(client, cast, login_as):
    login_as(cast.two_unit_user, cast.ward)
    client.post(SWITCH, {"unit": cast.care_centre.pk})
    assert client.session[SESSION_UNIT_KEY] == cast.care_centre.pk


def test_forged_switch_to_a_unit_without_membership_is_refused(client, cast, login_as):
    login_as(cast.two_unit_user, cast.ward)
    response = client.post(SWITCH, {"unit": cast.outsider_unit.pk}, follow=True)
    assert client.session.get(SESSION_UNIT_KEY) == cast.ward.pk
    assert "behörighet" in response.content.decode()


def test_forged_choice_is_refused(client, cast):
    login(client, "tva")
    response = client.post(CHOOSE, {"unit": cast.outsider_unit.pk})
    assert response.status_code == 200
    assert SESSION_UNIT_KEY not in client.session


def test_ended_membership_drops_the_current_unit(client, cast, login_as):
    login_as(cast.two_unit_user, cast.ward)
    Membership.objects.filter(user=cast.two_unit_user, unit=cast.ward).update(
        ended_at=timezone.now()
    )
    response = client.get(HOME)
    assert response.status_code == 302 and response.url.startswith(CHOOSE)


def test_membership_past_its_end_date_does_not_count(client, cast):
    Membership.objects.filter(user=cast.two_unit_user, unit=cast.ward).update(
        valid_to=timezone.localdate() - datetime.timedelta(days=1)
    )
    login(client, "tva")
    client.get(CHOOSE)
    assert client.session[SESSION_UNIT_KEY] == cast.care_centre.pk


def test_user_without_memberships_sees_explanation(client, cast):
    Membership.objects.filter(user=cast.ward_nurse).delete()
    login(client, "avdssk")
    response = client.get(CHOOSE)
    assert response.status_code == 403
    assert "behörighet" in response.content.decode()


def test_anonymous_is_sent_to_login(client, db):
    for url in (HOME, CHOOSE, reverse("organizations:directory"), reverse("accounts:my_account")):
        response = client.get(url)
        assert response.status_code == 302 and reverse("accounts:login") in response.url
