"""`manage.py demo_data`: the demo loads quickly, repeatably, and is usable as printed."""

import time
from io import StringIO

import pytest
from django.contrib.auth import authenticate
from django.core.management import CommandError, call_command

from samplan.accessrequests.models import AccessRequest
from samplan.accounts.models import Membership, Role, User
from samplan.accounts.passwords import (
    AllowedCharactersValidator,
    CharacterClassValidator,
    LengthValidator,
)
from samplan.addressing.models import AreaRule, FallbackInbox, PatientFilter, ResidenceEntry
from samplan.demo.addressing import people_to_try
from samplan.demo.data import DEMO_PASSWORD, SUPERUSER_USERNAME, USERS
from samplan.discharge.models import CaseEvent, DailyAmount, DischargeCase
from samplan.messaging.models import Delivery, Message
from samplan.organizations.models import (
    Agreement,
    Organization,
    OrganizationKind,
    Profession,
    Unit,
    UnitKind,
)
from samplan.organizations.validators import normalize_hsa_id
from samplan.patients.models import Patient
from samplan.providers.models import ProviderStart


def run_demo(*args: str) -> str:
    out = StringIO()
    call_command("demo_data", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def demo_output(db) -> str:
    return run_demo("--reset")


def counts() -> tuple[int, ...]:
    return tuple(
        model.objects.count() for model in (Organization, Unit, User, Membership, Profession)
    )


def test_runs_twice_with_reset_and_gives_the_same_data(demo_output):
    first = counts()
    usernames = set(User.objects.values_list("username", flat=True))
    run_demo("--reset")
    assert counts() == first
    assert set(User.objects.values_list("username", flat=True)) == usernames
    assert Profession.objects.filter(code="needs_assessor").exists()


def test_without_reset_a_second_run_is_refused(demo_output):
    with pytest.raises(CommandError, match="--reset"):
        run_demo()


def test_reset_refuses_to_wipe_a_database_with_other_organisations(cast, settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="inte är demodata"):
        run_demo("--reset")
    assert Organization.objects.filter(name="Region Testland").exists()


def test_reset_wipes_other_data_when_debugging(cast, settings):
    settings.DEBUG = True
    run_demo("--reset")
    assert not Organization.objects.filter(name="Region Testland").exists()
    assert Organization.objects.filter(name="Region Sörmland").exists()


def test_organisations(demo_output):
    region = Organization.objects.get(name="Region Sörmland")
    katrineholm = Organization.objects.get(name="Katrineholms kommun")
    flen = Organization.objects.get(name="Flens kommun")
    home_care = Organization.objects.get(name="Omsorgshuset i Sörmland AB")
    care_centre = Organization.objects.get(name="Valla Läkarhus AB")
    assert region.kind == OrganizationKind.REGION and region.org_number == "2321000032"
    assert (katrineholm.area_code, flen.area_code) == ("0483", "0482")
    assert home_care.kind == care_centre.kind == OrganizationKind.PRIVATE_PROVIDER
    assert home_care.contracted_by == katrineholm
    # A private care centre under the region: a case can involve three organisations.
    assert care_centre.contracted_by == region
    assert care_centre.units.filter(kind=UnitKind.PRIMARY_CARE_CENTRE, has_inbox=True).exists()
    for organization in Organization.objects.all():
        organization.full_clean()


def test_region_has_hospitals_primary_care_and_psychiatry(demo_output):
    region = Organization.objects.get(name="Region Sörmland")
    for hospital_name in ("Mälarsjukhuset", "Kullbergska sjukhuset"):
        hospital = Unit.objects.get(organization=region, name=hospital_name)
        below = Unit.objects.filter(parent=hospital) | Unit.objects.filter(parent__parent=hospital)
        kinds = set(below.values_list("kind", flat=True))
        assert {
            UnitKind.HOSPITAL_WARD_SOMATIC,
            UnitKind.HOSPITAL_WARD_PSYCHIATRIC,
            UnitKind.EMERGENCY_DEPARTMENT,
        } <= kinds
    assert region.units.filter(kind=UnitKind.PRIMARY_CARE_CENTRE).count() >= 3
    assert region.units.filter(name="Vårdcentralen Katrineholm Norr").exists()
    assert region.units.filter(kind=UnitKind.OUTPATIENT_PSYCHIATRY, name__startswith="BUP").exists()


def test_katrineholm_has_the_three_administrations_and_every_municipal_kind(demo_output):
    katrineholm = Organization.objects.get(name="Katrineholms kommun")
    top = set(katrineholm.units.filter(parent=None).values_list("name", flat=True))
    for code in ("(VOF)", "(SOC)", "(BIF)"):
        assert any(code in name for name in top)
    kinds = set(katrineholm.units.values_list("kind", flat=True))
    assert {
        UnitKind.HOME_CARE,
        UnitKind.HOME_HEALTH_CARE,
        UnitKind.NURSING_HOME,
        UnitKind.DISABILITY_SERVICES,
        UnitKind.NEEDS_ASSESSMENT,
        UnitKind.SOCIAL_SERVICES,
        UnitKind.SCHOOL_HEALTH,
        UnitKind.MUNICIPAL_INTAKE,
    } <= kinds
    assert katrineholm.units.filter(name__contains="oadresserade", has_inbox=True).exists()


def test_every_inbox_unit_has_contact_data_and_a_valid_hsa_id(demo_output):
    inbox_units = Unit.objects.filter(has_inbox=True).select_related("organization")
    assert inbox_units.count() > 40
    for unit in inbox_units:
        assert unit.phone and unit.email and unit.visiting_address and unit.opening_hours, unit
    for unit in Unit.objects.select_related("organization"):
        assert normalize_hsa_id(unit.hsa_id) == unit.hsa_id
        assert unit.hsa_id.startswith(f"SE{unit.organization.org_number}-")
        unit.full_clean()


def test_every_role_is_held_by_some_user(demo_output):
    held = set(Membership.objects.values_list("role", flat=True))
    assert held == set(Role.values)


def test_every_demo_password_works(demo_output):
    for validator in (LengthValidator(), AllowedCharactersValidator(), CharacterClassValidator()):
        validator.validate(DEMO_PASSWORD)
    usernames = [spec.username for spec in USERS] + [SUPERUSER_USERNAME]
    # Besides the listed logins, the accounts the demo's access orders created, and the
    # registered providers' responsible managers (no password yet: their checklist says so).
    ordered = AccessRequest.objects.exclude(created_user=None).values("created_user")
    managers = ProviderStart.objects.values("responsible_manager")
    assert User.objects.exclude(pk__in=ordered).exclude(pk__in=managers).count() == len(usernames)
    for username in usernames:
        assert authenticate(username=username, password=DEMO_PASSWORD) is not None, username
    assert User.objects.get(username=SUPERUSER_USERNAME).is_superuser


def test_users_have_names_professions_and_one_organisation(demo_output):
    users = User.objects.filter(is_superuser=False).select_related("profession")
    assert users.filter(profession__isnull=False).count() >= 25
    for user in users:
        assert user.first_name and user.last_name and user.email
        unit_orgs = set(user.memberships.values_list("unit__organization", flat=True))
        assert unit_orgs == {user.organization_id}, user


def test_multi_unit_users(demo_output):
    def units_of(username: str) -> set[str]:
        return set(
            Membership.objects.filter(user__username=username).values_list("unit__name", flat=True)
        )

    assert units_of("anna.lindqvist") == {"Avdelning 11 Medicin", "Avdelning 12 Hjärtmedicin"}
    assert units_of("elin.johansson") == {
        "Biståndshandläggning äldre, team Norr",
        "Biståndshandläggning äldre, team Syd",
    }
    multi = [spec for spec in USERS if len({code for code, _ in spec.memberships}) > 1]
    assert len(multi) >= 6


def test_output_lists_every_login_with_the_password(demo_output):
    assert "Användarnamn" in demo_output and "Enhet" in demo_output
    assert DEMO_PASSWORD in demo_output
    for username in [spec.username for spec in USERS] + [SUPERUSER_USERNAME]:
        assert username in demo_output
    line = next(row for row in demo_output.splitlines() if "anna.lindqvist" in row)
    assert "Anna Lindqvist" in line and "Sjuksköterska" in line and "Användare" in line
    assert "Katrineholms kommun" in demo_output and "Omsorgshuset i Sörmland AB" in demo_output


def register_counts() -> tuple[int, ...]:
    models = (Patient, PatientFilter, ResidenceEntry, AreaRule, FallbackInbox, Agreement)
    cases = (DischargeCase, Message, Delivery, CaseEvent)
    return tuple(model.objects.count() for model in (*models, DailyAmount, *cases))


def test_reset_twice_gives_the_same_patients_and_register_and_stays_fast(demo_output):
    first = register_counts()
    numbers = set(Patient.objects.values_list("identity_number", flat=True))
    started = time.monotonic()
    output = run_demo("--reset")
    seconds = time.monotonic() - started
    assert register_counts() == first
    assert set(Patient.objects.values_list("identity_number", flat=True)) == numbers
    # The real amounts of the discharge migration survive the flush.
    assert DailyAmount.objects.filter(year__in=[2019, 2022]).count() == 2
    # About a second on a laptop; the bound only catches a build that went quadratic.
    assert seconds < 20, f"demo_data --reset took {seconds:.1f} s"
    assert "Demodata inlästa på" in output
    print(f"demo_data --reset: {seconds:.1f} s")  # shown with -s, for the record


def test_output_points_to_inboxes_worth_a_look(demo_output):
    section = demo_output.split("Prova inkorgen")[1]
    assert "anna.lindqvist    Avdelning 11 Medicin: " in section
    assert "elin.johansson    Biståndshandläggning äldre, team Norr: " in section
    assert "pågående ärenden" in section and "försenade" in section
    assert "felsänt" in section
    assert "Nytt ärende: logga in som anna.lindqvist" in section and "Gunvor Ahlgren" in section


def test_output_lists_personnummer_to_try_the_addressing(demo_output):
    assert "Prova adresseringen" in demo_output
    section = demo_output.split("Prova adresseringen")[1]
    assert "annika.persson" in section and "Adresseringssimulator" in section
    for example in people_to_try().examples:
        assert f"{example.identity}  {example.name} – " in section
    assert "bor på särskilt boende (boendelista)" in section
    assert "Lövåsgården (Boendelista)" in section
    assert "(Reservadress)" in section and "(Områdesregel)" in section
    assert "(Personnummerfilter)" in section and "(Listning)" in section
    assert "reservnummer 99" in section and "samordningsnummer 1958" in section


def test_a_provider_starts_later_and_a_takeover_is_planned(demo_output):
    from django.utils import timezone

    from samplan.providers.checklist import provider_checklist
    from samplan.providers.models import Takeover, TakeoverState

    lugna = Organization.objects.get(name="Lugna Gatan Omsorg AB")
    assert lugna.starts_on > timezone.localdate()
    missing = {item.key for item in provider_checklist(lugna) if not item.done}
    assert {"manager", "local_admin", "alerts", "residence_lists"} <= missing
    takeover = Takeover.objects.get(state=TakeoverState.PLANNED)
    assert takeover.from_organization.name == "Omsorgshuset i Sörmland AB"
    assert takeover.to_organization.name == "Forssjö Omsorg AB"
    assert takeover.takes_effect_on == takeover.to_organization.starts_on
