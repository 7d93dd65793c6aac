"""Samtycke: record, withdraw, active_consent by scope, the consent UI and its log rows."""

import datetime
import uuid

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from samplan.auditlog.models import AccessLogEntry
from samplan.patients.models import Consent, ConsentGiver, ConsentScope
from samplan.patients.selectors import active_consent
from samplan.patients.services import consent_record, consent_withdraw
from samplan.patients.testing import PatientFactory

AN_HOUR_AGO = timezone.now() - datetime.timedelta(hours=1)


@pytest.fixture
def patient(cast, relate):
    patient = PatientFactory()
    relate(cast.ward, patient)
    relate(cast.care_centre, patient)
    return patient


def record(request, patient, **overrides):
    values = {
        "given_by": ConsentGiver.PERSON,
        "given_at": timezone.now() - datetime.timedelta(hours=1),
        "scope": ConsentScope.SIP,
    }
    values.update(overrides)
    return consent_record(actor=request, patient=patient, **values)


def test_record_and_active_consent_by_scope(cast, acting, patient):
    assert active_consent(patient, ConsentScope.SIP) is None
    consent = record(acting(cast.ward_nurse, cast.ward), patient, exclusions="Inte till skolan")
    assert consent.recorded_by == cast.ward_nurse and consent.recorded_by_unit == cast.ward
    assert consent.exclusions == "Inte till skolan"
    assert active_consent(patient, ConsentScope.SIP) == consent
    assert active_consent(patient, ConsentScope.INFORMATION_SHARING) is None
    assert active_consent(PatientFactory(), ConsentScope.SIP) is None


def test_withdrawn_consent_is_not_active(cast, acting, patient):
    consent = record(acting(cast.ward_nurse, cast.ward), patient)
    withdrawn = consent_withdraw(
        actor=acting(cast.care_centre_nurse, cast.care_centre),
        consent=consent,
        reason="Vill inte längre",
    )
    assert withdrawn.withdrawn_at is not None
    assert withdrawn.withdrawn_by == cast.care_centre_nurse
    assert withdrawn.withdrawn_by_unit == cast.care_centre
    assert withdrawn.withdrawn_reason == "Vill inte längre"
    assert active_consent(patient, ConsentScope.SIP) is None
    # A newer consent of the same scope is active again.
    newer = record(acting(cast.ward_nurse, cast.ward), patient)
    assert active_consent(patient, ConsentScope.SIP) == newer


def test_withdrawing_twice_changes_nothing(cast, acting, patient):
    request = acting(cast.ward_nurse, cast.ward)
    consent = record(request, patient)
    first = consent_withdraw(actor=request, consent=consent, reason="a")
    second = consent_withdraw(actor=request, consent=consent, reason="b")
    assert second.withdrawn_at == first.withdrawn_at and second.withdrawn_reason == "a"
    assert AccessLogEntry.objects.filter(detail="consent_withdrawn").count() == 1


def test_a_consent_given_later_than_now_is_not_active_yet(cast, acting, patient):
    record(
        acting(cast.ward_nurse, cast.ward),
        patient,
        given_at=timezone.now() + datetime.timedelta(minutes=3),
    )
    assert active_consent(patient, ConsentScope.SIP) is None


def test_guardian_must_be_named(cast, acting, patient):
    with pytest.raises(ValidationError) as error:
        record(acting(cast.ward_nurse, cast.ward), patient, given_by=ConsentGiver.GUARDIAN)
    assert "given_by_name" in error.value.error_dict
    consent = record(
        acting(cast.ward_nurse, cast.ward),
        patient,
        given_by=ConsentGiver.GUARDIAN,
        given_by_name="Anna Andersson",
        given_by_relation="mor",
    )
    assert (consent.given_by_name, consent.given_by_relation) == ("Anna Andersson", "mor")


def test_consent_cannot_be_given_in_the_future(cast, acting, patient):
    with pytest.raises(ValidationError) as error:
        record(
            acting(cast.ward_nurse, cast.ward),
            patient,
            given_at=timezone.now() + datetime.timedelta(days=1),
        )
    assert "given_at" in error.value.error_dict


def test_same_form_token_records_once(cast, acting, patient):
    token = uuid.uuid4()
    request = acting(cast.ward_nurse, cast.ward)
    first = record(request, patient, form_token=token)
    second = record(request, patient, form_token=token)
    assert first == second
    assert Consent.objects.count() == 1


def test_recording_needs_a_relation(cast, acting, patient):
    with pytest.raises(PermissionDenied):
        record(acting(cast.outsider, cast.outsider_unit), patient)


def test_record_and_withdraw_are_access_logged(cast, acting, patient):
    request = acting(cast.ward_nurse, cast.ward)
    consent = record(request, patient)
    consent_withdraw(actor=request, consent=consent)
    rows = AccessLogEntry.objects.filter(object_type="consent").order_by("pk")
    assert [(r.action, r.patient_id, r.object_id) for r in rows] == [
        ("create", patient.pk, str(consent.pk)),
        ("update", patient.pk, str(consent.pk)),
    ]


# --- the views ---


def form_data(**overrides):
    data = {
        "given_by": "person",
        "given_by_name": "",
        "given_by_relation": "",
        "given_at": AN_HOUR_AGO.astimezone().strftime("%Y-%m-%dT%H:%M"),
        "scope": "information_sharing",
        "scope_text": "Avd 1 och Hemtjänst Öst",
        "exclusions": "",
        "form_token": str(uuid.uuid4()),
    }
    data.update(overrides)
    return data


def test_record_view_double_post_records_once(client, cast, login_as, patient):
    login_as(cast.ward_nurse, cast.ward)
    url = reverse("patients:consent_new", args=[patient.pk])
    page = client.get(url).content.decode()
    assert "Registrera samtycke" in page and 'name="form_token"' in page
    data = form_data()
    first = client.post(url, data)
    second = client.post(url, data)
    assert first.status_code == second.status_code == 302
    consent = Consent.objects.get()
    assert consent.scope == ConsentScope.INFORMATION_SHARING
    assert consent.scope_text == "Avd 1 och Hemtjänst Öst"
    detail = client.get(reverse("patients:detail", args=[patient.pk])).content.decode()
    assert "Avd 1 och Hemtjänst Öst" in detail and "Gällande" in detail


def test_record_view_shows_swedish_errors_and_keeps_input(client, cast, login_as, patient):
    login_as(cast.ward_nurse, cast.ward)
    response = client.post(
        reverse("patients:consent_new", args=[patient.pk]),
        form_data(given_by="guardian", exclusions="Inte skolan"),
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "Ange namnet på vårdnadshavaren eller ställföreträdaren." in html
    assert "Inte skolan" in html
    assert not Consent.objects.exists()


@pytest.mark.parametrize("who", ["outsider", "home_care_nurse"])
def test_record_view_for_a_unit_without_relation_is_404(client, cast, login_as, patient, who):
    user = getattr(cast, who)
    unit = cast.outsider_unit if who == "outsider" else cast.home_care
    login_as(user, unit)
    response = client.post(reverse("patients:consent_new", args=[patient.pk]), form_data())
    assert response.status_code == 404
    assert not Consent.objects.exists()


def test_withdraw_view_confirms_first(client, cast, login_as, acting, patient):
    consent = record(acting(cast.ward_nurse, cast.ward), patient)
    login_as(cast.care_centre_nurse, cast.care_centre)
    url = reverse("patients:consent_withdraw", args=[patient.pk, consent.pk])
    page = client.get(url).content.decode()
    assert "Är du säker på att du vill återkalla samtycket?" in page
    consent.refresh_from_db()
    assert consent.withdrawn_at is None
    response = client.post(url, {"reason": "Ändrat sig"})
    assert response.status_code == 302
    consent.refresh_from_db()
    assert consent.withdrawn_at is not None and consent.withdrawn_reason == "Ändrat sig"
    detail = client.get(reverse("patients:detail", args=[patient.pk])).content.decode()
    assert "Återkallat" in detail and "Ändrat sig" in detail


def test_withdraw_view_with_forged_ids_is_404(client, cast, login_as, acting, patient):
    other = PatientFactory()
    other_consent = record(acting(cast.ward_nurse, cast.ward), patient)
    other_consent.patient = other
    other_consent.save()
    own = record(acting(cast.ward_nurse, cast.ward), patient)
    login_as(cast.ward_nurse, cast.ward)
    # A consent of a patient the unit cannot see, through a patient it can.
    forged = reverse("patients:consent_withdraw", args=[patient.pk, other_consent.pk])
    assert client.post(forged, {"reason": ""}).status_code == 404
    # A consent of a visible patient, asked for through an invisible one.
    forged = reverse("patients:consent_withdraw", args=[other.pk, own.pk])
    assert client.post(forged, {"reason": ""}).status_code == 404
    assert not Consent.objects.filter(withdrawn_at__isnull=False).exists()


def test_withdraw_view_other_organisation_is_404(client, cast, login_as, acting, patient):
    consent = record(acting(cast.ward_nurse, cast.ward), patient)
    login_as(cast.outsider, cast.outsider_unit)
    url = reverse("patients:consent_withdraw", args=[patient.pk, consent.pk])
    assert client.get(url).status_code == 404
    assert client.post(url, {"reason": ""}).status_code == 404


def test_consent_views_anonymous_go_to_login(client, patient):
    url = reverse("patients:consent_new", args=[patient.pk])
    response = client.get(url)
    assert response.status_code == 302 and "/konto/" in response.url


def test_consent_list_runs_a_fixed_number_of_queries(
    client, cast, login_as, acting, patient, django_assert_max_num_queries
):
    login_as(cast.ward_nurse, cast.ward)
    url = reverse("patients:detail", args=[patient.pk])
    record(acting(cast.ward_nurse, cast.ward), patient)
    client.get(url)  # warm the session
    # Budget: the page itself plus one EXISTS per registered need-to-know relation (cases,
    # patient filters, residence lists, ...); what matters is that it does not grow below.
    with django_assert_max_num_queries(16) as few:  # incl. the chained access-log row
        client.get(url)
    for n in range(15):
        consent = record(acting(cast.care_centre_nurse, cast.care_centre), patient)
        if n % 2:
            consent_withdraw(actor=acting(cast.ward_nurse, cast.ward), consent=consent)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(url)
    assert response.content.decode().count('data-testid="consent-row"') == 16


def test_a_form_token_of_another_patient_is_refused(cast, acting, patient, relate):
    other = PatientFactory()
    relate(cast.ward, other)
    token = uuid.uuid4()
    request = acting(cast.ward_nurse, cast.ward)
    record(request, patient, form_token=token)
    with pytest.raises(ValidationError):
        record(request, other, form_token=token)
    assert Consent.objects.count() == 1
