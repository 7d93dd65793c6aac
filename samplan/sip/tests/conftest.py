"""A SIP cast on top of the shared one: a school health unit and its counsellor, the child and
youth psychiatry unit (BUP), the municipality's social services, and a child; plus helpers
that take a plan through its steps with the services."""

from __future__ import annotations

import datetime
import itertools
from dataclasses import dataclass

import pytest
from django.utils import timezone

from samplan.accounts.models import User
from samplan.core.actor import Actor, AuthMethod
from samplan.organizations.models import Unit, UnitKind
from samplan.patients.models import ConsentGiver, Patient
from samplan.patients.testing import PatientFactory, make_personnummer
from samplan.sip import services, versions
from samplan.sip.content import ContactData, InterventionData, PlanText
from samplan.sip.models import SipPlan
from samplan.testing import TEST_PASSWORD, Cast, UnitFactory, user_with_role

_keys = itertools.count(1)


@dataclass
class SipCast:
    cast: Cast
    school: Unit
    counsellor: User
    bup: Unit
    psychologist: User
    social: Unit
    social_worker: User
    child: Patient

    @property
    def password(self) -> str:
        return TEST_PASSWORD


@pytest.fixture
def sip(cast) -> SipCast:
    school = UnitFactory(
        organization=cast.municipality, name="Elevhälsan Skolan", kind=UnitKind.SCHOOL_HEALTH
    )
    bup = UnitFactory(
        organization=cast.region, name="BUP-mottagningen", kind=UnitKind.OUTPATIENT_PSYCHIATRY
    )
    social = UnitFactory(
        organization=cast.municipality, name="Barn och familj", kind=UnitKind.SOCIAL_SERVICES
    )
    child = PatientFactory(
        identity_number=make_personnummer(datetime.date(2014, 3, 9)),
        first_name="Alva",
        last_name="Ek",
        street_address="Skolvägen 1",
    )
    return SipCast(
        cast=cast,
        school=school,
        counsellor=user_with_role("kurator", school, first_name="Karin", last_name="Kurator"),
        bup=bup,
        psychologist=user_with_role("psykolog", bup, first_name="Pia", last_name="Psykolog"),
        social=social,
        social_worker=user_with_role("socsek", social, first_name="Sam", last_name="Socsek"),
        child=child,
    )


def req(user: User, unit: Unit | None, *, card: bool = False) -> Actor:
    """The actor for `user` acting for `unit`, as the services get it from a view."""
    return Actor(
        user=user,
        unit=unit,
        client_address="10.0.0.1",
        auth_method=AuthMethod.CARD if card else AuthMethod.PASSWORD,
    )


def key() -> str:
    return f"key-{next(_keys)}"


def start(s: SipCast, *, units=None, consent: bool = True, patient=None) -> SipPlan:
    """The counsellor starts a plan for the child, summoning BUP and social services."""
    from samplan.patients.identity import parse_identity

    patient = patient or s.child
    return services.sip_create(
        actor=req(s.counsellor, s.school),
        initiative=services.Initiative(
            purpose="Samordna stödet i skolan och hemma",
            person_goals="Gå i skolan varje dag",
            meeting_at=timezone.now() + datetime.timedelta(days=7),
            meeting_place="Skolan, rum 12",
        ),
        units=[s.bup, s.social] if units is None else units,
        creation_key=key(),
        identity=parse_identity(patient.identity_number),
        consent=services.ConsentGiven(
            given_by=ConsentGiver.GUARDIAN,
            given_at=timezone.now() - datetime.timedelta(hours=1),
            given_by_name="Eva Ek",
            given_by_relation="mamma",
        )
        if consent
        else None,
    )


def summon(s: SipCast, plan: SipPlan):
    return services.sip_summons_send(
        actor=req(s.counsellor, s.school), plan=plan, idempotency_key=key()
    )


def accept(s: SipCast, plan: SipPlan, user: User, unit: Unit):
    return services.sip_answer(
        actor=req(user, unit), plan=plan, accept=True, attendees=f"{user.get_full_name()}"
    )


def accept_all(s: SipCast, plan: SipPlan) -> None:
    accept(s, plan, s.psychologist, s.bup)
    accept(s, plan, s.social_worker, s.social)


def full_text(s: SipCast, **changes) -> PlanText:
    values = {
        "goals": "Alva går i skolan varje dag",
        "others_do": "Mormor hämtar på fredagar",
        "responsible_principal": s.cast.municipality,
        "coordinator": s.counsellor,
        "coordinator_unit": s.school,
        "participation": "Alva var med på mötet",
        "relatives_views": "Mamma vill ha stöd hemma",
        "follow_up_date": timezone.localdate() + datetime.timedelta(days=30),
        "follow_up_how": "Nytt möte på skolan",
        "interventions": (
            InterventionData(what="Samtal varje vecka", unit=s.bup),
            InterventionData(what="Familjebehandling", unit=s.social),
            InterventionData(what="Anpassad studiegång", unit=s.school),
        ),
        "contacts": (ContactData(unit=s.bup, name="Pia Psykolog", phone="016-1"),),
    }
    values.update(changes)
    return PlanText(**values)


def write(s: SipCast, plan: SipPlan, text: PlanText | None = None, user=None, unit=None):
    plan.refresh_from_db()
    version = plan.current_version
    return versions.sip_plan_save(
        actor=req(user or s.counsellor, unit or s.school),
        plan=plan,
        version_number=version.number,
        revision=version.revision,
        text=text or full_text(s),
    )


def sign_all(s: SipCast, plan: SipPlan) -> None:
    for user, unit in (
        (s.counsellor, s.school),
        (s.psychologist, s.bup),
        (s.social_worker, s.social),
    ):
        plan.refresh_from_db()
        versions.sip_sign(actor=req(user, unit), plan=plan, password=TEST_PASSWORD)


def finalise(s: SipCast, plan: SipPlan):
    plan.refresh_from_db()
    return versions.sip_finalise(actor=req(s.counsellor, s.school), plan=plan, confirmed=True)


def finalised_plan(s: SipCast) -> SipPlan:
    plan = start(s)
    summon(s, plan)
    accept_all(s, plan)
    write(s, plan)
    sign_all(s, plan)
    finalise(s, plan)
    plan.refresh_from_db()
    return plan
