"""Reservnummer formats per region: validation, which region applies, the admin pages."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation

from samplan.accounts.models import Membership, Role
from samplan.auditlog.models import AdminChange
from samplan.organizations.models import OrganizationKind
from samplan.patients.identity import DEFAULT_RESERVE_PATTERNS
from samplan.patients.models import ReserveNumberFormat
from samplan.patients.reserve_formats import region_for, reserve_patterns_for
from samplan.testing import OrganizationFactory, UnitFactory, next_org_number, user_with_role

LIST = reverse("reserve_formats:list")
NEW = reverse("reserve_formats:new")


@pytest.fixture
def region_admin(cast):
    return user_with_role("regionsys", cast.hospital, Role.SYSTEM_ADMIN)


@pytest.fixture
def other_region(db):
    return OrganizationFactory(
        name="Region Annat", kind=OrganizationKind.REGION, org_number=next_org_number("232")
    )


def make_format(region, **fields):
    values = {"name": "R-nummer", "regex": r"R\d{6}", "check_digit": "none"}
    values.update(fields)
    return ReserveNumberFormat.objects.create(region=region, **values)


# --- validation ---


@pytest.mark.parametrize(
    ("regex", "swedish"),
    [
        ("99(\\d{10}", "Det reguljära uttrycket går inte att använda"),
        ("\\d{12}", "passar också vanliga personnummer"),
        ("\\d{10}", "passar också vanliga personnummer"),
    ],
)
def test_regex_must_compile_and_not_match_personnummer(cast, regex, swedish):
    candidate = ReserveNumberFormat(region=cast.region, name="X", regex=regex)
    with translation.override("sv"), pytest.raises(ValidationError) as error:
        candidate.full_clean()
    assert swedish in " ".join(error.value.message_dict["regex"])


# --- which formats apply ---


def test_a_region_without_formats_uses_the_defaults(cast):
    assert reserve_patterns_for(cast.region) == DEFAULT_RESERVE_PATTERNS
    make_format(cast.region, active=False)
    assert reserve_patterns_for(cast.region) == DEFAULT_RESERVE_PATTERNS


def test_a_region_with_active_formats_uses_only_those(cast):
    make_format(cast.region)
    make_format(cast.region, name="Gammalt", regex=r"G\d{4}", active=False)
    assert [p.name for p in reserve_patterns_for(cast.region)] == ["R-nummer"]


def test_municipality_and_provider_use_the_county_region(cast):
    cast.region.area_code = "04"
    cast.region.save()
    assert region_for(cast.municipality) == cast.region
    assert region_for(cast.provider) == cast.region  # contracted by the municipality
    assert region_for(cast.other_municipality) == cast.region  # 0484 is in county 04 too
    lone = OrganizationFactory(area_code="2480")
    assert region_for(lone) is None
    assert reserve_patterns_for(lone) == DEFAULT_RESERVE_PATTERNS


# --- the admin pages ---


def form(**overrides):
    data = {"name": "R-nummer", "regex": "R\\d{6}", "check_digit": "none", "active": "on"}
    data.update(overrides)
    return data


def test_region_system_admin_adds_a_format(client, cast, login_as, region_admin):
    login_as(region_admin, cast.hospital)
    assert "Reservnummerformat" in client.get(LIST).content.decode()
    response = client.post(NEW, form(region=cast.region.pk))
    assert response.status_code == 302
    created = ReserveNumberFormat.objects.get()
    assert (created.region, created.regex, created.active) == (cast.region, "R\\d{6}", True)
    change = AdminChange.objects.get(target_type="reservenumberformat")
    assert change.organization == cast.region and change.actor == region_admin
    assert "Reservnummerformat" in client.get(reverse("administration:index")).content.decode()


def test_bad_regex_gets_a_swedish_error_and_keeps_input(client, cast, login_as, region_admin):
    login_as(region_admin, cast.hospital)
    response = client.post(NEW, form(region=cast.region.pk, regex="R(\\d{6}", name="Mitt"))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Det reguljära uttrycket går inte att använda" in html
    assert 'value="Mitt"' in html
    assert not ReserveNumberFormat.objects.exists()


def test_duplicate_name_is_refused_in_swedish(client, cast, login_as, region_admin):
    make_format(cast.region)
    login_as(region_admin, cast.hospital)
    response = client.post(NEW, form(region=cast.region.pk))
    assert "Regionen har redan ett format med det namnet." in response.content.decode()
    assert ReserveNumberFormat.objects.count() == 1


def test_edit_a_format(client, cast, login_as, region_admin):
    item = make_format(cast.region)
    login_as(region_admin, cast.hospital)
    url = reverse("reserve_formats:edit", args=[item.pk])
    response = client.post(url, form(regex="RX\\d{6}", check_digit="luhn", active=""))
    assert response.status_code == 302
    item.refresh_from_db()
    assert (item.regex, item.check_digit, item.active) == ("RX\\d{6}", "luhn", False)
    change = AdminChange.objects.get(action="update")
    assert set(change.changes) == {"regex", "check_digit", "active"}


def test_forged_region_is_refused(client, cast, login_as, region_admin, other_region):
    login_as(region_admin, cast.hospital)
    response = client.post(NEW, form(region=other_region.pk))
    assert response.status_code == 200
    assert not ReserveNumberFormat.objects.exists()


def test_another_region_format_is_404(client, cast, login_as, region_admin, other_region):
    item = make_format(other_region)
    login_as(region_admin, cast.hospital)
    url = reverse("reserve_formats:edit", args=[item.pk])
    assert client.get(url).status_code == 404
    assert client.post(url, form(regex="Z\\d{6}")).status_code == 404
    item.refresh_from_db()
    assert item.regex == "R\\d{6}"


def test_region_cannot_be_moved_by_a_forged_field(client, cast, login_as, region_admin):
    second = OrganizationFactory(
        name="Region Två", kind=OrganizationKind.REGION, org_number=next_org_number("232")
    )
    unit = UnitFactory(organization=second)
    Membership.objects.create(user=region_admin, unit=unit, role=Role.SYSTEM_ADMIN)
    item = make_format(cast.region)
    login_as(region_admin, cast.hospital)
    client.post(reverse("reserve_formats:edit", args=[item.pk]), form(region=second.pk))
    item.refresh_from_db()
    assert item.region == cast.region


@pytest.mark.parametrize(
    "who", ["municipal_system_admin", "region_local_admin", "ward_nurse", "outsider_admin"]
)
def test_others_may_not_use_the_pages(client, cast, login_as, who):
    login_as(getattr(cast, who))
    assert client.get(LIST).status_code == 403
    assert client.post(NEW, form(region=cast.region.pk)).status_code == 403
    assert not ReserveNumberFormat.objects.exists()


def test_anonymous_goes_to_login(client, db):
    response = client.get(LIST)
    assert response.status_code == 302 and "/konto/" in response.url
