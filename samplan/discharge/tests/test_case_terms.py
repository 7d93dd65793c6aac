"""The case page reads the agreement's terms with the case (case_for_unit(shown=True)): they
must be exactly what terms_for gives for the case's region, municipality and Swedish date of
admission, whatever agreements there are."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from samplan.core.actor import Actor
from samplan.core.localtime import local_date
from samplan.discharge.access import case_for_unit
from samplan.discharge.case_page import case_terms
from samplan.discharge.models import DischargeCase
from samplan.organizations.agreements import terms_for
from samplan.organizations.models import Agreement
from samplan.organizations.terms import DEFAULT_TERMS, LiabilityModel

UTC = datetime.UTC
# 23:30 UTC on 31 May is 01:30 on 1 June in Sweden (summer time): the Swedish date counts.
LATE_EVENING = datetime.datetime(2026, 5, 31, 23, 30, tzinfo=UTC)


def _agreement(cast, valid_from: datetime.date, **terms) -> Agreement:
    return Agreement.objects.create(
        region=cast.region, municipality=cast.municipality, valid_from=valid_from, **terms
    )


def _both_ways(cast, case: DischargeCase):
    actor = Actor(user=cast.ward_nurse, unit=cast.ward)
    shown = case_for_unit(actor, case.pk, shown=True)
    whole = case_for_unit(actor, case.pk)
    assert not hasattr(whole, "terms_agreement_id")  # looked up, as before
    return case_terms(shown), case_terms(whole)


AGREEMENTS = {
    "none": [],
    "in force, every term its own": [
        {
            "valid_from": datetime.date(2026, 1, 1),
            "cutoff_time": datetime.time(10, 30),
            "cutoff_rule": False,
            "admission_notice_hours": 48,
            "summons_days": 5,
            "grace_days_somatic": 2,
            "grace_days_psychiatric": 4,
            "liability_model": LiabilityModel.AVERAGE,
            "daily_amount": Decimal("1234.50"),
        }
    ],
    "the newer of two": [
        {"valid_from": datetime.date(2025, 1, 1), "summons_days": 7},
        {"valid_from": datetime.date(2026, 3, 1), "summons_days": 2},
    ],
    "ended before admission": [
        {
            "valid_from": datetime.date(2025, 1, 1),
            "valid_to": datetime.date(2026, 5, 31),
            "summons_days": 9,
        }
    ],
    "starts on the Swedish date of admission": [
        {"valid_from": datetime.date(2026, 6, 1), "admission_notice_hours": 36}
    ],
    "starts the day after": [
        {"valid_from": datetime.date(2026, 6, 2), "admission_notice_hours": 36}
    ],
}


@pytest.mark.parametrize("situation", AGREEMENTS)
def test_terms_read_with_the_case_are_terms_for(cast, build, situation):
    for fields in AGREEMENTS[situation]:
        _agreement(cast, **fields)
    case = build.case(admitted_at=LATE_EVENING)
    assert case.municipality_id == cast.municipality.pk
    expected = terms_for(cast.region, cast.municipality, local_date(LATE_EVENING))
    assert _both_ways(cast, case) == (expected, expected)
    if situation == "in force, every term its own":
        assert expected.agreement_id is not None
        assert expected.cutoff == datetime.time(10, 30)
        assert expected.daily_amount == Decimal("1234.50")
    if situation in ("none", "ended before admission", "starts the day after"):
        assert expected == DEFAULT_TERMS


def test_a_case_without_a_municipality_has_the_default_terms(cast, build):
    _agreement(cast, datetime.date(2026, 1, 1), summons_days=6)
    case = build.case(admitted_at=LATE_EVENING)
    DischargeCase.objects.filter(pk=case.pk).update(municipality=None)
    assert _both_ways(cast, case) == (DEFAULT_TERMS, DEFAULT_TERMS)


def test_the_page_shows_the_agreement_read_with_the_case(cast, build, login_as):
    """The deadlines on the page follow the agreement (48 hours for the admission notice),
    with no query of its own for it."""
    _agreement(cast, datetime.date(2026, 1, 1), admission_notice_hours=48)
    case = build.case(admitted_at=LATE_EVENING)
    client = login_as(cast.ward_nurse, cast.ward)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(f"/utskrivning/arenden/{case.pk}/")
    assert response.status_code == 200
    table = f'"{Agreement._meta.db_table}"'
    assert not [q for q in queries.captured_queries if q["sql"].startswith(f"SELECT {table}.")]
    page = response.context["overview"]
    assert page.terms.admission_notice_hours == 48
    assert page.terms.agreement_id is not None
