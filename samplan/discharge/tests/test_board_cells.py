"""Översikt's cells as a pure function: table tests without the database."""

import datetime
from zoneinfo import ZoneInfo

import pytest

from samplan.core.message_types import MessageType
from samplan.discharge.board_cells import (
    STEPS,
    CaseFacts,
    CellState,
    DeliveryFacts,
    MessageFacts,
    cell_legend,
    has_overdue,
    step_cells,
)
from samplan.discharge.models import ParticipantRole
from samplan.organizations.terms import first_cutoff_after

STOCKHOLM = ZoneInfo("Europe/Stockholm")
M = MessageType
S = CellState
WARD, CARE_CENTRE, HOME_CARE = 1, 2, 3
US = HOME_CARE


def at(text: str) -> datetime.datetime:
    """Swedish local time, e.g. at("2026-03-02 09:00")."""
    return datetime.datetime.fromisoformat(text).replace(tzinfo=STOCKHOLM)


def case(**fields) -> CaseFacts:
    values = {
        "pk": 1,
        "ward_id": WARD,
        "state": "admitted",
        "admitted_at": at("2026-03-02 08:00"),
        "unit_role": ParticipantRole.MUNICIPALITY,
    }
    values.update(fields)
    return CaseFacts(**values)


def message(pk, message_type, sender=WARD, sent="2026-03-02 09:00", **fields) -> MessageFacts:
    return MessageFacts(
        pk=pk, message_type=message_type, sender_unit_id=sender, sent_at=at(sent), **fields
    )


def delivery(message_pk, state="new", arrived="2026-03-02 09:00") -> DeliveryFacts:
    return DeliveryFacts(
        pk=100 + message_pk,
        message_id=message_pk,
        state=state,
        due_at=first_cutoff_after(at(arrived)),
    )


def cell(code, facts, messages, deliveries, now, unit=US):
    cells = step_cells(facts, messages, deliveries, unit_id=unit, now=at(now))
    assert [c.step.code for c in cells] == [s.code for s in STEPS]
    return next(c for c in cells if c.step.code == code)


ADMISSION = [message(1, M.ADMISSION_NOTICE)]


@pytest.mark.parametrize(
    ("state", "arrived", "now", "expected"),
    [
        # Arrived 09:00, answer by 12:00 the same day.
        ("new", "2026-03-02 09:00", "2026-03-02 11:59", S.NEW),
        # The cut-off itself is still in time.
        ("new", "2026-03-02 09:00", "2026-03-02 12:00", S.NEW),
        ("new", "2026-03-02 09:00", "2026-03-02 12:00:00.000001", S.OVERDUE),
        ("read", "2026-03-02 09:00", "2026-03-02 11:00", S.RECEIVED),
        ("read", "2026-03-02 09:00", "2026-03-02 13:00", S.OVERDUE),
        ("acknowledged", "2026-03-02 09:00", "2026-03-05 13:00", S.ACKNOWLEDGED),
        ("forwarded", "2026-03-02 09:00", "2026-03-05 13:00", S.PASSED_ON),
        ("returned", "2026-03-02 09:00", "2026-03-05 13:00", S.PASSED_ON),
        # Arrived at the cut-off exactly: due 12:00 the next day.
        ("new", "2026-03-02 12:00", "2026-03-03 11:59", S.NEW),
        ("new", "2026-03-02 12:00", "2026-03-03 12:01", S.OVERDUE),
        # Across midnight: arrived late in the evening, still in time after midnight.
        ("new", "2026-03-02 23:30", "2026-03-03 00:30", S.NEW),
        ("new", "2026-03-02 23:30", "2026-03-03 12:00", S.NEW),
        ("new", "2026-03-02 23:30", "2026-03-03 12:00:01", S.OVERDUE),
        # Over the spring daylight-saving change (Sunday 2026-03-29): due 12:00 summer time.
        ("new", "2026-03-28 15:00", "2026-03-29 11:59", S.NEW),
        ("new", "2026-03-28 15:00", "2026-03-29 12:01", S.OVERDUE),
    ],
)
def test_a_received_message_by_its_delivery(state, arrived, now, expected):
    result = cell(
        "admission",
        case(),
        [message(1, M.ADMISSION_NOTICE, sent=arrived)],
        [delivery(1, state, arrived)],
        now,
    )
    assert result.state == expected
    assert result.message_id == 1


def test_overdue_shows_the_answer_time():
    result = cell("admission", case(), ADMISSION, [delivery(1)], "2026-03-02 13:00")
    assert result.shows_due and result.due_at == at("2026-03-02 12:00")
    acknowledged = cell(
        "admission", case(), ADMISSION, [delivery(1, "acknowledged")], "2026-03-02 13:00"
    )
    assert not acknowledged.shows_due


def test_nothing_yet_and_a_message_to_others_only():
    assert cell("planning", case(), [], [], "2026-03-02 10:00").state == S.NOT_YET
    # The message went to other units: this unit has no delivery of it.
    assert cell("admission", case(), ADMISSION, [], "2026-03-02 10:00").state == S.NOT_YET


def test_sent_by_this_unit():
    sent = [message(5, M.PLANNING_INFO, sender=US)]
    result = cell("planning", case(), sent, [], "2026-03-03 10:00")
    assert result.state == S.SENT and result.message_id == 5


def test_a_cancelled_message_does_not_count():
    cancelled = [message(1, M.ADMISSION_NOTICE, cancelled_at=at("2026-03-02 10:00"))]
    assert cell("admission", case(), cancelled, [delivery(1)], "2026-03-03 10:00").state == (
        S.NOT_YET
    )


def test_the_most_urgent_wins_and_links_to_its_message():
    planning = [
        message(1, M.PLANNING_INFO, sent="2026-03-02 09:00"),
        message(2, M.PLANNING_INFO, sent="2026-03-03 09:00"),
        message(3, M.PLANNING_INFO, sender=US, sent="2026-03-03 10:00"),
    ]
    deliveries = [delivery(1, "acknowledged"), delivery(2, "new", "2026-03-03 09:00")]
    result = cell("planning", case(), planning, deliveries, "2026-03-03 11:00")
    assert (result.state, result.message_id) == (S.NEW, 2)
    late = cell("planning", case(), planning, deliveries, "2026-03-03 12:30")
    assert (late.state, late.message_id) == (S.OVERDUE, 2)


def test_readiness_withdrawn_shows_with_ready_and_others_in_other():
    messages = [
        message(1, M.READINESS_WITHDRAWN),
        message(2, M.EXTRA_MESSAGE),
        message(3, M.CARE_REPORT, sender=US),
    ]
    cells = {
        c.step.code: c
        for c in step_cells(
            case(),
            messages,
            [delivery(1), delivery(2, "read")],
            unit_id=US,
            now=at("2026-03-02 10:00"),
        )
    }
    assert cells["ready"].state == S.NEW
    assert cells["other"].state == S.RECEIVED


# --- Deadlines of the case, for the unit that must act ---------------------------------------


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        ("2026-03-02 20:00", S.DUE),
        ("2026-03-03 08:00", S.DUE),  # exactly 24 h: still in time
        ("2026-03-03 08:00:00.000001", S.OVERDUE),
    ],
)
def test_admission_notice_within_24_hours_for_the_ward(now, expected):
    result = cell("admission", case(), [], [], now, unit=WARD)
    assert result.state == expected
    assert result.due_at == at("2026-03-03 08:00")


def test_admission_notice_counts_from_the_later_assessment_and_the_agreement_hours():
    facts = case(services_need_assessed_at=at("2026-03-04 10:00"), admission_notice_hours=48)
    assert cell("admission", facts, [], [], "2026-03-06 09:59", unit=WARD).state == S.DUE
    assert cell("admission", facts, [], [], "2026-03-06 10:01", unit=WARD).state == S.OVERDUE


def test_admission_notice_sent_or_another_unit_or_a_closed_case_has_no_deadline():
    assert cell("admission", case(), ADMISSION, [], "2026-03-05 09:00", unit=WARD).state == S.SENT
    assert cell("admission", case(), [], [], "2026-03-05 09:00", unit=US).state == S.NOT_YET
    withdrawn = case(state="withdrawn")
    assert cell("admission", withdrawn, [], [], "2026-03-05 09:00", unit=WARD).state == S.NOT_YET


READY_MONDAY = message(7, M.READY_FOR_DISCHARGE, sent="2026-03-02 15:00")


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        # Ready Monday (any hour): the summons is due by the end of Thursday.
        ("2026-03-05 23:59", S.DUE),
        ("2026-03-06 00:00", S.OVERDUE),
    ],
)
def test_sip_summons_by_the_third_day_after_ready_for_the_care_contact(now, expected):
    facts = case(state="ready", sip_needed=True, unit_role=ParticipantRole.CARE_CONTACT)
    result = cell("summons", facts, [READY_MONDAY], [], now, unit=CARE_CENTRE)
    assert result.state == expected


def test_sip_summons_deadline_only_when_needed_and_not_sent():
    facts = case(state="ready", sip_needed=True, unit_role=ParticipantRole.CARE_CONTACT)
    late = "2026-03-09 09:00"
    summons = message(8, M.SIP_SUMMONS, sender=CARE_CENTRE, sent="2026-03-03 09:00")
    assert cell("summons", facts, [READY_MONDAY, summons], [], late, unit=CARE_CENTRE).state == (
        S.SENT
    )
    not_needed = case(state="ready", sip_needed=False, unit_role=ParticipantRole.CARE_CONTACT)
    assert cell("summons", not_needed, [READY_MONDAY], [], late, unit=CARE_CENTRE).state == (
        S.NOT_YET
    )
    # The municipality does not send the summons.
    municipal = case(state="ready", sip_needed=True)
    assert cell("summons", municipal, [READY_MONDAY], [], late).state == S.NOT_YET
    # Readiness withdrawn (the case is back to admitted): no deadline.
    withdrawn = case(state="admitted", sip_needed=True, unit_role=ParticipantRole.CARE_CONTACT)
    assert cell("summons", withdrawn, [READY_MONDAY], [], late, unit=CARE_CENTRE).state == (
        S.NOT_YET
    )


def test_the_care_centre_summons_until_a_care_contact_is_appointed_elsewhere():
    facts = case(state="ready", sip_needed=True, unit_role=ParticipantRole.CARE_CENTRE)
    late = "2026-03-09 09:00"
    assert cell("summons", facts, [READY_MONDAY], [], late, unit=CARE_CENTRE).state == S.OVERDUE
    appointed = message(9, M.CARE_CONTACT_APPOINTED, sender=4)
    assert cell("summons", facts, [READY_MONDAY, appointed], [], late, unit=CARE_CENTRE).state == (
        S.NOT_YET
    )


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        ("2026-03-10 23:59", S.DUE),
        # Across midnight: the day of discharge has ended.
        ("2026-03-11 00:00", S.OVERDUE),
    ],
)
def test_discharge_information_by_the_day_of_discharge_for_the_ward(now, expected):
    facts = case(state="discharged")
    notice = message(10, M.DISCHARGE_NOTICE, sent="2026-03-10 14:00")
    result = cell("discharge_info", facts, [notice], [], now, unit=WARD)
    assert result.state == expected
    assert result.due_at == at("2026-03-10 23:59:59.999999")


def test_discharge_information_counts_from_when_the_discharge_happened():
    # Entered late: the discharge happened the day before it was sent.
    facts = case(state="discharged")
    notice = message(
        10, M.DISCHARGE_NOTICE, sent="2026-03-11 09:00", occurred_at=at("2026-03-10 16:00")
    )
    assert cell("discharge_info", facts, [notice], [], "2026-03-11 09:30", unit=WARD).state == (
        S.OVERDUE
    )
    info = message(11, M.DISCHARGE_INFO, sent="2026-03-10 15:00")
    assert cell(
        "discharge_info", facts, [notice, info], [], "2026-03-11 09:30", unit=WARD
    ).state == (S.SENT)


def test_has_overdue_and_legend():
    late = step_cells(case(), [], [], unit_id=WARD, now=at("2026-03-04 09:00"))
    assert has_overdue(late)
    assert not has_overdue(step_cells(case(), [], [], unit_id=US, now=at("2026-03-04 09:00")))
    legend = cell_legend()
    assert len(legend) == len(CellState)
    assert all(icon and str(text) and str(explanation) for icon, text, explanation in legend)
