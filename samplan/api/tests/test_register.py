"""PUT /api/v1/register: replace a unit's patient filter and a nursing home's residence list."""

import datetime

import pytest
from django.utils import timezone

from samplan.addressing.models import PatientFilter, ResidenceEntry
from samplan.api.models import IntegrationClient
from samplan.api.services import client_revoke
from samplan.api.tests.helpers import Caller, make_client
from samplan.core.actor import Actor
from samplan.organizations.models import UnitKind
from samplan.patients.testing import make_personnummer
from samplan.testing import UnitFactory

TODAY = datetime.date.today


@pytest.fixture
def nursing_home(cast):
    return UnitFactory(organization=cast.municipality, name="Solgården", kind=UnitKind.NURSING_HOME)


@pytest.fixture
def municipal_api(cast, nursing_home):
    _, token = make_client(
        cast.municipal_system_admin, cast.municipality, [cast.home_care, nursing_home], name="L"
    )
    return Caller(token, cast.home_care)


def _row(number, start, end=None):
    return {"identity_number": number, "start": start.isoformat(), "end": end and end.isoformat()}


def test_replace_adds_updates_ends_and_refuses(cast, municipal_api):
    today = timezone.localdate()
    keep, change, drop, late = (make_personnummer() for _ in range(4))
    start = today - datetime.timedelta(days=30)
    for number in (keep, change, drop):
        PatientFilter.objects.create(
            unit=cast.home_care,
            identity_number=number,
            valid_from=start,
            created_by=cast.municipal_local_admin,
        )
    PatientFilter.objects.create(  # not begun yet, and not in the source: removed
        unit=cast.home_care,
        identity_number=late,
        valid_from=today + datetime.timedelta(days=3),
        created_by=cast.municipal_local_admin,
    )
    new = make_personnummer()
    answer = municipal_api.client.put(
        "/api/v1/register",
        {
            "patient_filter": [
                _row(keep, start),
                _row(change, start, today + datetime.timedelta(days=10)),
                _row(new, today),
                _row("19121212-1213", today),
                _row(new, today),
            ]
        },
        content_type="application/json",
        headers=municipal_api.headers(),
    )
    assert answer.status_code == 200, answer.content
    body = answer.json()["patient_filter"]
    assert [r["identity_number"] for r in body["added"]] == [new]
    assert [r["identity_number"] for r in body["updated"]] == [change]
    assert {r["identity_number"] for r in body["ended"]} == {drop, late}
    assert [r["position"] for r in body["refused"]] == [4, 5]
    assert answer.json()["residence_list"] is None
    rows = dict(
        PatientFilter.objects.filter(unit=cast.home_care).values_list("identity_number", "valid_to")
    )
    assert rows[keep] is None
    assert rows[drop] == today - datetime.timedelta(days=1)
    assert late not in rows and new in rows


def test_residence_list_only_for_a_nursing_home_in_one_transaction(
    cast, municipal_api, nursing_home
):
    number = make_personnummer()
    payload = {
        "patient_filter": [_row(number, timezone.localdate())],
        "residence_list": [_row(number, timezone.localdate())],
    }
    refused = municipal_api.client.put(
        "/api/v1/register",
        payload,
        content_type="application/json",
        headers=municipal_api.headers(),
    )
    assert refused.status_code == 422
    assert not PatientFilter.objects.exists()  # nothing of the call was applied
    municipal_api.unit = nursing_home
    answer = municipal_api.client.put(
        "/api/v1/register",
        {"residence_list": payload["residence_list"]},
        content_type="application/json",
        headers=municipal_api.headers(),
    )
    assert answer.status_code == 200, answer.content
    assert ResidenceEntry.objects.get().unit == nursing_home


def test_other_unit_organisation_revoked_and_scope(cast, municipal_api, outsider_api):
    body = {"patient_filter": []}

    def put(caller):
        return caller.client.put(
            "/api/v1/register", body, content_type="application/json", headers=caller.headers()
        )

    municipal_api.unit = cast.provider_unit
    assert put(municipal_api).status_code == 403
    outsider_api.unit = cast.home_care
    assert put(outsider_api).status_code == 403
    _, token = make_client(
        cast.municipal_system_admin, cast.municipality, [cast.home_care], ["inbox:read"], name="R"
    )
    assert put(Caller(token, cast.home_care)).status_code == 403
    client_revoke(
        actor=Actor(user=cast.municipal_system_admin),
        client=IntegrationClient.objects.get(name="R"),
    )
    assert put(Caller(token, cast.home_care)).status_code == 401
