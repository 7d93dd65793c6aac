"""PDFs: the person's copy of a version and the downtime form, blank and filled in; each is a
PDF, each is logged as a print, and a protected person's whereabouts never appear."""

import pytest
from django.urls import reverse

from samplan.auditlog.models import AccessLogEntry
from samplan.patients.models import Protection
from samplan.sip import documents
from samplan.sip.tests.conftest import finalised_plan, start, summon


def assert_pdf(response):
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Cache-Control"] == "no-store"
    assert response.content.startswith(b"%PDF")
    assert 5_000 < len(response.content) < 2_000_000


def last_print():
    return AccessLogEntry.objects.filter(action="print").order_by("-pk").first()


def test_version_pdf_is_a_pdf_and_logged_as_a_print(sip, login_as):
    plan = finalised_plan(sip)
    client = login_as(sip.psychologist, sip.bup)
    response = client.get(reverse("sip:version_pdf", kwargs={"plan_id": plan.pk, "number": 1}))
    assert_pdf(response)
    entry = last_print()
    assert (entry.patient, entry.unit, entry.user, entry.object_type) == (
        sip.child,
        sip.bup,
        sip.psychologist,
        "sipplan",
    )
    assert entry.detail == "sip_version_pdf|version=1"


def test_prefilled_form_is_a_pdf_and_logged(sip, login_as):
    plan = start(sip)
    client = login_as(sip.counsellor, sip.school)
    assert_pdf(client.get(reverse("sip:form_prefilled", kwargs={"plan_id": plan.pk})))
    assert last_print().patient == sip.child


def test_blank_form_is_a_pdf_and_logged_without_a_patient(sip, login_as):
    client = login_as(sip.social_worker, sip.social)
    assert_pdf(client.get(reverse("sip:form_blank")))
    entry = last_print()
    assert entry.patient is None and entry.detail == "sip_blank_form"


@pytest.fixture
def html_instead_of_pdf(monkeypatch):
    """The HTML the PDF is made from, to read what it says."""
    from django.template.loader import render_to_string

    def render(request, template, context):
        return render_to_string(template, context, request=request).encode()

    monkeypatch.setattr(documents, "render_pdf", render)


@pytest.mark.parametrize("name", ["sip:version_pdf", "sip:form_prefilled"])
def test_protected_identity_shows_no_address_or_phone(sip, login_as, html_instead_of_pdf, name):
    sip.child.protection = Protection.PROTECTED_REGISTRATION
    sip.child.phone = "070-123 45 67"
    sip.child.save()
    plan = start(sip)
    summon(sip, plan)
    client = login_as(sip.counsellor, sip.school)
    kwargs = {"plan_id": plan.pk}
    if name == "sip:version_pdf":
        kwargs["number"] = 1
    text = client.get(reverse(name, kwargs=kwargs)).content.decode()
    assert "Alva Ek" in text  # the units of the plan see the name
    assert "Skolvägen" not in text and "070-123 45 67" not in text
    assert "Skyddad identitet" in text


def test_unprotected_prefilled_form_has_the_contact_details(sip, login_as, html_instead_of_pdf):
    sip.child.phone = "070-123 45 67"
    sip.child.save()
    plan = start(sip)
    client = login_as(sip.counsellor, sip.school)
    text = client.get(reverse("sip:form_prefilled", kwargs={"plan_id": plan.pk})).content.decode()
    assert "Skolvägen 1" in text and "070-123 45 67" in text


def test_the_persons_copy_is_in_plain_swedish(sip, login_as, html_instead_of_pdf):
    plan = finalised_plan(sip)
    client = login_as(sip.counsellor, sip.school)
    text = client.get(
        reverse("sip:version_pdf", kwargs={"plan_id": plan.pk, "number": 1})
    ).content.decode()
    for words in ("Din samordnade individuella plan", "Dina mål", "Vem gör vad", "Uppföljning"):
        assert words in text
    assert "Samtal varje vecka" in text and "Karin Kurator" in text
