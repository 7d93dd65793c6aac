"""The hash chain: rows are chained in order, changes and deletions are caught, and the
database itself refuses changes."""

import datetime
import itertools

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, IntegrityError, connection, transaction

from samplan.auditlog import chain
from samplan.auditlog.models import (
    GENESIS_HASH,
    AccessLogChain,
    AccessLogEntry,
    AppendOnlyError,
)
from samplan.auditlog.testing import log_access, tampering
from samplan.patients.testing import PatientFactory


@pytest.fixture
def rows(cast):
    patient = PatientFactory()
    return [
        log_access(cast.ward_nurse, cast.ward, patient),
        log_access(cast.home_care_nurse, cast.home_care, patient, action="search"),
        log_access(cast.ward_nurse, cast.ward, None, searched_identity="191212121212"),
        log_access(cast.outsider, cast.outsider_unit, patient, detail="å, ä och ö"),
    ]


def test_rows_are_chained_in_order(rows):
    assert [r.seq for r in rows] == [1, 2, 3, 4]
    assert rows[0].prev_hash == GENESIS_HASH
    for before, after in itertools.pairwise(rows):
        assert after.prev_hash == before.hash
    head = AccessLogChain.objects.get()
    assert (head.seq, head.last_hash) == (4, rows[-1].hash)


def test_stored_rows_hash_to_what_was_written(rows):
    for stored in AccessLogEntry.objects.all():
        assert chain.entry_hash(stored) == stored.hash


def test_verify_accepts_an_intact_chain(rows, capsys):
    assert chain.verify().ok
    call_command("accesslog_verify")
    out = capsys.readouterr().out
    assert out.startswith("OK: 4 rows intact") and rows[-1].hash in out


def test_empty_log_verifies(db):
    assert chain.verify().ok


@pytest.mark.parametrize(
    ("column", "value"),
    [("detail", "'nothing to see'"), ("action", "'search'"), ("not_participant", "FALSE")],
)
def test_a_changed_row_is_caught(rows, column, value):
    with tampering() as cursor:
        cursor.execute(
            f"UPDATE auditlog_accesslogentry SET {column} = {value} WHERE id = %s", [rows[3].pk]
        )
    result = chain.verify()
    assert not result.ok
    assert result.broken_id == rows[3].pk
    assert "changed afterwards" in result.reason


def test_a_changed_time_is_caught(rows):
    with tampering() as cursor:
        cursor.execute(
            "UPDATE auditlog_accesslogentry SET at = %s WHERE id = %s",
            [rows[1].at - datetime.timedelta(hours=3), rows[1].pk],
        )
    assert chain.verify().broken_id == rows[1].pk


def test_a_deleted_row_is_caught_at_the_next_row(rows):
    with tampering() as cursor:
        cursor.execute("DELETE FROM auditlog_accesslogentry WHERE id = %s", [rows[1].pk])
    result = chain.verify()
    assert (result.ok, result.broken_id) == (False, rows[2].pk)
    assert "rows 2–2 are missing" in result.reason


def test_a_rehashed_row_is_caught_by_its_successor(rows):
    """Changing a row and fixing its own hash breaks the next row's prev_hash."""
    forged = {name: getattr(rows[1], name) for name in chain.HASHED_FIELDS}
    forged["detail"] = "forged"
    with tampering() as cursor:
        cursor.execute(
            "UPDATE auditlog_accesslogentry SET detail = 'forged', hash = %s WHERE id = %s",
            [chain.row_hash(forged), rows[1].pk],
        )
    result = chain.verify()
    assert result.broken_id == rows[2].pk and "prev_hash" in result.reason


def test_deleting_the_newest_rows_is_caught_by_the_head(rows):
    with tampering() as cursor:
        cursor.execute("DELETE FROM auditlog_accesslogentry WHERE seq >= 3")
    result = chain.verify()
    assert not result.ok and result.broken_id is None and "head" in result.reason


def test_verify_command_reports_the_first_broken_row(rows):
    with tampering() as cursor:
        cursor.execute(
            "UPDATE auditlog_accesslogentry SET detail = 'x' WHERE id IN (%s, %s)",
            [rows[1].pk, rows[2].pk],
        )
    with pytest.raises(CommandError, match=f"BROKEN at row id {rows[1].pk} "):
        call_command("accesslog_verify")


def test_the_orm_refuses_changes_and_deletes(rows):
    entry = AccessLogEntry.objects.get(pk=rows[0].pk)
    entry.detail = "changed"
    with pytest.raises(AppendOnlyError):
        entry.save()
    with pytest.raises(AppendOnlyError):
        entry.delete()
    with pytest.raises(AppendOnlyError):
        AccessLogEntry.objects.filter(pk=entry.pk).update(detail="changed")
    with pytest.raises(AppendOnlyError):
        AccessLogEntry.objects.all().delete()
    with pytest.raises(AppendOnlyError):
        AccessLogEntry.objects.bulk_create([AccessLogEntry()])
    assert chain.verify().ok


def test_the_database_refuses_an_update(rows):
    with (
        pytest.raises((DatabaseError, IntegrityError)),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(
            "UPDATE auditlog_accesslogentry SET detail = 'x' WHERE id = %s", [rows[0].pk]
        )
    assert AccessLogEntry.objects.get(pk=rows[0].pk).detail == ""


@pytest.mark.skipif("connection.vendor != 'postgresql'")
def test_postgresql_refuses_a_delete_outside_the_purge(rows):
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("DELETE FROM auditlog_accesslogentry WHERE id = %s", [rows[0].pk])
    assert AccessLogEntry.objects.filter(pk=rows[0].pk).exists()


def test_a_missing_head_is_rebuilt_from_the_last_row(rows, cast):
    AccessLogChain.objects.all().delete()
    row = log_access(cast.ward_nurse, cast.ward)
    assert (row.seq, row.prev_hash) == (5, rows[-1].hash)
    assert chain.verify().ok


@pytest.mark.skipif("connection.vendor != 'postgresql'")
@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_on_postgresql_keep_one_chain(django_db_blocker):
    """Eight threads (eight connections, as several app servers would be) write at once."""
    import threading

    from django.db import connections

    from samplan.testing import build_cast

    cast = build_cast()
    patient = PatientFactory()
    errors = []
    start = threading.Barrier(8)

    def writer():
        try:
            start.wait()
            for _ in range(25):
                log_access(cast.ward_nurse, cast.ward, patient)
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=writer) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert AccessLogEntry.objects.count() == 200
    assert sorted(AccessLogEntry.objects.values_list("seq", flat=True)) == list(range(1, 201))
    assert chain.verify().ok


def test_a_row_made_with_objects_create_is_chained_too(rows, cast):
    made = AccessLogEntry.objects.create(user=cast.ward_nurse, action="view")
    assert (made.seq, made.prev_hash) == (5, rows[-1].hash)
    assert chain.verify().ok


@pytest.mark.parametrize("returning", [True, False])
def test_a_batch_is_chained_with_and_without_returning(cast, monkeypatch, returning):
    """Many rows in one insert (more than SQLite's parameter batch), and the fallback for a
    database without INSERT ... RETURNING, give the same verifiable chain."""
    monkeypatch.setattr(type(connection.features), "can_return_rows_from_bulk_insert", returning)
    log_access(cast.ward_nurse, cast.ward, PatientFactory())
    patients = PatientFactory.create_batch(3)
    entries = [
        AccessLogEntry(user=cast.ward_nurse, unit=cast.ward, patient=patients[i % 3], action="view")
        for i in range(120)
    ]
    chain.append_many(entries)
    assert chain.verify().ok
    head = AccessLogChain.objects.get()
    assert head.seq == AccessLogEntry.objects.count() == entries[-1].seq
    assert head.last_hash == entries[-1].hash
    if returning:
        assert [e.pk for e in entries] == list(
            AccessLogEntry.objects.filter(seq__gt=entries[0].seq - 1)
            .order_by("seq")
            .values_list("pk", flat=True)
        )


def test_rows_written_in_an_appends_at_end_block_are_chained_as_it_ends(rows, cast):
    patient = PatientFactory()
    with transaction.atomic(), chain.appends_at_end():
        log_access(cast.ward_nurse, cast.ward, patient)
        with chain.appends_at_end():  # nested: the outermost block chains
            log_access(cast.home_care_nurse, cast.home_care, patient)
        # Nothing written yet: the head is not locked while the write goes on.
        assert AccessLogEntry.objects.count() == len(rows)
    assert AccessLogEntry.objects.count() == len(rows) + 2
    assert list(AccessLogEntry.objects.order_by("-seq").values_list("seq", flat=True)[:2]) == [
        6,
        5,
    ]
    assert chain.verify().ok


def test_an_appends_at_end_block_that_fails_writes_nothing(rows, cast):
    with pytest.raises(RuntimeError), transaction.atomic(), chain.appends_at_end():
        log_access(cast.ward_nurse, cast.ward, PatientFactory())
        raise RuntimeError("the write failed")
    assert AccessLogEntry.objects.count() == len(rows)
    log_access(cast.ward_nurse, cast.ward, PatientFactory())  # outside a block: at once
    assert AccessLogEntry.objects.count() == len(rows) + 1
    assert chain.verify().ok
