"""The hand-computed report fixture (described in test_figures.py), shared by the view tests."""

import datetime
from decimal import Decimal

import pytest

from samplan.discharge.models import DailyAmount
from samplan.organizations.models import Agreement, UnitKind
from samplan.reports.testing import CaseBuilder, M, local
from samplan.testing import UnitFactory


@pytest.fixture
def world(cast):
    DailyAmount.objects.create(year=2026, amount=Decimal(9000))
    Agreement.objects.create(
        region=cast.region,
        municipality=cast.other_municipality,
        valid_from=datetime.date(2025, 1, 1),
        admission_notice_hours=48,
        grace_days_somatic=2,
        daily_amount=Decimal(10000),
    )
    w2 = UnitFactory(
        organization=cast.region, name="Avd 9 Psykiatri", kind=UnitKind.HOSPITAL_WARD_PSYCHIATRIC
    )
    # The units messages go to: the municipalities' units and the care centre.
    H, O, CC = cast.home_care, cast.outsider_unit, cast.care_centre  # noqa: E741
    mun, other, user = cast.municipality, cast.other_municipality, cast.ward_nurse

    def case(ward, municipality, admitted, **kw):
        return CaseBuilder(ward, municipality, admitted, user, **kw)

    cases = {}
    # A: notice 2 h after admission (in time). Ready Mon 12 Jan 09:00 (before the cut-off:
    # day 0 = 12th), grace 3: liable from Thu 15th; discharged Fri 16th 14:00 -> liable
    # 15th, 16th = 2 days = 18 000 kr. Ready days 16 - 12 = 4. Counted from day 0: 12..16 = 5.
    cases["A"] = (
        case(cast.ward, mun, local(2026, 1, 5, 8))
        .send(M.ADMISSION_NOTICE, local(2026, 1, 5, 10), H)
        .send(M.CARE_CONTACT_APPOINTED, local(2026, 1, 6, 10), H, sender=CC)
        .send(M.READY_FOR_DISCHARGE, local(2026, 1, 12, 9), H)
        .send(M.DISCHARGE_NOTICE, local(2026, 1, 16, 14), H)
    )
    # B: admitted Sat 10 Jan 22:00, notice Mon 12th 08:00 = 34 h: late. No liability (reason:
    # admission notice late). Ready Tue 20th 13:00, discharged Mon 26th: 6 ready days.
    cases["B"] = (
        case(cast.ward, mun, local(2026, 1, 10, 22))
        .send(M.ADMISSION_NOTICE, local(2026, 1, 12, 8), H)
        .send(M.CARE_CONTACT_APPOINTED, local(2026, 1, 15, 10), H, sender=CC)
        .send(M.READY_FOR_DISCHARGE, local(2026, 1, 20, 13), H)
        .send(M.DISCHARGE_NOTICE, local(2026, 1, 26, 10), H)
    )
    # C (psychiatric ward W2): notice in time. Ready Tue 27th 10:00 = day 0; liable from 30th;
    # discharged Wed 28th: no liable day (conditions hold). 1 ready day; counted 27, 28 = 2.
    cases["C"] = (
        case(w2, mun, local(2026, 1, 20, 9))
        .send(M.ADMISSION_NOTICE, local(2026, 1, 20, 12), H, sender=w2)
        .send(M.CARE_CONTACT_APPOINTED, local(2026, 1, 21, 10), H, sender=CC)
        .send(M.READY_FOR_DISCHARGE, local(2026, 1, 27, 10), H, sender=w2)
        .send(M.DISCHARGE_NOTICE, local(2026, 1, 28, 15), H, sender=w2)
    )
    # D: the only admission notice was cancelled: missing (and no liability). Ready Mon 2 Feb,
    # discharged Mon 9 Feb: 7 ready days, in February.
    cases["D"] = (
        case(cast.ward, mun, local(2026, 1, 28, 9))
        .send(
            M.ADMISSION_NOTICE,
            local(2026, 1, 28, 10),
            H,
            cancelled_at=local(2026, 1, 28, 11),
        )
        .send(M.CARE_CONTACT_APPOINTED, local(2026, 1, 29, 10), H, sender=CC)
        .send(M.READY_FOR_DISCHARGE, local(2026, 2, 2, 9), H)
        .send(M.DISCHARGE_NOTICE, local(2026, 2, 9, 11), H)
    )
    # E (Annankommun, agreement: 48 h, grace 2, 10 000 kr): notice after 34 h, in time.
    # No care contact needed. Ready Thu 5 Feb, withdrawn Fri 6th, ready again Mon 9th 08:00
    # (the latest counts: day 0 = 9th), liable from Wed 11th; discharged Fri 13th 16:00 ->
    # 11, 12, 13 = 3 days = 30 000 kr. Ready days 13 - 9 = 4; counted 9..13 = 5, grace 2.
    cases["E"] = (
        case(cast.ward, other, local(2026, 2, 2, 10), care_contact_needed=False)
        .send(M.ADMISSION_NOTICE, local(2026, 2, 3, 20), O)
        .send(M.READY_FOR_DISCHARGE, local(2026, 2, 5, 11), O)
        .send(M.READINESS_WITHDRAWN, local(2026, 2, 6, 9), O)
        .send(M.READY_FOR_DISCHARGE, local(2026, 2, 9, 8), O)
        .send(M.DISCHARGE_NOTICE, local(2026, 2, 13, 16), O)
    )
    # F: notice in time but only to the care centre: the municipality never received it
    # (reason: missing). A SIP was needed and never summoned (second reason). Ready Mon 16th
    # 09:00, discharged Tue 24 Feb: 8 ready days.
    cases["F"] = (
        case(cast.ward, mun, local(2026, 2, 10, 9), sip_needed=True)
        .send(M.ADMISSION_NOTICE, local(2026, 2, 10, 11), CC)
        .send(M.CARE_CONTACT_APPOINTED, local(2026, 2, 11, 10), H, sender=CC)
        .send(M.READY_FOR_DISCHARGE, local(2026, 2, 16, 9), H)
        .send(M.DISCHARGE_NOTICE, local(2026, 2, 24, 10), H)
    )
    # G: admitted in March, still in hospital: only in the admission figures.
    cases["G"] = case(cast.ward, mun, local(2026, 3, 1, 9)).send(
        M.ADMISSION_NOTICE, local(2026, 3, 1, 10), H
    )
    # H: admitted in 2025, discharged Sat 3 Jan 2026. The discharge notice was entered late on
    # 5 Jan (downtime) with the real time 3 Jan 12:00. Ready Tue 30 Dec 10:00 = day 0, liable
    # from Fri 2 Jan: 2 Jan, 3 Jan = 2 days at 2026's 9 000 = 18 000 kr. Ready days 4;
    # counted 30 Dec .. 3 Jan = 5.
    cases["H"] = (
        case(cast.ward, mun, local(2025, 12, 28, 10))
        .send(M.ADMISSION_NOTICE, local(2025, 12, 28, 11), H)
        .send(M.CARE_CONTACT_APPOINTED, local(2025, 12, 29, 10), H, sender=CC)
        .send(M.READY_FOR_DISCHARGE, local(2025, 12, 30, 10), H)
        .send(
            M.DISCHARGE_NOTICE,
            local(2026, 1, 5, 9),
            H,
            occurred_at=local(2026, 1, 3, 12),
        )
    )
    return {"cases": cases, "w2": w2}
