"""The SIP process rules as pure functions: states, who may do what, deadlines, reminders."""

import datetime

import pytest

from samplan.sip import process
from samplan.sip.process import (
    Action,
    ActionNotAllowed,
    Answer,
    ParticipantRole,
    PlanState,
    Viewer,
)

UTC = datetime.UTC
NOW = datetime.datetime(2025, 3, 10, 12, 30, tzinfo=UTC)

INITIATOR = Viewer(role=ParticipantRole.INITIATOR, answer=Answer.ACCEPTED, may_work=True)
ACCEPTED = Viewer(role=ParticipantRole.SUMMONED, answer=Answer.ACCEPTED, may_work=True)
PENDING = Viewer(role=ParticipantRole.SUMMONED, answer=Answer.PENDING, may_work=True)
DECLINED = Viewer(role=ParticipantRole.SUMMONED, answer=Answer.DECLINED, may_work=True)
NOT_SENT = Viewer(role=ParticipantRole.SUMMONED, answer=Answer.NOT_SENT, may_work=True)
OUTSIDER = Viewer(role=None, answer=None, may_work=True)
NO_ROLE = Viewer(role=ParticipantRole.INITIATOR, answer=Answer.ACCEPTED, may_work=False)
COORDINATOR = Viewer(
    role=ParticipantRole.SUMMONED, answer=Answer.ACCEPTED, may_work=True, is_coordinator=True
)


@pytest.mark.parametrize(
    ("state", "action", "after"),
    [
        (PlanState.INITIATIVE, Action.SEND_SUMMONS, PlanState.PLANNING),
        (PlanState.PLANNING, Action.SEND_SUMMONS, PlanState.PLANNING),
        (PlanState.PLANNING, Action.FINALISE, PlanState.FINALISED),
        (PlanState.FINALISED, Action.NEW_VERSION, PlanState.PLANNING),
        (PlanState.INITIATIVE, Action.CLOSE, PlanState.CLOSED),
        (PlanState.FINALISED, Action.CLOSE, PlanState.CLOSED),
    ],
)
def test_allowed_transitions(state, action, after):
    assert process.next_state(state, action) == after


@pytest.mark.parametrize(
    ("state", "action"),
    [
        (PlanState.INITIATIVE, Action.FINALISE),
        (PlanState.INITIATIVE, Action.NEW_VERSION),
        (PlanState.PLANNING, Action.NEW_VERSION),
        (PlanState.FINALISED, Action.FINALISE),
        (PlanState.FINALISED, Action.SEND_SUMMONS),
        (PlanState.CLOSED, Action.SEND_SUMMONS),
        (PlanState.CLOSED, Action.CLOSE),
        (PlanState.CLOSED, Action.NEW_VERSION),
    ],
)
def test_refused_transitions_say_why_in_swedish(state, action):
    with pytest.raises(ActionNotAllowed) as refused:
        process.next_state(state, action)
    assert "planen" in refused.value.user_message


def test_only_the_initiator_changes_the_initiative_and_summons():
    assert process.may_change_initiative(PlanState.INITIATIVE, INITIATOR)
    assert not process.may_change_initiative(PlanState.PLANNING, INITIATOR)
    assert not process.may_change_initiative(PlanState.INITIATIVE, ACCEPTED)
    assert process.may_summon(PlanState.PLANNING, INITIATOR)
    assert not process.may_summon(PlanState.FINALISED, INITIATOR)
    assert not process.may_summon(PlanState.PLANNING, ACCEPTED)
    assert not process.may_summon(PlanState.PLANNING, NO_ROLE)


def test_only_a_pending_summoned_unit_answers():
    assert process.may_answer(PlanState.PLANNING, PENDING)
    for viewer in (INITIATOR, ACCEPTED, DECLINED, NOT_SENT, OUTSIDER):
        assert not process.may_answer(PlanState.PLANNING, viewer)
    assert not process.may_answer(PlanState.CLOSED, PENDING)
    assert not process.may_answer(PlanState.PLANNING, Viewer("summoned", "pending", False))


def test_parties_write_and_sign():
    for viewer in (INITIATOR, ACCEPTED):
        assert process.may_edit_plan(PlanState.PLANNING, viewer)
        assert process.may_sign(PlanState.PLANNING, viewer, already_signed=False)
    for viewer in (PENDING, DECLINED, NOT_SENT, OUTSIDER, NO_ROLE):
        assert not process.may_edit_plan(PlanState.PLANNING, viewer)
        assert not process.may_sign(PlanState.PLANNING, viewer, already_signed=False)
    assert not process.may_sign(PlanState.PLANNING, ACCEPTED, already_signed=True)
    assert not process.may_sign(PlanState.FINALISED, ACCEPTED, already_signed=False)
    # A finalised plan can be changed (that makes a new version); a closed one cannot.
    assert process.may_edit_plan(PlanState.FINALISED, ACCEPTED)
    assert not process.may_edit_plan(PlanState.CLOSED, INITIATOR)
    assert process.may_edit_plan(PlanState.INITIATIVE, INITIATOR)
    assert not process.may_edit_plan(PlanState.INITIATIVE, ACCEPTED)


def test_visibility_follows_the_answer():
    assert INITIATOR.sees_plan and ACCEPTED.sees_plan and PENDING.sees_plan
    assert not DECLINED.sees_plan and not NOT_SENT.sees_plan and not NO_ROLE.sees_plan


def test_close_by_initiator_or_coordinator():
    assert process.may_close(PlanState.PLANNING, INITIATOR)
    assert process.may_close(PlanState.FINALISED, COORDINATOR)
    assert not process.may_close(PlanState.PLANNING, ACCEPTED)
    assert not process.may_close(PlanState.CLOSED, INITIATOR)


def test_new_version_only_from_finalised():
    assert process.may_new_version(PlanState.FINALISED, ACCEPTED)
    assert not process.may_new_version(PlanState.PLANNING, ACCEPTED)
    assert not process.may_new_version(PlanState.FINALISED, PENDING)


def test_readiness_lists_what_is_missing():
    parties = [(1, "Elevhälsan"), (2, "BUP"), (3, "Socialtjänsten")]
    filled = dict.fromkeys(process.REQUIRED_TO_FINALISE, True)
    ready = process.finalise_readiness(
        parties=parties, unanswered=[], signed_unit_ids=[1, 2, 3], filled=filled
    )
    assert ready.ready
    missing = process.finalise_readiness(
        parties=parties,
        unanswered=["Hemtjänst"],
        signed_unit_ids=[1, 3],
        filled={**filled, "coordinator": False},
    )
    assert not missing.ready
    assert missing.unanswered == ("Hemtjänst",)
    assert missing.unsigned == ("BUP",)
    assert len(missing.missing_fields) == 1


def test_answer_overdue_after_the_cutoff():
    due = datetime.datetime(2025, 3, 10, 11, 0, tzinfo=UTC)  # 12:00 in Stockholm
    assert not process.answer_overdue(Answer.PENDING, due, due)
    assert process.answer_overdue(Answer.PENDING, due, due + datetime.timedelta(seconds=1))
    assert not process.answer_overdue(Answer.ACCEPTED, due, NOW)
    assert not process.answer_overdue(Answer.PENDING, None, NOW)


def test_summons_reminder_once_a_day_while_consent_stands():
    due = datetime.datetime(2025, 3, 10, 11, 0, tzinfo=UTC)
    today = datetime.date(2025, 3, 10)
    args = {"answer": Answer.PENDING, "due_at": due, "now": NOW, "today": today}
    assert process.summons_reminder_due(**args, reminded_on=None, consent_active=True)
    assert not process.summons_reminder_due(**args, reminded_on=today, consent_active=True)
    assert process.summons_reminder_due(
        **args, reminded_on=today - datetime.timedelta(days=1), consent_active=True
    )
    assert not process.summons_reminder_due(**args, reminded_on=None, consent_active=False)
    assert not process.summons_reminder_due(
        **{**args, "now": due}, reminded_on=None, consent_active=True
    )


def test_follow_up_reminder_on_the_date_of_a_finalised_plan():
    today = datetime.date(2025, 3, 10)
    args = {"follow_up_date": today, "today": today, "consent_active": True}
    assert process.follow_up_reminder_due(state=PlanState.FINALISED, reminded=False, **args)
    assert not process.follow_up_reminder_due(state=PlanState.FINALISED, reminded=True, **args)
    assert not process.follow_up_reminder_due(state=PlanState.PLANNING, reminded=False, **args)
    assert not process.follow_up_reminder_due(
        state=PlanState.FINALISED,
        reminded=False,
        follow_up_date=today + datetime.timedelta(days=1),
        today=today,
        consent_active=True,
    )
    assert not process.follow_up_reminder_due(
        state=PlanState.FINALISED,
        reminded=False,
        follow_up_date=today,
        today=today,
        consent_active=False,
    )
