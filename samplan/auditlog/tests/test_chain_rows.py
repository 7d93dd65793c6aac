"""The chain's batch path (rows as plain column values) stores exactly what model instances
stored: every column, the hashes and the chain order; and the hash's canonical form is the
one rows were always hashed with (a frozen copy below), so no stored row changes meaning."""

from __future__ import annotations

import datetime
import hashlib
import json
import zoneinfo
from dataclasses import dataclass

import pytest
import time_machine
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from samplan.auditlog import chain
from samplan.auditlog.access_log import AccessAction, access_log_record, access_log_record_many
from samplan.auditlog.models import AccessLogChain, AccessLogEntry
from samplan.auditlog.testing import log_access
from samplan.core.actor import Actor
from samplan.patients.models import Protection
from samplan.patients.testing import PatientFactory

# A Saturday night: outside every unit's usual hours, so that flag is set.
NIGHT = datetime.datetime(
    2026, 3, 7, 23, 0, 0, 123456, tzinfo=zoneinfo.ZoneInfo("Europe/Stockholm")
)


def _reference_row_hash(values: dict[str, object]) -> str:
    """The row hash as HASH_VERSION 1 defined it when the chain was written: a frozen copy,
    so a faster implementation cannot drift from what stored rows were hashed with."""

    def canonical(value: object) -> object:
        if isinstance(value, datetime.datetime):
            return value.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        return value

    hashed = [
        "seq",
        "at",
        "user_id",
        "user_hsa_id",
        "unit_id",
        "organization_id",
        "patient_id",
        "searched_identity",
        "action",
        "object_type",
        "object_id",
        "detail",
        "client_address",
        "not_participant",
        "protected_identity",
        "outside_hours",
        "many_patients",
        "prev_hash",
    ]
    payload = [1, *(canonical(values[name]) for name in hashed)]
    payload.extend([name, values[name]] for name in ("integration_client",) if values.get(name))
    text = json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _values(**changes: object) -> dict[str, object]:
    values: dict[str, object] = {
        "seq": 7,
        "at": NIGHT,
        "user_id": 3,
        "user_hsa_id": "SE2321000016-1234",
        "unit_id": 5,
        "organization_id": 2,
        "patient_id": 11,
        "searched_identity": "",
        "action": AccessAction.VIEW,
        "object_type": "",
        "object_id": "",
        "detail": "list_page|list=received&page=1",
        "client_address": "10.0.0.1",
        "integration_client": "",
        "not_participant": False,
        "protected_identity": True,
        "outside_hours": True,
        "many_patients": False,
        "prev_hash": "0" * 64,
        "hash": "",
        "id": 99,
    }
    values.update(changes)
    return values


@pytest.mark.parametrize(
    "changes",
    [
        {},
        {"at": NIGHT.astimezone(datetime.UTC)},
        {"at": datetime.datetime(2026, 1, 1, 0, 0, tzinfo=datetime.UTC)},
        {"unit_id": None, "organization_id": None, "patient_id": None, "client_address": None},
        {"detail": 'å, ä och ö "citat" \\ \u2028', "searched_identity": "191212121212"},
        {"action": "search", "object_type": "dischargecase", "object_id": "42"},
        {"integration_client": "3:Hemtjänstsystemet"},
        {"client_address": "2001:db8::1", "not_participant": True, "many_patients": True},
    ],
)
def test_the_row_hash_is_the_frozen_canonical_form(changes):
    values = _values(**changes)
    assert chain.row_hash(values) == _reference_row_hash(values)
    # Twice with the same time object (the batch's cached canonical time) and once with an
    # equal time that is another object.
    assert chain.row_hash(values) == _reference_row_hash(values)
    other = dict(values, at=values["at"] + datetime.timedelta(0))
    assert chain.row_hash(other) == _reference_row_hash(values)


def test_the_row_hash_of_a_known_row_is_pinned():
    # Computed with the implementation the stored rows were written with (HASH_VERSION 1).
    assert chain.row_hash(_values()) == _reference_row_hash(_values())
    assert chain.row_hash(_values()) == (
        "9f31e6808ddf296b12048f9bb7c1d755c385ac1a91a9136ce119184863636df7"
    )


def test_a_time_that_changed_is_hashed_anew():
    first = _values()
    second = _values(at=NIGHT + datetime.timedelta(microseconds=1))
    assert chain.row_hash(first) != chain.row_hash(second)
    assert chain.row_hash(second) == _reference_row_hash(second)
    assert chain.row_hash(first) == _reference_row_hash(first)


@dataclass
class System:
    log_label: str


def _instances_as_before(actor: Actor, patients: list, **fields: str) -> list[AccessLogEntry]:
    """The model instances access_log_record_many built before it built Rows (a copy)."""
    from samplan.auditlog.access_log import _client_label
    from samplan.auditlog.flags import outside_usual_hours
    from samplan.auditlog.subjects import subjects

    outside_hours = outside_usual_hours(actor.unit, timezone.now())
    return [
        AccessLogEntry(
            user=actor.user,
            user_hsa_id=actor.hsa_id,
            unit=actor.unit,
            organization_id=actor.organization_id,
            patient=patient,
            searched_identity=fields.get("searched_identity", ""),
            action=fields["action"],
            object_type=fields.get("object_type", ""),
            detail=fields.get("detail", "")[:200],
            client_address=actor.client_address or None,
            integration_client=_client_label(actor),
            not_participant=False,
            protected_identity=subjects().is_protected(patient),
            outside_hours=outside_hours,
            many_patients=False,
        )
        for patient in dict.fromkeys(patients)
    ]


def _stored_since(seq: int) -> list[dict[str, object]]:
    columns = [f.attname for f in AccessLogEntry._meta.concrete_fields if not f.primary_key]
    return list(AccessLogEntry.objects.filter(seq__gt=seq).order_by("seq").values(*columns))


class _Undo(Exception):
    pass


def _written_by(write) -> tuple[list[dict[str, object]], int, tuple[int, str]]:
    """What `write()` stores (every column but the id), its number of queries and the head
    it leaves; then undone, so the next writer starts from the same head."""
    before = AccessLogChain.objects.get().seq if AccessLogChain.objects.exists() else 0
    try:
        with transaction.atomic():
            with CaptureQueriesContext(connection) as queries:
                write()
            stored = _stored_since(before)
            head = AccessLogChain.objects.values_list("seq", "last_hash").get()
            raise _Undo
    except _Undo:
        pass
    return stored, len(queries), head


@pytest.mark.parametrize(
    ("address", "system", "searched"),
    [
        ("10.0.0.1", None, ""),
        ("", None, "191212121212"),
        ("2001:db8::1", System("3:Hemtjänstsystemet"), ""),
    ],
)
def test_a_list_page_stores_what_model_instances_stored(cast, address, system, searched):
    log_access(cast.ward_nurse, cast.ward, PatientFactory())  # a chain to go on from
    patients = PatientFactory.create_batch(4)
    patients.append(PatientFactory(protection=Protection.PROTECTED_REGISTRATION))
    patients.append(patients[0])  # shown twice, logged once
    actor = Actor(user=cast.ward_nurse, unit=cast.ward, client_address=address, system=system)
    fields = {
        "action": AccessAction.SEARCH if searched else AccessAction.VIEW,
        "searched_identity": searched,
        "detail": "list_page|list=received&page=1",
    }
    with time_machine.travel(NIGHT, tick=False):
        as_rows = _written_by(
            lambda: access_log_record_many(actor=actor, patients=patients, **fields)
        )
        as_instances = _written_by(
            lambda: chain.append_many(_instances_as_before(actor, patients, **fields))
        )
    rows, queries, head = as_rows
    assert len(rows) == 5
    assert as_rows == as_instances  # every column, hashes and head; as many queries
    assert [row["protected_identity"] for row in rows] == [False] * 4 + [True]
    assert all(row["outside_hours"] for row in rows)
    assert head == (rows[-1]["seq"], rows[-1]["hash"])
    for row in rows:
        assert row["hash"] == _reference_row_hash(row)
    assert queries <= 3


def _row(cast, patient, **changes: object) -> chain.Row:
    row: chain.Row = {
        "user_id": cast.ward_nurse.pk,
        "user_hsa_id": "",
        "unit_id": cast.ward.pk,
        "organization_id": cast.ward.organization_id,
        "patient_id": patient.pk if patient else None,
        "searched_identity": "",
        "action": "view",
        "object_type": "",
        "object_id": "",
        "detail": "",
        "client_address": "10.0.0.1",
        "integration_client": "",
        "not_participant": False,
        "protected_identity": False,
        "outside_hours": False,
        "many_patients": False,
    }
    row.update(changes)
    return row


def test_rows_and_instances_with_varying_columns_store_alike(cast):
    """Columns that differ from row to row (and the same value of another type) go in as
    they are, whichever way the database is sent them."""
    patients = PatientFactory.create_batch(3)
    variants = [
        {},
        {"client_address": None, "integration_client": "1:System", "patient_id": None},
        {"client_address": "2001:db8::1", "not_participant": True, "detail": "å"},
        {"unit_id": None, "organization_id": None, "outside_hours": True, "action": "print"},
        {"user_id": cast.home_care_nurse.pk, "object_type": "patient", "object_id": "7"},
    ]

    def rows() -> list[chain.Row]:
        return [_row(cast, patients[i % 3], **variant) for i, variant in enumerate(variants * 2)]

    def instances() -> list[AccessLogEntry]:
        return [AccessLogEntry(**row) for row in rows()]

    with time_machine.travel(NIGHT, tick=False):
        as_rows = _written_by(lambda: chain.append_many(rows()))
        as_instances = _written_by(lambda: chain.append_many(instances()))
        one_by_one = _written_by(lambda: [chain.append(entry) for entry in instances()])
    assert as_rows == as_instances
    assert as_rows[0] == one_by_one[0] and as_rows[2] == one_by_one[2]
    assert len(as_rows[0]) == 10


def test_mixed_single_and_batch_appends_keep_one_verifiable_chain(cast):
    patients = PatientFactory.create_batch(3)
    actor = Actor(user=cast.ward_nurse, unit=cast.ward, client_address="10.0.0.1")
    single = log_access(cast.ward_nurse, cast.ward, patients[0])
    access_log_record_many(actor=actor, patients=patients, action="view", detail="list")
    AccessLogEntry.objects.create(user=cast.ward_nurse, action="view")
    access_log_record_many(actor=actor, patients=patients[:1], action="view")  # one row
    returned = chain.append_many([_row(cast, patients[1]), AccessLogEntry(**_row(cast, None))])
    assert returned[1].pk is not None and returned[1].seq == returned[0]["seq"] + 1
    with transaction.atomic(), chain.appends_at_end():
        log_access(cast.home_care_nurse, cast.home_care, patients[2])
        access_log_record_many(actor=actor, patients=patients, action="view")
        log_access(cast.home_care_nurse, cast.home_care, patients[1])
        assert AccessLogEntry.objects.count() == 1 + 3 + 1 + 1 + 2
    log_access(cast.ward_nurse, cast.ward, patients[1])

    stored = list(
        AccessLogEntry.objects.order_by("seq").values(
            "hash", *chain.HASHED_FIELDS, *chain.OPTIONAL_HASHED_FIELDS
        )
    )
    assert [row["seq"] for row in stored] == list(range(single.seq, single.seq + 14))
    # The block's rows in the order written: single, the list's three, single.
    assert [row["user_id"] for row in stored[8:13]] == [
        cast.home_care_nurse.pk,
        *[cast.ward_nurse.pk] * 3,
        cast.home_care_nurse.pk,
    ]
    previous = stored[0]["prev_hash"]
    for row in stored:
        assert row["prev_hash"] == previous
        assert row["hash"] == _reference_row_hash(row) == chain.row_hash(row)
        previous = row["hash"]
    head = AccessLogChain.objects.get()
    assert (head.seq, head.last_hash) == (stored[-1]["seq"], stored[-1]["hash"])
    assert chain.verify().ok


# Text the canonical JSON escapes (quotes, backslashes, control characters) or keeps as it is
# (letters outside ASCII, a character outside the BMP, U+2028): the hash text Python makes
# for the database must be the text row_hash() hashes, byte for byte.
AWKWARD = 'citat " snedstreck \\ rad\nslut\ttab \x01 å ä ö € \u2028 \U0001f600'


def test_awkward_text_is_chained_as_python_hashes_it(cast):
    patient = PatientFactory()
    actor = Actor(user=cast.ward_nurse, unit=cast.ward, client_address="10.0.0.1")
    single = log_access(cast.ward_nurse, cast.ward, patient, detail=AWKWARD)
    access_log_record_many(
        actor=actor, patients=[patient, PatientFactory()], action="view", detail=AWKWARD
    )
    stored = list(
        AccessLogEntry.objects.filter(seq__gte=single.seq)
        .order_by("seq")
        .values("hash", *chain.HASHED_FIELDS, *chain.OPTIONAL_HASHED_FIELDS)
    )
    assert [row["detail"] for row in stored] == [AWKWARD] * 3
    for row in stored:
        assert row["hash"] == _reference_row_hash(row)
    assert chain.verify().ok


@pytest.mark.skipif("connection.vendor != 'postgresql'")
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("rows", [1, 20])
def test_on_postgresql_a_read_is_logged_in_one_statement(rows):
    """No BEGIN, no separate lock, no COMMIT: the database locks the head, chains, inserts
    and moves the head in the one statement, its own transaction."""
    from samplan.testing import build_cast

    cast = build_cast()
    patients = PatientFactory.create_batch(rows)
    actor = Actor(user=cast.ward_nurse, unit=cast.ward, client_address="10.0.0.1")
    log_access(cast.ward_nurse, cast.ward, patients[0])  # the head exists
    with CaptureQueriesContext(connection) as queries:
        access_log_record_many(actor=actor, patients=patients, action="view", detail="list")
    assert [q["sql"].split()[:2] for q in queries] == [["WITH", "RECURSIVE"]]
    assert AccessLogEntry.objects.count() == rows + 1
    assert chain.verify().ok


@pytest.mark.parametrize("participant", [True, False, None])
@pytest.mark.parametrize("with_object", [True, False])
def test_a_single_read_stores_what_its_model_instance_stored(cast, participant, with_object):
    """access_log_record writes a Row, as it once wrote AccessLogEntry(...): every column,
    the many-patients flag (answered as the row is written) and the hashes alike."""
    from samplan.auditlog.access_log import _client_label
    from samplan.auditlog.flags import many_patients_check, not_participant, outside_usual_hours
    from samplan.auditlog.subjects import subjects

    log_access(cast.ward_nurse, cast.ward, PatientFactory())  # a chain to go on from
    patient = PatientFactory(protection=Protection.PROTECTED_REGISTRATION)
    obj = cast.ward if with_object else None
    actor = Actor(user=cast.ward_nurse, unit=cast.ward, client_address="10.0.0.2")

    def as_before() -> None:
        now = timezone.now()
        check = many_patients_check(actor.user, patient.pk, now)
        entry = AccessLogEntry(
            user=actor.user,
            user_hsa_id=actor.hsa_id,
            unit=actor.unit,
            organization_id=actor.organization_id,
            patient=patient,
            searched_identity="",
            action=AccessAction.VIEW,
            object_type=obj._meta.model_name if obj is not None else "",
            object_id=str(obj.pk) if obj is not None else "",
            detail="case",
            client_address=actor.client_address,
            integration_client=_client_label(actor),
            not_participant=not_participant(actor.unit, patient, participant),
            protected_identity=subjects().is_protected(patient),
            outside_hours=outside_usual_hours(actor.unit, now),
            many_patients=False if check is None else None,
        )
        chain.append(entry, many_patients=check)

    def as_now() -> None:
        access_log_record(
            actor=actor,
            patient=patient,
            action=AccessAction.VIEW,
            obj=obj,
            detail="case",
            participant=participant,
        )

    with time_machine.travel(NIGHT, tick=False):
        written, before = _written_by(as_now), _written_by(as_before)
    assert written == before
    (row,) = written[0]
    assert row["protected_identity"] and row["hash"] == _reference_row_hash(row)
