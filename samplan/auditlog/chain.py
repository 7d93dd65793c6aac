"""The access log's hash chain: tamper evidence for an append-only table (domain.md §8).

Every row carries `seq` (its place in the chain, 1, 2, 3...), `prev_hash` (the hash of the
row before it) and `hash` = SHA-256 over a canonical serialisation of the row's own fields and
`prev_hash`. Changing any field of a stored row breaks its hash; deleting a row leaves a gap
in `seq` and a `prev_hash` that points at nothing; deleting the newest rows leaves the chain
head (AccessLogChain) pointing past the end. `verify()` walks the chain and reports the
first row where any of this shows.

Writers take their place one at a time: `append()` locks the single chain-head row, reads
the head's hash, inserts the row and moves the head, all in one transaction. On PostgreSQL
that is one statement (FOR UPDATE, so several app servers queue on it), in which the
database puts the hashes together from text Python made (see "PostgreSQL: the database
chains the rows" below); on SQLite, which serialises writers anyway (the project opens its
transactions IMMEDIATE), Python does it under the write lock. The lock is held to the end of
the caller's transaction, so code that logs inside a longer transaction should log last, or
chain its rows at the end with `appends_at_end()`.

The retention purge (`purge()`) removes the oldest rows and records, in the head, the seq and
hash of the last row it removed (the anchor): the oldest row kept must point at it, so the
chain stays verifiable. The purge also writes a chained row of its own that names the anchor,
so changing the anchor afterwards shows up as well.

What this does not do: someone with full write access to the database can rewrite the whole
chain from any point with fresh hashes. The head hash printed by `accesslog_verify` is
therefore meant to be kept outside the database as well (the operations log, a ticket), so
a rewritten chain no longer matches a hash recorded earlier.
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime
import functools
import hashlib
import json
import operator
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db import DatabaseError, connection, models, transaction
from django.utils import timezone

from samplan.auditlog.models import GENESIS_HASH, AccessLogChain, AccessLogEntry

if TYPE_CHECKING:
    from samplan.auditlog.flags import ManyPatientsCheck

# Bump when the serialisation changes; it is part of what is hashed.
HASH_VERSION = 1

# The fields a row's hash covers, in this order (with HASH_VERSION first, prev_hash last).
HASHED_FIELDS = (
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
)

# Fields added after HASH_VERSION 1 rows existed: hashed (after prev_hash) only when set, so
# every row written before they existed keeps its hash and the chain stays one piece.
OPTIONAL_HASHED_FIELDS = ("integration_client",)

PURGE_ACTION = "purge"
HEAD_PK = 1

# A row given as its column values: AccessLogEntry's field attnames (user_id, not user) to
# values, as the model instance would hold them. What list pages log: a dict is a fraction
# of the cost of a model instance, and the chain hashes and inserts the same values.
Row = dict[str, object]

# Rows waiting inside an `appends_at_end()` block (None outside one).
_pending: contextvars.ContextVar[list[AccessLogEntry | Row] | None] = contextvars.ContextVar(
    "samplan_access_log_pending", default=None
)

# The last datetime made canonical and its text: a batch's rows share one `at` object, so it
# is formatted once, not once per row. Keyed by identity (the tuple keeps the object alive,
# so its id cannot be reused); one tuple, replaced whole, so threads see a consistent pair.
_last_time: tuple[object, str] = (None, "")


def _canonical_value(value: object) -> object:
    """A value JSON has no form for, in its canonical form (the encoder asks for it)."""
    global _last_time
    if isinstance(value, datetime.datetime):
        cached = _last_time
        if cached[0] is value:
            return cached[1]
        # UTC, to the microsecond: what both databases store and give back.
        text = value.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        _last_time = (value, text)
        return text
    raise TypeError(f"{type(value).__name__} has no canonical form in the access log's hash")


# The canonical serialisation: compact JSON, UTF-8 as it is, times through _canonical_value
# (json.dumps(..., ensure_ascii=False, separators=(",", ":")) with the times converted first
# gives the same text; one encoder for every row saves making one per row).
_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), default=_canonical_value)
_HASHED_VALUES = operator.itemgetter(*HASHED_FIELDS)


def row_hash(values: dict[str, object]) -> str:
    """SHA-256 (hex) over the canonical JSON of HASHED_FIELDS taken from `values`.

    The one implementation of a row's hash: writing (model instances and Rows alike, see
    append_many) and verifying both come here.
    """
    payload = [HASH_VERSION, *_HASHED_VALUES(values)]
    payload.extend([name, values[name]] for name in OPTIONAL_HASHED_FIELDS if values.get(name))
    return hashlib.sha256(_ENCODER.encode(payload).encode("utf-8")).hexdigest()


def entry_hash(entry: AccessLogEntry) -> str:
    names = (*HASHED_FIELDS, *OPTIONAL_HASHED_FIELDS)
    return row_hash({name: getattr(entry, name) for name in names})


def _locked_head() -> AccessLogChain:
    """The chain head, locked for this transaction; created on first use.

    A head that is missing while rows exist (a flushed test database, a restored dump
    without it) is rebuilt from the newest row, so writing goes on; `verify` still checks
    every row against its predecessor.
    """
    head = AccessLogChain.objects.select_for_update().filter(pk=HEAD_PK).first()
    if head is not None:
        return head
    last = AccessLogEntry.objects.order_by("-seq").values("seq", "hash").first()
    first = AccessLogEntry.objects.order_by("seq").values("seq", "prev_hash").first()
    AccessLogChain.objects.bulk_create(
        [
            AccessLogChain(
                pk=HEAD_PK,
                seq=last["seq"] if last else 0,
                last_hash=last["hash"] if last else GENESIS_HASH,
                anchor_seq=first["seq"] - 1 if first else 0,
                anchor_hash=first["prev_hash"] if first else GENESIS_HASH,
            )
        ],
        ignore_conflicts=True,  # another writer created it first: use theirs
    )
    return AccessLogChain.objects.select_for_update().get(pk=HEAD_PK)


def append(
    entry: AccessLogEntry, *, many_patients: ManyPatientsCheck | None = None
) -> AccessLogEntry:
    """Give `entry` (unsaved) its place in the chain and insert it; returns it saved.

    `at` is set here, as the row is written. `many_patients`: the question whose answer is
    the row's "many patients" flag, when the entry leaves it None (append_many).
    """
    return append_many([entry], many_patients=many_patients)[0]


def append_many(
    entries: list[AccessLogEntry | Row], *, many_patients: ManyPatientsCheck | None = None
) -> list[AccessLogEntry | Row]:
    """Chain several unsaved entries (a list page's rows, or one) under one lock and insert
    them in one statement: the same chain as one by one, without a round trip per row.

    An entry is a model instance or a Row (every column's value but seq, at, prev_hash and
    hash, which are set here); both are chained and stored alike, in the order given. A
    model instance comes back saved (its chain fields and pk set), a Row with its chain
    fields set. An entry whose many_patients is None takes the answer to `many_patients`.

    Every read of patient data comes through here. On PostgreSQL the database chains the
    rows itself, in one statement (_append_in_database) that also answers `many_patients`:
    no transaction of its own, no separate lock, one round trip. On SQLite, whose
    transactions already hold the write lock, Python chains them under it.
    """
    if not entries:
        return entries
    pending = _pending.get()
    if many_patients is not None and (pending is not None or connection.vendor != "postgresql"):
        _answer_many_patients(entries, many_patients.answer())
        many_patients = None
    if pending is not None:
        pending.extend(entries)  # chained when the appends_at_end() block ends
        return entries
    # Every entry as a Row: a model instance's values are read once, here.
    rows = [
        {name: getattr(entry, name) for name in _COLUMNS}
        if isinstance(entry, AccessLogEntry)
        else entry
        for entry in entries
    ]
    if connection.vendor == "postgresql":
        ids = _append_in_database(rows, many_patients)
    else:
        ids = _append_in_python(rows)
    for entry, row, pk in zip(entries, rows, ids, strict=True):
        if entry is not row:
            entry.seq, entry.at, entry.prev_hash, entry.hash, entry.many_patients = _CHAIN_FIELDS(
                row
            )
            entry.pk = pk
            entry._state.adding = False
            entry._state.db = connection.alias
    return entries


def _answer_many_patients(entries: list[AccessLogEntry | Row], flag: bool) -> None:
    for entry in entries:
        if isinstance(entry, AccessLogEntry):
            if entry.many_patients is None:
                entry.many_patients = flag
        elif entry["many_patients"] is None:
            entry["many_patients"] = flag


def _append_in_python(rows: list[Row]) -> list[int | None]:
    """Chain `rows` here under the head's lock and insert them; their pks in order."""
    # No savepoint inside a caller's transaction: if the insert fails, that transaction is
    # lost anyway, and two statements fewer on every read of patient data count.
    with transaction.atomic(savepoint=False):
        seq, previous = _head_for_update()
        now = timezone.now()
        for row in rows:
            seq += 1
            row["seq"], row["at"], row["prev_hash"] = seq, now, previous
            row["hash"] = previous = row_hash(row)
        return _insert(rows, seq, previous)


@contextlib.contextmanager
def appends_at_end() -> Iterator[None]:
    """Chain the rows written inside the block when it ends, in one batch.

    The head's lock is held from a row's insert to the end of the transaction, and every
    writer of the log queues on it. A write through the API reads the case first (and logs
    that), then works for tens of milliseconds: with the row chained at once, concurrent
    writers from every unit took turns on the lock for their whole transactions (sending
    under 20 clients was serialised, its p50 over a second). Inside this block the rows wait
    in memory and are chained as it ends, so the lock is held only from there to the commit.

    Put it directly inside the write's `transaction.atomic()`: when the block raises, its rows
    are dropped, as the transaction's rollback would have dropped them. Nested blocks chain
    with the outermost.
    """
    if _pending.get() is not None:
        yield
        return
    token = _pending.set([])
    try:
        yield
        rows = _pending.get() or []
    finally:
        _pending.reset(token)
    append_many(rows)


def _head_for_update() -> tuple[int, str]:
    """The head's (seq, last_hash), locked for this transaction, for chaining in Python
    (SQLite's IMMEDIATE transactions already hold the write lock; FOR UPDATE where a
    database has it; PostgreSQL chains in the database, _chain_in_database)."""
    table = connection.ops.quote_name(AccessLogChain._meta.db_table)
    lock = " FOR UPDATE" if connection.features.has_select_for_update else ""
    with connection.cursor() as cursor:
        sql = f"SELECT seq, last_hash FROM {table} WHERE id = %s{lock}"  # noqa: S608 (names from the model)
        cursor.execute(sql, [HEAD_PK])
        row = cursor.fetchone()
    if row is None:
        head = _locked_head()
        return head.seq, head.last_hash
    return row[0], row[1]


# The columns an insert writes: every concrete field but the id, which the database gives.
_INSERT_FIELDS = tuple(f for f in AccessLogEntry._meta.concrete_fields if not f.primary_key)
# Fields whose Python values the database driver takes as they are (the row's code sets
# them to str, int, bool or None); the others (time, address) go through the field's own
# conversion for the database. A list page logs twenty rows: this is most of its cost.
_PLAIN_FIELD_TYPES = (
    models.CharField,
    models.BooleanField,
    models.IntegerField,
    models.ForeignKey,
)
_NEEDS_PREP = tuple(not isinstance(f, _PLAIN_FIELD_TYPES) for f in _INSERT_FIELDS)
# A Row's keys, in the insert's column order.
_COLUMNS = tuple(f.attname for f in _INSERT_FIELDS)
_CHAIN_FIELDS = operator.itemgetter("seq", "at", "prev_hash", "hash", "many_patients")


@functools.cache
def _column_types() -> tuple[str, ...]:
    """Each insert column's type for a cast, without its length (varchar, not varchar(40))."""
    return tuple(field.db_type(connection).split("(")[0] for field in _INSERT_FIELDS)


def _sqlite_batch() -> int:
    try:
        import sqlite3

        limit = connection.connection.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
    except (AttributeError, TypeError):
        limit = 999
    return max(1, min(limit, 32766) // len(_INSERT_FIELDS))


@functools.cache
def _statement_parts() -> tuple[str, str, str, str, str]:
    """The insert's table, columns, pk column and one row's placeholders, and the statement
    that moves the head: the same for every insert, so made once."""
    qn = connection.ops.quote_name
    table = qn(AccessLogEntry._meta.db_table)
    head = qn(AccessLogChain._meta.db_table)
    columns = ", ".join(qn(f.column) for f in _INSERT_FIELDS)
    pk = qn(AccessLogEntry._meta.pk.column)
    row = "(" + ", ".join(["%s"] * len(_INSERT_FIELDS)) + ")"
    # Table and column names come from the model; every value is a parameter.
    move_head = f"UPDATE {head} SET seq = %s, last_hash = %s WHERE id = %s"  # noqa: S608
    return table, columns, pk, row, move_head


_ROW_VALUES = operator.itemgetter(*_COLUMNS)
_UNSET = object()


def _column_params(chunk: list[Row]) -> list[list[object]]:
    """The chunk's values for the database, column by column (in _INSERT_FIELDS order)."""
    columns = [list(column) for column in zip(*map(_ROW_VALUES, chunk), strict=True)]
    for index, (field, prep) in enumerate(zip(_INSERT_FIELDS, _NEEDS_PREP, strict=True)):
        if not prep:
            continue
        # The rows of a batch share their time and address (one object): each object goes
        # through the field's conversion once.
        last, prepared = _UNSET, None
        values = columns[index]
        for row_index, value in enumerate(values):
            if value is not last:
                last, prepared = value, field.get_db_prep_save(value, connection)
            values[row_index] = prepared
    return columns


def _insert(rows: list[Row], head_seq: int, head_hash: str) -> list[int | None]:
    """Insert `rows` (chained) and move the head to (head_seq, head_hash); returns each row's
    pk from the database, in order. SQLite's way; PostgreSQL chains in the database."""
    if not connection.features.can_return_rows_from_bulk_insert:
        # SQLite before 3.35 has no RETURNING: the ORM's insert, then the head.
        entries = [AccessLogEntry(**row) for row in rows]
        models.QuerySet.bulk_create(AccessLogEntry.objects.all(), entries)
        AccessLogChain.objects.filter(pk=HEAD_PK).update(seq=head_seq, last_hash=head_hash)
        return [entry.pk for entry in entries]
    table, columns, pk, row, move_head = _statement_parts()
    # SQLite's limit on parameters in a statement is 999 in older builds and 32766 since 3.32:
    # ask the connection, so a list page's rows still go in one statement.
    batch = _sqlite_batch()
    ids: list[int | None] = []
    with connection.cursor() as cursor:
        for start in range(0, len(rows), batch):
            chunk = rows[start : start + batch]
            column_values = _column_params(chunk)
            params = [value for values in zip(*column_values, strict=True) for value in values]
            # Table and column names come from the model; every value is a parameter.
            values_sql = "VALUES " + ", ".join([row] * len(chunk))
            cursor.execute(f"INSERT INTO {table} ({columns}) {values_sql} RETURNING {pk}", params)
            ids.extend(row_id for (row_id,) in cursor.fetchall())
        cursor.execute(move_head, [head_seq, head_hash, HEAD_PK])
    return ids


# --- PostgreSQL: the database chains the rows ------------------------------------------------
#
# A row's hash is SHA-256 over the text "[1,<seq>,<body>,<many>,"<prev_hash>"<tail>]", where
# <body> is the canonical JSON of the row's fields from `at` to `outside_hours` (without the
# outer brackets), <many> its "many patients" flag (true or false) and <tail> its optional
# fields: exactly the canonical form row_hash() hashes. Python makes <body> and <tail>, which
# it knows before the row has a place in the chain; the statement locks the head, answers the
# flag where Python left it open, numbers the rows, puts each hash into the next row's text,
# inserts the rows and moves the head. seq is an integer, the flag a JSON literal and
# prev_hash hex, so the text the database puts together is the text Python would
# (test_chain_rows holds the two equal, and verify() checks every row in Python). One
# autocommit statement is one transaction: the page's BEGIN, the head's SELECT ... FOR UPDATE
# and the COMMIT, three round trips on every read of patient data, are gone, and the head's
# lock is held for that statement only.

# The columns the statement fills in: the chain's, and the "many patients" flag, which it
# may answer itself; `at`, the same for every row of a batch, is one parameter; every other
# one is the row's content, sent with the row.
_CHAINED = ("seq", "prev_hash", "hash", "many_patients")
_CONTENT = tuple(i for i, f in enumerate(_INSERT_FIELDS) if f.attname not in (*_CHAINED, "at"))
_CONTENT_VALUES = operator.itemgetter(*(_COLUMNS[i] for i in _CONTENT))
# The hashed fields Python serialises: from `at` to the one before many_patients, in
# HASHED_FIELDS order (many_patients and prev_hash follow, put in by the statement).
assert HASHED_FIELDS[-2:] == ("many_patients", "prev_hash")
_BODY_VALUES = operator.itemgetter(*HASHED_FIELDS[1:-2])
# Rows per statement: the statement walks its rows once per row (a recursive CTE), so a
# very large batch goes in slices, inside one transaction.
_DATABASE_BATCH = 1000


def _hash_text_parts(row: Row) -> tuple[str, str]:
    """The row's canonical hash text around seq, many_patients and prev_hash: (<body>,
    <tail>), so that the text is "[1,<seq>,<body>,<many_patients>,"<prev_hash>"<tail>]"."""
    body = _ENCODER.encode(list(_BODY_VALUES(row)))[1:-1]
    tail = "".join(
        "," + _ENCODER.encode([name, row[name]]) for name in OPTIONAL_HASHED_FIELDS if row.get(name)
    )
    return body, tail


@functools.cache
def _chain_statement(checked: bool) -> str:
    """The statement that chains and inserts a batch.

    The rows come as one JSON array (one parameter, encoded in C, where an array per column
    cost the driver a conversion per value): per row, its <body>, <tail>, "many patients"
    flag (null: the check's answer) and content columns. Read as jsonb, parsed once: as json,
    each of the twenty `->>` parsed the row's text again (0.8 against 0.4 ms for one row
    under EXPLAIN ANALYZE).

    `checked`: rows without a flag take the answer of the check (ManyPatientsCheck), asked
    under the head's lock. Parameters: the head's id; the rows; the check's limit, user,
    since, limit + 1 and patient (when checked); the head's id; the time.
    """
    qn = connection.ops.quote_name
    table, columns, pk, _row, _move = _statement_parts()
    head = qn(AccessLogChain._meta.db_table)
    entry_at, entry_user, entry_patient = (
        qn(AccessLogEntry._meta.get_field(name).column) for name in ("at", "user", "patient")
    )
    types = _column_types()
    fields = "".join(f", (e->>{k})::{types[i]} AS c{i}" for k, i in enumerate(_CONTENT, start=3))
    chained = {"seq": "c.seq", "prev_hash": "c.prev", "hash": "c.hash", "many_patients": "c.many"}
    select = ", ".join(
        chained.get(field.attname) or ("(%s)::timestamptz" if field.attname == "at" else f"i.c{i}")
        for i, field in enumerate(_INSERT_FIELDS)
    )
    flag = "i.many"
    check = ""
    if checked:
        # As ManyPatientsCheck.answer(): up to limit + 1 different persons in the user's rows
        # since then, and the person of this row; more than limit is "many".
        check = (
            " checked AS (SELECT count(*) > %s AS many FROM ("  # noqa: S608 (model names)
            f"(SELECT DISTINCT {entry_patient} FROM {table} WHERE {entry_user} = %s"
            f" AND {entry_at} >= %s AND {entry_patient} IS NOT NULL LIMIT %s)"
            " UNION SELECT (%s)::bigint) AS seen),"
        )
        flag = "COALESCE(i.many, (SELECT many FROM checked))"
    # Names and types come from the model; every value is a parameter.
    return (
        "WITH RECURSIVE"  # noqa: S608
        f" head AS (SELECT seq, last_hash FROM {head} WHERE id = %s FOR UPDATE),"
        " input AS (SELECT n, e->>0 AS body, e->>1 AS tail, (e->>2)::boolean AS many"
        f"{fields} FROM jsonb_array_elements((%s)::jsonb) WITH ORDINALITY AS u(e, n)),"
        f"{check}"
        " chained (n, seq, many, prev, hash) AS ("
        " SELECT 0::bigint, seq, false, last_hash::text, last_hash::text FROM head"
        " UNION ALL"
        f" SELECT i.n, c.seq + 1, {flag}, c.hash, encode(sha256(convert_to("
        f"'[{HASH_VERSION},' || (c.seq + 1) || ',' || i.body || ','"
        f" || CASE WHEN {flag} THEN 'true' ELSE 'false' END"
        " || ',\"' || c.hash || '\"' || i.tail || ']', 'UTF8')), 'hex')"
        " FROM chained c JOIN input i ON i.n = c.n + 1),"
        f" moved AS (UPDATE {head} SET seq = last.seq, last_hash = last.hash"
        " FROM (SELECT seq, hash FROM chained ORDER BY n DESC LIMIT 1) AS last"
        f" WHERE {head}.id = %s)"
        f" INSERT INTO {table} ({columns}) SELECT {select}"
        " FROM input i JOIN chained c ON c.n = i.n ORDER BY i.n"
        f" RETURNING {pk}, seq, prev_hash, hash, many_patients"
    )


# The rows' JSON: plain JSON (ints, booleans, null and strings as they are).
_ROWS_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))


def _append_in_database(
    rows: list[Row], many_patients: ManyPatientsCheck | None
) -> list[int | None]:
    """Chain and insert `rows` in the database (PostgreSQL); their pks in order."""
    now = timezone.now()
    for row in rows:
        row["at"] = now
    if len(rows) <= _DATABASE_BATCH:
        return _chain_in_database(rows, many_patients)
    # Slices of one batch stand or fall together.
    with transaction.atomic(savepoint=False):
        return [
            pk
            for start in range(0, len(rows), _DATABASE_BATCH)
            for pk in _chain_in_database(rows[start : start + _DATABASE_BATCH], many_patients)
        ]


def _chain_in_database(
    rows: list[Row], many_patients: ManyPatientsCheck | None
) -> list[int | None]:
    checked = many_patients is not None and any(row["many_patients"] is None for row in rows)
    sent = _ROWS_ENCODER.encode(
        [[*_hash_text_parts(row), row["many_patients"], *_CONTENT_VALUES(row)] for row in rows]
    )
    params: list[object] = [HEAD_PK, sent]
    if checked:
        check = many_patients
        params.extend([check.limit, check.user_id, check.since, check.limit + 1, check.patient_id])
    params.extend([HEAD_PK, rows[0]["at"]])
    statement = _chain_statement(checked)
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        stored = cursor.fetchall()
        if not stored:
            # No head row (a flushed or restored database): make it from the newest row,
            # then chain as usual.
            with transaction.atomic(savepoint=False):
                _locked_head()
                cursor.execute(statement, params)
                stored = cursor.fetchall()
    if len(stored) != len(rows):
        raise DatabaseError(f"the access log stored {len(stored)} of {len(rows)} rows")
    stored.sort(key=operator.itemgetter(1))
    for row, (_pk, *chain_values) in zip(rows, stored, strict=True):
        row["seq"], row["prev_hash"], row["hash"], row["many_patients"] = chain_values
    return [pk for pk, *_ in stored]


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    rows: int
    head_seq: int
    head_hash: str
    anchor_seq: int
    broken_id: int | None = None
    broken_seq: int | None = None
    reason: str = ""


def _rows_in_order(chunk_size: int = 5000) -> Iterator[dict[str, object]]:
    fields = ("id", *HASHED_FIELDS, *OPTIONAL_HASHED_FIELDS, "hash")
    # The base QuerySet's iterator; rows come in seq order, a chunk at a time.
    yield from AccessLogEntry.objects.order_by("seq").values(*fields).iterator(chunk_size)


def verify() -> VerifyResult:
    """Walk the chain from the anchor to the head; stop at the first row that does not fit."""
    head = AccessLogChain.objects.filter(pk=HEAD_PK).first()
    anchor_seq = head.anchor_seq if head else 0
    anchor_hash = head.anchor_hash if head else GENESIS_HASH
    expected_seq, expected_prev = anchor_seq + 1, anchor_hash
    count = 0
    last_purge: dict[str, object] | None = None

    def broken(row: dict[str, object] | None, reason: str) -> VerifyResult:
        return VerifyResult(
            ok=False,
            rows=count,
            head_seq=head.seq if head else 0,
            head_hash=head.last_hash if head else GENESIS_HASH,
            anchor_seq=anchor_seq,
            broken_id=row["id"] if row else None,
            broken_seq=row["seq"] if row else None,
            reason=reason,
        )

    for row in _rows_in_order():
        if row["seq"] != expected_seq:
            if row["seq"] < expected_seq:
                return broken(row, f"seq {row['seq']} repeats or goes backwards")
            return broken(row, f"rows {expected_seq}–{row['seq'] - 1} are missing before this row")
        if row["prev_hash"] != expected_prev:
            return broken(row, "prev_hash does not match the hash of the row before it")
        if row_hash(row) != row["hash"]:
            return broken(row, "the row's content does not match its hash (changed afterwards)")
        if row["action"] == PURGE_ACTION:
            last_purge = row
        expected_seq, expected_prev = row["seq"] + 1, row["hash"]
        count += 1

    if head is None:
        if count:
            return broken(None, "the chain head is missing")
        return VerifyResult(True, 0, 0, GENESIS_HASH, 0)
    if head.seq != expected_seq - 1 or head.last_hash != expected_prev:
        return broken(
            None,
            f"the chain head names row {head.seq} but the last row is {expected_seq - 1}: "
            "rows at the end are missing or the head was changed",
        )
    if anchor_seq and (
        last_purge is None
        or last_purge["object_id"] != str(anchor_seq)
        or anchor_hash not in str(last_purge["detail"])
    ):
        return broken(last_purge, "the purge anchor does not match the last purge's own row")
    return VerifyResult(True, count, head.seq, head.last_hash, anchor_seq)


@dataclass(frozen=True)
class PurgePlan:
    before: datetime.datetime
    through_seq: int  # the newest row to remove (0: nothing)
    rows: int
    per_organization: dict[int | None, int]


def purge_plan(before: datetime.datetime) -> PurgePlan:
    """What a purge of rows older than `before` would remove: the chain's oldest rows up to,
    not including, the first row at or after `before` (so the chain stays one piece)."""
    first_kept = (
        AccessLogEntry.objects.filter(at__gte=before).order_by("seq").values_list("seq", flat=True)
    ).first()
    if first_kept is None:
        last = AccessLogEntry.objects.order_by("-seq").values_list("seq", flat=True).first()
        # Everything is older; the newest row stays anyway, it carries the chain forward.
        through = (last or 1) - 1
    else:
        through = first_kept - 1
    counts: dict[int | None, int] = {}
    if through > 0:
        rows = (
            AccessLogEntry.objects.filter(seq__lte=through)
            .values("organization_id")
            .annotate(n=models.Count("id"))
            .order_by()
        )
        counts = {row["organization_id"]: row["n"] for row in rows}
    return PurgePlan(
        before=before,
        through_seq=max(through, 0),
        rows=sum(counts.values()),
        per_organization=counts,
    )


class PurgeRefused(Exception):
    """The purge would hide evidence (a broken chain) or there is nothing to do."""


def purge(plan: PurgePlan) -> tuple[int, int, str]:
    """Remove the rows of `plan`; returns (rows removed, anchor seq, anchor hash).

    Runs in the caller's transaction (the command wraps it with its own log row and
    history). Review links to removed rows go with them; the reviews themselves stay.
    """
    from samplan.auditlog.models import LogReviewEntry

    if plan.through_seq <= 0:
        raise PurgeRefused("nothing to purge")
    head = _locked_head()
    anchor = AccessLogEntry.objects.filter(seq=plan.through_seq).values_list("seq", "hash").first()
    if anchor is None:
        raise PurgeRefused(f"row {plan.through_seq} is not in the log")
    doomed = AccessLogEntry.objects.filter(seq__lte=plan.through_seq)
    LogReviewEntry.objects.filter(entry__seq__lte=plan.through_seq).delete()
    if connection.vendor == "postgresql":
        # The database refuses deletes unless this transaction says it is the purge
        # (migration 0006's trigger): a stray DELETE elsewhere fails loudly.
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL samplan.accesslog_purge = 'on'")
    removed = models.QuerySet.delete(doomed)[0]
    AccessLogChain.objects.filter(pk=head.pk).update(anchor_seq=anchor[0], anchor_hash=anchor[1])
    return removed, anchor[0], anchor[1]
