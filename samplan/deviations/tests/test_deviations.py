"""Reporting, handling and reading deviations: need-to-know, access log, states, double posts."""

from __future__ import annotations

import datetime
import uuid

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from samplan.accounts.models import Membership
from samplan.auditlog.models import AccessLogEntry, AdminChange
from samplan.core.actor import Actor
from samplan.deviations import access, services
from samplan.deviations.models import (
    AgreementDeviationTerms,
    Category,
    Deviation,
    DeviationNote,
    DeviationRecipient,
    DeviationSettings,
    DeviationState,
)
from samplan.organizations.models import Agreement

pytestmark = pytest.mark.django_db


def _report(cast, case=None, *, organizations=None, key=None, **kw):
    return services.deviation_report(
        actor=Actor(user=cast.home_care_nurse, unit=cast.home_care),
        category=kw.pop("category", Category.MESSAGE_LATE),
        occurred_at=kw.pop("occurred_at", timezone.now() - datetime.timedelta(hours=3)),
        description=kw.pop("description", "Inskrivningsmeddelandet kom två dagar för sent."),
        organization_ids=[o.pk for o in (organizations or [cast.region])],
        submission_key=key or uuid.uuid4().hex,
        case_id=case.pk if case is not None else None,
        **kw,
    )


@pytest.fixture
def case(build):
    case, _message = build.admitted()
    return case


def test_report_from_a_case_reaches_the_region_with_due_date(cast, handlers, case):
    deviation = _report(cast, case)
    assert deviation.patient == case.patient
    assert deviation.reporting_unit == cast.home_care
    recipient = deviation.recipients.get()
    assert recipient.organization == cast.region
    assert recipient.unit == handlers.region_unit
    assert recipient.state == DeviationState.RECEIVED
    assert recipient.due_on == timezone.localdate() + datetime.timedelta(days=14)
    # Reporting names the patient: one access-log row (create).
    entry = AccessLogEntry.objects.order_by("-pk").first()
    assert entry.patient_id == case.patient_id
    assert entry.action == "create"


def test_due_date_follows_the_agreement(cast, handlers, case):
    agreement = Agreement.objects.create(
        region=cast.region,
        municipality=cast.municipality,
        valid_from=timezone.localdate() - datetime.timedelta(days=30),
    )
    AgreementDeviationTerms.objects.create(agreement=agreement, answer_days=7)
    recipient = _report(cast, case).recipients.get()
    assert recipient.due_on == timezone.localdate() + datetime.timedelta(days=7)
    # A deviation between the municipality and the other municipality: no agreement, 14 days.
    other = _report(cast, organizations=[cast.other_municipality]).recipients.get()
    assert other.due_on == timezone.localdate() + datetime.timedelta(days=14)


def test_double_post_makes_one_deviation(cast, handlers, case):
    first = _report(cast, case, key="same")
    second = _report(cast, case, key="same")
    assert first.pk == second.pk
    assert Deviation.objects.count() == 1


@pytest.mark.parametrize(
    ("field", "kwargs"),
    [
        ("occurred_at", {"occurred_at": timezone.now() + datetime.timedelta(hours=2)}),
        ("description", {"description": "   "}),
        ("category", {"category": "made_up"}),
    ],
)
def test_bad_input_writes_nothing(cast, handlers, case, field, kwargs):
    with pytest.raises(ValidationError) as raised:
        _report(cast, case, **kwargs)
    assert field in raised.value.error_dict
    assert not Deviation.objects.exists()


def test_own_organisation_and_no_organisation_refused(cast, handlers):
    with pytest.raises(ValidationError):
        _report(cast, organizations=[cast.municipality])
    with pytest.raises(ValidationError):
        services.deviation_report(
            actor=Actor(user=cast.home_care_nurse, unit=cast.home_care),
            category=Category.OTHER,
            occurred_at=timezone.now(),
            description="x",
            organization_ids=[],
            submission_key="k",
        )
    assert not Deviation.objects.exists()


def test_forged_case_link_is_refused(cast, handlers, build):
    # A case the outsider unit does not take part in.
    case, _ = build.admitted()
    with pytest.raises(Http404):
        services.deviation_report(
            actor=Actor(user=cast.outsider, unit=cast.outsider_unit),
            category=Category.OTHER,
            occurred_at=timezone.now(),
            description="x",
            organization_ids=[cast.region.pk],
            submission_key="k",
            case_id=case.pk,
        )
    assert not Deviation.objects.exists()


def test_reporter_sees_patient_and_handler_does_not(cast, handlers, case):
    deviation = _report(cast, case)
    before = AccessLogEntry.objects.count()
    view = access.deviation_for_unit(
        Actor(user=cast.home_care_nurse, unit=cast.home_care), deviation.pk
    )
    assert view.patient_shown
    assert AccessLogEntry.objects.count() == before + 1
    handler_view = access.deviation_for_unit(
        Actor(user=handlers.region, unit=handlers.region_unit), deviation.pk
    )
    assert not handler_view.patient_shown
    assert handler_view.recipients == [deviation.recipients.get()]
    # No patient shown: no access-log row.
    assert AccessLogEntry.objects.count() == before + 1


def test_a_handler_whose_unit_takes_part_sees_the_patient(cast, handlers, case):
    """The ward itself as the region's receiving unit (it takes part in the case)."""
    DeviationSettings.objects.filter(organization=cast.region).update(receiving_unit=cast.ward)
    Membership.objects.create(user=handlers.region, unit=cast.ward, role="deviation_handler")
    deviation = _report(cast, case)
    view = access.deviation_for_unit(Actor(user=handlers.region, unit=cast.ward), deviation.pk)
    assert view.patient_shown


@pytest.mark.parametrize(
    "who",
    ["outsider", "other_handler", "handler_wrong_unit", "ward_nurse", "municipal_handler"],
)
def test_others_do_not_see_the_deviation(cast, handlers, case, who):
    deviation = _report(cast, case)
    actor = {
        "outsider": Actor(user=cast.outsider, unit=cast.outsider_unit),
        # A handler of an organisation not concerned.
        "other_handler": Actor(user=handlers.other, unit=handlers.other_unit),
        # The region's handler acting for another unit than the receiving one.
        "handler_wrong_unit": Actor(user=handlers.region, unit=cast.ward),
        # Another unit of the region concerned, without the handler role.
        "ward_nurse": Actor(user=cast.ward_nurse, unit=cast.ward),
        # The reporting organisation's own handler: not concerned.
        "municipal_handler": Actor(user=handlers.municipal, unit=handlers.municipal_unit),
    }[who]
    with pytest.raises(Http404):
        access.deviation_for_unit(actor, deviation.pk)


def test_a_revoked_handler_loses_access(cast, handlers, case):
    deviation = _report(cast, case)
    Membership.objects.filter(user=handlers.region).update(ended_at=timezone.now())
    handlers.region.refresh_from_db()
    with pytest.raises(Http404):
        access.deviation_for_unit(
            Actor(user=handlers.region, unit=handlers.region_unit), deviation.pk
        )


def test_states_answer_and_close(cast, handlers, case):
    deviation = _report(cast, case)
    recipient = deviation.recipients.get()
    handler = Actor(user=handlers.region, unit=handlers.region_unit)
    reporter = Actor(user=cast.home_care_nurse, unit=cast.home_care)
    # The reporter cannot answer or start the investigation.
    with pytest.raises(ValidationError):
        services.deviation_move(actor=reporter, recipient_id=recipient.pk, to="investigating")
    services.deviation_move(actor=handler, recipient_id=recipient.pk, to="investigating")
    # Answering needs a text.
    with pytest.raises(ValidationError):
        services.deviation_move(actor=handler, recipient_id=recipient.pk, to="answered")
    services.deviation_move(
        actor=handler, recipient_id=recipient.pk, to="answered", text="Rutinen är ändrad."
    )
    # A double post of the answer does nothing.
    services.deviation_move(actor=handler, recipient_id=recipient.pk, to="answered", text="x")
    recipient.refresh_from_db()
    assert recipient.state == DeviationState.ANSWERED
    assert recipient.answer == "Rutinen är ändrad."
    assert recipient.answered_by == handlers.region
    # The reporter reads the answer and closes.
    view = access.deviation_for_unit(reporter, deviation.pk)
    assert view.recipients[0].answer == "Rutinen är ändrad."
    services.deviation_move(actor=reporter, recipient_id=recipient.pk, to="closed")
    recipient.refresh_from_db()
    assert recipient.state == DeviationState.CLOSED
    assert recipient.closed_at is not None
    with pytest.raises(ValidationError):
        services.deviation_move(actor=handler, recipient_id=recipient.pk, to="investigating")
    with pytest.raises(ValidationError):
        services.deviation_comment(actor=handler, recipient_id=recipient.pk, text="Sent")
    kinds = list(DeviationNote.objects.filter(recipient=recipient).values_list("kind", flat=True))
    assert kinds == ["state", "answer", "state"]


def test_comments_from_both_sides_and_double_post(cast, handlers, case):
    recipient = _report(cast, case).recipients.get()
    handler = Actor(user=handlers.region, unit=handlers.region_unit)
    reporter = Actor(user=cast.home_care_nurse, unit=cast.home_care)
    services.deviation_comment(actor=handler, recipient_id=recipient.pk, text="Vilken dag?")
    services.deviation_comment(actor=reporter, recipient_id=recipient.pk, text="Måndag.")
    services.deviation_comment(actor=reporter, recipient_id=recipient.pk, text="Måndag.")
    assert DeviationNote.objects.filter(recipient=recipient, kind="comment").count() == 2
    # Someone else cannot comment.
    with pytest.raises(Http404):
        services.deviation_comment(
            actor=Actor(user=handlers.other, unit=handlers.other_unit),
            recipient_id=recipient.pk,
            text="x",
        )


def test_a_free_standing_deviation_has_no_patient(cast, handlers):
    deviation = _report(cast, organizations=[cast.region, cast.other_municipality])
    assert deviation.patient is None
    assert deviation.recipients.count() == 2
    view = access.deviation_for_unit(
        Actor(user=handlers.other, unit=handlers.other_unit), deviation.pk
    )
    assert [r.organization for r in view.recipients] == [cast.other_municipality]


def test_settings_only_for_administrators_and_in_history(cast, handlers):
    admin = Actor(user=cast.region_local_admin, unit=cast.care_centre)
    services.deviation_settings_update(
        actor=admin, organization=cast.region, receiving_unit=cast.care_centre
    )
    assert (
        DeviationSettings.objects.get(organization=cast.region).receiving_unit == cast.care_centre
    )
    assert AdminChange.objects.filter(target_type="deviationsettings").count() == 1
    with pytest.raises(PermissionDenied):
        services.deviation_settings_update(
            actor=Actor(user=cast.outsider_admin, unit=cast.outsider_unit),
            organization=cast.region,
            receiving_unit=None,
        )
    with pytest.raises(ValidationError):
        services.deviation_settings_update(
            actor=admin, organization=cast.region, receiving_unit=cast.home_care
        )


def test_a_deviation_waits_for_a_receiving_unit(cast, handlers):
    DeviationSettings.objects.filter(organization=cast.region).update(receiving_unit=None)
    recipient = _report(cast).recipients.get()
    assert recipient.unit is None
    services.deviation_settings_update(
        actor=Actor(user=cast.region_local_admin, unit=cast.care_centre),
        organization=cast.region,
        receiving_unit=handlers.region_unit,
    )
    recipient.refresh_from_db()
    assert recipient.unit == handlers.region_unit


# --- Pages -------------------------------------------------------------------------------------


def test_report_page_from_a_case(cast, handlers, case, login_as):
    client = login_as(cast.home_care_nurse, cast.home_care)
    url = reverse("deviations:new") + f"?arende={case.pk}"
    page = client.get(url)
    assert page.status_code == 200
    form = page.context["form"]
    # The region, which takes part in the case, is proposed and ticked.
    assert list(form.fields["organizations"].queryset) == [cast.region]
    key = form.initial["submission_key"]
    data = {
        "submission_key": key,
        "occurred_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
        "category": Category.INFORMATION,
        "description": "Läkemedelslistan saknades.",
        "organizations": [cast.region.pk],
    }
    response = client.post(url, data)
    deviation = Deviation.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("deviations:detail", args=[deviation.pk])
    assert deviation.case == case
    # Posted twice: still one.
    client.post(url, data)
    assert Deviation.objects.count() == 1
    detail = client.get(response["Location"])
    assert case.patient.last_name in detail.content.decode()


def test_report_page_refuses_a_forged_organisation_and_a_forged_case(
    cast, handlers, case, login_as, build
):
    client = login_as(cast.home_care_nurse, cast.home_care)
    url = reverse("deviations:new") + f"?arende={case.pk}"
    data = {
        "submission_key": "x",
        "occurred_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
        "category": Category.OTHER,
        "description": "x",
        "organizations": [cast.other_municipality.pk],  # not proposed for this case
    }
    response = client.post(url, data)
    assert response.status_code == 200
    assert response.context["form"].errors["organizations"]
    data["organizations"] = []
    data["other_organization"] = "99999999999999999999"
    assert client.post(url, data).status_code == 200
    assert not Deviation.objects.exists()
    # A case the unit does not take part in.
    outsider = login_as(cast.outsider, cast.outsider_unit)
    assert outsider.get(url).status_code == 404
    assert outsider.get(reverse("deviations:new") + "?arende=abc").status_code == 404


def test_report_page_future_time_plain_error(cast, handlers, login_as):
    client = login_as(cast.home_care_nurse, cast.home_care)
    response = client.post(
        reverse("deviations:new"),
        {
            "submission_key": "x",
            "occurred_at": (timezone.localtime() + datetime.timedelta(days=1)).strftime(
                "%Y-%m-%dT%H:%M"
            ),
            "category": Category.OTHER,
            "description": "x",
            "other_organization": cast.region.pk,
        },
    )
    assert response.status_code == 200
    assert "framtiden" in response.content.decode()
    assert not Deviation.objects.exists()


def test_handler_inbox_hides_the_patient_and_answers(cast, handlers, case, login_as):
    deviation = _report(cast, case)
    client = login_as(handlers.region, handlers.region_unit)
    page = client.get(reverse("deviations:received"))
    assert page.status_code == 200
    text = page.content.decode()
    assert deviation.number in text
    assert case.patient.last_name not in text
    detail = client.get(reverse("deviations:detail", args=[deviation.pk]))
    assert case.patient.last_name not in detail.content.decode()
    recipient = deviation.recipients.get()
    client.post(
        reverse("deviations:move", args=[recipient.pk]), {"to": "answered", "text": "Åtgärdat."}
    )
    recipient.refresh_from_db()
    assert recipient.state == DeviationState.ANSWERED
    # The reporter reads the answer.
    reporter = login_as(cast.home_care_nurse, cast.home_care)
    page = reporter.get(reverse("deviations:detail", args=[deviation.pk]))
    assert "Åtgärdat." in page.content.decode()


def test_inbox_not_for_others(cast, handlers, login_as):
    assert (
        login_as(cast.ward_nurse, cast.ward).get(reverse("deviations:received")).status_code == 404
    )
    assert (
        login_as(cast.region_local_admin, cast.care_centre)
        .get(reverse("deviations:reported"))
        .status_code
        == 404
    )


def test_inbox_query_count_is_fixed(cast, handlers, build, login_as, django_assert_num_queries):
    for _ in range(3):
        case, _message = build.admitted()
        _report(cast, case)
    client = login_as(cast.home_care_nurse, cast.home_care)
    client.get(reverse("deviations:reported"))  # warm the session
    # PostgreSQL chains the access log's rows in one statement (lock, insert, head); SQLite
    # takes three (as in api's tests).
    queries = 7 if connection.vendor == "postgresql" else 9
    with django_assert_num_queries(queries):
        client.get(reverse("deviations:reported"))
    for _ in range(3):
        case, _message = build.admitted()
        _report(cast, case)
    with django_assert_num_queries(queries):
        page = client.get(reverse("deviations:reported"))
    assert len(page.context["page"].object_list) == 6
    handler = login_as(handlers.region, handlers.region_unit)
    handler.get(reverse("deviations:received"))
    with django_assert_num_queries(6):
        handler.get(reverse("deviations:received"))


def test_exports(cast, handlers, case, login_as):
    deviation = _report(cast, case, description='=HYPERLINK("x")')
    client = login_as(cast.home_care_nurse, cast.home_care)
    before = AccessLogEntry.objects.count()
    csv = client.get(reverse("deviations:reported") + "?format=csv")
    assert csv["Content-Type"].startswith("text/csv")
    body = csv.content.decode("utf-8-sig")
    assert deviation.number in body
    assert case.patient.last_name in body
    assert "'=HYPERLINK" in body
    assert AccessLogEntry.objects.filter(action="export").count() == 1
    xlsx = client.get(reverse("deviations:reported") + "?format=xlsx&state=all")
    assert xlsx.content[:2] == b"PK"
    pdf = client.get(reverse("deviations:pdf", args=[deviation.pk]))
    assert pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    assert AccessLogEntry.objects.filter(action="print").count() == 1
    assert AccessLogEntry.objects.count() == before + 3
    # The handler's export does not name the patient.
    handler = login_as(handlers.region, handlers.region_unit)
    body = handler.get(reverse("deviations:received") + "?format=csv").content.decode("utf-8-sig")
    assert deviation.number in body
    assert case.patient.last_name not in body


def test_settings_page(cast, handlers, login_as):
    client = login_as(cast.region_local_admin, cast.care_centre)
    url = reverse("deviations:settings", args=[cast.region.pk])
    assert client.get(url).status_code == 200
    client.post(url, {"receiving_unit": cast.care_centre.pk})
    assert (
        DeviationSettings.objects.get(organization=cast.region).receiving_unit == cast.care_centre
    )
    # A unit of another organisation is not a choice (forged field).
    response = client.post(url, {"receiving_unit": cast.home_care.pk})
    assert response.status_code == 200 and response.context["form"].errors
    other = login_as(cast.outsider_admin, cast.outsider_unit)
    assert other.get(url).status_code == 404


def test_report_buttons_on_case_message_and_plan_pages(cast, handlers, case, login_as):
    client = login_as(cast.home_care_nurse, cast.home_care)
    page = client.get(reverse("discharge:case_detail", args=[case.pk]))
    assert reverse("deviations:new") + f"?arende={case.pk}" in page.content.decode()
    message = case.message_links.first().message
    page = client.get(reverse("messaging:message_detail", args=[message.pk]))
    assert reverse("deviations:new") + f"?meddelande={message.pk}" in page.content.decode()


def test_reporter_list_after_leaving_the_case_hides_the_patient(cast, handlers, case):
    deviation = _report(cast, case)
    from samplan.discharge.models import CaseParticipant

    CaseParticipant.objects.filter(case=case, unit=cast.home_care).update(left_at=timezone.now())
    view = access.deviation_for_unit(
        Actor(user=cast.home_care_nurse, unit=cast.home_care), deviation.pk
    )
    assert not view.patient_shown
    assert DeviationRecipient.objects.count() == 1


def test_answer_days_per_agreement_page(cast, handlers, login_as):
    agreement = Agreement.objects.create(
        region=cast.region,
        municipality=cast.municipality,
        valid_from=timezone.localdate() - datetime.timedelta(days=30),
    )
    url = reverse("deviations:agreement", args=[agreement.pk])
    client = login_as(cast.municipal_system_admin, cast.municipal_admin_unit)
    page = client.get(url)
    assert page.status_code == 200 and page.context["form"].initial["answer_days"] == 14
    assert (
        url in client.get(reverse("discharge:agreement_edit", args=[agreement.pk])).content.decode()
    )
    assert client.post(url, {"answer_days": 0}).status_code == 200
    client.post(url, {"answer_days": 10})
    assert AgreementDeviationTerms.objects.get(agreement=agreement).answer_days == 10
    assert AdminChange.objects.filter(target_type="agreementdeviationterms").count() == 2
    recipient = _report(cast).recipients.get()
    assert recipient.due_on == timezone.localdate() + datetime.timedelta(days=10)
    # A local administrator (not a system administrator of a party) may not.
    other = login_as(cast.municipal_local_admin, cast.municipal_admin_unit)
    assert other.get(url).status_code == 404


def test_index_leads_each_to_their_page(cast, handlers, login_as):
    index = reverse("deviations:index")
    assert login_as(handlers.region, handlers.region_unit).get(index)["Location"] == reverse(
        "deviations:received"
    )
    assert login_as(cast.home_care_nurse, cast.home_care).get(index)["Location"] == reverse(
        "deviations:reported"
    )
    admin = login_as(cast.municipal_local_admin, cast.municipal_admin_unit).get(index)
    assert admin["Location"] == reverse("deviations:settings", args=[cast.municipality.pk])
