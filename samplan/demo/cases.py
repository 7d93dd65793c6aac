"""The demo's discharge cases: the work of the last two weeks as it really looks.

Every case is made through the product's own services (samplan.discharge.services and
samplan.messaging.services), so states, participants, deliveries and answer times follow the
real rules. The services stamp what they write with the present time; each step is then
moved back to when it "happened" (`Story._settle_*`): every timestamp the step wrote, and each
delivery's answer time recomputed from its new arrival as
samplan.organizations.agreements.answer_due_at does. No access-log rows are written: nobody
looked at anything.

Times are anchored to the last 12:00 cut-off before the demo was loaded (`DemoClock`), so
that what is meant to be overdue is overdue, and what is meant to be new is new, whatever
hour `make demo` runs at: deliveries that arrived before that cut-off and are still not
acknowledged are overdue; those that arrived after it are new.

The cases (ward nurse anna.lindqvist works on Avdelning 11 and 12; needs assessor
elin.johansson in team Norr and team Syd):
- admitted: Karl-Erik (the latest: his notice arrived after the last cut-off and is new
  everywhere; home care's status report), Solveig (the
  admission notice is overdue in several municipal inboxes), Lars-Göran (a ready notice sent
  by mistake and cancelled), Birgit (sent to a nursing home by mistake: returned, and the
  copy waits in Katrineholm's inbox for unaddressed messages), Gösta (Flens kommun; some of
  its units have not acknowledged);
- ready: Elsa (a SIP is needed; the summons is due), Rolf (past the grace days: liable days
  running), Stig (the admission notice was late, so no liability), Patrik (psychiatric ward,
  five grace days by the agreement), Anna-Lisa (transferred from Kullbergska to
  Mälarsjukhuset);
- discharged: Ingrid (three liable days, and the amount);
- closed: Göte; withdrawn: Maj-Britt (declined further help).
Gunvor Ahlgren has no case: she is the one to open a new case for.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db.models import Case, Value, When
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from samplan.accounts.models import Role, User
from samplan.core.actor import Actor
from samplan.core.localtime import local_date, local_instant
from samplan.core.message_types import MessageType
from samplan.demo.data import USERS
from samplan.demo.patients import identity_numbers
from samplan.discharge import services as case_services
from samplan.discharge.access import cases_for_unit
from samplan.discharge.message_forms import case_content
from samplan.discharge.models import CaseEvent, CaseParticipant, DischargeCase
from samplan.discharge.process import OPEN_STATES
from samplan.discharge.recipients import propose_recipients, recipient_choices
from samplan.messaging.fallback import fallback_inbox_for
from samplan.messaging.models import OPEN_STATES as OPEN_DELIVERY_STATES
from samplan.messaging.models import Delivery, DeliveryState, Message
from samplan.messaging.services import (
    deliveries_acknowledge,
    delivery_mark_read,
    delivery_return,
)
from samplan.organizations.agreements import terms_between
from samplan.organizations.models import Unit
from samplan.organizations.terms import DEFAULT_TERMS, AgreementTerms, first_cutoff_after
from samplan.patients.identity import format_identity
from samplan.patients.models import Patient

if TYPE_CHECKING:
    from samplan.demo.builder import Demo

M = MessageType


# --- the clock ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class DemoClock:
    """`now` is when the demo is loaded; `cutoff` the last 12:00 cut-off at or before it."""

    now: datetime.datetime
    cutoff: datetime.datetime

    @classmethod
    def at(cls, now: datetime.datetime) -> DemoClock:
        today = local_date(now)
        cutoff = local_instant(today, DEFAULT_TERMS.cutoff)
        if cutoff >= now:
            cutoff = local_instant(today - datetime.timedelta(days=1), DEFAULT_TERMS.cutoff)
        return cls(now=now, cutoff=cutoff)

    def day(self, offset: int, wall_time: str) -> datetime.datetime:
        """A Swedish wall time on the day of the last cut-off + `offset` days (offset 0 only
        before 12:00, which is always in the past)."""
        hour, minute = (int(part) for part in wall_time.split(":"))
        day = local_date(self.cutoff) + datetime.timedelta(days=offset)
        return local_instant(day, datetime.time(hour, minute))

    def since_cutoff(self, fraction: float) -> datetime.datetime:
        """A moment between the last cut-off and now: what arrived then is still new."""
        return self.cutoff + (self.now - self.cutoff) * fraction


def _iso(moment: datetime.datetime | datetime.date) -> str:
    return moment.isoformat()


# Who answers for a unit: its first demo user who works in its inbox.
def _members() -> dict[str, str]:
    members: dict[str, str] = {}
    for spec in USERS:
        for code, role in spec.memberships:
            if role in (Role.USER, Role.SUPER_USER):
                members.setdefault(code, spec.username)
    return members


# --- one case's story ---------------------------------------------------------------------------


@dataclass
class Story:
    """Tells one case step by step through the services, each step at its own time.

    After each service call, what it stamped with the present time (at or after
    `clock.now`; every step's own time is before it) is moved back to the step's time.
    """

    demo: Demo
    clock: DemoClock
    members: dict[str, str]
    terms_cache: dict[tuple[int, int, datetime.date], AgreementTerms]
    case: DischargeCase | None = None
    ward: str = ""  # the code of the ward that has the case
    sent: int = 0

    def unit(self, code: str) -> Unit:
        return self.demo.units[code]

    def user(self, unit_code: str, username: str | None = None) -> User:
        return self.demo.users[username or self.members[unit_code]]

    # -- the steps

    def open(
        self,
        patient: str,
        ward: str,
        *,
        admitted: datetime.datetime,
        at: datetime.datetime,
        username: str | None = None,
    ) -> Story:
        self._check(at)
        self.case, _created = case_services.case_open(
            actor=Actor(user=self.user(ward, username), unit=self.unit(ward)),
            patient=self.demo.patients[patient],
            admitted_at=admitted,
            opening_key=f"demo-{patient}",
        )
        self.ward = ward
        DischargeCase.objects.filter(pk=self.case.pk).update(opened_at=at)
        self._settle_case_rows(at)
        return self

    def send(
        self,
        message_type: str,
        unit: str,
        at: datetime.datetime,
        content: dict | None = None,
        *,
        text: str = "",
        username: str | None = None,
        add: Iterable[str] = (),
        only: Iterable[str] = (),
        drop: Iterable[str] = (),
    ) -> Message:
        """Sends as the send form would: to the proposal (all of it, or `only` these, less
        `drop`), plus units `add`ed from the directory."""
        case = self._check(at)
        sender = self.unit(unit)
        proposals = propose_recipients(case, message_type, sender, at=at)
        only_ids = {self.unit(code).pk for code in only}
        drop_ids = {self.unit(code).pk for code in drop}
        kept = [
            p.unit.pk
            for p in proposals
            if (not only_ids or p.unit.pk in only_ids) and p.unit.pk not in drop_ids
        ]
        self.sent += 1
        message = case_services.case_send(
            case=case,
            actor=Actor(user=self.user(unit, username), unit=sender),
            message_type=message_type,
            recipients=recipient_choices(
                proposals=proposals,
                kept_ids=kept,
                added_ids=[self.unit(code).pk for code in add],
                sender_unit=sender,
            ),
            idempotency_key=f"demo-{case.pk}-{self.sent}",
            content={**(content or {}), **case_content(case, message_type)},
            text=text,
        )
        self._settle_message(message, at)
        self._settle_case_rows(at)
        case.refresh_from_db()
        return message

    def acknowledge(self, message: Message, **times: datetime.datetime) -> Story:
        """Kvittera: each unit (by code) at its time, by one of its users."""
        deliveries = self._deliveries(message)
        for code, at in sorted(times.items(), key=lambda item: item[1]):
            self._check(at)
            delivery = deliveries[self.unit(code).pk]
            deliveries_acknowledge(
                delivery_ids=[delivery.pk],
                actor=Actor(user=self.user(code), unit=self.unit(code)),
            )
            # Acknowledging an unopened delivery also reads it, at the same moment.
            Delivery.objects.filter(pk=delivery.pk).update(
                acknowledged_at=at,
                read_at=Case(When(read_at__gte=self.clock.now, then=Value(at)), default="read_at"),
            )
        return self

    def read(self, message: Message, unit: str, at: datetime.datetime) -> Story:
        """Opened, not acknowledged."""
        self._check(at)
        delivery = self._deliveries(message)[self.unit(unit).pk]
        delivery_mark_read(delivery=delivery, actor=Actor(user=self.user(unit)))
        Delivery.objects.filter(pk=delivery.pk).update(read_at=at)
        return self

    def give_back(self, message: Message, unit: str, at: datetime.datetime, reason: str) -> None:
        """Returnera (felsänt): the copy goes to the organisation's unaddressed inbox."""
        self._check(at)
        receiving = self.unit(unit)
        delivery = self._deliveries(message)[receiving.pk]
        delivery_return(
            delivery=delivery,
            reason=reason,
            actor=Actor(user=self.user(unit), unit=receiving),
            fallback_unit=fallback_inbox_for(receiving.organization),
        )
        Delivery.objects.filter(pk=delivery.pk).update(handled_at=at)
        self._settle_message(message, at)

    def cancel(self, message: Message, at: datetime.datetime, reason: str) -> Message:
        case = self._check(at)
        self.sent += 1
        cancellation = case_services.case_cancel_message(
            message=message,
            reason=reason,
            actor=Actor(user=message.sender_user, unit=message.sender_unit),
            idempotency_key=f"demo-{case.pk}-{self.sent}",
        )
        Message.objects.filter(pk=message.pk).update(cancelled_at=at)
        self._settle_message(cancellation, at)
        self._settle_case_rows(at)
        case.refresh_from_db()
        return cancellation

    def change(self, at: datetime.datetime, **changes: object) -> None:
        """The ward changes the case's details (e.g. that a SIP is needed)."""
        case = self._check(at)
        details = {name: getattr(case, name) for name in case_services.CASE_DETAIL_FIELDS}
        case_services.case_update(
            case=case,
            actor=Actor(user=self.user(self.ward), unit=case.ward),
            **{**details, **changes},
        )
        self._settle_case_rows(at)
        case.refresh_from_db()

    def transfer(self, to_ward: str, at: datetime.datetime) -> None:
        case = self._check(at)
        case_services.case_transfer(
            case=case,
            to_ward=self.unit(to_ward),
            actor=Actor(user=self.user(self.ward), unit=case.ward),
        )
        self.ward = to_ward
        CaseParticipant.objects.filter(case=case, left_at__gte=self.clock.now).update(left_at=at)
        self._settle_case_rows(at)
        case.refresh_from_db()

    def close(self, at: datetime.datetime) -> None:
        case = self._check(at)
        case_services.case_close(case=case, actor=Actor(user=self.user(self.ward), unit=case.ward))
        DischargeCase.objects.filter(pk=case.pk).update(closed_at=at)
        self._settle_case_rows(at)
        case.refresh_from_db()

    # -- moving what a step wrote back to its time

    def _check(self, at: datetime.datetime) -> DischargeCase:
        if at >= self.clock.now:
            raise ValueError(f"A demo step at {at} is not in the past.")
        return self.case  # type: ignore[return-value]  # None only before open()

    def _deliveries(self, message: Message) -> dict[int, Delivery]:
        return {d.unit_id: d for d in Delivery.objects.filter(message=message)}

    def _settle_message(self, message: Message, at: datetime.datetime) -> None:
        """The message's send time, and each delivery that arrived in this step: its arrival
        and its answer time (the first cut-off after the arrival)."""
        Message.objects.filter(pk=message.pk, sent_at__gte=self.clock.now).update(sent_at=at)
        arrived = list(
            Delivery.objects.filter(message=message, arrived_at__gte=self.clock.now).select_related(
                "unit__organization", "forwarded_from__unit__organization"
            )
        )
        for delivery in arrived:
            # A forwarded or returned copy is answered under the terms of whoever passed it on.
            sender = (
                delivery.forwarded_from.unit if delivery.forwarded_from_id else message.sender_unit
            )
            delivery.arrived_at = at
            delivery.due_at = self._due_at(at, sender, delivery.unit)
        Delivery.objects.bulk_update(arrived, ["arrived_at", "due_at"])

    def _due_at(self, at: datetime.datetime, sender: Unit, unit: Unit) -> datetime.datetime:
        """organizations.agreements.answer_due_at, with the terms looked up once per pair of
        organisations and day."""
        key = (sender.organization_id, unit.organization_id, local_date(at))
        if key not in self.terms_cache:
            self.terms_cache[key] = terms_between(sender.organization, unit.organization, on=at)
        return first_cutoff_after(at, self.terms_cache[key])

    def _settle_case_rows(self, at: datetime.datetime) -> None:
        """The case's events and new participants of this step."""
        case = self.case
        CaseEvent.objects.filter(case=case, at__gte=self.clock.now).update(at=at)
        CaseParticipant.objects.filter(case=case, joined_at__gte=self.clock.now).update(
            joined_at=at
        )


def _at(moment: datetime.datetime) -> str:
    """A time as the send forms store it: Swedish local time, to the minute."""
    return timezone.localtime(moment).replace(second=0, microsecond=0).isoformat()


def _day(moment: datetime.datetime, days: int = 0) -> str:
    return _iso(local_date(moment) + datetime.timedelta(days=days))


def _care_contact(name: str, profession: str, phone: str) -> dict:
    return {"name": name, "profession": profession, "phone": phone}


def _care_report(text: str, author: str, profession: str) -> dict:
    return {"text": text, "author": author, "author_profession": profession}


# --- the cases ----------------------------------------------------------------------------------


def _karl_erik(s: Story, c: DemoClock) -> None:
    """Admitted this morning; the notice arrived after the cut-off, so it is new everywhere."""
    s.open("karl_erik", "MSEAVD11", admitted=c.day(0, "06:40"), at=c.day(0, "07:05"))
    notice = s.send(
        M.ADMISSION_NOTICE,
        "MSEAVD11",
        c.since_cutoff(0.25),
        {"ward_phone": s.unit("MSEAVD11").phone, "note": "Föll i hemmet, höftkontusion."},
        text="Föll i hemmet, höftkontusion.",
        add=["VOFBISTN"],
    )
    s.read(notice, "VOFHTNORR", c.since_cutoff(0.5))
    status = "Hemtjänst morgon och kväll, trygghetslarm. Dottern handlar."
    s.send(
        M.STATUS_REPORT,
        "VOFHTNORR",
        c.since_cutoff(0.6),
        {
            "living": "Lägenhet, andra våningen med hiss",
            "services": status,
            "contact": "Mikael Andersson, 0150-572 10",
        },
        only=["MSEAVD11"],
    )


def _solveig(s: Story, c: DemoClock) -> None:
    """The admission notice came yesterday evening; not everyone acknowledged it by 12:00."""
    s.open("solveig", "MSEAVD12", admitted=c.day(-1, "16:45"), at=c.day(-1, "17:10"))
    notice = s.send(
        M.ADMISSION_NOTICE,
        "MSEAVD12",
        c.day(-1, "17:30"),
        {"ward_phone": s.unit("MSEAVD12").phone, "note": "Förmaksflimmer, ny medicinering."},
        text="Förmaksflimmer, ny medicinering.",
        add=["VOFBISTN"],
    )
    s.acknowledge(notice, VCKNORR=c.day(0, "08:05"), VOFHTNORR=c.day(0, "09:40"))
    s.read(notice, "VOFHSVN", c.day(0, "10:20"))
    planning = s.send(
        M.PLANNING_INFO,
        "MSEAVD12",
        c.day(0, "10:50"),
        {
            "needs": "Hjälp med läkemedel morgon och kväll.",
            "adl": "Går med rollator, klarar toalettbesök själv.",
            "estimated_discharge_date": _day(c.now, 3),
        },
    )
    s.acknowledge(planning, VCKNORR=c.day(0, "11:20"))


def _elsa(s: Story, c: DemoClock) -> None:
    """Ready since yesterday; a SIP is needed, and the care centre's summons is due."""
    s.open("elsa", "MSEAVD11", admitted=c.day(-5, "09:20"), at=c.day(-5, "09:45"))
    notice = s.send(
        M.ADMISSION_NOTICE,
        "MSEAVD11",
        c.day(-5, "13:55"),
        {"ward_phone": s.unit("MSEAVD11").phone},
        add=["VOFBISTS"],
    )
    s.acknowledge(
        notice,
        VOFHSVS=c.day(-5, "15:10"),
        VCKSYD=c.day(-4, "08:20"),
        VOFBISTS=c.day(-4, "09:05"),
        VOFMOTT=c.day(-4, "11:45"),
    )
    s.change(c.day(-4, "10:00"), sip_needed=True)
    planning = s.send(
        M.PLANNING_INFO,
        "MSEAVD11",
        c.day(-4, "14:30"),
        {
            "needs": "Hemsjukvård för såromläggning, hemtjänst för dusch och inköp.",
            "adl": "Förflyttar sig med stöd av en person.",
            "aids": "Rollator, toalettförhöjning.",
            "risks": "Fallrisk, nedsatt aptit.",
            "estimated_discharge_date": _day(c.now, 2),
        },
    )
    s.acknowledge(
        planning,
        VOFHSVS=c.day(-3, "08:10"),
        VCKSYD=c.day(-3, "08:40"),
        VOFBISTS=c.day(-3, "09:15"),
        VOFMOTT=c.day(-3, "10:00"),
    )
    report = s.send(
        M.CARE_REPORT,
        "VOFHSVS",
        c.day(-4, "16:00"),
        _care_report(
            "Bensår höger underben, omläggning varannan dag före inskrivningen. Diabetes, "
            "insulin morgon och kväll, ges av hemsjukvården.",
            "Fatima Hassan",
            "Sjuksköterska",
        ),
        text="Bensår höger underben, omläggning varannan dag före inskrivningen.",
        only=["MSEAVD11", "VCKSYD"],
    )
    s.acknowledge(report, MSEAVD11=c.day(-3, "07:50"), VCKSYD=c.day(-3, "09:00"))
    contact = s.send(
        M.CARE_CONTACT_APPOINTED,
        "VCKSYD",
        c.day(-3, "10:30"),
        _care_contact("Johan Ekström", "Distriktsläkare", "0150-56 31 00"),
    )
    s.acknowledge(
        contact,
        MSEAVD11=c.day(-3, "11:00"),
        VOFHSVS=c.day(-3, "11:10"),
        VOFBISTS=c.day(-3, "13:30"),
        VOFMOTT=c.day(-2, "08:30"),
    )
    ready = s.send(
        M.READY_FOR_DISCHARGE,
        "MSEAVD11",
        c.day(-1, "10:40"),
        {"judged_at": _at(c.day(-1, "10:15"))},
        username="erik.sandberg",
    )
    s.acknowledge(
        ready,
        VOFHSVS=c.day(-1, "11:30"),
        VOFBISTS=c.day(-1, "11:35"),
        VCKSYD=c.day(-1, "13:10"),
        VOFMOTT=c.day(0, "08:15"),
    )


def _rolf(s: Story, c: DemoClock) -> None:
    """Ready for eight days, waiting for a short-term place: the municipality pays."""
    s.open("rolf", "MSEAVD11", admitted=c.day(-12, "22:10"), at=c.day(-11, "07:40"))
    notice = s.send(
        M.ADMISSION_NOTICE,
        "MSEAVD11",
        c.day(-11, "08:05"),
        {
            "ward_phone": s.unit("MSEAVD11").phone,
            "note": "Inkom via akuten i natt, lunginflammation.",
        },
        text="Inkom via akuten i natt, lunginflammation.",
        add=["VOFBISTN"],
    )
    s.acknowledge(
        notice,
        OHHTKH=c.day(-11, "08:50"),
        VOFHSVS=c.day(-11, "09:20"),
        VCKNORR=c.day(-11, "09:45"),
        VOFBISTN=c.day(-11, "10:10"),
        VOFMOTT=c.day(-11, "11:30"),
    )
    report = s.send(
        M.CARE_REPORT,
        "OHHTKH",
        c.day(-11, "13:20"),
        _care_report(
            "Hemtjänst fyra gånger om dagen. Har blivit allt tröttare senaste veckan.",
            "Ahmed Ali",
            "Sjuksköterska",
        ),
        text="Hemtjänst fyra gånger om dagen. Har blivit allt tröttare senaste veckan.",
        only=["MSEAVD11", "VCKNORR"],
    )
    s.acknowledge(report, MSEAVD11=c.day(-10, "07:55"), VCKNORR=c.day(-10, "08:30"))
    planning = s.send(
        M.PLANNING_INFO,
        "MSEAVD11",
        c.day(-10, "14:00"),
        {
            "needs": "Klarar inte att bo hemma just nu: korttidsplats efter utskrivningen.",
            "adl": "Behöver hjälp av två vid förflyttning.",
            "estimated_discharge_date": _day(c.day(-8, "09:00")),
        },
    )
    s.acknowledge(
        planning,
        OHHTKH=c.day(-9, "08:00"),
        VOFHSVS=c.day(-9, "08:20"),
        VCKNORR=c.day(-9, "08:45"),
        VOFBISTN=c.day(-9, "09:10"),
        VOFMOTT=c.day(-9, "10:30"),
    )
    contact = s.send(
        M.CARE_CONTACT_APPOINTED,
        "VCKNORR",
        c.day(-9, "10:10"),
        _care_contact("Maria Holm", "Distriktssköterska", "0150-56 30 00"),
    )
    s.acknowledge(
        contact,
        MSEAVD11=c.day(-9, "10:40"),
        OHHTKH=c.day(-9, "11:00"),
        VOFHSVS=c.day(-9, "11:05"),
        VOFBISTN=c.day(-9, "11:20"),
        VOFMOTT=c.day(-9, "11:50"),
    )
    ready = s.send(
        M.READY_FOR_DISCHARGE,
        "MSEAVD11",
        c.day(-8, "09:15"),
        {"judged_at": _at(c.day(-8, "08:50"))},
        username="erik.sandberg",
    )
    s.acknowledge(
        ready,
        OHHTKH=c.day(-8, "09:40"),
        VOFBISTN=c.day(-8, "10:05"),
        VOFHSVS=c.day(-8, "10:20"),
        VCKNORR=c.day(-8, "10:30"),
        VOFMOTT=c.day(-8, "11:15"),
    )
    waiting = s.send(
        M.EXTRA_MESSAGE,
        "VOFBISTN",
        c.day(-6, "09:30"),
        {"text": "Korttidsplats på Furuliden blir ledig tidigast om en vecka."},
        text="Korttidsplats på Furuliden blir ledig tidigast om en vecka.",
        only=["MSEAVD11", "VCKNORR"],
    )
    s.acknowledge(waiting, MSEAVD11=c.day(-6, "10:15"), VCKNORR=c.day(-6, "11:00"))
    still = s.send(
        M.EXTRA_MESSAGE,
        "MSEAVD11",
        c.day(-2, "14:00"),
        {"text": "Rolf väntar fortfarande på korttidsplats. Finns något annat alternativ?"},
        text="Rolf väntar fortfarande på korttidsplats. Finns något annat alternativ?",
        only=["VOFBISTN", "VOFMOTT"],
    )
    s.acknowledge(still, VOFBISTN=c.day(-1, "08:20"))


def _ingrid(s: Story, c: DemoClock) -> None:
    """Discharged five days ago after three liable days."""
    s.open("ingrid", "MSEAVD12", admitted=c.day(-13, "11:30"), at=c.day(-13, "12:00"))
    notice = s.send(
        M.ADMISSION_NOTICE,
        "MSEAVD12",
        c.day(-13, "12:20"),
        {"ward_phone": s.unit("MSEAVD12").phone},
    )
    s.acknowledge(
        notice,
        VOFBISTS=c.day(-13, "14:05"),
        OHHTFORS=c.day(-12, "07:30"),
        VCKSYD=c.day(-12, "09:10"),
    )
    planning = s.send(
        M.PLANNING_INFO,
        "MSEAVD12",
        c.day(-12, "10:00"),
        {
            "needs": "Hemtjänst utökas till tre besök om dagen, trygghetslarm.",
            "estimated_discharge_date": _day(c.day(-10, "10:00")),
        },
    )
    s.acknowledge(
        planning,
        VOFBISTS=c.day(-12, "10:40"),
        OHHTFORS=c.day(-12, "11:10"),
        VCKSYD=c.day(-12, "11:30"),
    )
    contact = s.send(
        M.CARE_CONTACT_APPOINTED,
        "VCKSYD",
        c.day(-12, "15:00"),
        _care_contact("Johan Ekström", "Distriktsläkare", "0150-56 31 00"),
    )
    s.acknowledge(
        contact,
        MSEAVD12=c.day(-12, "15:30"),
        VOFBISTS=c.day(-11, "08:10"),
        OHHTFORS=c.day(-11, "09:00"),
    )
    # Sent after the cut-off: the next day is day 0 of the grace days.
    ready = s.send(
        M.READY_FOR_DISCHARGE,
        "MSEAVD12",
        c.day(-11, "13:20"),
        {"judged_at": _at(c.day(-11, "13:00"))},
    )
    s.acknowledge(
        ready,
        VOFBISTS=c.day(-10, "08:40"),
        OHHTFORS=c.day(-10, "09:20"),
        VCKSYD=c.day(-10, "10:00"),
    )
    summons = s.send(
        M.SIP_SUMMONS,
        "VCKSYD",
        c.day(-10, "10:30"),
        {
            "meeting_at": _at(c.day(-8, "13:30")),
            "place": "Avdelning 12, samtalsrummet, och Teams för hemtjänsten",
        },
    )
    s.acknowledge(
        summons,
        MSEAVD12=c.day(-10, "11:00"),
        VOFBISTS=c.day(-10, "11:20"),
        OHHTFORS=c.day(-10, "14:30"),
    )
    discharged = s.send(
        M.DISCHARGE_NOTICE,
        "MSEAVD12",
        c.day(-5, "11:00"),
        {"discharged_at": _at(c.day(-5, "10:30"))},
    )
    info = s.send(
        M.DISCHARGE_INFO,
        "MSEAVD12",
        c.day(-5, "11:10"),
        {"text": "Läkemedelslista, ordinationer och uppföljning på vårdcentralen om två veckor."},
        text="Läkemedelslista, ordinationer och uppföljning på vårdcentralen om två veckor.",
    )
    for message in (discharged, info):
        s.acknowledge(
            message,
            VOFBISTS=c.day(-5, "11:40"),
            OHHTFORS=c.day(-5, "13:00"),
            VCKSYD=c.day(-4, "08:00"),
        )


def _gote(s: Story, c: DemoClock) -> None:
    """The whole process in time, discharged before the grace days ran out, closed."""
    s.open("gote", "MSEAVD11", admitted=c.day(-14, "10:05"), at=c.day(-14, "10:30"))
    notice = s.send(
        M.ADMISSION_NOTICE, "MSEAVD11", c.day(-14, "11:00"), {"ward_phone": "016-10 32 11"}
    )
    s.acknowledge(notice, VCKNORR=c.day(-14, "11:25"), VOFMOTT=c.day(-14, "11:40"))
    contact = s.send(
        M.CARE_CONTACT_APPOINTED,
        "VCKNORR",
        c.day(-13, "14:00"),
        _care_contact("Maria Holm", "Distriktssköterska", "0150-56 30 00"),
    )
    s.acknowledge(contact, MSEAVD11=c.day(-13, "14:30"), VOFMOTT=c.day(-12, "08:30"))
    ready = s.send(
        M.READY_FOR_DISCHARGE,
        "MSEAVD11",
        c.day(-12, "09:00"),
        {"judged_at": _at(c.day(-12, "08:40"))},
        username="erik.sandberg",
    )
    s.acknowledge(ready, VCKNORR=c.day(-12, "09:30"), VOFMOTT=c.day(-12, "10:15"))
    discharged = s.send(
        M.DISCHARGE_NOTICE,
        "MSEAVD11",
        c.day(-11, "13:30"),
        {"discharged_at": _at(c.day(-11, "13:00"))},
    )
    info = s.send(
        M.DISCHARGE_INFO,
        "MSEAVD11",
        c.day(-11, "13:40"),
        {"text": "Läkemedelslista bifogad. Återbesök hos distriktssköterskan om en vecka."},
        text="Läkemedelslista bifogad. Återbesök hos distriktssköterskan om en vecka.",
    )
    for message in (discharged, info):
        s.acknowledge(message, VCKNORR=c.day(-10, "08:05"), VOFMOTT=c.day(-10, "08:50"))
    s.close(c.day(-10, "09:30"))


def _maj_britt(s: Story, c: DemoClock) -> None:
    """Withdrawn: she declined help after discharge."""
    s.open("maj_britt", "MSEAVD11", admitted=c.day(-4, "15:30"), at=c.day(-4, "15:45"))
    notice = s.send(
        M.ADMISSION_NOTICE, "MSEAVD11", c.day(-4, "16:00"), {"ward_phone": "016-10 32 11"}
    )
    s.acknowledge(notice, VCKSYD=c.day(-3, "08:30"), VOFMOTT=c.day(-3, "09:10"))
    comment = "Patienten tackar nej till insatser och går hem med anhörigas hjälp."
    withdrawn = s.send(
        M.CASE_WITHDRAWN,
        "MSEAVD11",
        c.day(-2, "11:15"),
        {"reason": "no_longer_needed", "text": comment},
        text=comment,
    )
    s.acknowledge(withdrawn, VOFMOTT=c.day(-2, "11:40"), VCKSYD=c.day(-1, "09:00"))


def _lars_goran(s: Story, c: DemoClock) -> None:
    """A ready notice sent by mistake and cancelled: the case is back to admitted."""
    s.open("lars_goran", "MSEAVD11", admitted=c.day(-2, "08:10"), at=c.day(-2, "08:30"))
    notice = s.send(
        M.ADMISSION_NOTICE, "MSEAVD11", c.day(-2, "09:00"), {"ward_phone": "016-10 32 11"}
    )
    s.acknowledge(notice, VOFBISTS=c.day(-2, "10:30"), VCKSYD=c.day(-2, "11:10"))
    ready = s.send(
        M.READY_FOR_DISCHARGE,
        "MSEAVD11",
        c.day(-1, "09:40"),
        {"judged_at": _at(c.day(-1, "09:30"))},
        username="erik.sandberg",
    )
    cancellation = s.cancel(
        ready,
        c.day(-1, "10:05"),
        "Skickat av misstag: patienten är inte bedömd utskrivningsklar.",
    )
    s.acknowledge(cancellation, VOFBISTS=c.day(-1, "11:00"), VCKSYD=c.day(-1, "11:50"))
    planning = s.send(
        M.PLANNING_INFO,
        "MSEAVD11",
        c.day(-1, "14:00"),
        {
            "needs": "Oklart ännu: utreds för yrsel.",
            "estimated_discharge_date": _day(c.now, 4),
        },
    )
    s.acknowledge(planning, VOFBISTS=c.day(0, "08:30"))


def _birgit(s: Story, c: DemoClock) -> None:
    """Sent to Lövåsgården by mistake (she lives on Lövåsvägen): returned as misaddressed;
    the copy waits in Katrineholm's inbox for unaddressed messages."""
    s.open("birgit", "MSEAVD11", admitted=c.day(-1, "07:30"), at=c.day(-1, "07:50"))
    notice = s.send(
        M.ADMISSION_NOTICE,
        "MSEAVD11",
        c.day(-1, "08:40"),
        {"ward_phone": "016-10 32 11"},
        add=["VOFLOVAS"],
    )
    s.give_back(
        notice,
        "VOFLOVAS",
        c.day(-1, "09:55"),
        "Birgit Holmberg bor inte på Lövåsgården. Hon bor hemma på Lövåsvägen 21.",
    )
    s.acknowledge(notice, VCKNORR=c.day(-1, "10:30"), VOFMOTT=c.day(-1, "11:05"))


def _stig(s: Story, c: DemoClock) -> None:
    """The admission notice went a day late: the municipality will not pay."""
    s.open("stig", "MSEAVD12", admitted=c.day(-7, "06:50"), at=c.day(-7, "07:10"))
    notice = s.send(
        M.ADMISSION_NOTICE, "MSEAVD12", c.day(-6, "09:30"), {"ward_phone": "016-10 32 12"}
    )
    s.acknowledge(
        notice,
        VOFLOVAS=c.day(-6, "10:00"),
        VCKNORR=c.day(-6, "10:20"),
        VOFMOTT=c.day(-6, "11:30"),
    )
    contact = s.send(
        M.CARE_CONTACT_APPOINTED,
        "VCKNORR",
        c.day(-5, "11:00"),
        _care_contact("Maria Holm", "Distriktssköterska", "0150-56 30 00"),
    )
    s.acknowledge(
        contact,
        MSEAVD12=c.day(-5, "11:20"),
        VOFLOVAS=c.day(-5, "11:40"),
        VOFMOTT=c.day(-5, "14:00"),
    )
    ready = s.send(
        M.READY_FOR_DISCHARGE,
        "MSEAVD12",
        c.day(-4, "10:30"),
        {"judged_at": _at(c.day(-4, "10:00"))},
    )
    s.acknowledge(
        ready,
        VOFLOVAS=c.day(-4, "10:50"),
        VCKNORR=c.day(-4, "11:15"),
        VOFMOTT=c.day(-4, "11:55"),
    )
    # The nursing home's report came yesterday afternoon; the ward has not acknowledged it.
    report = "Åter på Lövåsgården är han van att gå med rollator till matsalen själv."
    s.send(
        M.CARE_REPORT,
        "VOFLOVAS",
        c.day(-1, "15:40"),
        _care_report(report, "Sanna Berglund", "Sjuksköterska"),
        text=report,
        only=["MSEAVD12"],
    )


def _anna_lisa(s: Story, c: DemoClock) -> None:
    """Transferred from Kullbergska to Mälarsjukhuset: the case moved with her."""
    s.open("anna_lisa", "KSKAVD3", admitted=c.day(-3, "13:15"), at=c.day(-3, "13:40"))
    notice = s.send(
        M.ADMISSION_NOTICE, "KSKAVD3", c.day(-3, "14:00"), {"ward_phone": "0150-56 22 03"}
    )
    s.acknowledge(
        notice,
        VOFLOVAS=c.day(-3, "15:30"),
        VCKNORR=c.day(-2, "08:15"),
        VOFMOTT=c.day(-2, "09:00"),
    )
    s.transfer("MSEAVD12", c.day(-2, "10:45"))
    planning = s.send(
        M.PLANNING_INFO,
        "MSEAVD12",
        c.day(-2, "15:20"),
        {
            "needs": "Flyttad till Avdelning 12 Hjärtmedicin för telemetri.",
            "estimated_discharge_date": _day(c.now, 1),
        },
    )
    s.acknowledge(
        planning,
        VOFLOVAS=c.day(-2, "16:00"),
        VCKNORR=c.day(-1, "08:30"),
        VOFMOTT=c.day(-1, "09:15"),
    )
    ready = s.send(
        M.READY_FOR_DISCHARGE,
        "MSEAVD12",
        c.day(0, "09:10"),
        {"judged_at": _at(c.day(0, "08:45"))},
    )
    s.acknowledge(ready, VOFLOVAS=c.day(0, "09:35"), VCKNORR=c.day(0, "10:05"))


def _gosta(s: Story, c: DemoClock) -> None:
    """Flens kommun: two of its units have not acknowledged the notice."""
    s.open("gosta", "KSKAVD3", admitted=c.day(-1, "19:40"), at=c.day(-1, "20:05"))
    notice = s.send(
        M.ADMISSION_NOTICE, "KSKAVD3", c.day(-1, "20:30"), {"ward_phone": "0150-56 22 03"}
    )
    s.acknowledge(notice, FLMOTT=c.day(0, "08:10"), FLHSV=c.since_cutoff(0.4))


def _patrik(s: Story, c: DemoClock) -> None:
    """Psychiatric ward: outpatient psychiatry is the care contact; five grace days."""
    s.open(
        "patrik",
        "MSEAVD51",
        admitted=c.day(-6, "23:10"),
        at=c.day(-5, "07:55"),
        username="sara.nyberg",
    )
    notice = s.send(
        M.ADMISSION_NOTICE,
        "MSEAVD51",
        c.day(-5, "08:30"),
        {"ward_phone": "016-10 35 51"},
        drop=["VOFFSDV"],
        add=["VUPKH"],
    )
    s.acknowledge(
        notice,
        VOFFSGB=c.day(-5, "09:10"),
        VCKNORR=c.day(-5, "10:00"),
        VOFMOTT=c.day(-5, "11:00"),
        VUPKH=c.day(-5, "13:00"),
    )
    contact = s.send(
        M.CARE_CONTACT_APPOINTED,
        "VUPKH",
        c.day(-4, "14:00"),
        _care_contact("Nils Forsberg", "Kurator", "0150-56 40 00"),
    )
    s.acknowledge(
        contact,
        MSEAVD51=c.day(-4, "14:20"),
        VOFFSGB=c.day(-4, "15:00"),
        VCKNORR=c.day(-3, "08:10"),
        VOFMOTT=c.day(-3, "09:00"),
    )
    ready = s.send(
        M.READY_FOR_DISCHARGE,
        "MSEAVD51",
        c.day(-2, "11:00"),
        {"judged_at": _at(c.day(-2, "10:30"))},
    )
    s.acknowledge(
        ready,
        VOFFSGB=c.day(-2, "11:30"),
        VUPKH=c.day(-2, "11:45"),
        VCKNORR=c.day(-2, "13:00"),
        VOFMOTT=c.day(-1, "08:00"),
    )


STORIES = {
    "karl_erik": _karl_erik,
    "solveig": _solveig,
    "elsa": _elsa,
    "rolf": _rolf,
    "ingrid": _ingrid,
    "gote": _gote,
    "maj_britt": _maj_britt,
    "lars_goran": _lars_goran,
    "birgit": _birgit,
    "stig": _stig,
    "anna_lisa": _anna_lisa,
    "gosta": _gosta,
    "patrik": _patrik,
}


def build_cases(demo: Demo) -> None:
    clock = DemoClock.at(timezone.now())
    members = _members()
    terms_cache: dict = {}
    for key, story in STORIES.items():
        told = Story(demo=demo, clock=clock, members=members, terms_cache=terms_cache)
        story(told, clock)
        assert told.case is not None
        demo.cases[key] = told.case


# --- "Try the inbox", printed after the demo logins ---------------------------------------------


@dataclass(frozen=True)
class InboxHint:
    username: str
    unit: str
    open_cases: int
    new: int
    overdue: int
    note: str = ""


# (username, unit code, what to look for): the inboxes worth a look, in the order printed.
INBOX_HINTS: tuple[tuple[str, str, Promise | None], ...] = (
    ("anna.lindqvist", "MSEAVD11", None),
    ("anna.lindqvist", "MSEAVD12", None),
    ("elin.johansson", "VOFBISTN", None),
    ("elin.johansson", "VOFBISTS", None),
    ("maria.holm", "VCKNORR", None),
    ("jonas.lund", "VOFMOTT", None),
    (
        "goran.pettersson",
        "KKBREVLADA",
        gettext_lazy("a notice returned as misaddressed waits to be forwarded"),
    ),
)
NEW_CASE_USER = "anna.lindqvist"
NEW_CASE_PATIENT = "gunvor"


def inbox_hints(now: datetime.datetime | None = None) -> list[InboxHint]:
    """What each inbox of INBOX_HINTS holds now: 4 counting queries per inbox."""
    now = now or timezone.now()
    hints = []
    for username, code, note in INBOX_HINTS:
        unit = Unit.objects.get(hsa_id__endswith=f"-{code}")
        deliveries = Delivery.objects.filter(unit=unit)
        hints.append(
            InboxHint(
                username=username,
                unit=unit.name,
                open_cases=cases_for_unit(unit.pk).filter(state__in=OPEN_STATES).count(),
                new=deliveries.filter(state=DeliveryState.NEW).count(),
                overdue=deliveries.filter(state__in=OPEN_DELIVERY_STATES, due_at__lt=now).count(),
                note=str(note) if note else "",
            )
        )
    return hints


def format_inbox_hints(hints: list[InboxHint]) -> str:
    """A short Swedish list for the terminal, after the demo logins."""
    patient = Patient.objects.get(identity_number=identity_numbers()[NEW_CASE_PATIENT])
    out = [
        "",
        _("Try the inbox"),
        _("Log in, choose the unit, and see the cases in Overview and the messages in Received:"),
    ]
    width = max(len(hint.username) for hint in hints)
    for hint in hints:
        parts = [
            ngettext("%(count)d new message", "%(count)d new messages", hint.new)
            % {"count": hint.new},
            ngettext("%(count)d overdue", "%(count)d overdue", hint.overdue)
            % {"count": hint.overdue},
        ]
        if hint.open_cases or not hint.note:  # an unaddressed inbox takes part in no case
            parts.insert(
                0,
                ngettext("%(count)d open case", "%(count)d open cases", hint.open_cases)
                % {"count": hint.open_cases},
            )
        counts = ", ".join(parts)
        note = f"; {hint.note}" if hint.note else ""
        out.append(f"  {hint.username.ljust(width)}  {hint.unit}: {counts}{note}")
    out.append(
        _(
            "New case: log in as %(username)s and open one for %(name)s, %(identity)s "
            "(listed at %(care_centre)s, a private care centre)."
        )
        % {
            "username": NEW_CASE_USER,
            "name": f"{patient.first_name} {patient.last_name}",
            "identity": format_identity(patient.identity_number),
            "care_centre": patient.listed_care_centre.name,
        }
    )
    return "\n".join(out) + "\n"
