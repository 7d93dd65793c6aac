"""The routing simulator: recipients and reasons for a personnummer, written to the access log."""

from __future__ import annotations

import datetime

import pytest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from samplan.addressing.models import AreaRule, PatientFilter, ResidenceEntry
from samplan.addressing.router import route
from samplan.addressing.selectors import unit_has_register_relation
from samplan.addressing.tests.conftest import PERSON, make_patient
from samplan.auditlog.models import AccessLogEntry
from samplan.patients.models import Protection
from samplan.patients.relations import registered_relations, unit_has_relation

SIMULATOR = reverse("addressing:simulator")
D = datetime.date


@pytest.fixture
def admin(world, login_as):
    return login_as(world.cast.municipal_local_admin, world.cast.municipal_admin_unit)


def simulate(client, **data):
    values = {"identity_number": "19121212-1212", "message_type": "admission_notice"}
    values.update(data)
    return client.post(SIMULATOR, values)


def test_simulator_shows_recipients_with_why(world, admin):
    PatientFilter.objects.create(
        unit=world.cast.home_care, identity_number=PERSON, valid_from=D(2026, 1, 1)
    )
    html = simulate(admin, day="2026-03-15").content.decode()
    assert "Mottagare den 2026-03-15" in html
    assert "<details>" in html and "<summary>Varför?</summary>" in html
    assert "Personnummerfilter: registrerad hos Hemtjänst Öst 2026-01-01–" in html
    assert "Reservadress: kommunens centrala brevlåda" not in html
    assert "Personen finns inte i samplan ännu" in html


def test_simulator_writes_the_access_log_for_an_unknown_person(world, admin):
    simulate(admin)
    entry = AccessLogEntry.objects.get()
    assert entry.action == "simulate"
    assert entry.searched_identity == PERSON
    assert entry.patient is None
    assert entry.user == world.cast.municipal_local_admin
    assert entry.unit == world.cast.municipal_admin_unit


def test_simulator_logs_the_patient_when_known(world, admin):
    patient = make_patient()
    html = simulate(admin).content.decode()
    assert AccessLogEntry.objects.get().patient == patient
    assert "Reservadress: kommunens centrala brevlåda" in html


def test_simulator_keeps_a_protected_address_out(world, admin):
    make_patient(protection=Protection.PROTECTED_REGISTRATION)
    AreaRule.objects.create(
        municipality_code="0483",
        postal_code_from="64100",
        postal_code_to="64199",
        unit=world.district,
        valid_from=D(2020, 1, 1),
    )
    ResidenceEntry.objects.create(
        unit=world.nursing_home, identity_number=PERSON, moved_in=D(2025, 6, 1)
    )
    html = simulate(admin).content.decode().split('id="result-heading"')[1]
    assert "Skyddad identitet" in html
    assert "641" not in html and "0483" not in html and "bor på" not in html
    assert "Hemtjänst Väst" not in html  # the postal-code rule was not used
    assert "Solgården" in html and "Mottagare" in html


def test_bad_personnummer_logs_nothing(world, admin):
    html = simulate(admin, identity_number="19121212-1213").content.decode()
    assert "Kontrollsiffran" in html
    assert not AccessLogEntry.objects.exists()


def test_missing_fallback_is_shown_as_an_error(world, admin):
    from samplan.addressing.models import FallbackInbox

    FallbackInbox.objects.all().delete()
    html = simulate(admin).content.decode()
    assert "avsändarens organisation saknar en användbar reservadress" in html


def test_simulator_is_for_administrators(world, login_as, client):
    nurse = login_as(world.cast.home_care_nurse, world.cast.home_care)
    assert simulate(nurse).status_code == 403
    assert not AccessLogEntry.objects.exists()
    client.logout()
    response = simulate(client)
    assert response.status_code == 302 and "/konto/" in response.url


def test_the_personnummer_is_never_in_the_url(world, admin):
    html = admin.get(SIMULATOR).content.decode()
    assert 'method="post"' in html


def test_recipient_include_renders_every_reason(world):
    PatientFilter.objects.create(
        unit=world.nursing_home, identity_number=PERSON, valid_from=D(2026, 1, 1)
    )
    ResidenceEntry.objects.create(
        unit=world.nursing_home, identity_number=PERSON, moved_in=D(2025, 6, 1)
    )
    recipients = route(
        patient=make_patient(),
        message_type="admission_notice",
        sender_unit=world.cast.ward,
        at=D(2026, 3, 1),
    )
    html = render_to_string("addressing/_recipients.html", {"recipients": recipients})
    assert html.count("<details>") == 1
    assert "Personnummerfilter" in html and "Boendelista: bor på Solgården" in html


def test_need_to_know_relation_through_the_register(world):
    patient = make_patient()
    today = timezone.localdate()
    assert "addressing_register" in registered_relations()
    assert not unit_has_relation(world.cast.home_care, patient)
    PatientFilter.objects.create(
        unit=world.cast.home_care, identity_number=PERSON, valid_from=today
    )
    ResidenceEntry.objects.create(
        unit=world.nursing_home,
        identity_number=PERSON,
        moved_in=today - datetime.timedelta(days=30),
        moved_out=today - datetime.timedelta(days=1),
    )
    assert unit_has_relation(world.cast.home_care, patient)
    assert not unit_has_register_relation(world.nursing_home, patient)  # moved out yesterday
    assert not unit_has_register_relation(world.district, patient)
    PatientFilter.objects.filter(unit=world.cast.home_care).update(
        valid_from=today + datetime.timedelta(days=1)
    )
    assert not unit_has_register_relation(world.cast.home_care, patient)


def test_simulator_with_a_linked_reserve_number_routes_and_logs_the_real_person(world, admin):
    from samplan.patients.testing import ReservePatientFactory

    patient = make_patient()
    reserve = ReservePatientFactory(merged_into=patient)
    html = simulate(admin, identity_number=reserve.identity_number).content.decode()
    entry = AccessLogEntry.objects.get()
    assert entry.patient == patient and entry.searched_identity == reserve.identity_number
    # Routed as the real person (registered in the municipality: its fallback inbox).
    assert "Reservadress: kommunens centrala brevlåda" in html
