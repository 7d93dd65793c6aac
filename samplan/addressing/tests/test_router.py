"""The router, case by case: each step, their combinations, validity edges, units that cannot
receive, protected identity and the fallback (domain.md §4)."""

from __future__ import annotations

import datetime
import zoneinfo
from dataclasses import dataclass, field

import pytest
from django.utils import translation

from samplan.addressing.models import AreaRule, FallbackInbox, PatientFilter, ResidenceEntry
from samplan.addressing.router import (
    ROUTES,
    NoRecipientError,
    ReasonCode,
    RoutingSubject,
    explain_route,
    route,
)
from samplan.addressing.tests.conftest import OTHER_PERSON, PERSON, make_patient
from samplan.core.message_types import MessageType
from samplan.patients.models import Protection

STOCKHOLM = zoneinfo.ZoneInfo("Europe/Stockholm")
D = datetime.date
AT = datetime.datetime(2026, 3, 15, 10, 0, tzinfo=STOCKHOLM)

F = ReasonCode.PATIENT_FILTER
R = ReasonCode.RESIDENCE
L = ReasonCode.LISTING
A = ReasonCode.AREA_RULE
FB = ReasonCode.FALLBACK


@dataclass
class Case:
    id: str
    expected: list[tuple[str, str]]
    filters: list[tuple] = field(default_factory=list)  # (unit, from, to)
    residence: list[tuple] = field(default_factory=list)  # (unit, in, out)
    rules: list[dict] = field(default_factory=list)
    listed: str | None = None
    municipality: str = "0483"
    postal: str = "64130"
    protection: str = Protection.NONE
    message_type: str = MessageType.ADMISSION_NOTICE
    sender: str | None = "ward"
    at: datetime.datetime = AT


CASES = [
    Case("nothing registered: the municipality's central inbox", [("municipal_inbox", FB)]),
    Case(
        "patient filter",
        [("home_care", F)],
        filters=[("home_care", D(2026, 1, 1), None)],
    ),
    Case(
        "two filters in start order",
        [("district", F), ("home_care", F)],
        filters=[("home_care", D(2026, 2, 1), None), ("district", D(2026, 1, 1), None)],
    ),
    Case(
        "a filter of another person does not count",
        [("municipal_inbox", FB)],
        filters=[("home_care", D(2026, 1, 1), None, OTHER_PERSON)],
    ),
    Case(
        "residence list",
        [("nursing_home", R)],
        residence=[("nursing_home", D(2025, 6, 1), None)],
    ),
    Case(
        "moved out before the day",
        [("municipal_inbox", FB)],
        residence=[("nursing_home", D(2025, 6, 1), D(2026, 3, 14))],
    ),
    Case(
        "listing alone also brings the municipality's fallback (the law needs the municipality)",
        [("care_centre", L), ("municipal_inbox", FB)],
        listed="care_centre",
    ),
    Case(
        "area rule for the municipality",
        [("intake", A)],
        rules=[{"unit": "intake"}],
    ),
    Case(
        "area rule for another municipality does not apply",
        [("municipal_inbox", FB)],
        rules=[{"unit": "intake", "municipality_code": "0484"}],
    ),
    Case(
        "postal-code range beats the whole municipality",
        [("district", A)],
        rules=[
            {"unit": "intake"},
            {"unit": "district", "postal_code_from": "64130", "postal_code_to": "64199"},
        ],
    ),
    Case(
        "postal code outside the range: the municipality rule",
        [("intake", A)],
        postal="64200",
        rules=[
            {"unit": "intake"},
            {"unit": "district", "postal_code_from": "64130", "postal_code_to": "64199"},
        ],
    ),
    Case(
        "range ends are inclusive",
        [("district", A)],
        postal="64199",
        rules=[{"unit": "district", "postal_code_from": "64130", "postal_code_to": "64199"}],
    ),
    Case(
        "a rule for the message type beats an all-types rule",
        [("district", A)],
        rules=[{"unit": "intake"}, {"unit": "district", "message_type": "admission_notice"}],
    ),
    Case(
        "a rule for another message type does not apply",
        [("intake", A)],
        rules=[{"unit": "intake"}, {"unit": "district", "message_type": "sip_summons"}],
    ),
    Case(
        "the specific rule's unit is closed: the wider rule takes over",
        [("intake", A)],
        rules=[
            {"unit": "intake"},
            {"unit": "closed", "postal_code_from": "64100", "postal_code_to": "64199"},
        ],
    ),
    Case(
        "all steps, in the order of domain.md §4",
        [("home_care", F), ("nursing_home", R), ("care_centre", L), ("intake", A)],
        filters=[("home_care", D(2026, 1, 1), None)],
        residence=[("nursing_home", D(2025, 6, 1), None)],
        listed="care_centre",
        rules=[{"unit": "intake"}],
    ),
    Case(
        "filter and residence at the same unit: once, the filter's reason first",
        [("nursing_home", F)],
        filters=[("nursing_home", D(2026, 1, 1), None)],
        residence=[("nursing_home", D(2025, 6, 1), None)],
    ),
    Case(
        "filter and area rule at the same unit: once",
        [("intake", F)],
        filters=[("intake", D(2026, 1, 1), None)],
        rules=[{"unit": "intake"}],
    ),
    Case(
        "inactive unit is skipped",
        [("municipal_inbox", FB)],
        filters=[("closed", D(2026, 1, 1), None)],
    ),
    Case(
        "unit not yet opened is skipped",
        [("municipal_inbox", FB)],
        filters=[("not_yet_open", D(2026, 1, 1), None)],
    ),
    Case(
        "unit without inbox is skipped",
        [("municipal_inbox", FB)],
        filters=[("municipal_admin_unit", D(2026, 1, 1), None)],
    ),
    Case(
        "the sender is never a recipient",
        [("home_care", F)],
        filters=[("home_care", D(2026, 1, 1), None), ("district", D(2026, 1, 1), None)],
        sender="district",
    ),
    Case(
        "unknown municipality: the sender's organisation's central inbox",
        [("region_inbox", FB)],
        municipality="",
        postal="",
    ),
    Case(
        "care report goes to the care centre, never to municipal units",
        [("care_centre", L)],
        message_type=MessageType.CARE_REPORT,
        sender="home_care",
        filters=[("district", D(2026, 1, 1), None)],
        listed="care_centre",
        rules=[{"unit": "intake"}],
    ),
    Case(
        "care report for an unlisted person: the region's central inbox",
        [("region_inbox", FB)],
        message_type=MessageType.CARE_REPORT,
        sender="home_care",
    ),
    Case(
        "care report: a region rule for the municipality applies",
        [("ward", A)],
        message_type=MessageType.CARE_REPORT,
        sender="home_care",
        rules=[{"unit": "intake"}, {"unit": "ward", "message_type": "care_report"}],
    ),
    Case(
        "status report: the region's central inbox (the ward comes from the case)",
        [("region_inbox", FB)],
        message_type=MessageType.STATUS_REPORT,
        sender="home_care",
        listed="care_centre",
    ),
    Case(
        "private provider's filter counts as municipal",
        [("provider_unit", F)],
        filters=[("provider_unit", D(2026, 1, 1), None)],
    ),
    Case(
        "another municipality's unit from the residence list: no fallback needed",
        [("outsider_unit", R)],
        residence=[("outsider_unit", D(2025, 1, 1), None)],
    ),
    Case(
        "protected: a postal-code rule is not used, the municipality rule is",
        [("intake", A)],
        protection=Protection.PROTECTED_REGISTRATION,
        rules=[
            {"unit": "intake"},
            {"unit": "district", "postal_code_from": "64130", "postal_code_to": "64199"},
        ],
    ),
    Case(
        "protected with only a postal-code rule: the fallback",
        [("municipal_inbox", FB)],
        protection=Protection.CONFIDENTIALITY_MARKED,
        rules=[{"unit": "district", "postal_code_from": "64130", "postal_code_to": "64199"}],
    ),
    Case(
        "protected: filters, residence and listing still route",
        [("home_care", F), ("nursing_home", R), ("care_centre", L)],
        protection=Protection.FICTITIOUS,
        filters=[("home_care", D(2026, 1, 1), None)],
        residence=[("nursing_home", D(2025, 6, 1), None)],
        listed="care_centre",
    ),
    Case(
        "unknown postal code: only the municipality rule",
        [("intake", A)],
        postal="",
        rules=[
            {"unit": "intake"},
            {"unit": "district", "postal_code_from": "00000", "postal_code_to": "99999"},
        ],
    ),
]


def build(world, case: Case):
    for row in case.filters:
        unit, start, end, *rest = row
        PatientFilter.objects.create(
            unit=world.unit(unit),
            identity_number=rest[0] if rest else PERSON,
            valid_from=start,
            valid_to=end,
        )
    for unit, moved_in, moved_out in case.residence:
        ResidenceEntry.objects.create(
            unit=world.unit(unit), identity_number=PERSON, moved_in=moved_in, moved_out=moved_out
        )
    for rule in case.rules:
        values = {"municipality_code": "0483", "valid_from": D(2020, 1, 1), **rule}
        values["unit"] = world.unit(values["unit"])
        AreaRule.objects.create(**values)
    return make_patient(
        registered_municipality=case.municipality,
        postal_code=case.postal,
        protection=case.protection,
        listed_care_centre=world.unit(case.listed) if case.listed else None,
    )


def names(world, recipients):
    by_pk = {}
    for key in [*world.__dataclass_fields__, *world.cast.__dataclass_fields__]:
        value = world.unit(key) if key != "cast" else None
        if hasattr(value, "pk") and value.__class__.__name__ == "Unit":
            by_pk.setdefault(value.pk, key)
    return [(by_pk[r.unit.pk], r.reason.code) for r in recipients]


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.id)
def test_route(world, case):
    patient = build(world, case)
    sender = world.unit(case.sender) if case.sender else None
    recipients = route(
        patient=patient, message_type=case.message_type, sender_unit=sender, at=case.at
    )
    assert names(world, recipients) == case.expected


def test_every_message_type_has_a_route():
    assert set(ROUTES) == set(MessageType.values)


def test_duplicate_keeps_every_reason_in_step_order(world):
    patient = build(
        world,
        Case(
            "",
            [],
            filters=[("nursing_home", D(2026, 1, 1), None)],
            residence=[("nursing_home", D(2025, 6, 1), None)],
        ),
    )
    with translation.override("sv"):
        (recipient,) = route(
            patient=patient, message_type="admission_notice", sender_unit=world.cast.ward, at=AT
        )
    assert [reason.code for reason in recipient.reasons] == [F, R]
    assert recipient.reasons[0].text == "Personnummerfilter: registrerad hos Solgården 2026-01-01–"
    assert recipient.reasons[1].text == "Boendelista: bor på Solgården sedan 2025-06-01"


@pytest.mark.parametrize(
    ("at", "routed"),
    [
        # valid_from 2026-01-01: from midnight in Stockholm, not an hour earlier (UTC midnight).
        (datetime.datetime(2025, 12, 31, 23, 59, 59, tzinfo=STOCKHOLM), False),
        (datetime.datetime(2026, 1, 1, 0, 0, tzinfo=STOCKHOLM), True),
        (datetime.datetime(2025, 12, 31, 23, 30, tzinfo=datetime.UTC), True),
        # valid_to 2026-01-31: the whole last day, and not a minute after.
        (datetime.datetime(2026, 1, 31, 23, 59, tzinfo=STOCKHOLM), True),
        (datetime.datetime(2026, 2, 1, 0, 0, tzinfo=STOCKHOLM), False),
        (datetime.datetime(2026, 1, 31, 23, 30, tzinfo=datetime.UTC), False),
        (D(2026, 1, 31), True),
        (D(2026, 2, 1), False),
    ],
)
def test_validity_edges_follow_the_stockholm_calendar(world, at, routed):
    patient = build(world, Case("", [], filters=[("home_care", D(2026, 1, 1), D(2026, 1, 31))]))
    units = [
        r.unit
        for r in route(
            patient=patient, message_type="admission_notice", sender_unit=world.cast.ward, at=at
        )
    ]
    assert (world.cast.home_care in units) is routed


@pytest.mark.parametrize(
    ("at", "routed"),
    [
        (datetime.datetime(2026, 3, 31, 23, 59, tzinfo=STOCKHOLM), True),  # move-out day
        (datetime.datetime(2026, 4, 1, 0, 0, tzinfo=STOCKHOLM), False),
        (datetime.datetime(2026, 2, 28, 23, 59, tzinfo=STOCKHOLM), False),  # day before move-in
        (datetime.datetime(2026, 3, 1, 0, 0, tzinfo=STOCKHOLM), True),
    ],
)
def test_residence_edges(world, at, routed):
    patient = build(
        world, Case("", [], residence=[("nursing_home", D(2026, 3, 1), D(2026, 3, 31))])
    )
    units = [
        r.unit
        for r in route(
            patient=patient, message_type="admission_notice", sender_unit=world.cast.ward, at=at
        )
    ]
    assert (world.nursing_home in units) is routed


def test_unit_validity_dates_decide_on_the_day(world):
    home_care = world.cast.home_care
    home_care.active_to = D(2026, 3, 15)
    home_care.save()
    patient = build(world, Case("", [], filters=[("home_care", D(2026, 1, 1), None)]))

    def units(at):
        return [
            r.unit
            for r in route(
                patient=patient, message_type="admission_notice", sender_unit=None, at=at
            )
        ]

    assert home_care in units(datetime.datetime(2026, 3, 15, 23, 59, tzinfo=STOCKHOLM))
    assert home_care not in units(datetime.datetime(2026, 3, 16, 0, 0, tzinfo=STOCKHOLM))


def test_inactive_organisation_is_skipped(world):
    provider = world.cast.provider
    provider.is_active = False
    provider.save()
    patient = build(world, Case("", [], filters=[("provider_unit", D(2026, 1, 1), None)]))
    result = explain_route(
        patient=patient, message_type="admission_notice", sender_unit=None, at=AT
    )
    assert [r.unit for r in result.recipients] == [world.municipal_inbox]
    assert [s.unit for s in result.skipped] == [world.cast.provider_unit]


def test_skipped_units_are_explained(world):
    patient = build(
        world,
        Case(
            "",
            [],
            filters=[
                ("closed", D(2026, 1, 1), None),
                ("municipal_admin_unit", D(2026, 1, 1), None),
            ],
        ),
    )
    with translation.override("sv"):
        result = explain_route(
            patient=patient, message_type="admission_notice", sender_unit=world.cast.ward, at=AT
        )
    whys = {s.unit.name: s.why for s in result.skipped}
    assert whys == {
        "Stängd enhet": "Enheten är inte aktiv det datumet.",
        "Vård och omsorg": "Enheten har ingen brevlåda.",
    }


def test_reason_texts_in_swedish(world):
    patient = build(
        world,
        Case(
            "",
            [],
            listed="care_centre",
            rules=[{"unit": "district", "postal_code_from": "64130", "postal_code_to": "64199"}],
        ),
    )
    with translation.override("sv"):
        recipients = route(
            patient=patient, message_type="admission_notice", sender_unit=world.cast.ward, at=AT
        )
        texts = [r.reason.text for r in recipients]
        fallback = route(
            patient=make_patient(identity_number=OTHER_PERSON, registered_municipality="0484"),
            message_type="admission_notice",
            sender_unit=world.cast.ward,
            at=AT,
        )
    assert texts == [
        "Listad på vårdcentral",
        "Områdesregel: kommun 0483, postnummer 641 30–641 99",
    ]
    assert fallback[0].reason.text == "Reservadress: kommunens centrala brevlåda"


PROTECTED_LEAKS = ("0483", "641", "2025-06-01", "bor på", "lives at", "postnummer", "postal")


@pytest.mark.parametrize("protection", [p for p in Protection.values if p != Protection.NONE])
def test_protected_reasons_contain_no_address_data(world, protection):
    patient = build(
        world,
        Case(
            "",
            [],
            protection=protection,
            residence=[("nursing_home", D(2025, 6, 1), None)],
            rules=[{"unit": "intake"}],
        ),
    )
    for language in ("sv", "en"):
        with translation.override(language):
            result = explain_route(
                patient=patient, message_type="admission_notice", sender_unit=world.cast.ward, at=AT
            )
        texts = [reason.text for r in result.recipients for reason in r.reasons]
        texts += [s.reason.text for s in result.skipped]
        assert len(texts) == 2
        for text in texts:
            assert not any(leak in text for leak in PROTECTED_LEAKS), text


def test_fallback_of_the_home_municipality_not_the_senders(world):
    patient = make_patient(registered_municipality="0484")
    recipients = route(
        patient=patient, message_type="admission_notice", sender_unit=world.cast.ward, at=AT
    )
    assert [r.unit for r in recipients] == [world.other_inbox]


def test_home_without_fallback_uses_the_senders_organisation(world):
    FallbackInbox.objects.filter(organization=world.cast.other_municipality).delete()
    patient = make_patient(registered_municipality="0484")
    with translation.override("sv"):
        (recipient,) = route(
            patient=patient, message_type="admission_notice", sender_unit=world.cast.ward, at=AT
        )
    assert recipient.unit == world.region_inbox
    assert recipient.reason.text.startswith(
        "Reservadress: avsändarorganisationens centrala brevlåda"
    )


def test_closed_fallback_is_not_used(world):
    world.municipal_inbox.is_active = False
    world.municipal_inbox.save()
    recipients = route(
        patient=make_patient(), message_type="admission_notice", sender_unit=world.cast.ward, at=AT
    )
    assert [r.unit for r in recipients] == [world.region_inbox]


def test_private_provider_sender_falls_back_to_its_contractor(world):
    FallbackInbox.objects.filter(organization=world.cast.region).delete()
    patient = make_patient(registered_municipality="")
    recipients = route(
        patient=patient, message_type="care_report", sender_unit=world.cast.provider_unit, at=AT
    )
    assert [r.unit for r in recipients] == [world.municipal_inbox]


def test_no_fallback_anywhere_is_an_error_not_silence(world):
    FallbackInbox.objects.all().delete()
    with pytest.raises(NoRecipientError):
        route(
            patient=make_patient(),
            message_type="admission_notice",
            sender_unit=world.cast.ward,
            at=AT,
        )


def test_the_central_inbox_itself_sending_gets_no_proposal_of_itself(world):
    FallbackInbox.objects.filter(organization=world.cast.region).delete()
    with pytest.raises(NoRecipientError):
        route(
            patient=make_patient(),
            message_type="admission_notice",
            sender_unit=world.municipal_inbox,
            at=AT,
        )


def test_a_person_not_in_samplan_is_routed_by_identity_number(world):
    PatientFilter.objects.create(
        unit=world.cast.home_care, identity_number=PERSON, valid_from=D(2026, 1, 1)
    )
    recipients = route(
        patient=RoutingSubject(identity_number=PERSON),
        message_type="admission_notice",
        sender_unit=world.cast.ward,
        at=AT,
    )
    assert [r.unit for r in recipients] == [world.cast.home_care]


def test_unknown_message_type_is_refused(world):
    with pytest.raises(ValueError, match="Unknown message type"):
        route(patient=make_patient(), message_type="nonsense", sender_unit=None, at=AT)


@pytest.mark.parametrize("other_rows", [10, 1000])
def test_query_count_does_not_grow_with_the_register(
    world, other_rows, django_assert_max_num_queries
):
    units = [world.cast.home_care, world.district, world.nursing_home]
    PatientFilter.objects.bulk_create(
        PatientFilter(unit=units[i % 3], identity_number=f"1950{i:08d}", valid_from=D(2026, 1, 1))
        for i in range(other_rows)
    )
    ResidenceEntry.objects.bulk_create(
        ResidenceEntry(
            unit=world.nursing_home, identity_number=f"1930{i:08d}", moved_in=D(2025, 1, 1)
        )
        for i in range(other_rows)
    )
    patient = build(
        world,
        Case(
            "",
            [],
            filters=[("home_care", D(2026, 1, 1), None), ("district", D(2026, 1, 1), None)],
            residence=[("nursing_home", D(2025, 6, 1), None)],
            listed="care_centre",
            rules=[{"unit": "intake", "message_type": "care_report"}],
        ),
    )
    with django_assert_max_num_queries(5):
        recipients = route(
            patient=patient, message_type="admission_notice", sender_unit=world.cast.ward, at=AT
        )
    # Nothing reached by the area rule (it is for care reports), so the fallback runs too.
    assert len(recipients) == 4


@pytest.mark.parametrize(
    ("at", "routed"),
    [
        # 2026-03-29 is the spring daylight-saving change (CET +1 → CEST +2): the day is
        # 23 hours long and ends at 22:00 UTC, not 23:00.
        (datetime.datetime(2026, 3, 28, 22, 59, tzinfo=datetime.UTC), False),  # 23:59 CET
        (datetime.datetime(2026, 3, 28, 23, 0, tzinfo=datetime.UTC), True),  # 00:00 CET
        (datetime.datetime(2026, 3, 29, 21, 59, tzinfo=datetime.UTC), True),  # 23:59 CEST
        (datetime.datetime(2026, 3, 29, 22, 0, tzinfo=datetime.UTC), False),  # next day
    ],
)
def test_one_day_filter_across_the_daylight_saving_change(world, at, routed):
    patient = build(world, Case("", [], filters=[("home_care", D(2026, 3, 29), D(2026, 3, 29))]))
    units = [
        r.unit
        for r in route(
            patient=patient, message_type="admission_notice", sender_unit=world.cast.ward, at=at
        )
    ]
    assert (world.cast.home_care in units) is routed
