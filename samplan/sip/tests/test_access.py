"""Need-to-know for plans: who sees a plan, logged; the relation opens the person; reassign."""

import datetime

import pytest
from django.http import Http404
from django.utils import timezone

from samplan.auditlog.models import AccessLogEntry
from samplan.patients.access import unit_may_see_patient
from samplan.patients.merging import registered_reassigns
from samplan.patients.relations import registered_relations
from samplan.patients.services import patient_link_reserve
from samplan.patients.testing import ReservePatientFactory, make_personnummer
from samplan.sip import services
from samplan.sip.access import can_finalise_sip, can_sign_sip_part, plan_for_unit
from samplan.sip.models import SipPlan
from samplan.sip.tests.conftest import req, start, summon
from samplan.testing import UnitFactory, user_with_role

# Both ways in: alone, and with every row of the plan in the same query (the plan page).
BOTH_WAYS = pytest.mark.parametrize("with_participants", [False, True])


@BOTH_WAYS
def test_initiator_sees_the_plan_and_the_view_is_logged(sip, with_participants):
    plan = start(sip)
    before = AccessLogEntry.objects.count()
    found = plan_for_unit(
        req(sip.counsellor, sip.school), plan.pk, with_participants=with_participants
    )
    assert found == plan and found.viewer.is_initiator
    entry = AccessLogEntry.objects.order_by("-pk").first()
    assert AccessLogEntry.objects.count() == before + 1
    assert (entry.patient, entry.unit, entry.action, entry.object_type) == (
        sip.child,
        sip.school,
        "view",
        "sipplan",
    )
    assert not entry.not_participant


@BOTH_WAYS
def test_units_chosen_but_not_yet_summoned_do_not_see_the_plan(sip, with_participants):
    plan = start(sip)
    with pytest.raises(Http404):
        plan_for_unit(req(sip.psychologist, sip.bup), plan.pk, with_participants=with_participants)
    assert not unit_may_see_patient(sip.bup, sip.child)


@BOTH_WAYS
def test_a_summoned_unit_sees_the_plan_until_it_declines(sip, with_participants):
    plan = start(sip)
    summon(sip, plan)
    assert (
        plan_for_unit(
            req(sip.social_worker, sip.social), plan.pk, with_participants=with_participants
        )
        == plan
    )
    assert unit_may_see_patient(sip.social, sip.child)
    services.sip_answer(
        actor=req(sip.social_worker, sip.social), plan=plan, accept=False, reason="Nej"
    )
    before = AccessLogEntry.objects.count()
    with pytest.raises(Http404):
        plan_for_unit(
            req(sip.social_worker, sip.social), plan.pk, with_participants=with_participants
        )
    assert AccessLogEntry.objects.count() == before  # nothing seen, nothing logged
    assert not unit_may_see_patient(sip.social, sip.child)


@BOTH_WAYS
@pytest.mark.parametrize("who", ["other_unit", "other_org", "admin", "no_unit"])
def test_others_get_404(sip, who, with_participants):
    plan = start(sip)
    summon(sip, plan)
    cast = sip.cast
    user, unit = {
        # Another unit of the same municipality as the school and social services.
        "other_unit": (cast.home_care_nurse, cast.home_care),
        "other_org": (cast.outsider, cast.outsider_unit),
        # An administrator of the initiating unit never reads plans by that role alone.
        "admin": (user_with_role("skoladmin", sip.school, "local_admin"), sip.school),
        "no_unit": (sip.counsellor, None),
    }[who]
    with pytest.raises(Http404):
        plan_for_unit(req(user, unit), plan.pk, with_participants=with_participants)


@BOTH_WAYS
def test_forged_id_gives_404(sip, with_participants):
    plan = start(sip)
    with pytest.raises(Http404):
        plan_for_unit(
            req(sip.counsellor, sip.school), plan.pk + 999, with_participants=with_participants
        )


@BOTH_WAYS
def test_user_of_a_sub_unit_does_not_see_the_parents_plans(sip, with_participants):
    child_unit = UnitFactory(organization=sip.cast.municipality, parent=sip.school)
    user = user_with_role("underenhet", child_unit)
    plan = start(sip)
    with pytest.raises(Http404):
        plan_for_unit(req(user, child_unit), plan.pk, with_participants=with_participants)


def test_the_plan_page_gets_every_unit_of_the_plan_with_its_own_row(sip):
    plan = start(sip, units=[sip.bup, sip.social])
    summon(sip, plan)
    services.sip_answer(
        actor=req(sip.social_worker, sip.social), plan=plan, accept=False, reason="Nej"
    )
    found = plan_for_unit(req(sip.psychologist, sip.bup), plan.pk, with_participants=True)
    rows = found.participant_rows  # value rows (PageParticipant), naming their units
    assert rows[0].unit_id == sip.school.pk  # the initiator first; then the summoned, by name
    assert rows[0].unit.name == sip.school.name
    assert rows[0].unit.organization.name == sip.school.organization.name
    answers = {p.unit_id: p.answer for p in rows}
    assert answers == {sip.school.pk: "accepted", sip.bup.pk: "pending", sip.social.pk: "declined"}
    assert any(p is found.participation for p in rows) and found.participation.unit_id == sip.bup.pk
    assert not hasattr(plan_for_unit(req(sip.psychologist, sip.bup), plan.pk), "participant_rows")


def test_signing_and_finalising_rights(sip):
    assert can_sign_sip_part(sip.psychologist, sip.bup, sip.bup.pk)
    assert not can_sign_sip_part(sip.psychologist, sip.bup, sip.school.pk)  # another unit's part
    assert not can_sign_sip_part(sip.counsellor, sip.bup, sip.bup.pk)  # no membership there
    admin = user_with_role("admin2", sip.bup, "local_admin")
    assert not can_sign_sip_part(admin, sip.bup, sip.bup.pk)
    manager = user_with_role("chef2", sip.bup, "manager")
    assert can_sign_sip_part(manager, sip.bup, sip.bup.pk)
    assert can_finalise_sip(sip.counsellor, sip.school, sip.counsellor.pk, sip.school.pk)
    assert not can_finalise_sip(sip.counsellor, sip.school, sip.counsellor.pk, sip.bup.pk)
    assert not can_finalise_sip(sip.psychologist, sip.bup, sip.counsellor.pk, sip.school.pk)
    assert not can_finalise_sip(sip.counsellor, sip.school, None, None)


def test_relation_and_reassign_are_registered():
    assert "sip.participant" in registered_relations()
    assert "sip.plans" in registered_reassigns()


def test_linking_a_reserve_number_moves_the_plan(sip):
    reserve = ReservePatientFactory(first_name="Okänd", last_name="Flicka")
    plan = start(sip, patient=reserve)
    summon(sip, plan)
    link = patient_link_reserve(
        actor=req(sip.counsellor, sip.school),
        reserve_patient=reserve,
        identity=make_personnummer(),
    )
    plan = SipPlan.objects.get(pk=plan.pk)
    assert plan.patient == link.to_patient
    assert link.moved["sip.plans"] == 1
    assert plan.messages.get().message.patient == link.to_patient
    assert plan_for_unit(req(sip.psychologist, sip.bup), plan.pk).patient == link.to_patient


def _newer_consent(plan, **changes):
    """Another consent for the plan's person (as the patient page records one)."""
    from samplan.patients.models import Consent

    consent = Consent.objects.get(pk=plan.consent_id)
    consent.pk = None
    consent.given_at = changes.pop("given_at", timezone.now())
    for name, value in changes.items():
        setattr(consent, name, value)
    consent.save()
    return consent


@pytest.mark.parametrize(
    "case",
    [
        "the plan's",
        "none",
        "withdrawn",
        "newer elsewhere",
        "not given yet",
        "other scope",
        "not yet the plan's",
    ],
)
def test_the_plan_pages_consent_is_the_active_consent(sip, django_assert_num_queries, case):
    """The plan page's read finds the active consent's id (access.ACTIVE_CONSENT_ID): the
    page shows what active_consent gives, reading it only when it is not the plan's own (the
    consent the summons was sent under)."""
    from samplan.patients.models import Consent, ConsentScope
    from samplan.patients.selectors import active_consent
    from samplan.sip.selectors import page_consent

    plan = start(sip, consent=case != "none")
    if case not in ("none", "not yet the plan's"):
        summon(sip, plan)
        plan.refresh_from_db()
    if case == "withdrawn":
        Consent.objects.filter(pk=plan.consent_id).update(withdrawn_at=timezone.now())
    elif case == "newer elsewhere":
        _newer_consent(plan)
    elif case == "not given yet":
        _newer_consent(plan, given_at=timezone.now() + datetime.timedelta(days=1))
    elif case == "other scope":
        _newer_consent(plan, scope=next(s for s in ConsentScope if s != ConsentScope.SIP))
    found = plan_for_unit(req(sip.counsellor, sip.school), plan.pk, with_participants=True)
    expected = active_consent(plan.patient, ConsentScope.SIP)
    with django_assert_num_queries(1 if case in ("newer elsewhere", "not yet the plan's") else 0):
        consent = page_consent(found)
    assert (consent and consent.pk) == (expected and expected.pk)
    if consent is not None:
        for name in ("given_by", "given_at", "given_by_name", "given_by_relation", "exclusions"):
            assert getattr(consent, name) == getattr(expected, name)
    alone = plan_for_unit(req(sip.counsellor, sip.school), plan.pk)
    assert (page_consent(alone) and page_consent(alone).pk) == (expected and expected.pk)
