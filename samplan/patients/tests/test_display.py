"""patient_display: every protection level × participant or not."""

import pytest
from django.utils import translation

from samplan.patients.display import patient_display
from samplan.patients.models import Protection
from samplan.patients.testing import PatientFactory

PROTECTED = [p for p in Protection.values if p != Protection.NONE]


@pytest.fixture
def patient_with(db, cast):
    def _make(protection):
        return PatientFactory(
            identity_number="191212121212",
            first_name="Tolvan",
            last_name="Tolvansson",
            protection=protection,
            street_address="Hemliga gatan 1",
            postal_code="11122",
            city="Gömstad",
            registered_municipality="0483",
            phone="070-111 22 33",
            listed_care_centre=cast.care_centre,
        )

    return _make


SECRETS = ["Hemliga gatan 1", "11122", "Gömstad", "0483", "070-111 22 33", "Vårdcentralen Norr"]


def _all_strings(display):
    return [
        display.name,
        display.identity,
        display.street_address,
        display.postal_address,
        display.registered_municipality,
        display.listed_care_centre,
        display.phone,
        display.address,
    ]


@pytest.mark.parametrize("participant", [True, False])
def test_unprotected_patient_is_shown_whole(patient_with, participant):
    display = patient_display(patient_with(Protection.NONE), participant=participant)
    assert display.name == "Tolvan Tolvansson"
    assert display.identity == "19121212-1212"
    assert display.street_address == "Hemliga gatan 1"
    assert display.postal_address == "11122 Gömstad"
    assert display.address == "Hemliga gatan 1, 11122 Gömstad"
    assert display.phone == "070-111 22 33"
    assert display.listed_care_centre == "Vårdcentralen Norr"
    assert display.badge is None and not display.is_protected
    assert display.identity_shown and display.contact_shown


@pytest.mark.parametrize("protection", PROTECTED)
@pytest.mark.parametrize("participant", [True, False])
def test_protected_patient_never_shows_whereabouts(patient_with, protection, participant):
    with translation.override("sv"):
        display = patient_display(patient_with(protection), participant=participant)
        label = Protection(protection).label
    assert not display.contact_shown
    shown = " ".join(_all_strings(display))
    for secret in SECRETS:
        assert secret not in shown
    assert display.phone == "Skyddad"
    assert display.address == "Skyddad"
    assert display.badge == f"Skyddad identitet: {label}"


@pytest.mark.parametrize("protection", PROTECTED)
def test_protected_name_and_number_only_for_participants(patient_with, protection):
    patient = patient_with(protection)
    with translation.override("sv"):
        inside = patient_display(patient, participant=True)
        outside = patient_display(patient, participant=False)
    assert inside.name == "Tolvan Tolvansson" and inside.identity == "19121212-1212"
    assert inside.identity_shown
    assert outside.name == "Skyddad" and outside.identity == "Skyddad"
    assert outside.birth_date is None and not outside.identity_shown
    assert "Tolvan" not in " ".join(_all_strings(outside))
    assert "1212" not in " ".join(_all_strings(outside))


@pytest.mark.parametrize(
    ("postal_code", "city", "shown"),
    [
        ("11122", "Gömstad", "11122 Gömstad"),
        ("", "Gömstad", "Gömstad"),
        ("11122", "", "11122"),
        ("", "", ""),
    ],
)
def test_the_postal_address_joins_what_there_is(db, postal_code, city, shown):
    patient = PatientFactory(postal_code=postal_code, city=city, protection=Protection.NONE)
    assert patient_display(patient, participant=False).postal_address == shown
