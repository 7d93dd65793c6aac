"""The discharge process (domain.md §5) as plain tables and pure functions.

Which message moves a case from which state to which, and which kind of unit may send which
message. Messaging calls these before it writes anything; nothing here touches the database.

States: admitted → ready (→ back to admitted when readiness is withdrawn) → discharged →
closed; or withdrawn. Decisions the domain leaves open, taken here:
- The admission notice opens the case (`INITIAL_STATE`); it is not accepted on an open case
  (changes are told in planning information, corrections by cancelling and sending anew).
- A discharge notice is accepted while `admitted`, not only when `ready`: a person can leave
  hospital without the doctor having judged them ready (at their own wish, say), the
  municipality must still be told, and demanding a ready notice first would make the ward
  invent the evidence the payment liability rests on. Without a ready notice the liability
  is zero.
- A second ready notice while `ready` is refused: withdraw readiness first, so the evidence
  says which notice counts (the latest, see liability.py).
- After discharge the case still takes information at discharge, care reports, extra
  messages, cancellations and a late SIP summons or care-contact appointment (recorded as
  evidence; liability.py does not count them as done before discharge).
- `closed` is reached by closing a discharged case (an action, not a message); `closed` and
  `withdrawn` are final and take no messages.
- A cancellation (makulering) leaves the state as it is; when a cancelled message had moved
  the state, messaging recomputes it with `replay` over the messages that still stand.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum

from django.db import models
from django.utils.translation import gettext_lazy as _

from samplan.core.message_types import MessageType
from samplan.organizations.models import OrganizationKind, UnitKind
from samplan.organizations.terms import CareType

M = MessageType


class CaseState(models.TextChoices):
    ADMITTED = "admitted", _("Admitted")
    READY = "ready", _("Ready for discharge")
    DISCHARGED = "discharged", _("Discharged")
    CLOSED = "closed", _("Closed")
    WITHDRAWN = "withdrawn", _("Withdrawn")


OPENING_MESSAGE = M.ADMISSION_NOTICE
INITIAL_STATE = CaseState.ADMITTED
# "One open case per patient and stay" (domain.md §5) counts the cases in these states.
OPEN_STATES = frozenset({CaseState.ADMITTED, CaseState.READY, CaseState.DISCHARGED})
FINAL_STATES = frozenset({CaseState.CLOSED, CaseState.WITHDRAWN})
CLOSABLE_STATES = frozenset({CaseState.DISCHARGED})

# Messages that inform without moving the case, by the states that accept them.
_WHILE_IN_HOSPITAL = (
    M.STATUS_REPORT,
    M.PLANNING_INFO,
    M.CARE_CONTACT_APPOINTED,
    M.SIP_SUMMONS,
    M.DISCHARGE_INFO,
    M.CARE_REPORT,
    M.EXTRA_MESSAGE,
    M.CANCELLATION,
)
_AFTER_DISCHARGE = (
    M.CARE_CONTACT_APPOINTED,
    M.SIP_SUMMONS,
    M.DISCHARGE_INFO,
    M.CARE_REPORT,
    M.EXTRA_MESSAGE,
    M.CANCELLATION,
)

# TRANSITIONS[state][message type] = the state after the message. Absent: not allowed.
TRANSITIONS: dict[CaseState, dict[MessageType, CaseState]] = {
    CaseState.ADMITTED: {
        **dict.fromkeys(_WHILE_IN_HOSPITAL, CaseState.ADMITTED),
        M.READY_FOR_DISCHARGE: CaseState.READY,
        M.DISCHARGE_NOTICE: CaseState.DISCHARGED,
        M.CASE_WITHDRAWN: CaseState.WITHDRAWN,
    },
    CaseState.READY: {
        **dict.fromkeys(_WHILE_IN_HOSPITAL, CaseState.READY),
        M.READINESS_WITHDRAWN: CaseState.ADMITTED,
        M.DISCHARGE_NOTICE: CaseState.DISCHARGED,
        M.CASE_WITHDRAWN: CaseState.WITHDRAWN,
    },
    CaseState.DISCHARGED: dict.fromkeys(_AFTER_DISCHARGE, CaseState.DISCHARGED),
    CaseState.CLOSED: {},
    CaseState.WITHDRAWN: {},
}


class TransitionNotAllowed(ValueError):
    """A message or action the case's state does not accept. `user_message` is plain
    Swedish (through the catalogue) for the page; str() is English for logs."""

    def __init__(self, state: str | None, event: str) -> None:
        self.state = state
        self.event = event
        super().__init__(f"{event!r} is not allowed when the case is {state!r}")

    @property
    def user_message(self) -> str:
        if self.state is None:
            return str(_("A case is opened with an admission notice."))
        event_label = (
            MessageType(self.event).label if self.event in MessageType.values else self.event
        )
        return str(
            _("%(message)s cannot be sent while the case has the status %(state)s.")
            % {"message": event_label, "state": CaseState(self.state).label}
        )


def allowed_message_types(state: str) -> list[MessageType]:
    """Message types the case accepts in `state`, in the order of domain.md's table."""
    accepted = TRANSITIONS[CaseState(state)]
    return [message_type for message_type in MessageType if message_type in accepted]


def next_state(state: str | None, message_type: str) -> CaseState:
    """The case's state after `message_type`; `state` None means no case exists yet.

    Raises TransitionNotAllowed for a message the state does not accept, and ValueError for
    an unknown state or message type.
    """
    message_type = MessageType(message_type)
    if state is None:
        if message_type != OPENING_MESSAGE:
            raise TransitionNotAllowed(None, message_type)
        return INITIAL_STATE
    state = CaseState(state)
    try:
        return TRANSITIONS[state][message_type]
    except KeyError:
        raise TransitionNotAllowed(state, message_type) from None


def close_state(state: str) -> CaseState:
    """The state after closing the case (Avsluta): only a discharged case can be closed."""
    state = CaseState(state)
    if state not in CLOSABLE_STATES:
        raise TransitionNotAllowed(state, "close")
    return CaseState.CLOSED


def replay(message_types: Iterable[str]) -> CaseState:
    """The state a case reaches through these messages in order, from no case at all.

    Messaging passes the case's messages that still stand (neither cancelled nor
    cancellations) to recompute the state after a cancellation.
    """
    state: CaseState | None = None
    for message_type in message_types:
        state = next_state(state, message_type)
    if state is None:
        raise TransitionNotAllowed(None, "")
    return state


# --- Who sends what -------------------------------------------------------------------------


class SenderGroup(StrEnum):
    """The parties of §5's "from" column."""

    WARD = "ward"
    CARE_CONTACT = "care_contact"  # where the named care contact (fast vårdkontakt) works
    MUNICIPALITY = "municipality"


# The region's units that take part, by group. Outpatient psychiatry appoints the care
# contact when the person will get outpatient psychiatric care after discharge (lag 2017:612),
# the primary care centre otherwise.
WARD_KINDS = frozenset({UnitKind.HOSPITAL_WARD_SOMATIC, UnitKind.HOSPITAL_WARD_PSYCHIATRIC})
CARE_CONTACT_KINDS = frozenset({UnitKind.PRIMARY_CARE_CENTRE, UnitKind.OUTPATIENT_PSYCHIATRY})
# The municipality's units that plan and give care after discharge. School health and
# administrations (no inbox of their own) take no part in discharge planning.
MUNICIPAL_KINDS = frozenset(
    {
        UnitKind.HOME_HEALTH_CARE,
        UnitKind.HOME_CARE,
        UnitKind.NURSING_HOME,
        UnitKind.DISABILITY_SERVICES,
        UnitKind.NEEDS_ASSESSMENT,
        UnitKind.SOCIAL_SERVICES,
        UnitKind.MUNICIPAL_INTAKE,
        UnitKind.OTHER,
    }
)

_ALL_GROUPS = frozenset(SenderGroup)

# SENDERS[message type] = the groups whose units may send it (domain.md §5, "from").
SENDERS: dict[MessageType, frozenset[SenderGroup]] = {
    M.STATUS_REPORT: frozenset({SenderGroup.MUNICIPALITY}),
    M.ADMISSION_NOTICE: frozenset({SenderGroup.WARD}),
    M.PLANNING_INFO: _ALL_GROUPS,  # ward ↔ participants
    M.CARE_CONTACT_APPOINTED: frozenset({SenderGroup.CARE_CONTACT}),
    M.READY_FOR_DISCHARGE: frozenset({SenderGroup.WARD}),
    M.READINESS_WITHDRAWN: frozenset({SenderGroup.WARD}),
    M.SIP_SUMMONS: frozenset({SenderGroup.CARE_CONTACT}),
    M.DISCHARGE_NOTICE: frozenset({SenderGroup.WARD}),
    M.DISCHARGE_INFO: frozenset({SenderGroup.WARD}),
    M.CARE_REPORT: frozenset({SenderGroup.MUNICIPALITY}),
    M.EXTRA_MESSAGE: _ALL_GROUPS,
    # Any party may void a message; that it is the sender's own is messaging's check.
    M.CANCELLATION: _ALL_GROUPS,
    M.CASE_WITHDRAWN: frozenset({SenderGroup.WARD}),
}


def principal_kind(organization: object) -> str:
    """The kind of the principal (huvudman) an organisation acts for: its own kind, or for a
    private provider the kind of the region or municipality that contracted it (through any
    chain of subcontractors). Reads `contracted_by`: select_related it in lists."""
    node = organization
    for _depth in range(10):  # contract chains are short; the bound guards against a loop
        if node is None:
            break
        if node.kind != OrganizationKind.PRIVATE_PROVIDER:
            return node.kind
        node = node.contracted_by
    raise ValueError(f"{organization} has no region or municipality as principal")


def sender_group(unit_kind: str, principal: str) -> SenderGroup | None:
    """The §5 party a unit of this kind, acting for this kind of principal, belongs to."""
    if principal == OrganizationKind.PRIVATE_PROVIDER:
        raise ValueError("pass the principal's kind (principal_kind), not private_provider")
    if principal == OrganizationKind.REGION:
        if unit_kind in WARD_KINDS:
            return SenderGroup.WARD
        if unit_kind in CARE_CONTACT_KINDS:
            return SenderGroup.CARE_CONTACT
    elif principal == OrganizationKind.MUNICIPALITY and unit_kind in MUNICIPAL_KINDS:
        return SenderGroup.MUNICIPALITY
    return None


def may_send(unit_kind: str, organization_kind: str, message_type: str) -> bool:
    """Whether a unit of `unit_kind` may send `message_type`. `organization_kind` is the
    kind of the principal the unit acts for (see principal_kind): a private hospital
    contracted by a region sends as a region's ward."""
    group = sender_group(unit_kind, organization_kind)
    return group is not None and group in SENDERS[MessageType(message_type)]


def sendable_message_types(
    state: str | None, unit_kind: str, organization_kind: str
) -> list[MessageType]:
    """What this unit may send on a case in `state` (None: no case yet): both rules at once,
    for the "send" menu of the case page."""
    candidates = [OPENING_MESSAGE] if state is None else allowed_message_types(state)
    return [m for m in candidates if may_send(unit_kind, organization_kind, m)]


def care_type_for_ward(unit_kind: str) -> CareType:
    """Which grace days apply: psychiatric for a psychiatric ward, somatic otherwise."""
    if unit_kind == UnitKind.HOSPITAL_WARD_PSYCHIATRIC:
        return CareType.PSYCHIATRIC
    return CareType.SOMATIC
