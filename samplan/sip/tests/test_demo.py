"""The demo plans: one in every state, a child's, and one from a discharge case."""

from samplan.core.message_types import MessageType
from samplan.demo.builder import build_demo
from samplan.sip.models import PlanState, SipPlan


def test_demo_plans_cover_every_state(db):
    build_demo()  # the demo builder seeds the plans (samplan.sip.demo.demo_sip_seed)
    plans = list(SipPlan.objects.order_by("pk"))
    assert {p.state for p in plans} == set(PlanState.values)
    initiative, overdue, child, finalised, followed_up, closed, linked = plans
    assert initiative.state == PlanState.INITIATIVE and not initiative.messages.exists()
    assert overdue.participants.filter(answer="pending").count() == 1
    assert child.patient.birth_date.year >= 2010
    assert child.current_version.interventions.count() == 3
    assert child.current_version.signatures.count() == 2
    assert finalised.state == PlanState.FINALISED and finalised.next_follow_up
    assert followed_up.current_version.number == 2
    assert closed.close_reason == "goals_reached"
    assert linked.case is not None
    assert linked.case.messages.filter(message_type=MessageType.SIP_SUMMONS).count() == 1
