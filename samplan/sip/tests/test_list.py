"""The SIP list of a unit: which plans, what each waits for, paging at a fixed query count."""

import datetime
from zoneinfo import ZoneInfo

import time_machine
from django.urls import reverse

from samplan.auditlog.models import AccessLogEntry
from samplan.patients.testing import PatientFactory
from samplan.sip import services, versions
from samplan.sip.models import SipPlan
from samplan.sip.tests.conftest import (
    accept,
    accept_all,
    finalised_plan,
    req,
    start,
    summon,
    write,
)

STOCKHOLM = ZoneInfo("Europe/Stockholm")
LIST = reverse("sip:list")


def rows(response):
    return response.context["rows"]


def test_the_list_shows_unanswered_summons_and_unsigned_parts(sip, login_as):
    plan = start(sip)
    summon(sip, plan)
    accept(sip, plan, sip.psychologist, sip.bup)
    write(sip, plan)
    plan.refresh_from_db()
    versions.sip_sign(actor=req(sip.counsellor, sip.school, card=True), plan=plan, password=None)
    [row] = rows(login_as(sip.counsellor, sip.school).get(LIST))
    assert row.plan == plan
    assert row.unanswered == 1  # social services
    assert row.unsigned == 1  # BUP accepted and has not signed; the school signed
    assert row.consent_active


def test_the_list_shows_the_next_follow_up(sip, login_as):
    plan = finalised_plan(sip)
    [row] = rows(login_as(sip.social_worker, sip.social).get(LIST))
    assert row.plan.next_follow_up == plan.current_version.follow_up_date
    assert row.unsigned == 0
    page = login_as(sip.social_worker, sip.social).get(LIST).content.decode()
    assert plan.current_version.follow_up_date.isoformat() in page


def test_a_summoned_unit_sees_its_answer_deadline_and_overdue(sip, login_as):
    with time_machine.travel(datetime.datetime(2030, 3, 11, 9, 0, tzinfo=STOCKHOLM), tick=False):
        plan = start(sip)
        summon(sip, plan)
    with time_machine.travel(datetime.datetime(2030, 3, 11, 12, 30, tzinfo=STOCKHOLM)):
        response = login_as(sip.psychologist, sip.bup).get(LIST)
        [row] = rows(response)
        assert row.plan == plan
        assert row.answer_overdue and row.delivery_overdue
        assert "försenad" in response.content.decode()


def test_units_without_need_to_know_do_not_list_the_plan(sip, login_as):
    plan = start(sip)
    assert rows(login_as(sip.psychologist, sip.bup).get(LIST)) == []  # not yet summoned
    summon(sip, plan)
    services.sip_answer(
        actor=req(sip.social_worker, sip.social), plan=plan, accept=False, reason="Nej"
    )
    assert rows(login_as(sip.social_worker, sip.social).get(LIST)) == []
    assert rows(login_as(sip.cast.outsider, sip.cast.outsider_unit).get(LIST)) == []


def test_closed_plans_only_when_asked(sip, login_as):
    plan = start(sip)
    services.sip_close(actor=req(sip.counsellor, sip.school), plan=plan, reason="not_needed")
    client = login_as(sip.counsellor, sip.school)
    assert rows(client.get(LIST)) == []
    assert [r.plan for r in rows(client.get(LIST + "?visa=alla"))] == [plan]


def _plans(sip, count):
    for _ in range(count):
        plan = start(sip, patient=PatientFactory())
        summon(sip, plan)
        accept_all(sip, plan)
        write(sip, plan)


def test_the_list_runs_a_fixed_number_of_queries(sip, login_as, django_assert_max_num_queries):
    client = login_as(sip.counsellor, sip.school)
    _plans(sip, 2)
    client.get(LIST)  # warm the session and caches
    with django_assert_max_num_queries(12) as few:
        assert len(rows(client.get(LIST))) == 2
    _plans(sip, 6)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert len(rows(client.get(LIST))) == 8


def test_the_list_logs_every_person_it_shows(sip, login_as):
    client = login_as(sip.counsellor, sip.school)
    _plans(sip, 2)
    before = set(AccessLogEntry.objects.values_list("pk", flat=True))
    html = client.get(LIST).content.decode()
    written = AccessLogEntry.objects.exclude(pk__in=before)
    shown = SipPlan.objects.filter(participants__unit=sip.school).values_list("patient", flat=True)
    assert {row.patient_id for row in written} == set(shown) and len(shown) == 2
    for row in written:
        assert (row.user, row.unit, row.object_type) == (sip.counsellor, sip.school, "sipplan")
        assert row.detail == "SIP list, page 1" and row.patient.last_name in html
