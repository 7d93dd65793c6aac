"""Agreements between a region and a municipality, and the amounts per day: the pages for
system administrators, the services behind them, and terms_for()."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from samplan.accounts.models import Role
from samplan.auditlog.models import AdminAction, AdminChange
from samplan.discharge.models import DailyAmount
from samplan.discharge.selectors import daily_amounts
from samplan.organizations.agreements import answer_due_at, answer_due_times, terms_for
from samplan.organizations.models import Agreement
from samplan.organizations.terms import DEFAULT_TERMS, LiabilityModel
from samplan.testing import user_with_role

LIST = reverse("discharge:agreement_list")
CREATE = reverse("discharge:agreement_create")
AMOUNTS = reverse("discharge:daily_amount_list")


def edit_url(agreement):
    return reverse("discharge:agreement_edit", args=[agreement.pk])


def agreement(region, municipality, **fields):
    fields.setdefault("valid_from", datetime.date(2026, 1, 1))
    return Agreement.objects.create(region=region, municipality=municipality, **fields)


def form_data(**overrides):
    data = {
        "reference": "Överenskommelse SVU 2026",
        "valid_from": "2026-01-01",
        "valid_to": "",
        "cutoff_time": "12:00",
        "cutoff_rule": "on",
        "admission_notice_hours": "24",
        "summons_days": "3",
        "grace_days_somatic": "3",
        "grace_days_psychiatric": "5",
        "liability_model": LiabilityModel.PER_PATIENT,
        "daily_amount": "",
    }
    data.update(overrides)
    return data


@pytest.fixture
def region_system_admin(cast):
    return user_with_role("regionsys", cast.care_centre, Role.SYSTEM_ADMIN)


@pytest.fixture
def other_system_admin(cast):
    return user_with_role("annansys", cast.outsider_unit, Role.SYSTEM_ADMIN)


# --- who may use the pages ------------------------------------------------------------------


def test_anonymous_is_sent_to_login(client, cast):
    for url in (LIST, CREATE, AMOUNTS):
        response = client.get(url)
        assert response.status_code == 302 and "/konto/" in response.url


@pytest.mark.parametrize("who", ["municipal_local_admin", "region_local_admin", "home_care_nurse"])
def test_local_admins_and_users_are_refused(client, cast, login_as, who):
    login_as(getattr(cast, who))
    existing = agreement(cast.region, cast.municipality)
    for url in (LIST, CREATE, edit_url(existing), AMOUNTS):
        assert client.get(url).status_code == 403, url
    assert client.post(CREATE, form_data()).status_code == 403


def test_system_admin_lists_the_agreements_of_their_organisation(client, cast, login_as):
    agreement(cast.region, cast.municipality, reference="Vår överenskommelse")
    agreement(cast.region, cast.other_municipality, reference="Annans överenskommelse")
    login_as(cast.municipal_system_admin, cast.municipal_admin_unit)
    html = client.get(LIST).content.decode()
    assert "Överenskommelser om utskrivning" in html
    assert "Vår överenskommelse" in html
    assert "Annans överenskommelse" not in html


def test_list_runs_a_fixed_number_of_queries(client, cast, login_as, django_assert_max_num_queries):
    for year in range(2000, 2030):
        agreement(
            cast.region,
            cast.municipality,
            valid_from=datetime.date(year, 1, 1),
            valid_to=datetime.date(year, 12, 31),
        )
    login_as(cast.municipal_system_admin)
    # Session, user, memberships, parties, count, page...: the same for 1 row or 30.
    with django_assert_max_num_queries(12):
        response = client.get(LIST)
    assert response.status_code == 200
    assert "30 överenskommelser" in response.content.decode()


def test_region_system_admin_sees_agreements_with_every_municipality(
    client, cast, login_as, region_system_admin
):
    agreement(cast.region, cast.municipality, reference="Testkommuns")
    agreement(cast.region, cast.other_municipality, reference="Annankommuns")
    login_as(region_system_admin)
    html = client.get(LIST).content.decode()
    assert "Testkommuns" in html and "Annankommuns" in html


# --- recording an agreement -----------------------------------------------------------------


def test_system_admin_records_an_agreement(client, cast, login_as):
    login_as(cast.municipal_system_admin, cast.municipal_admin_unit)
    response = client.post(
        CREATE, form_data(region=cast.region.pk, municipality=cast.municipality.pk)
    )
    assert response.status_code == 302
    saved = Agreement.objects.get()
    assert (saved.region, saved.municipality, saved.grace_days_psychiatric) == (
        cast.region,
        cast.municipality,
        5,
    )
    changes = AdminChange.objects.filter(target_type="agreement", target_id=str(saved.pk))
    assert {c.organization for c in changes} == {cast.region, cast.municipality}
    assert all(c.action == AdminAction.CREATE for c in changes)
    assert changes[0].actor == cast.municipal_system_admin
    assert changes[0].actor_unit == cast.municipal_admin_unit
    assert changes[0].changes["grace_days_psychiatric"] == [None, 5]


def test_forged_parties_the_admin_does_not_administer(client, cast, login_as):
    # Testkommun's system admin tries to record an agreement for Annankommun.
    login_as(cast.municipal_system_admin)
    response = client.post(
        CREATE, form_data(region=cast.region.pk, municipality=cast.other_municipality.pk)
    )
    assert response.status_code == 200
    assert "som din organisation är part i" in response.content.decode()
    assert not Agreement.objects.exists()
    assert not AdminChange.objects.exists()


def test_forged_party_of_the_wrong_kind(client, cast, login_as):
    # A private provider or a second municipality cannot be the region.
    login_as(cast.municipal_system_admin)
    for region in (cast.provider, cast.other_municipality):
        response = client.post(
            CREATE, form_data(region=region.pk, municipality=cast.municipality.pk)
        )
        assert response.status_code == 200
        assert "Välj ett giltigt alternativ" in response.content.decode()
    assert not Agreement.objects.exists()


def test_posted_twice_records_one_agreement(client, cast, login_as):
    login_as(cast.municipal_system_admin)
    data = form_data(region=cast.region.pk, municipality=cast.municipality.pk)
    client.post(CREATE, data)
    response = client.post(CREATE, data)
    assert response.status_code == 200
    assert "En annan överenskommelse mellan Region Testland och Testkommun" in (
        response.content.decode()
    )
    assert Agreement.objects.count() == 1


def test_periods_of_a_pair_may_follow_each_other(client, cast, login_as):
    agreement(
        cast.region,
        cast.municipality,
        valid_from=datetime.date(2025, 1, 1),
        valid_to=datetime.date(2025, 12, 31),
    )
    login_as(cast.municipal_system_admin)
    response = client.post(
        CREATE, form_data(region=cast.region.pk, municipality=cast.municipality.pk)
    )
    assert response.status_code == 302
    assert Agreement.objects.count() == 2


def test_bad_input_gets_swedish_errors_and_keeps_the_input(client, cast, login_as):
    login_as(cast.municipal_system_admin)
    response = client.post(
        CREATE,
        form_data(
            region=cast.region.pk,
            municipality=cast.municipality.pk,
            valid_from="2026-06-01",
            valid_to="2026-01-01",
            grace_days_somatic="-1",
            reference="Behåll mig",
        ),
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "Slutdatumet är före startdatumet." in html
    assert "Behåll mig" in html
    assert not Agreement.objects.exists()


# --- changing an agreement ------------------------------------------------------------------


def test_system_admin_changes_an_agreement(client, cast, login_as, region_system_admin):
    existing = agreement(cast.region, cast.municipality)
    login_as(region_system_admin, cast.care_centre)
    assert client.get(edit_url(existing)).status_code == 200
    response = client.post(edit_url(existing), form_data(grace_days_somatic="4"))
    assert response.status_code == 302
    existing.refresh_from_db()
    assert existing.grace_days_somatic == 4
    changes = AdminChange.objects.filter(action=AdminAction.UPDATE, target_type="agreement")
    assert changes.count() == 2
    assert changes[0].changes["grace_days_somatic"] == [3, 4]


def test_saving_without_changes_writes_no_history(client, cast, login_as):
    existing = agreement(cast.region, cast.municipality, grace_days_psychiatric=5)
    login_as(cast.municipal_system_admin)
    before = type(existing).objects.filter(pk=existing.pk).values().get()
    response = client.post(edit_url(existing), form_data(reference=""))
    # The save went through (a refused form would write no history either)...
    assert response.status_code == 302
    after = type(existing).objects.filter(pk=existing.pk).values().get()
    assert after.pop("updated_at") > before.pop("updated_at")  # saved
    assert after == before  # with nothing changed
    # ...and, changing nothing, wrote no history.
    assert not AdminChange.objects.exists()


def test_forged_parties_on_change_are_ignored(client, cast, login_as):
    existing = agreement(cast.region, cast.municipality)
    login_as(cast.municipal_system_admin)
    client.post(edit_url(existing), form_data(municipality=cast.other_municipality.pk))
    existing.refresh_from_db()
    assert existing.municipality == cast.municipality


def test_another_organisations_agreement_is_not_found(client, cast, login_as, other_system_admin):
    existing = agreement(cast.region, cast.municipality)
    login_as(other_system_admin)
    assert client.get(LIST).status_code == 200
    assert client.get(edit_url(existing)).status_code == 404
    assert client.post(edit_url(existing), form_data(grace_days_somatic="9")).status_code == 404
    existing.refresh_from_db()
    assert existing.grace_days_somatic == 3


def test_unknown_agreement_is_not_found(client, cast, login_as):
    login_as(cast.municipal_system_admin)
    response = client.get(reverse("discharge:agreement_edit", args=[999999]))
    assert response.status_code == 404


# --- terms_for ------------------------------------------------------------------------------


def test_terms_for_without_an_agreement_are_the_defaults(cast):
    terms = terms_for(cast.region, cast.municipality, datetime.date(2026, 3, 2))
    assert terms == DEFAULT_TERMS
    assert terms.cutoff == datetime.time(12, 0)
    assert (terms.admission_notice_hours, terms.summons_days) == (24, 3)
    assert (terms.grace_days_somatic, terms.grace_days_psychiatric) == (3, 3)
    assert terms.is_default


def test_terms_for_follow_the_period_in_force(cast):
    old = agreement(
        cast.region,
        cast.municipality,
        valid_from=datetime.date(2025, 1, 1),
        valid_to=datetime.date(2025, 12, 31),
        grace_days_somatic=5,
    )
    new = agreement(
        cast.region,
        cast.municipality,
        valid_from=datetime.date(2026, 1, 1),
        cutoff_time=datetime.time(10, 0),
        daily_amount=Decimal("5000"),
    )
    assert terms_for(cast.region, cast.municipality, datetime.date(2024, 12, 31)).is_default
    in_2025 = terms_for(cast.region, cast.municipality, datetime.date(2025, 12, 31))
    assert (in_2025.agreement_id, in_2025.grace_days_somatic) == (old.pk, 5)
    in_2026 = terms_for(cast.region.pk, cast.municipality.pk, datetime.date(2026, 1, 1))
    assert in_2026.agreement_id == new.pk
    assert in_2026.cutoff == datetime.time(10, 0)
    assert in_2026.daily_amount == Decimal("5000")
    # Another pair is not affected.
    assert terms_for(cast.region, cast.other_municipality, datetime.date(2026, 1, 1)).is_default


def test_answer_due_times_look_up_the_terms_once_per_organisation(cast, django_assert_num_queries):
    agreement(
        cast.region,
        cast.municipality,
        valid_from=datetime.date(2026, 1, 1),
        cutoff_time=datetime.time(10, 0),
    )
    arrived = datetime.datetime(2026, 3, 2, 8, 0, tzinfo=datetime.UTC)  # 09:00 in Sweden
    units = [cast.home_care, cast.municipal_admin_unit, cast.outsider_unit]
    for unit in units:
        unit.organization  # noqa: B018 (loaded, as a send's recipients are)
    cast.ward.organization  # noqa: B018
    with django_assert_num_queries(2):  # one agreement per receiving organisation
        due = answer_due_times(arrived_at=arrived, sender_unit=cast.ward, units=units)
    assert due == {
        unit.pk: answer_due_at(arrived_at=arrived, sender_unit=cast.ward, unit=unit)
        for unit in units
    }
    # The municipality's agreed cut-off (10:00) against the default one (12:00).
    assert due[cast.home_care.pk] == datetime.datetime(2026, 3, 2, 9, 0, tzinfo=datetime.UTC)
    assert due[cast.outsider_unit.pk] == datetime.datetime(2026, 3, 2, 11, 0, tzinfo=datetime.UTC)


# --- amounts per year -----------------------------------------------------------------------


def test_the_known_amounts_are_seeded(db):
    amounts = daily_amounts()
    assert amounts[2019] == Decimal("7800")
    assert amounts[2022] == Decimal("9300")


def test_system_admin_adds_a_year(client, cast, login_as):
    login_as(cast.municipal_system_admin, cast.municipal_admin_unit)
    page = client.get(AMOUNTS).content.decode()
    assert "7\xa0800 kr" in page and "9\xa0300 kr" in page
    response = client.post(AMOUNTS, {"year": "2026", "amount": "11 000,50", "source": "SoS"})
    assert response.status_code == 302
    assert DailyAmount.objects.get(year=2026).amount == Decimal("11000.50")
    changes = AdminChange.objects.filter(target_type="dailyamount")
    # Every region and municipality sees the change in its history (not the provider).
    assert {c.organization for c in changes} == {
        cast.region,
        cast.municipality,
        cast.other_municipality,
    }
    assert all(c.action == AdminAction.CREATE for c in changes)


def test_adding_a_year_twice_is_refused(client, cast, login_as):
    login_as(cast.municipal_system_admin)
    response = client.post(AMOUNTS, {"year": "2022", "amount": "1", "source": ""})
    assert response.status_code == 200
    assert "Det året finns redan" in response.content.decode()
    assert DailyAmount.objects.get(year=2022).amount == Decimal("9300")


def test_superuser_changes_a_year(client, cast, login_as):
    login_as(cast.superuser)
    url = reverse("discharge:daily_amount_edit", args=[2022])
    assert client.get(url).status_code == 200
    response = client.post(url, {"year": "2019", "amount": "9400", "source": "Rättat"})
    assert response.status_code == 302
    # The year is the page's: a forged year in the form changes nothing else.
    assert DailyAmount.objects.get(year=2022).amount == Decimal("9400")
    assert DailyAmount.objects.get(year=2019).amount == Decimal("7800")
    change = AdminChange.objects.filter(target_type="dailyamount").first()
    assert change.action == AdminAction.UPDATE
    assert change.changes["amount"] == ["9300.00", "9400.00"]


def test_saving_the_same_amount_again_writes_no_history(client, cast, login_as):
    login_as(cast.municipal_system_admin)
    url = reverse("discharge:daily_amount_edit", args=[2022])
    response = client.post(url, {"amount": "9300", "source": "Socialstyrelsen (domain.md §6)"})
    # The save went through (a refused form would write no history either)...
    assert response.status_code == 302
    saved = DailyAmount.objects.get(year=2022)
    assert (saved.amount, saved.source) == (Decimal("9300"), "Socialstyrelsen (domain.md §6)")
    # ...and, changing nothing, wrote no history.
    assert not AdminChange.objects.exists()


def test_bad_amount_gets_a_swedish_error(client, cast, login_as):
    login_as(cast.municipal_system_admin)
    response = client.post(AMOUNTS, {"year": "1999", "amount": "nio", "source": ""})
    html = response.content.decode()
    assert "Fyll i ett tal." in html
    assert "större än eller lika med 2018" in html
    assert not DailyAmount.objects.filter(year=1999).exists()


def test_unknown_year_is_not_found(client, cast, login_as):
    login_as(cast.municipal_system_admin)
    assert client.get(reverse("discharge:daily_amount_edit", args=[2031])).status_code == 404


def test_provider_system_admin_keeps_no_agreements(client, cast, login_as):
    # A private provider is never a party, so its system admin has no use for the pages.
    provider_admin = user_with_role("omsorgsys", cast.provider_unit, Role.SYSTEM_ADMIN)
    login_as(provider_admin)
    assert client.get(LIST).status_code == 403
    assert client.get(AMOUNTS).status_code == 403


def test_demo_seed_marks_made_up_amounts_and_keeps_real_ones(cast):
    from samplan.discharge.demo import DEMO_SOURCE, demo_agreement_seed, demo_daily_amounts_seed

    demo_daily_amounts_seed()
    demo_daily_amounts_seed()  # twice: nothing doubles
    assert DailyAmount.objects.get(year=2022).amount == Decimal("9300")
    assert DailyAmount.objects.get(year=2025).source == DEMO_SOURCE
    assert DailyAmount.objects.filter(year=2025).count() == 1
    demo_agreement_seed(cast.region, cast.municipality)
    terms = terms_for(cast.region, cast.municipality, datetime.date(2026, 3, 2))
    assert terms.grace_days_psychiatric == 5
