"""The router's invariants over random registers (hypothesis): never empty, each unit once,
only units that can receive on the day, never the sender, every valid register row honoured,
every proposal justified, and no address data for protected people."""

from __future__ import annotations

import datetime
import zoneinfo

from django.db import transaction
from django.utils import translation
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from samplan.addressing.models import AreaRule, PatientFilter, ResidenceEntry
from samplan.addressing.router import ROUTES, ReasonCode, RoutingSubject, explain_route
from samplan.core.message_types import MessageType
from samplan.organizations.models import Unit
from samplan.patients.models import Protection

STOCKHOLM = zoneinfo.ZoneInfo("Europe/Stockholm")
BASE = datetime.date(2026, 3, 15)
PEOPLE = ["191212121212", "194004049898", "195005051239"]
POOL = [
    "home_care",
    "district",
    "nursing_home",
    "intake",
    "provider_unit",
    "outsider_unit",
    "care_centre",
    "ward",
    "lss",
    "municipal_admin_unit",
]
FALLBACKS = ["municipal_inbox", "region_inbox", "other_inbox"]

offsets = st.integers(min_value=-40, max_value=40)
durations = st.one_of(st.none(), st.integers(min_value=0, max_value=40))
unit_index = st.integers(min_value=0, max_value=len(POOL) - 1)

unit_states = st.fixed_dictionaries(
    {
        "is_active": st.booleans(),
        "has_inbox": st.booleans(),
        "active_from": st.one_of(st.none(), offsets),
        "active_to": st.one_of(st.none(), offsets),
    }
)
periods = st.tuples(unit_index, st.integers(0, len(PEOPLE) - 1), offsets, durations)
postal_ranges = st.sampled_from([None, ("64100", "64199"), ("64130", "64130"), ("10000", "20000")])
rules = st.tuples(
    unit_index,
    st.sampled_from(["0483", "0484"]),
    postal_ranges,
    st.sampled_from(["", MessageType.ADMISSION_NOTICE, MessageType.CARE_REPORT]),
    offsets,
    durations,
)
people = st.fixed_dictionaries(
    {
        "protection": st.sampled_from(Protection.values),
        "registered_municipality": st.sampled_from(["0483", "0484", "", "9999"]),
        "postal_code": st.sampled_from(["64130", "64150", "", "641"]),
        "listed": st.one_of(st.none(), unit_index),
    }
)
registers = st.fixed_dictionaries(
    {
        "states": st.lists(unit_states, min_size=len(POOL), max_size=len(POOL)),
        "filters": st.lists(periods, max_size=8),
        "residence": st.lists(periods, max_size=5),
        "rules": st.lists(rules, max_size=6),
        "person": people,
        "message_type": st.sampled_from(MessageType.values),
        "sender": unit_index,  # messages are always sent by a unit
        "day": offsets,
        "hour": st.integers(0, 23),
    }
)


def _date(offset):
    return None if offset is None else BASE + datetime.timedelta(days=offset)


def _end(start_offset, duration):
    return None if duration is None else _date(start_offset + duration)


def _valid(start, end, day):
    return start <= day and (end is None or day <= end)


@settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(register=registers)
def test_router_invariants(world, register):
    with transaction.atomic():
        _check(world, register)
        transaction.set_rollback(True)


def _check(world, register):
    units = [world.unit(key) for key in POOL]
    for unit, state in zip(units, register["states"], strict=True):
        Unit.objects.filter(pk=unit.pk).update(
            is_active=state["is_active"],
            has_inbox=state["has_inbox"],
            active_from=_date(state["active_from"]),
            active_to=_date(state["active_to"]),
        )
    day = _date(register["day"])
    at = datetime.datetime.combine(day, datetime.time(register["hour"]), tzinfo=STOCKHOLM)
    person_number = PEOPLE[0]
    filter_rows = [
        (units[u], PEOPLE[p], _date(s), _end(s, d)) for u, p, s, d in register["filters"]
    ]
    residence_rows = [
        (units[u], PEOPLE[p], _date(s), _end(s, d)) for u, p, s, d in register["residence"]
    ]
    PatientFilter.objects.bulk_create(
        [
            PatientFilter(unit=u, identity_number=p, valid_from=s, valid_to=e)
            for u, p, s, e in filter_rows
        ],
        ignore_conflicts=True,
    )
    ResidenceEntry.objects.bulk_create(
        [
            ResidenceEntry(unit=u, identity_number=p, moved_in=s, moved_out=e)
            for u, p, s, e in residence_rows
        ],
        ignore_conflicts=True,
    )
    rule_rows = []
    for u, code, postal, message_type, start, duration in register["rules"]:
        rule = AreaRule(
            unit=units[u],
            municipality_code=code,
            postal_code_from=postal[0] if postal else "",
            postal_code_to=postal[1] if postal else "",
            message_type=message_type,
            valid_from=_date(start),
            valid_to=_end(start, duration),
        )
        rule_rows.append(rule)
    AreaRule.objects.bulk_create(rule_rows, ignore_conflicts=True)

    person = register["person"]
    listed = units[person["listed"]] if person["listed"] is not None else None
    subject = RoutingSubject(
        identity_number=person_number,
        protection=person["protection"],
        registered_municipality=person["registered_municipality"],
        postal_code=person["postal_code"],
        listed_care_centre_id=listed.pk if listed else None,
    )
    sender = units[register["sender"]]
    message_type = register["message_type"]
    spec = ROUTES[message_type]
    with translation.override("sv"):
        result = explain_route(
            patient=subject, message_type=message_type, sender_unit=sender, at=at
        )

    fresh = {u.pk: u for u in Unit.objects.select_related("organization__contracted_by")}

    def receivable(unit):
        unit = fresh[unit.pk]
        return (
            unit.has_inbox
            and unit.is_active_on(day)
            and unit.organization.is_active
            and (sender is None or unit.pk != sender.pk)
        )

    def principal(unit):
        organization = fresh[unit.pk].organization
        if organization.contracted_by:
            return organization.contracted_by.kind
        return organization.kind

    def accepted(unit):
        return spec.accepts is None or principal(unit) in spec.accepts

    recipients = result.recipients
    got = [r.unit.pk for r in recipients]
    # Never empty (the sender's organisation always has a usable central inbox here).
    assert recipients
    # Each unit once.
    assert len(got) == len(set(got))
    # Only units that can receive on the day, never the sender.
    for recipient in recipients:
        assert receivable(recipient.unit), recipient
    fallback_pks = {world.unit(key).pk for key in FALLBACKS}

    # Every valid register row of the person is honoured when the type uses its step.
    if ReasonCode.PATIENT_FILTER in spec.steps:
        for unit, number, start, end in filter_rows:
            if (
                number == person_number
                and _valid(start, end, day)
                and receivable(unit)
                and accepted(unit)
            ):
                assert unit.pk in got
    if ReasonCode.RESIDENCE in spec.steps:
        for unit, number, start, end in residence_rows:
            if (
                number == person_number
                and _valid(start, end, day)
                and receivable(unit)
                and accepted(unit)
            ):
                assert unit.pk in got
    if ReasonCode.LISTING in spec.steps and listed and receivable(listed) and accepted(listed):
        assert listed.pk in got

    # Every proposal is justified by a row valid on the day, of this person.
    for recipient in recipients:
        pk = recipient.unit.pk
        assert accepted(recipient.unit) or recipient.reason.code == ReasonCode.FALLBACK
        for reason in recipient.reasons:
            if reason.code == ReasonCode.PATIENT_FILTER:
                assert any(
                    u.pk == pk and n == person_number and _valid(s, e, day)
                    for u, n, s, e in filter_rows
                )
            elif reason.code == ReasonCode.RESIDENCE:
                assert any(
                    u.pk == pk and n == person_number and _valid(s, e, day)
                    for u, n, s, e in residence_rows
                )
            elif reason.code == ReasonCode.LISTING:
                assert listed is not None and listed.pk == pk
            elif reason.code == ReasonCode.AREA_RULE:
                matching = [
                    r
                    for r in rule_rows
                    if r.unit.pk == pk
                    and r.municipality_code == subject.registered_municipality
                    and r.message_type in ("", message_type)
                    and _valid(r.valid_from, r.valid_to, day)
                ]
                assert matching
                if subject.protection != Protection.NONE or len(subject.postal_code) != 5:
                    # The postal code was not used: a municipality-level rule chose the unit.
                    assert any(not r.postal_code_from for r in matching)
            else:
                assert reason.code == ReasonCode.FALLBACK
                assert pk in fallback_pks
            assert reason.code in (*spec.steps, ReasonCode.FALLBACK)

    # The fallback is used exactly when the steps reached no unit on the type's side.
    found = [r for r in recipients if r.reason.code != ReasonCode.FALLBACK]
    reached = any(principal(r.unit) == spec.side for r in found)
    used_fallback = any(r.reason.code == ReasonCode.FALLBACK for r in recipients)
    assert used_fallback is not reached

    # Protected people: no address data in any text shown to users.
    if subject.protection != Protection.NONE:
        texts = [reason.text for r in recipients for reason in r.reasons]
        texts += [s.reason.text for s in result.skipped]
        for text in texts:
            assert "0483" not in text and "0484" not in text
            assert "postnummer" not in text and "bor på" not in text
