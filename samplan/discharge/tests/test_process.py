"""The discharge process tables (domain.md §5), checked exhaustively and without the database.

The expected tables below are written out again by hand, so a slip in process.py's tables
shows up as a difference instead of being copied into the test.
"""

import pytest
from django.utils import translation

from samplan.core.message_types import MessageType
from samplan.discharge import process
from samplan.discharge.process import (
    CaseState,
    SenderGroup,
    TransitionNotAllowed,
    care_type_for_ward,
    close_state,
    may_send,
    next_state,
    principal_kind,
    replay,
    sendable_message_types,
    sender_group,
)
from samplan.organizations.models import Organization, OrganizationKind, UnitKind
from samplan.organizations.terms import CareType

# Rows: message type; columns: the state the case is in; cell: the state after, "-" = refused.
TRANSITION_GRID = """
                        admitted    ready       discharged  closed  withdrawn
status_report           admitted    ready       -           -       -
admission_notice        -           -           -           -       -
planning_info           admitted    ready       -           -       -
care_contact_appointed  admitted    ready       discharged  -       -
ready_for_discharge     ready       -           -           -       -
readiness_withdrawn     -           admitted    -           -       -
sip_summons             admitted    ready       discharged  -       -
discharge_notice        discharged  discharged  -           -       -
discharge_info          admitted    ready       discharged  -       -
care_report             admitted    ready       discharged  -       -
extra_message           admitted    ready       discharged  -       -
cancellation            admitted    ready       discharged  -       -
case_withdrawn          withdrawn   withdrawn   -           -       -
"""

# Rows: message type; columns: the §5 party; "x" = may send.
SENDER_GRID = """
                        ward  care_contact  municipality
status_report           -     -             x
admission_notice        x     -             -
planning_info           x     x             x
care_contact_appointed  -     x             -
ready_for_discharge     x     -             -
readiness_withdrawn     x     -             -
sip_summons             -     x             -
discharge_notice        x     -             -
discharge_info          x     -             -
care_report             -     -             x
extra_message           x     x             x
cancellation            x     x             x
case_withdrawn          x     -             -
"""

# Which party a unit of each kind belongs to, acting for a region or for a municipality.
REGION_GROUPS = {
    UnitKind.HOSPITAL_WARD_SOMATIC: SenderGroup.WARD,
    UnitKind.HOSPITAL_WARD_PSYCHIATRIC: SenderGroup.WARD,
    UnitKind.PRIMARY_CARE_CENTRE: SenderGroup.CARE_CONTACT,
    UnitKind.OUTPATIENT_PSYCHIATRY: SenderGroup.CARE_CONTACT,
}
MUNICIPALITY_GROUPS = dict.fromkeys(
    [
        UnitKind.HOME_HEALTH_CARE,
        UnitKind.HOME_CARE,
        UnitKind.NURSING_HOME,
        UnitKind.DISABILITY_SERVICES,
        UnitKind.NEEDS_ASSESSMENT,
        UnitKind.SOCIAL_SERVICES,
        UnitKind.MUNICIPAL_INTAKE,
        UnitKind.OTHER,
    ],
    SenderGroup.MUNICIPALITY,
)


def _grid(text):
    header, *rows = [line.split() for line in text.strip().splitlines()]
    return {row[0]: dict(zip(header, row[1:], strict=True)) for row in rows}


def test_grids_cover_every_message_type_and_state():
    transitions, senders = _grid(TRANSITION_GRID), _grid(SENDER_GRID)
    assert set(transitions) == set(MessageType.values)
    assert set(senders) == set(MessageType.values)
    assert set(next(iter(transitions.values()))) == set(CaseState.values)


def test_every_state_and_message_type():
    wrong = []
    for message_type, row in _grid(TRANSITION_GRID).items():
        for state, expected in row.items():
            try:
                got = next_state(state, message_type)
            except TransitionNotAllowed:
                got = "-"
            if got != expected:
                wrong.append((state, message_type, expected, got))
    assert not wrong, wrong


def test_every_unit_kind_principal_and_message_type():
    senders = _grid(SENDER_GRID)
    wrong = []
    for principal, groups in (
        (OrganizationKind.REGION, REGION_GROUPS),
        (OrganizationKind.MUNICIPALITY, MUNICIPALITY_GROUPS),
    ):
        for unit_kind in UnitKind:
            group = groups.get(unit_kind)
            assert sender_group(unit_kind, principal) == group, (unit_kind, principal)
            for message_type in MessageType:
                expected = group is not None and senders[message_type][group] == "x"
                if may_send(unit_kind, principal, message_type) != expected:
                    wrong.append((unit_kind, principal, message_type, expected))
    assert not wrong, wrong


@pytest.mark.parametrize(
    "unit_kind, principal, message_type, allowed",
    [
        # The ward sends the admission notice; the municipality and care centre do not.
        (UnitKind.HOSPITAL_WARD_SOMATIC, "region", "admission_notice", True),
        (UnitKind.HOME_CARE, "municipality", "admission_notice", False),
        (UnitKind.PRIMARY_CARE_CENTRE, "region", "admission_notice", False),
        # The care centre appoints the care contact and summons to SIP.
        (UnitKind.PRIMARY_CARE_CENTRE, "region", "care_contact_appointed", True),
        (UnitKind.OUTPATIENT_PSYCHIATRY, "region", "sip_summons", True),
        (UnitKind.HOSPITAL_WARD_SOMATIC, "region", "sip_summons", False),
        # A ward kind in a municipality is nobody's ward; school health takes no part.
        (UnitKind.HOSPITAL_WARD_SOMATIC, "municipality", "ready_for_discharge", False),
        (UnitKind.SCHOOL_HEALTH, "municipality", "extra_message", False),
        (UnitKind.EMERGENCY_DEPARTMENT, "region", "admission_notice", False),
        # The municipality sends care reports and status reports.
        (UnitKind.HOME_HEALTH_CARE, "municipality", "care_report", True),
        (UnitKind.NEEDS_ASSESSMENT, "municipality", "status_report", True),
    ],
)
def test_may_send_examples(unit_kind, principal, message_type, allowed):
    assert may_send(unit_kind, principal, message_type) is allowed


def test_private_provider_must_be_resolved_to_its_principal():
    with pytest.raises(ValueError, match="principal"):
        may_send(UnitKind.HOME_CARE, OrganizationKind.PRIVATE_PROVIDER, "care_report")


def test_principal_kind_follows_the_contract_chain():
    region = Organization(kind=OrganizationKind.REGION)
    municipality = Organization(kind=OrganizationKind.MUNICIPALITY)
    private_hospital = Organization(kind=OrganizationKind.PRIVATE_PROVIDER, contracted_by=region)
    provider = Organization(kind=OrganizationKind.PRIVATE_PROVIDER, contracted_by=municipality)
    subcontractor = Organization(kind=OrganizationKind.PRIVATE_PROVIDER, contracted_by=provider)
    assert principal_kind(region) == "region"
    assert principal_kind(private_hospital) == "region"
    assert principal_kind(subcontractor) == "municipality"
    assert may_send(
        UnitKind.HOSPITAL_WARD_SOMATIC, principal_kind(private_hospital), "ready_for_discharge"
    )
    with pytest.raises(ValueError):
        principal_kind(Organization(kind=OrganizationKind.PRIVATE_PROVIDER))


def test_a_case_opens_only_with_an_admission_notice():
    assert next_state(None, "admission_notice") == CaseState.ADMITTED
    for message_type in MessageType:
        if message_type != MessageType.ADMISSION_NOTICE:
            with pytest.raises(TransitionNotAllowed):
                next_state(None, message_type)


def test_readiness_withdrawn_and_given_again():
    state = replay(["admission_notice", "ready_for_discharge", "readiness_withdrawn"])
    assert state == CaseState.ADMITTED
    assert next_state(state, "ready_for_discharge") == CaseState.READY


def test_replay_the_whole_path():
    history = [
        "admission_notice",
        "planning_info",
        "care_contact_appointed",
        "ready_for_discharge",
        "sip_summons",
        "discharge_info",
        "discharge_notice",
    ]
    assert replay(history) == CaseState.DISCHARGED
    assert close_state(replay(history)) == CaseState.CLOSED


def test_replay_without_a_cancelled_ready_notice_goes_back():
    # The ready notice was cancelled: messaging replays the messages that still stand.
    assert replay(["admission_notice", "planning_info"]) == CaseState.ADMITTED
    with pytest.raises(TransitionNotAllowed):
        replay([])
    with pytest.raises(TransitionNotAllowed):
        replay(["admission_notice", "readiness_withdrawn"])


@pytest.mark.parametrize("state", ["admitted", "ready", "closed", "withdrawn"])
def test_only_a_discharged_case_closes(state):
    with pytest.raises(TransitionNotAllowed):
        close_state(state)


def test_final_states_take_nothing():
    for state in process.FINAL_STATES:
        assert process.allowed_message_types(state) == []
    assert CaseState.DISCHARGED in process.OPEN_STATES
    assert not process.OPEN_STATES & process.FINAL_STATES


def test_unknown_values_are_errors_not_refusals():
    with pytest.raises(ValueError):
        next_state("admitted", "telegram")
    with pytest.raises(ValueError):
        next_state("lost", "planning_info")


def test_refusal_says_why_in_swedish():
    with pytest.raises(TransitionNotAllowed) as caught:
        next_state("ready", "ready_for_discharge")
    with translation.override("sv"):
        assert caught.value.user_message == (
            "Utskrivningsklar kan inte skickas när ärendet har status Utskrivningsklar."
        )
        assert TransitionNotAllowed(None, "planning_info").user_message == (
            "Ett ärende startas med ett inskrivningsmeddelande."
        )


def test_sendable_message_types_combines_both_rules():
    ward, region = UnitKind.HOSPITAL_WARD_SOMATIC, OrganizationKind.REGION
    assert sendable_message_types(None, ward, region) == [MessageType.ADMISSION_NOTICE]
    assert sendable_message_types(None, UnitKind.HOME_CARE, "municipality") == []
    assert sendable_message_types("ready", ward, region) == [
        MessageType.PLANNING_INFO,
        MessageType.READINESS_WITHDRAWN,
        MessageType.DISCHARGE_NOTICE,
        MessageType.DISCHARGE_INFO,
        MessageType.EXTRA_MESSAGE,
        MessageType.CANCELLATION,
        MessageType.CASE_WITHDRAWN,
    ]
    assert sendable_message_types("closed", ward, region) == []


def test_care_type_follows_the_ward():
    assert care_type_for_ward(UnitKind.HOSPITAL_WARD_PSYCHIATRIC) == CareType.PSYCHIATRIC
    assert care_type_for_ward(UnitKind.HOSPITAL_WARD_SOMATIC) == CareType.SOMATIC
