"""The demo's patients and addressing register: every routing step can be seen with them."""

from __future__ import annotations

import datetime

import pytest
from django.db import transaction
from django.utils import timezone

from samplan.addressing import access as register_access
from samplan.addressing.models import AreaRule, FallbackInbox, PatientFilter, ResidenceEntry
from samplan.addressing.router import (
    ReasonCode,
    RoutingSubject,
    explain_route,
    reason_codes,
    route,
)
from samplan.core.message_types import MessageType
from samplan.demo.addressing import ROUTING_EXAMPLES, people_to_try
from samplan.demo.builder import build_demo
from samplan.demo.patients import PATIENTS, TEST_BIRTH_NUMBERS, identity_numbers
from samplan.discharge.models import DailyAmount
from samplan.organizations.models import Agreement, Organization, OrganizationKind, UnitKind
from samplan.patients.identity import (
    DEFAULT_RESERVE_PATTERNS,
    IdentityKind,
    parse_identity,
)
from samplan.patients.models import Patient, Protection, ReserveNumberFormat
from samplan.patients.reserve_formats import region_patterns

ADMISSION = MessageType.ADMISSION_NOTICE


@pytest.fixture(scope="module")
def demo_once(django_db_setup, django_db_blocker):
    """The demo, built once for this module's read-only tests and rolled back after them
    (each test's own transaction is a savepoint inside this one)."""
    with django_db_blocker.unblock(), transaction.atomic():
        yield build_demo()
        transaction.set_rollback(True)


@pytest.fixture
def demo(demo_once, db):
    return demo_once


def days_ago(days: int) -> datetime.date:
    return timezone.localdate() - datetime.timedelta(days=days)


def recipients(demo, key: str, message_type: str = ADMISSION, at=None, sender=None):
    return route(patient=demo.patients[key], message_type=message_type, sender_unit=sender, at=at)


def units(found) -> list[str]:
    return [recipient.unit.name for recipient in found]


# --- patients ---------------------------------------------------------------------------------


def test_about_35_patients_mostly_old_with_a_few_children(demo):
    patients = list(Patient.objects.all())
    # About 35 from samplan/demo/patients.py, plus the few the SIP demo brings.
    assert 30 <= len(patients) <= 50
    today = timezone.localdate()
    ages = [(today - p.birth_date).days // 365 for p in patients if p.birth_date]
    assert sum(age >= 65 for age in ages) > len(patients) * 0.6
    assert sum(age < 18 for age in ages) >= 3
    assert any(age >= 100 for age in ages)  # the "+" personnummer
    assert {p.registered_municipality for p in patients} == {"0483", "0482", ""}


def test_identity_numbers_are_valid_and_in_skatteverkets_test_series(demo):
    for patient in Patient.objects.exclude(identity_kind=IdentityKind.RESERVE):
        identity = parse_identity(patient.identity_number)
        assert identity.number == patient.identity_number
        assert identity.kind == patient.identity_kind
        assert identity.birth_date == patient.birth_date
        assert int(patient.identity_number[8:11]) in TEST_BIRTH_NUMBERS.values(), patient


def test_a_samordningsnummer_a_reservnummer_and_two_protected_patients(demo):
    coordination = Patient.objects.get(identity_kind=IdentityKind.COORDINATION)
    assert int(coordination.identity_number[6:8]) > 60  # day of birth + 60

    reserve = Patient.objects.get(identity_kind=IdentityKind.RESERVE)
    region = Organization.objects.get(name="Region Sörmland")
    assert reserve.reserve_issuer == region
    assert reserve.birth_date is None and not reserve.registered_municipality
    # The region's own format and the defaults both read it, so every form accepts it.
    assert ReserveNumberFormat.objects.filter(region=region, active=True).count() == 1
    for patterns in (region_patterns(region), DEFAULT_RESERVE_PATTERNS):
        identity = parse_identity(reserve.identity_number, reserve_patterns=patterns)
        assert identity.kind == IdentityKind.RESERVE

    protections = set(Patient.objects.values_list("protection", flat=True))
    assert {Protection.PROTECTED_REGISTRATION, Protection.CONFIDENTIALITY_MARKED} <= protections
    protected = Patient.objects.get(protection=Protection.PROTECTED_REGISTRATION)
    assert protected.street_address == "" and protected.phone == ""


def test_listings_are_care_centres_and_phones_are_from_the_fiction_block(demo):
    listed = Patient.objects.exclude(listed_care_centre=None).select_related("listed_care_centre")
    assert listed.count() >= 25
    assert {p.listed_care_centre.kind for p in listed} == {UnitKind.PRIMARY_CARE_CENTRE}
    for phone in Patient.objects.exclude(phone="").values_list("phone", flat=True):
        assert phone.startswith("070-174 06 ") and 5 <= int(phone[-2:]) <= 99


def test_the_spec_keys_and_numbers_agree_with_the_database(demo):
    numbers = identity_numbers()
    assert set(demo.patients) == {spec.key for spec in PATIENTS}
    for key, patient in demo.patients.items():
        assert numbers[key] == patient.identity_number


# --- the addressing register --------------------------------------------------------------------


def test_every_region_and_municipality_has_a_fallback_inbox_of_its_own(demo):
    organizations = Organization.objects.filter(
        kind__in=[OrganizationKind.REGION, OrganizationKind.MUNICIPALITY]
    )
    assert organizations.count() == 3
    for organization in organizations:
        inbox = FallbackInbox.objects.select_related("unit").get(organization=organization)
        assert inbox.unit.organization_id == organization.pk and inbox.unit.has_inbox
        assert "oadresserade" in inbox.unit.name
        assert register_access.can_set_fallback_inbox(inbox.updated_by, organization)


def test_register_rows_were_made_by_people_allowed_to_keep_them(demo):
    for row in PatientFilter.objects.select_related("unit", "created_by"):
        assert register_access.can_manage_patient_filters(row.created_by, row.unit), row
    for row in ResidenceEntry.objects.select_related("unit", "created_by"):
        assert row.unit.kind in register_access.RESIDENCE_UNIT_KINDS
        assert register_access.can_manage_residence_list(row.created_by, row.unit), row
    for rule in AreaRule.objects.select_related("unit", "created_by"):
        assert register_access.can_manage_area_rules(rule.created_by, rule.unit), rule
        rule.full_clean()


def test_registrations_current_and_ended(demo):
    today = timezone.localdate()
    assert PatientFilter.objects.valid_on(today).count() >= 15
    assert PatientFilter.objects.filter(valid_to__lt=today).count() >= 4
    kinds = set(
        PatientFilter.objects.valid_on(today).values_list("unit__kind", flat=True).distinct()
    )
    assert {
        UnitKind.HOME_CARE,
        UnitKind.HOME_HEALTH_CARE,
        UnitKind.DISABILITY_SERVICES,
        UnitKind.SOCIAL_SERVICES,
    } <= kinds
    assert ResidenceEntry.objects.valid_on(today).count() >= 8
    assert ResidenceEntry.objects.filter(moved_out__lt=today).count() == 1


def test_patient_filter_step(demo):
    found = recipients(demo, "karl_erik")
    assert reason_codes(found) == ["patient_filter", "patient_filter", "listing", "area_rule"]
    assert units(found) == [
        "Hemtjänst Norr",
        "Hemsjukvården Norr",
        "Vårdcentralen Katrineholm Norr",
        "Mottagningsenheten vård och omsorg",
    ]


def test_an_ended_patient_filter_routes_only_in_its_period(demo):
    assert "patient_filter" not in reason_codes(recipients(demo, "maj_britt"))
    earlier = recipients(demo, "maj_britt", at=days_ago(60))
    assert reason_codes(earlier)[0] == "patient_filter"
    assert units(earlier)[0] == "Hemtjänst Söder"


def test_residence_step(demo):
    found = recipients(demo, "margareta")
    assert reason_codes(found) == ["residence", "listing", "area_rule"]
    assert units(found)[0] == "Lövåsgården"
    # Before she moved in, her home care was registered instead.
    before = recipients(demo, "margareta", at=days_ago(120))
    assert reason_codes(before)[0] == "patient_filter" and units(before)[0] == "Hemtjänst Söder"


def test_the_person_who_moved_out_is_routed_to_the_new_home(demo):
    assert units(recipients(demo, "sven"))[0] == "Furuliden"
    assert units(recipients(demo, "sven", at=days_ago(100)))[0] == "Strandgården"


def test_lss_group_home_on_the_residence_list(demo):
    found = recipients(demo, "patrik")
    assert reason_codes(found)[:2] == ["patient_filter", "residence"]
    assert "Gruppbostäder LSS" in units(found)


def test_listing_and_area_rule_for_the_whole_municipality(demo):
    found = recipients(demo, "gote")
    assert reason_codes(found) == ["listing", "area_rule"]
    assert units(found) == ["Vårdcentralen Katrineholm Norr", "Mottagningsenheten vård och omsorg"]


def test_a_postal_code_range_routes_the_countryside_to_another_unit(demo):
    result = explain_route(
        patient=demo.patients["lars_goran"], message_type=ADMISSION, sender_unit=None
    )
    assert reason_codes(result.recipients) == ["listing", "area_rule"]
    assert units(result.recipients)[1] == "Biståndshandläggning äldre, team Syd"
    assert "641 91–641 99" in result.recipients[1].reason.text
    # The simulator shows the whole municipality's rule as left out.
    assert [s.unit.name for s in result.skipped] == ["Mottagningsenheten vård och omsorg"]


def test_a_private_care_centre_under_the_region_is_proposed_by_listing(demo):
    found = recipients(demo, "gunvor", sender=demo.units["MSEAVD11"])
    assert reason_codes(found) == ["listing", "area_rule"]
    assert units(found) == ["Valla Läkarhus vårdcentral", "Biståndshandläggning äldre, team Syd"]
    care_centre = found[0].unit.organization
    assert care_centre.kind == OrganizationKind.PRIVATE_PROVIDER
    assert care_centre.contracted_by.name == "Region Sörmland"
    # A care report from the municipality reaches it too: its principal is the region.
    report = recipients(demo, "gunvor", MessageType.CARE_REPORT, sender=demo.units["VOFBISTS"])
    assert units(report) == ["Valla Läkarhus vårdcentral"]


def test_area_rules_by_message_type(demo):
    sip = MessageType.SIP_SUMMONS
    assert units(recipients(demo, "gote", sip))[-1] == "Biståndshandläggning äldre, team Norr"
    # The postal-code range wins over the message type in the countryside.
    assert units(recipients(demo, "lars_goran", sip))[-1] == "Biståndshandläggning äldre, team Syd"
    assert units(recipients(demo, "evert", sip))[-1] == (
        "Myndighetsenheten äldre och funktionsnedsättning"
    )


def test_fallback_step_for_a_gap_in_flens_area_rule(demo):
    found = recipients(demo, "evert")
    assert reason_codes(found) == ["listing", "fallback"]
    assert units(found)[1] == "Flens kommun – brevlåda för oadresserade meddelanden"
    # In Flen's towns the area rule finds the intake unit instead.
    assert units(recipients(demo, "gosta"))[-1] == "Mottagningsenheten"


def test_fallback_step_on_the_region_side(demo):
    found = recipients(demo, "lennart", MessageType.CARE_REPORT)
    assert reason_codes(found) == ["fallback"]
    assert units(found) == ["Region Sörmland – brevlåda för oadresserade meddelanden"]
    listed = recipients(demo, "karl_erik", MessageType.CARE_REPORT)
    assert reason_codes(listed) == ["listing"]


def test_protected_identity_never_uses_the_postal_code(demo):
    # Lena's postal code lies in the countryside range, but the whole municipality's rule
    # takes the message; nothing in the reasons tells where she lives.
    found = recipients(demo, "lena")
    assert reason_codes(found) == ["patient_filter", "listing", "area_rule"]
    assert units(found)[-1] == "Mottagningsenheten vård och omsorg"
    texts = " ".join(reason.text for recipient in found for reason in recipient.reasons)
    assert "641" not in texts and "0483" not in texts
    # The confidentiality-marked person in Flen's town falls to the fallback inbox, as the
    # town rule is a postal-code range.
    marked = recipients(demo, "marianne")
    assert reason_codes(marked) == ["listing", "fallback"]


def test_the_reserve_patient_reaches_the_senders_fallback(demo):
    found = recipients(demo, "unknown", sender=demo.units["MSEAVD11"])
    assert reason_codes(found) == ["fallback"]
    assert units(found) == ["Region Sörmland – brevlåda för oadresserade meddelanden"]


def test_someone_in_the_register_but_not_yet_in_samplan(demo):
    number = identity_numbers()["new_home_care_client"]
    assert not Patient.objects.filter(identity_number=number).exists()
    found = route(
        patient=RoutingSubject(identity_number=number), message_type=ADMISSION, sender_unit=None
    )
    assert reason_codes(found) == ["patient_filter"]


def test_the_examples_printed_show_every_step(demo):
    people = people_to_try()
    assert len(people.examples) == len(ROUTING_EXAMPLES) == 5
    shown = {code for example in people.examples for code in reason_codes(example.recipients)}
    assert shown == set(ReasonCode.values)
    assert [kind for kind, _number, _name in people.special] == [
        "samordningsnummer",
        "reservnummer",
        "sekretessmarkering",
    ]


# --- discharge configuration and the command --------------------------------------------------


def test_agreements_and_daily_amounts(demo):
    region = Organization.objects.get(name="Region Sörmland")
    parties = set(
        Agreement.objects.filter(region=region).values_list("municipality__name", flat=True)
    )
    assert parties == {"Katrineholms kommun", "Flens kommun"}
    years = set(DailyAmount.objects.values_list("year", flat=True))
    assert {2019, 2022, timezone.localdate().year} <= years
    # The real figures of migration 0002, not the demo's made-up ones.
    assert DailyAmount.objects.get(year=2022).source.startswith("Socialstyrelsen")
