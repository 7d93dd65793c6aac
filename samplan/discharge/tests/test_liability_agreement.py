"""The case page and the reports work out payment liability through one function
(liability.stay_liability), so they give every case the same reasons; and the reasons read
right for a patient still in hospital."""

from __future__ import annotations

import datetime
import random

from samplan.discharge.case_page import case_overview
from samplan.discharge.liability import LiabilityReason, ReasonCode
from samplan.reports.facts import NOT_FAILURES, refresh
from samplan.reports.models import CaseFact
from samplan.reports.testing import CaseBuilder, M, local


def _seconds(rng: random.Random) -> datetime.timedelta:
    return datetime.timedelta(seconds=rng.randint(0, 59), microseconds=rng.randint(0, 999999))


def _generate(cast, rng: random.Random) -> CaseBuilder:
    admitted = local(2026, 1, 1, 0) + datetime.timedelta(minutes=rng.randint(0, 60 * 24 * 40))
    built = CaseBuilder(
        cast.ward,
        cast.municipality,
        admitted,
        cast.ward_nurse,
        care_contact_needed=rng.random() < 0.8,
        sip_needed=rng.random() < 0.5,
        services_refused=rng.random() < 0.1,
    )
    receiver = cast.home_care if rng.random() < 0.9 else cast.care_centre
    if rng.random() < 0.9:
        notice = admitted + datetime.timedelta(hours=rng.choice([1, 5, 23, 30])) + _seconds(rng)
        built.send(M.ADMISSION_NOTICE, notice, receiver)
    ready = admitted + datetime.timedelta(days=rng.randint(1, 6), minutes=rng.randint(0, 1439))
    built.send(M.READY_FOR_DISCHARGE, ready + _seconds(rng), cast.home_care)
    if rng.random() < 0.15:
        withdrawn = ready + datetime.timedelta(hours=rng.randint(1, 30))
        built.send(M.READINESS_WITHDRAWN, withdrawn, cast.home_care)
        if rng.random() < 0.5:
            built.send(
                M.READY_FOR_DISCHARGE, withdrawn + datetime.timedelta(days=1), cast.home_care
            )
    # Discharge typed in whole minutes; the notice goes out within the same minute or later.
    discharged = (
        ready + datetime.timedelta(days=rng.randint(0, 8), hours=rng.randint(1, 9))
    ).replace(second=0, microsecond=0)
    for message_type in (M.CARE_CONTACT_APPOINTED, M.SIP_SUMMONS):
        roll = rng.random()
        if roll < 0.35:  # the same minute as the discharge, a few seconds into it
            built.send(
                message_type, discharged + _seconds(rng), cast.home_care, sender=cast.care_centre
            )
        elif roll < 0.55:  # the minute after: too late
            built.send(
                message_type,
                discharged + datetime.timedelta(minutes=1) + _seconds(rng),
                cast.home_care,
                sender=cast.care_centre,
            )
        elif roll < 0.85:  # in good time
            built.send(message_type, ready + _seconds(rng), cast.home_care, sender=cast.care_centre)
    sent = discharged + rng.choice([_seconds(rng), datetime.timedelta(minutes=rng.randint(1, 90))])
    built.send(
        M.DISCHARGE_NOTICE,
        sent,
        cast.home_care,
        content={"discharged_at": discharged.isoformat(), "note": "Hem"},
    )
    return built


def test_case_page_and_report_agree_on_every_generated_case(cast):
    rng = random.Random(20261202)
    cases = [_generate(cast, rng).case for _ in range(80)]
    refresh()
    facts = {fact.case_id: fact for fact in CaseFact.objects.filter(case__in=cases)}
    seen: set[str] = set()
    for case in cases:
        page = case_overview(case, protected=False).liability
        page_reasons = [code for code in page.reason_codes if code not in NOT_FAILURES]
        report_reasons = [code for code in facts[case.pk].reasons.split(",") if code]
        assert page_reasons == report_reasons, case.pk
        if not page_reasons:
            assert page.liable_days == facts[case.pk].liable_days, case.pk
        seen.update(page_reasons)
    # The generator reaches the interesting reasons, and a summons in the discharge minute.
    assert {ReasonCode.SIP_SUMMONS_MISSING, ReasonCode.CARE_CONTACT_MISSING} <= seen


def test_an_event_in_the_minute_of_discharge_counts_as_before_it(cast):
    discharged = local(2026, 1, 16, 14, 0)
    built = (
        CaseBuilder(
            cast.ward, cast.municipality, local(2026, 1, 5, 8), cast.ward_nurse, sip_needed=True
        )
        .send(M.ADMISSION_NOTICE, local(2026, 1, 5, 10), cast.home_care)
        .send(M.CARE_CONTACT_APPOINTED, local(2026, 1, 6, 10), cast.home_care)
        .send(M.READY_FOR_DISCHARGE, local(2026, 1, 12, 9), cast.home_care)
        .send(M.SIP_SUMMONS, discharged + datetime.timedelta(seconds=40), cast.home_care)
        .send(
            M.DISCHARGE_NOTICE,
            discharged + datetime.timedelta(minutes=20),
            cast.home_care,
            content={"discharged_at": discharged.isoformat()},
        )
    )
    refresh()
    assert case_overview(built.case, protected=False).liability.reason_codes == []
    assert CaseFact.objects.get(case=built.case).reasons == ""


def test_reasons_for_a_patient_in_hospital_are_in_the_present_tense(cast):
    built = CaseBuilder(
        cast.ward, cast.municipality, local(2026, 1, 5, 8), cast.ward_nurse, sip_needed=True
    )
    built.send(M.ADMISSION_NOTICE, local(2026, 1, 5, 10), cast.home_care)
    built.send(M.READY_FOR_DISCHARGE, local(2026, 1, 12, 9), cast.home_care)
    texts = [r.text for r in case_overview(built.case, protected=False).liability.reasons_if_zero]
    assert "Ingen fast vårdkontakt har utsetts ännu." in texts
    assert not any("före utskrivningen" in text for text in texts)
    closed = LiabilityReason(ReasonCode.CARE_CONTACT_MISSING)
    assert closed.text == "Ingen fast vårdkontakt utsågs före utskrivningen."
