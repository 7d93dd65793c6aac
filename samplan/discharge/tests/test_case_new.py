"""Nytt ärende: who may open a case, one case per stay, a new patient registered on the way."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from samplan.auditlog.models import AccessLogEntry
from samplan.discharge.models import DischargeCase
from samplan.discharge.tests.casekit import local, open_case
from samplan.organizations.models import UnitKind
from samplan.patients.models import Patient, Protection
from samplan.patients.testing import PatientFactory, make_personnummer
from samplan.testing import UnitFactory, user_with_role

URL = reverse("discharge:case_new")


def post(client, identity, **extra):
    data = {
        "identity": identity,
        "admitted_at": local(timezone.now() - datetime.timedelta(hours=3)),
        "care_type": "somatic",
        "estimated_discharge_date": "",
        "key": "k-1",
    }
    data.update(extra)
    return client.post(URL, data)


def test_ward_user_sees_the_form_with_care_type_from_the_ward(cast, login_as):
    response = login_as(cast.ward_nurse, cast.ward).get(URL)
    assert response.status_code == 200
    assert response.context["form"]["care_type"].initial == "somatic"
    assert "Nytt ärende" in response.content.decode()


def test_psychiatric_ward_defaults_to_psychiatric_care(cast, login_as):
    ward = UnitFactory(organization=cast.region, kind=UnitKind.HOSPITAL_WARD_PSYCHIATRIC)
    nurse = user_with_role("psyk", ward)
    response = login_as(nurse, ward).get(URL)
    assert response.context["form"]["care_type"].initial == "psychiatric"


@pytest.mark.parametrize(
    "who",
    ["home_care_nurse", "care_centre_nurse", "outsider", "region_local_admin"],
)
def test_only_ward_users_may_open_cases(cast, login_as, who):
    user = getattr(cast, who)
    unit = {
        "home_care_nurse": cast.home_care,
        "care_centre_nurse": cast.care_centre,
        "outsider": cast.outsider_unit,
        "region_local_admin": cast.care_centre,
    }[who]
    client = login_as(user, unit)
    patient = PatientFactory()
    assert client.get(URL).status_code == 403
    assert post(client, patient.identity_number).status_code == 403
    assert not DischargeCase.objects.exists()


def test_anonymous_is_sent_to_login(client):
    response = client.get(URL)
    assert response.status_code == 302 and "/konto/" in response.url


def test_open_for_a_registered_patient(cast, login_as):
    patient = PatientFactory()
    response = post(login_as(cast.ward_nurse, cast.ward), patient.identity_number)
    case = DischargeCase.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("discharge:case_detail", args=[case.pk])
    assert case.patient == patient and case.ward == cast.ward and case.care_type == "somatic"
    assert AccessLogEntry.objects.filter(patient=patient, action="create").count() == 1


def test_unknown_number_asks_for_names_then_registers_the_patient(cast, login_as):
    client = login_as(cast.ward_nurse, cast.ward)
    number = make_personnummer()
    response = post(client, number)
    assert response.status_code == 200
    assert response.context["details"] is not None
    assert "Patienten finns inte i samplan" in response.content.decode()
    assert not Patient.objects.exists() and not DischargeCase.objects.exists()
    # The search for an unknown number is logged too.
    assert AccessLogEntry.objects.filter(action="search", searched_identity=number).exists()

    response = post(
        client,
        number,
        register="1",
        **{
            "patient-first_name": "Signe",
            "patient-last_name": "Svensson",
            "patient-protection": Protection.PROTECTED_REGISTRATION,
            "patient-registered_municipality": "0483",
            "patient-street_address": "Hemlig gatan 1",
        },
    )
    assert response.status_code == 302
    patient = Patient.objects.get()
    assert patient.protection == Protection.PROTECTED_REGISTRATION
    assert DischargeCase.objects.get().municipality == cast.municipality


def test_new_patient_without_names_keeps_what_was_typed(cast, login_as):
    client = login_as(cast.ward_nurse, cast.ward)
    number = make_personnummer()
    response = post(client, number, register="1", **{"patient-first_name": "Signe"})
    assert response.status_code == 200
    assert response.context["details"].errors
    assert 'value="Signe"' in response.content.decode()
    assert not Patient.objects.exists()


def test_second_attempt_leads_to_the_existing_case(cast, login_as):
    patient = PatientFactory()
    existing = open_case(cast, patient)
    response = post(login_as(cast.ward_nurse, cast.ward), patient.identity_number, key="other")
    assert response.url == reverse("discharge:case_detail", args=[existing.pk])
    assert DischargeCase.objects.count() == 1
    page = login_as(cast.ward_nurse, cast.ward).get(response.url).content.decode()
    assert "Patienten har redan ett öppet ärende" in page


def test_double_post_opens_one_case(cast, login_as):
    patient = PatientFactory()
    client = login_as(cast.ward_nurse, cast.ward)
    first = post(client, patient.identity_number, key="same")
    second = post(client, patient.identity_number, key="same")
    assert DischargeCase.objects.count() == 1
    assert first.url == second.url
    page = client.get(second.url).content.decode()
    assert "Ärendet är öppnat" in page


def test_double_post_for_a_new_patient_registers_once(cast, login_as):
    client = login_as(cast.ward_nurse, cast.ward)
    number = make_personnummer()
    names = {
        "register": "1",
        "patient-first_name": "A",
        "patient-last_name": "B",
        "patient-protection": "none",
    }
    post(client, number, key="same", **names)
    post(client, number, key="same", **names)
    assert Patient.objects.count() == 1 and DischargeCase.objects.count() == 1


def test_open_case_on_another_ward_is_named_not_shown(cast, login_as):
    patient = PatientFactory()
    other_ward = UnitFactory(
        organization=cast.region, kind=UnitKind.HOSPITAL_WARD_SOMATIC, name="Avd 9 Kirurgi"
    )
    open_case(cast, patient, ward=other_ward, user=user_with_role("kir", other_ward))
    response = post(login_as(cast.ward_nurse, cast.ward), patient.identity_number)
    assert response.status_code == 200
    assert "Avd 9 Kirurgi" in response.content.decode()
    assert DischargeCase.objects.count() == 1


def test_open_case_elsewhere_of_a_protected_patient_names_no_ward(cast, login_as):
    patient = PatientFactory(protection=Protection.PROTECTED_REGISTRATION)
    other_ward = UnitFactory(
        organization=cast.region, kind=UnitKind.HOSPITAL_WARD_SOMATIC, name="Avd 9 Kirurgi"
    )
    open_case(cast, patient, ward=other_ward, user=user_with_role("kir", other_ward))
    response = post(login_as(cast.ward_nurse, cast.ward), patient.identity_number)
    page = response.content.decode()
    assert "annan avdelning" in page and "Avd 9 Kirurgi" not in page


def test_admission_in_the_future_is_refused_and_nothing_lost(cast, login_as):
    patient = PatientFactory()
    future = local(timezone.now() + datetime.timedelta(days=1))
    response = post(
        login_as(cast.ward_nurse, cast.ward), patient.identity_number, admitted_at=future
    )
    assert response.status_code == 200
    assert response.context["form"].errors["admitted_at"]
    assert patient.identity_display in response.content.decode() or (
        patient.identity_number in response.content.decode()
    )
    assert not DischargeCase.objects.exists()


def test_estimated_date_before_admission_is_refused(cast, login_as):
    patient = PatientFactory()
    response = post(
        login_as(cast.ward_nurse, cast.ward),
        patient.identity_number,
        estimated_discharge_date="2001-01-01",
    )
    assert response.context["form"].errors["estimated_discharge_date"]


def test_invalid_number_gets_a_plain_error(cast, login_as):
    response = post(login_as(cast.ward_nurse, cast.ward), "19121212-1213")
    assert response.status_code == 200
    assert response.context["form"].errors["identity"]
    assert not DischargeCase.objects.exists()


def test_menu_link_only_for_wards(cast, login_as):
    assert URL in login_as(cast.ward_nurse, cast.ward).get("/", follow=True).content.decode()
    assert (
        URL
        not in login_as(cast.home_care_nurse, cast.home_care).get("/", follow=True).content.decode()
    )
