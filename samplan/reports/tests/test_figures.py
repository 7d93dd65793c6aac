"""Every report figure against a small fixture computed by hand (see the comments).

Region Testland has two wards: W (somatic, "Avd 1 Medicin") and W2 (psychiatric). Its
municipalities: Testkommun (M, with Hemtjänst Öst) and Annankommun (O, with Hemtjänst Annan).
The 2026 amount per day is 9 000 kr. Region–Annankommun have an agreement: 48 hours for the
admission notice, 2 grace days for somatic care, and their own 10 000 kr per day.
Stockholm is UTC+1 all through January–March (daylight saving starts 29 March).
"""

import datetime
from decimal import Decimal

import pytest

from samplan.discharge.models import DailyAmount
from samplan.messaging.models import Delivery, DeliveryState, Message
from samplan.patients.testing import PatientFactory
from samplan.reports import figures
from samplan.reports.access import ReportReach
from samplan.reports.facts import refresh
from samplan.reports.models import CaseFact
from samplan.reports.periods import Year
from samplan.reports.scope import report_deliveries, report_facts
from samplan.reports.testing import M, local

YEAR = Year(2026)


def region_reach(cast):
    return ReportReach(cast.region, None)


def report_cases(reach):
    """The facts of the reach, brought up to date first (as every report page does)."""
    refresh()
    return report_facts(reach)


def test_admission_notices(cast, world):
    rows = figures.admission_notices(report_cases(region_reach(cast)), YEAR)
    got = [(r.month, r.unit_id, r.cases, r.in_time, r.late, r.missing) for r in rows]
    w, w2 = cast.ward.pk, world["w2"].pk
    assert got == [
        (1, w, 3, 1, 1, 1),  # A in time, B late, D missing
        (1, w2, 1, 1, 0, 0),  # C
        (2, w, 2, 2, 0, 0),  # E (48 h agreement), F
        (3, w, 1, 1, 0, 0),  # G
    ]
    assert rows[0].share_in_time == pytest.approx(1 / 3)


def test_admission_notices_for_the_municipality(cast, world):
    rows = figures.admission_notices(report_cases(ReportReach(cast.municipality, None)), YEAR)
    # E belongs to Annankommun.
    assert [(r.month, r.cases) for r in rows] == [(1, 3), (1, 1), (2, 1), (3, 1)]


def test_days_as_ready(cast, world):
    rows = figures.ready_days(report_cases(region_reach(cast)), YEAR)
    got = {(r.month, r.unit_id): sorted(r.days) for r in rows}
    assert got == {
        (1, cast.ward.pk): [4, 4, 6],  # A, H, B
        (1, world["w2"].pk): [1],  # C
        (2, cast.ward.pk): [4, 7, 8],  # E, D, F
    }
    january = next(r for r in rows if (r.month, r.unit_id) == (1, cast.ward.pk))
    assert january.mean == pytest.approx(14 / 3) and january.median == 4
    # Classes 0, 1, 2, 3, 4–5, 6–10, 11–20, 21+.
    assert january.classes == [0, 0, 0, 0, 2, 1, 0, 0]
    year = figures.merge_ready_days(rows)
    assert year.cases == 7 and year.median == 4 and year.mean == pytest.approx(34 / 7)


def test_liability_per_patient_and_average_model(cast, world):
    rows = figures.liability(report_cases(region_reach(cast)), YEAR)
    by_key = {(r.month, r.municipality_id): r for r in rows}
    assert set(by_key) == {
        (1, cast.municipality.pk),
        (2, cast.municipality.pk),
        (2, cast.other_municipality.pk),
    }
    january = by_key[(1, cast.municipality.pk)]
    # A, B, C, H discharged; A and H liable 2 days each at 9 000.
    assert (january.cases, january.liable_cases, january.days) == (4, 2, 4)
    assert january.amount == Decimal(36000)
    # Average model over A, C, H (B fails): counted 5 + 2 + 5 = 12, grace 3 + 3 + 3 = 9.
    assert (january.eligible_cases, january.counted_days, january.grace_days) == (3, 12, 9)
    assert january.average_days == 3 and january.average_amount == Decimal(27000)
    assert january.mean_counted == pytest.approx(4)
    assert dict(january.reasons) == {"admission_notice_late": 1}

    february = by_key[(2, cast.municipality.pk)]
    assert (february.cases, february.liable_cases, february.days, february.amount) == (
        2,
        0,
        0,
        Decimal(0),
    )
    assert february.eligible_cases == 0 and february.average_days == 0
    assert dict(february.reasons) == {"admission_notice_missing": 2, "sip_summons_missing": 1}

    other = by_key[(2, cast.other_municipality.pk)]
    # E: 3 days at the agreement's 10 000; average: counted 5 - grace 2 = 3 days.
    assert (other.cases, other.liable_cases, other.days, other.amount) == (
        1,
        1,
        3,
        Decimal(30000),
    )
    assert (other.average_days, other.average_amount) == (3, Decimal(30000))


def test_the_facts_of_single_cases(cast, world):
    """The stored facts of A (by hand, above) and of H (entered late)."""
    refresh()
    a = CaseFact.objects.get(case=world["cases"]["A"].case)
    assert a.ready_at == local(2026, 1, 12, 9) and a.discharged_at == local(2026, 1, 16, 14)
    assert (a.admission, a.ready_days, a.liable_days, a.counted_days, a.grace_days) == (
        "in_time",
        4,
        2,
        5,
        3,
    )
    assert a.liable_amount == Decimal(18000) and a.reasons == ""
    h = CaseFact.objects.get(case=world["cases"]["H"].case)
    assert h.discharged_at == local(2026, 1, 3, 12)  # the late entry's real time
    f = CaseFact.objects.get(case=world["cases"]["F"].case)
    assert f.reasons == "admission_notice_missing,sip_summons_missing" and f.liable_days == 0
    g = CaseFact.objects.get(case=world["cases"]["G"].case)
    assert g.discharged_at is None and not g.liability_counted


def test_a_missing_amount_is_flagged_not_guessed(cast, world):
    DailyAmount.objects.all().delete()
    rows = figures.liability(report_cases(ReportReach(cast.municipality, None)), YEAR)
    january = rows[0]
    assert january.days == 4 and january.amount_missing


def test_a_managers_reach_counts_the_cases_their_units_took_part_in(cast, world):
    reach = ReportReach(cast.region, frozenset({world["w2"].pk}))
    rows = figures.admission_notices(report_cases(reach), YEAR)
    assert [(r.month, r.unit_id, r.cases) for r in rows] == [(1, world["w2"].pk, 1)]


# --- Acknowledgements ---------------------------------------------------------------------


@pytest.fixture
def deliveries(cast):
    """Deliveries to Hemtjänst Öst (and one to the care centre), with due = cut-off 12:00."""
    message = Message.objects.create(
        message_type=M.EXTRA_MESSAGE,
        patient=PatientFactory(),
        sender_unit=cast.ward,
        sender_user=cast.ward_nurse,
        sent_at=local(2026, 1, 5, 10),
        idempotency_key="ack",
    )
    H = cast.home_care

    def deliver(unit, arrived, due, state=DeliveryState.NEW, acknowledged=None, message=message):
        other = Message.objects.create(
            message_type=M.EXTRA_MESSAGE,
            patient=message.patient,
            sender_unit=cast.ward,
            sender_user=cast.ward_nurse,
            sent_at=arrived,
            idempotency_key=f"ack-{arrived.isoformat()}-{unit.pk}",
        )
        return Delivery.objects.create(
            message=other,
            unit=unit,
            reason_code="x",
            reason_text="",
            arrived_at=arrived,
            due_at=due,
            state=state,
            acknowledged_at=acknowledged,
        )

    ack = DeliveryState.ACKNOWLEDGED
    # d1: in time after 0.5 h; d2: in time after 22 h; d3: late, after 25 h; d4: forwarded.
    deliver(H, local(2026, 1, 5, 10), local(2026, 1, 5, 12), ack, local(2026, 1, 5, 10, 30))
    deliver(H, local(2026, 1, 5, 13), local(2026, 1, 6, 12), ack, local(2026, 1, 6, 11))
    deliver(H, local(2026, 1, 20, 9), local(2026, 1, 20, 12), ack, local(2026, 1, 21, 10))
    deliver(H, local(2026, 1, 25, 9), local(2026, 1, 25, 12), DeliveryState.FORWARDED)
    # d5: open since 2 Feb, overdue by 3 Feb 11:30; d6: open, due 3 Feb 12:00: not yet.
    deliver(H, local(2026, 2, 2, 8), local(2026, 2, 2, 12))
    deliver(H, local(2026, 2, 3, 11), local(2026, 2, 3, 12), DeliveryState.READ)
    # d7: cancelled before anyone acted: not counted. d8: the care centre's, not the
    # municipality's.
    deliver(H, local(2026, 2, 2, 9), local(2026, 2, 2, 12), DeliveryState.CANCELLED)
    deliver(cast.care_centre, local(2026, 1, 5, 9), local(2026, 1, 5, 12))


def test_acknowledgements(cast, deliveries):
    reach = ReportReach(cast.municipality, None)
    rows = figures.acknowledgements(report_deliveries(reach), YEAR, now=local(2026, 2, 3, 11, 30))
    h = cast.home_care.pk
    january, february = rows
    assert (january.month, january.unit_id) == (1, h)
    assert (
        january.received,
        january.acknowledged,
        january.in_time,
        january.late,
        january.handled,
        january.open,
        january.overdue_now,
    ) == (4, 3, 2, 1, 1, 0, 0)
    assert january.mean_hours == pytest.approx((0.5 + 22 + 25) / 3)
    assert january.classes == [1, 0, 1, 1]  # < 1 h, 1–4 h, 4–24 h, 24 h or more
    assert january.overdue == 1 and january.share_in_time == pytest.approx(0.5)
    assert (february.month, february.received, february.open, february.overdue_now) == (
        2,
        2,
        2,
        1,
    )
    assert february.mean_hours is None and february.classes == [0, 0, 0, 0]


def test_acknowledgements_of_one_unit_and_of_the_region(cast, deliveries):
    region = figures.acknowledgements(
        report_deliveries(ReportReach(cast.region, None)), YEAR, now=local(2026, 2, 3, 11, 30)
    )
    assert [(r.month, r.unit_id, r.received) for r in region] == [(1, cast.care_centre.pk, 1)]
    narrowed = figures.acknowledgements(
        report_deliveries(ReportReach(cast.region, None), cast.ward),
        YEAR,
        now=local(2026, 2, 3, 11, 30),
    )
    assert narrowed == []


# --- SIP (over plain facts; the SIP app registers where they come from) --------------------


def test_sip_figures():
    from samplan.reports.sip import SipFacts, sip_figures

    today = datetime.date(2026, 3, 15)
    day = datetime.date

    def plan(unit, started, signed=None, follow_up=None, followed=None):
        return SipFacts(unit, started, signed, follow_up, followed)

    facts = [
        # January, unit 1: signed, followed up on its date (in time).
        plan(
            1,
            local(2026, 1, 5, 9),
            local(2026, 1, 20, 10),
            day(2026, 2, 20),
            local(2026, 2, 20, 15),
        ),
        # January, unit 1: signed, followed up a day late.
        plan(
            1, local(2026, 1, 7, 9), local(2026, 1, 25, 10), day(2026, 2, 1), local(2026, 2, 2, 8)
        ),
        # January, unit 1: never signed; follow-up date passed: overdue.
        plan(1, local(2026, 1, 30, 9), None, day(2026, 3, 1)),
        # January, unit 2: signed, follow-up due today: not yet due.
        plan(2, local(2026, 1, 12, 9), local(2026, 1, 14, 9), day(2026, 3, 15)),
        # February, unit 1: started, nothing else; follow-up in the future.
        plan(1, local(2026, 2, 3, 9), None, day(2026, 6, 1)),
        # Started in 2025: not in 2026's figures.
        plan(1, local(2025, 12, 30, 9), local(2026, 1, 2, 9)),
    ]
    rows = sip_figures(facts, YEAR, today)
    got = [
        (
            r.month,
            r.unit_id,
            r.started,
            r.signed,
            r.follow_ups_due,
            r.followed_up_in_time,
            r.followed_up_late,
            r.follow_up_overdue,
        )
        for r in rows
    ]
    assert got == [
        (1, 1, 3, 2, 3, 1, 1, 1),
        (1, 2, 1, 1, 0, 0, 0, 0),
        (2, 1, 1, 0, 0, 0, 0, 0),
    ]
    assert rows[0].share_signed == pytest.approx(2 / 3)
    assert rows[0].share_in_time == pytest.approx(1 / 3)
