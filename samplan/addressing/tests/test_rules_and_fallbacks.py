"""Area rules and fallback inboxes in the UI."""

from __future__ import annotations

import pytest
from django.urls import reverse

from samplan.addressing.models import AreaRule, FallbackInbox

RULES = reverse("addressing:rules")
NEW_RULE = reverse("addressing:rules_create")


@pytest.fixture
def admin(world, login_as):
    return login_as(world.cast.municipal_local_admin, world.cast.municipal_admin_unit)


def rule_data(unit, **extra):
    data = {
        "municipality_code": "0483",
        "postal_code_from": "",
        "postal_code_to": "",
        "message_type": "",
        "unit": unit.pk,
        "valid_from": "2026-01-01",
    }
    data.update(extra)
    return data


def test_create_a_postal_code_rule(world, admin):
    response = admin.post(
        NEW_RULE,
        rule_data(world.district, postal_code_from="641 30", postal_code_to="641 99"),
    )
    assert response.status_code == 302
    rule = AreaRule.objects.get()
    assert (rule.postal_code_from, rule.postal_code_to) == ("64130", "64199")
    assert "641 30–641 99" in admin.get(RULES).content.decode()


def test_rule_form_errors_in_swedish(world, admin):
    html = admin.post(
        NEW_RULE, rule_data(world.district, municipality_code="483", postal_code_from="64130")
    ).content.decode()
    assert "En kommunkod har fyra siffror." in html
    assert "Ange båda ändarna av postnummerintervallet" in html
    assert not AreaRule.objects.exists()


def test_rule_posted_twice_is_one_rule(world, admin):
    admin.post(NEW_RULE, rule_data(world.intake))
    response = admin.post(NEW_RULE, rule_data(world.intake))
    assert AreaRule.objects.count() == 1
    assert "Samma områdesregel finns redan." in response.content.decode()


def test_forged_receiving_unit_is_refused(world, admin):
    response = admin.post(NEW_RULE, rule_data(world.cast.outsider_unit))
    assert "Välj ett giltigt alternativ" in response.content.decode()
    assert not AreaRule.objects.exists()


def test_other_organisations_rules_are_hidden_and_404(world, login_as):
    rule = AreaRule.objects.create(municipality_code="0483", unit=world.intake)
    client = login_as(world.cast.outsider_admin, world.cast.outsider_unit)
    assert "Mottagningsenheten" not in client.get(RULES).content.decode()
    assert client.get(reverse("addressing:rules_edit", args=[rule.pk])).status_code == 404
    assert client.post(reverse("addressing:rules_delete", args=[rule.pk])).status_code == 404
    # Moving a rule of theirs to our unit is refused as well.
    own = AreaRule.objects.create(municipality_code="0484", unit=world.cast.outsider_unit)
    response = client.post(reverse("addressing:rules_edit", args=[own.pk]), rule_data(world.intake))
    assert "Välj ett giltigt alternativ" in response.content.decode()
    own.refresh_from_db()
    assert own.unit == world.cast.outsider_unit


def test_edit_and_delete_a_rule(world, admin):
    rule = AreaRule.objects.create(municipality_code="0483", unit=world.intake)
    admin.post(reverse("addressing:rules_edit", args=[rule.pk]), rule_data(world.district))
    rule.refresh_from_db()
    assert rule.unit == world.district
    admin.post(reverse("addressing:rules_delete", args=[rule.pk]))
    assert not AreaRule.objects.exists()


def test_users_may_not_see_rules(world, login_as):
    client = login_as(world.cast.home_care_nurse, world.cast.home_care)
    assert client.get(RULES).status_code == 403
    assert client.get(NEW_RULE).status_code == 403


def test_set_the_fallback_inbox(world, admin):
    municipality = world.cast.municipality
    FallbackInbox.objects.filter(organization=municipality).delete()
    index = admin.get(reverse("addressing:index")).content.decode()
    assert "Testkommun saknar reservadress" in index
    url = reverse("addressing:fallbacks_edit", args=[municipality.pk])
    assert admin.post(url, {"unit": world.intake.pk}).status_code == 302
    assert FallbackInbox.objects.get(organization=municipality).unit == world.intake
    admin.post(url, {"unit": world.municipal_inbox.pk})
    assert FallbackInbox.objects.get(organization=municipality).unit == world.municipal_inbox
    assert "Kommunens brevlåda" in admin.get(reverse("addressing:fallbacks")).content.decode()


def test_fallback_must_be_an_inbox_of_the_organisation(world, admin):
    url = reverse("addressing:fallbacks_edit", args=[world.cast.municipality.pk])
    for unit in (world.cast.outsider_unit, world.cast.municipal_admin_unit):  # forged / no inbox
        response = admin.post(url, {"unit": unit.pk})
        assert "Välj ett giltigt alternativ" in response.content.decode()
    assert FallbackInbox.objects.get(organization=world.cast.municipality).unit == (
        world.municipal_inbox
    )


def test_fallback_of_another_organisation_is_404(world, admin):
    url = reverse("addressing:fallbacks_edit", args=[world.cast.other_municipality.pk])
    assert admin.get(url).status_code == 404
    assert admin.post(url, {"unit": world.cast.outsider_unit.pk}).status_code == 404
