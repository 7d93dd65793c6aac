"""Building discharge cases with exact times for report tests (and small benchmarks).

The services stamp messages with the present time; reports are about the past, so this
writes the rows directly, as they would have been written at the given times.
"""

from __future__ import annotations

import datetime
import itertools
from dataclasses import dataclass, field
from typing import Any

from samplan.core.localtime import STOCKHOLM
from samplan.core.message_types import MessageType
from samplan.discharge.models import CaseMessage, CaseParticipant, DischargeCase, ParticipantRole
from samplan.discharge.process import care_type_for_ward
from samplan.messaging.models import Delivery, DeliveryState, Message
from samplan.organizations.models import Organization, Unit
from samplan.organizations.terms import first_cutoff_after
from samplan.patients.testing import PatientFactory

_keys = itertools.count(1)


def local(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime.datetime:
    """A Swedish wall-clock time."""
    return datetime.datetime(year, month, day, hour, minute, tzinfo=STOCKHOLM)


@dataclass
class CaseBuilder:
    """case = CaseBuilder(ward, municipality, admitted, user).send(...).send(...).case"""

    ward: Unit
    municipality: Organization | None
    admitted_at: datetime.datetime
    user: Any
    care_contact_needed: bool = True
    sip_needed: bool = False
    services_refused: bool = False
    services_need_assessed_at: datetime.datetime | None = None
    case: DischargeCase = field(init=False)

    def __post_init__(self) -> None:
        self.case = DischargeCase.objects.create(
            patient=PatientFactory(),
            ward=self.ward,
            care_type=care_type_for_ward(self.ward.kind),
            admitted_at=self.admitted_at,
            services_need_assessed_at=self.services_need_assessed_at,
            region=self.ward.organization,
            municipality=self.municipality,
            care_contact_needed=self.care_contact_needed,
            sip_needed=self.sip_needed,
            services_refused=self.services_refused,
            opened_by=self.user,
            opened_at=self.admitted_at,
            state="closed",
        )
        CaseParticipant.objects.create(
            case=self.case,
            unit=self.ward,
            role=ParticipantRole.WARD,
            joined_at=self.admitted_at,
            case_open=False,
        )

    def send(
        self,
        message_type: str,
        sent_at: datetime.datetime,
        *to: Unit,
        occurred_at: datetime.datetime | None = None,
        cancelled_at: datetime.datetime | None = None,
        sender: Unit | None = None,
        acknowledged_at: datetime.datetime | None = None,
        content: dict | None = None,
    ) -> CaseBuilder:
        message = Message.objects.create(
            message_type=message_type,
            patient=self.case.patient,
            sender_unit=sender or self.ward,
            sender_user=self.user,
            sent_at=sent_at,
            occurred_at=occurred_at,
            cancelled_at=cancelled_at,
            content=content or {},
            idempotency_key=f"report-test-{next(_keys)}",
        )
        CaseMessage.objects.create(message=message, case=self.case)
        for unit in to:
            Delivery.objects.create(
                message=message,
                unit=unit,
                reason_code="participant",
                reason_text="",
                arrived_at=sent_at,
                due_at=first_cutoff_after(sent_at),
                state=DeliveryState.ACKNOWLEDGED if acknowledged_at else DeliveryState.NEW,
                acknowledged_at=acknowledged_at,
            )
            CaseParticipant.objects.get_or_create(
                case=self.case,
                unit=unit,
                defaults={"role": ParticipantRole.ADDED, "joined_at": sent_at, "case_open": False},
            )
        return self


M = MessageType
