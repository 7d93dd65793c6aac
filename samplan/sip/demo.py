"""Demo plans, for the demo builder (samplan/demo/builder.py) to call as a build step:

    from samplan.sip.demo import demo_sip_seed
    BUILD_STEPS.append(demo_sip_seed)   # after build_organisations and build_users

`demo_sip_seed(demo)` needs from `demo` (names from samplan/demo/data.py):
- demo.units: BIFEHGR (Elevhälsan grundskola), BUPKH (BUP-mottagningen Katrineholm), SOCBOU
  (Barn och familj), VCKNORR (Vårdcentralen Katrineholm Norr), VUPKH (psykiatriska
  öppenvårdsmottagningen), VOFBISTN (biståndshandläggning), VOFHSVN (Hemsjukvården Norr),
  VOFHTNORR (Hemtjänst Norr), VOFMOTT (mottagningsenheten), KSKAVD3 (Avdelning 3 Medicin);
- demo.users: petra.wikstrom (kurator, BIFEHGR), leila.haddad (BUPKH), amir.rahimi (SOCBOU),
  maria.holm (VCKNORR), nils.forsberg (VUPKH), elin.johansson (VOFBISTN), fatima.hassan
  (VOFHSVN), mikael.andersson (VOFHTNORR), jonas.lund (VOFMOTT), lars.ostlund (KSKAVD3).
It makes its own invented people (patients) and, for the linked plan, its own discharge case.

The plans, one in each state the SIP list shows:
1. Initiative, nothing sent and no consent yet (biståndshandläggning for an older man).
2. Planning, summons out: BUP accepted, social services has not answered and is overdue (a
   child; the school's counsellor started it).
3. Planning, written with three interventions, two of three parts signed (a child).
4. Finalised, follow-up in a month (an adult; the care centre started it with psychiatry and
   home care).
5. Followed up: version 1 finalised, version 2 being written.
6. Closed, goals reached.
7. Started from a discharge case: the care centre's summons is the case's SIP summons.
Each is made through the services, as users would, so every rule and history row holds.
"""

from __future__ import annotations

import datetime
import uuid
from typing import Any

from django.utils import timezone
from stdnum import luhn

from samplan.core.actor import Actor, AuthMethod
from samplan.core.message_types import MessageType
from samplan.discharge.services import case_open, case_send
from samplan.messaging.models import Delivery, Message
from samplan.messaging.services import RecipientChoice
from samplan.organizations.agreements import answer_due_at
from samplan.organizations.models import Unit
from samplan.patients.identity import parse_identity
from samplan.patients.models import ConsentGiver, Patient
from samplan.sip import services, versions
from samplan.sip.content import ContactData, InterventionData, PlanText
from samplan.sip.models import SipParticipant, SipPlan, SipVersion

# Invented people: (birth date, serial, first name, last name, street address).
# Birth numbers from Skatteverket's test series (238 women, 239 men), as in the rest of the
# demo: never given to real people.
PEOPLE = {
    "arne": (datetime.date(1938, 4, 2), 239, "Arne", "Lundgren", "Vasavägen 31"),
    "elsa": (datetime.date(2014, 9, 21), 238, "Elsa", "Nordin", "Tallåsgatan 9"),
    "liam": (datetime.date(2012, 1, 14), 239, "Liam", "Aho", "Köpmangatan 18"),
    "maja": (datetime.date(1979, 11, 3), 238, "Maja", "Björk", "Drottninggatan 44"),
    "sven": (datetime.date(1951, 6, 30), 239, "Sven", "Dahl", "Oppundavägen 12"),
    "noah": (datetime.date(2010, 2, 8), 239, "Noah", "Berg", "Sandbäcksgatan 6"),
    "greta": (datetime.date(1933, 12, 11), 238, "Greta", "Wik", "Lövåsvägen 7"),
}


def _personnummer(birth: datetime.date, serial: int) -> str:
    base = f"{birth:%y%m%d}{serial:03d}"
    return f"{birth.year:04d}{base[2:]}{luhn.calc_check_digit(base)}"


def _person(key: str) -> Patient:
    birth, serial, first, last, street = PEOPLE[key]
    patient, _created = Patient.objects.get_or_create(
        identity_number=_personnummer(birth, serial),
        defaults={
            "identity_kind": "personal",
            "birth_date": birth,
            "first_name": first,
            "last_name": last,
            "registered_municipality": "0483",
            "postal_code": "64130",
            "street_address": street,
            "city": "Katrineholm",
        },
    )
    return patient


class _Actor:
    """A demo user acting for one of their units, as the services get it from a page."""

    def __init__(self, demo: Any, username: str, unit_code: str) -> None:
        self.user = demo.users[username]
        self.unit: Unit = demo.units[unit_code]

    def actor(self, auth_method: str = AuthMethod.PASSWORD) -> Actor:
        return Actor(
            user=self.user,
            unit=self.unit,
            client_address="127.0.0.1",
            auth_method=auth_method,
        )


def _key() -> str:
    return uuid.uuid4().hex


def _start(
    actor: _Actor,
    patient: Patient,
    units: list[Unit],
    purpose: str,
    goals: str,
    *,
    consent_by: str | None = ConsentGiver.PERSON,
    consent_name: str = "",
    case=None,
    meeting_in_days: int = 7,
) -> SipPlan:
    meeting = timezone.localtime().replace(hour=9, minute=30, second=0, microsecond=0)
    return services.sip_create(
        actor=actor.actor(),
        initiative=services.Initiative(
            purpose=purpose,
            person_goals=goals,
            questions="Vilka insatser behövs, och vem gör vad?",
            proposed_coordinator=f"{actor.user.get_full_name()}, {actor.unit.name}",
            meeting_at=meeting + datetime.timedelta(days=meeting_in_days),
            meeting_place=actor.unit.visiting_address,
        ),
        units=units,
        creation_key=_key(),
        identity=None if case else parse_identity(patient.identity_number),
        case=case,
        consent=services.ConsentGiven(
            given_by=consent_by,
            given_at=timezone.now() - datetime.timedelta(days=2),
            given_by_name=consent_name,
            given_by_relation="vårdnadshavare" if consent_name else "",
        )
        if consent_by
        else None,
    )


def _summon(actor: _Actor, plan: SipPlan) -> None:
    services.sip_summons_send(actor=actor.actor(), plan=plan, idempotency_key=_key())


def _accept(actor: _Actor, plan: SipPlan) -> None:
    services.sip_answer(
        actor=actor.actor(),
        plan=plan,
        accept=True,
        attendees=f"{actor.user.get_full_name()} ({actor.user.profession or ''})",
    )


def _write(actor: _Actor, plan: SipPlan, text: PlanText) -> SipVersion:
    plan.refresh_from_db()
    version = plan.current_version
    return versions.sip_plan_save(
        actor=actor.actor(),
        plan=plan,
        version_number=version.number,
        revision=version.revision,
        text=text,
    )


def _sign(actors: list[_Actor], plan: SipPlan) -> None:
    for actor in actors:
        plan.refresh_from_db()
        # Katrineholm signs with SITHS cards (seed 000): a card session, no password.
        versions.sip_sign(actor=actor.actor(AuthMethod.CARD), plan=plan, password=None)


def _finalise(actor: _Actor, plan: SipPlan) -> None:
    plan.refresh_from_db()
    versions.sip_finalise(actor=actor.actor(), plan=plan, confirmed=True)


def _days(n: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=n)


def _make_overdue(plan: SipPlan, unit: Unit) -> None:
    """Move the summons back a day (the message and every delivery together, each answer
    deadline recomputed from its new arrival), so the demo shows an unanswered, overdue unit."""
    participant = SipParticipant.objects.select_related("delivery").get(plan=plan, unit=unit)
    earlier = datetime.timedelta(days=1, hours=2)
    message = Message.objects.select_related("sender_unit__organization").get(
        pk=participant.delivery.message_id
    )
    sent_at = message.sent_at - earlier
    Message.objects.filter(pk=message.pk).update(sent_at=sent_at)
    for delivery in Delivery.objects.filter(message=message).select_related("unit__organization"):
        due_at = answer_due_at(
            arrived_at=sent_at, sender_unit=message.sender_unit, unit=delivery.unit
        )
        Delivery.objects.filter(pk=delivery.pk).update(arrived_at=sent_at, due_at=due_at)
        SipParticipant.objects.filter(plan=plan, delivery=delivery).update(due_at=due_at)


def demo_sip_seed(demo: Any) -> list[SipPlan]:
    """Adds the demo plans described above; returns them in that order."""
    counsellor = _Actor(demo, "petra.wikstrom", "BIFEHGR")
    bup = _Actor(demo, "leila.haddad", "BUPKH")
    social = _Actor(demo, "amir.rahimi", "SOCBOU")
    care_centre = _Actor(demo, "maria.holm", "VCKNORR")
    psychiatry = _Actor(demo, "nils.forsberg", "VUPKH")
    assessor = _Actor(demo, "elin.johansson", "VOFBISTN")
    home_health = _Actor(demo, "fatima.hassan", "VOFHSVN")
    home_care = _Actor(demo, "mikael.andersson", "VOFHTNORR")
    intake = _Actor(demo, "jonas.lund", "VOFMOTT")
    ward = _Actor(demo, "lars.ostlund", "KSKAVD3")
    plans = []

    # 1. Initiative: chosen units, no consent yet, nothing sent.
    plans.append(
        _start(
            assessor,
            _person("arne"),
            [care_centre.unit, home_health.unit],
            "Arne behöver stöd från både vårdcentralen och hemsjukvården efter flera fall.",
            "Bo kvar hemma och klara morgnarna själv.",
            consent_by=None,
        )
    )

    # 2. Summons out; BUP accepted, social services overdue.
    plan = _start(
        counsellor,
        _person("elsa"),
        [bup.unit, social.unit],
        "Elsa har hög frånvaro; skolan, BUP och socialtjänsten behöver planera tillsammans.",
        "Gå till skolan och orka hela dagen.",
        consent_by=ConsentGiver.GUARDIAN,
        consent_name="Anna Nordin",
    )
    _summon(counsellor, plan)
    _accept(bup, plan)
    _make_overdue(plan, social.unit)
    plans.append(plan)

    # 3. A child's plan written with three interventions; two of three parts signed.
    plan = _start(
        counsellor,
        _person("liam"),
        [bup.unit, social.unit],
        "Liam och familjen behöver samordnat stöd i skola, vård och hem.",
        "Sova bättre och vara med på fotbollen igen.",
        consent_by=ConsentGiver.GUARDIAN,
        consent_name="Sari Aho",
    )
    _summon(counsellor, plan)
    _accept(bup, plan)
    _accept(social, plan)
    _write(
        counsellor,
        plan,
        PlanText(
            goals="Liam sover bättre, går i skolan varje dag och är med på fotbollen.",
            others_do="Fotbollstränaren hjälper till med skjuts på torsdagar.",
            responsible_principal=counsellor.unit.organization,
            coordinator=counsellor.user,
            coordinator_unit=counsellor.unit,
            participation="Liam var med på mötet och vill börja träna igen.",
            relatives_views="Mamma vill ha råd om rutiner kvällstid.",
            follow_up_date=_days(60),
            follow_up_how="Nytt SIP-möte på skolan.",
            interventions=(
                InterventionData(what="Samtal om sömn och oro varannan vecka", unit=bup.unit),
                InterventionData(what="Föräldrastöd i hemmet", unit=social.unit),
                InterventionData(what="Anpassad skolstart kl. 9", unit=counsellor.unit),
            ),
            contacts=(ContactData(unit=bup.unit, name="Leila Haddad", phone="0150-56 41 00"),),
        ),
    )
    _sign([counsellor, bup], plan)
    plans.append(plan)

    # 4. Finalised; follow-up in a month.
    plan = _finalised_adult(care_centre, psychiatry, home_care, _person("maja"), _days(30))
    plans.append(plan)

    # 5. Followed up: version 1 finalised, version 2 being written.
    plan = _finalised_adult(care_centre, psychiatry, home_care, _person("sven"), _days(1))
    versions.sip_version_new(actor=care_centre.actor(), plan=plan)
    plans.append(plan)

    # 6. Closed, goals reached.
    plan = _start(
        counsellor,
        _person("noah"),
        [social.unit],
        "Noah behövde stöd under flytten till ny skola.",
        "Komma in i den nya klassen.",
        consent_by=ConsentGiver.GUARDIAN,
        consent_name="Karl Berg",
    )
    _summon(counsellor, plan)
    _accept(social, plan)
    plan.refresh_from_db()
    services.sip_close(
        actor=counsellor.actor(),
        plan=plan,
        reason="goals_reached",
        text="Noah trivs i nya klassen.",
    )
    plans.append(plan)

    # 7. From a discharge case: the care centre's summons is the case's SIP summons.
    greta = _person("greta")
    case, _created = case_open(
        actor=Actor(user=ward.user, unit=ward.unit),
        patient=greta,
        admitted_at=timezone.now() - datetime.timedelta(days=3),
        opening_key=f"demo-sip-{greta.pk}",
    )
    case_send(
        case=case,
        actor=Actor(user=ward.user, unit=ward.unit),
        message_type=MessageType.ADMISSION_NOTICE,
        recipients=[
            RecipientChoice(
                unit=unit, reason_code="chosen", reason_text="Vald av avsändaren (demo)"
            )
            for unit in (care_centre.unit, intake.unit)
        ],
        idempotency_key=f"demo-sip-admission-{case.pk}",
        content={"estimated_discharge_date": _days(3).isoformat()},
    )
    plan = _start(
        care_centre,
        greta,
        [assessor.unit, home_health.unit],
        "Greta behöver hemsjukvård och hemtjänst när hon skrivs ut från avdelning 3.",
        "Komma hem till sin lägenhet och klara sig med stöd.",
        case=case,
        meeting_in_days=2,
    )
    _summon(care_centre, plan)
    _accept(home_health, plan)
    plans.append(plan)

    for plan in plans:
        plan.refresh_from_db()
    return plans


def _finalised_adult(
    care_centre: _Actor,
    psychiatry: _Actor,
    home_care: _Actor,
    patient: Patient,
    follow_up: datetime.date,
) -> SipPlan:
    plan = _start(
        care_centre,
        patient,
        [psychiatry.unit, home_care.unit],
        f"{patient.first_name} har insatser från psykiatrin, vårdcentralen och hemtjänsten "
        "som behöver samordnas.",
        "Klara vardagen hemma och ha kontakt med vänner.",
    )
    _summon(care_centre, plan)
    _accept(psychiatry, plan)
    _accept(home_care, plan)
    _write(
        care_centre,
        plan,
        PlanText(
            goals="Klara vardagen hemma med stöd och träffa vänner varje vecka.",
            responsible_principal=care_centre.unit.organization,
            coordinator=care_centre.user,
            coordinator_unit=care_centre.unit,
            participation=f"{patient.first_name} deltog och godkände planen.",
            follow_up_date=follow_up,
            follow_up_how="Telefonmöte med alla enheter.",
            interventions=(
                InterventionData(what="Läkemedelsgenomgång", unit=care_centre.unit),
                InterventionData(what="Samtalskontakt var tredje vecka", unit=psychiatry.unit),
                InterventionData(what="Hemtjänst morgon och kväll", unit=home_care.unit),
            ),
        ),
    )
    _sign([care_centre, psychiatry, home_care], plan)
    _finalise(care_centre, plan)
    return plan
