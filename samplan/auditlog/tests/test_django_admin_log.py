"""The operator's Django admin shows access-log rows without naming the person."""

from samplan.auditlog.testing import log_access
from samplan.patients.testing import PatientFactory


def test_admin_row_page_shows_no_patient_identity(cast, client):
    patient = PatientFactory(first_name="Hemlig", last_name="Person")
    row = log_access(cast.ward_nurse, cast.ward, patient, searched_identity="")
    client.force_login(cast.superuser)
    page = client.get(f"/django-admin/auditlog/accesslogentry/{row.pk}/change/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Hemlig" not in html and patient.identity_number not in html
    assert str(patient.pk) in html
    listing = client.get("/django-admin/auditlog/accesslogentry/")
    assert listing.status_code == 200 and "Hemlig" not in listing.content.decode()
