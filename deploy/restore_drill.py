"""Restore drill: dump the PostgreSQL database, restore it into a new database, and prove the
copy whole (deploy/README.md, "Backups and the restore drill").

    .venv/bin/python deploy/restore_drill.py --source postgres://samplan@db/samplan \
        [--target samplan_restore_20261203] [--keep]

1. Opens a REPEATABLE READ transaction on the source and exports its snapshot, so the dump and
   the row counts see the same moment even while the application writes.
2. `pg_dump --format=custom --snapshot=...` of that moment.
3. Creates the target database and `pg_restore --no-owner --exit-on-error` into it.
4. `manage.py accesslog_verify` against the restored copy: the access log's hash chain must be
   intact there, and its head hash must equal the source's at the dump.
5. Counts the rows of every table in the copy and compares them with the source's counts in
   the snapshot: every table must have the same number.
6. Drops the target again unless --keep. Exits 0 only if every check held; prints a report.

pg_dump, pg_restore and psql come from PostgreSQL's client package, the same major version
as the server or newer.
"""

from __future__ import annotations

import argparse
import os
import secrets
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
from psycopg import sql

ROOT = Path(__file__).resolve().parents[1]


def _with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}"))


def _libpq(url: str) -> str:
    """psycopg and the client tools take postgresql://; samplan's DATABASE_URL may say postgres://."""
    return "postgresql://" + url.split("://", 1)[1]


def _tables(cursor: psycopg.Cursor) -> list[str]:
    cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename")
    return [row[0] for row in cursor.fetchall()]


def _counts(cursor: psycopg.Cursor) -> dict[str, int]:
    counts = {}
    for table in _tables(cursor):
        cursor.execute(sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(table)))
        counts[table] = cursor.fetchone()[0]
    return counts


def _verify(url: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, DATABASE_URL=url, DJANGO_SETTINGS_MODULE="samplan.settings")
    env.setdefault("DEBUG", "false")
    return subprocess.run(
        [sys.executable, "manage.py", "accesslog_verify"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


def drill(source: str, target: str, *, keep: bool) -> tuple[bool, list[str]]:
    lines: list[str] = []
    checks: dict[str, bool] = {}
    started = time.monotonic()
    target_url = _with_database(source, target)
    with tempfile.TemporaryDirectory(prefix="samplan-drill-") as folder:
        dump = Path(folder) / "samplan.dump"
        with psycopg.connect(_libpq(source)) as snapshot_connection:
            snapshot_connection.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
            with snapshot_connection.cursor() as cursor:
                cursor.execute("SELECT pg_export_snapshot()")
                snapshot = cursor.fetchone()[0]
                subprocess.run(
                    ["pg_dump", "--format=custom", f"--snapshot={snapshot}",
                     f"--file={dump}", _libpq(source)],
                    check=True,
                )  # fmt: skip
                source_counts = _counts(cursor)
        lines.append(
            f"dumped {dump.stat().st_size / 1e6:.1f} MB in {time.monotonic() - started:.1f} s"
        )
        source_verify = _verify(source)
        with psycopg.connect(_libpq(source), autocommit=True) as admin:
            admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(target)))
        try:
            restore_started = time.monotonic()
            subprocess.run(
                ["pg_restore", "--no-owner", "--exit-on-error", f"--dbname={_libpq(target_url)}",
                 str(dump)],
                check=True,
            )  # fmt: skip
            lines.append(f"restored into {target} in {time.monotonic() - restore_started:.1f} s")
            restored_verify = _verify(target_url)
            lines.append(f"accesslog_verify on the copy: {restored_verify.stdout.strip()}")
            checks["access log chain intact in the copy"] = restored_verify.returncode == 0
            head = restored_verify.stdout.split("head hash ")[-1].split(",")[0]
            checks["same chain head as the source"] = (
                restored_verify.returncode == 0 and head in source_verify.stdout
            )
            with psycopg.connect(_libpq(target_url)) as copy, copy.cursor() as cursor:
                restored_counts = _counts(cursor)
            differing = {
                table: (source_counts.get(table), restored_counts.get(table))
                for table in sorted(set(source_counts) | set(restored_counts))
                if source_counts.get(table) != restored_counts.get(table)
            }
            total = sum(restored_counts.values())
            lines.append(
                f"row counts: {len(restored_counts)} tables, {total} rows, "
                f"{len(differing)} differing {differing if differing else ''}".rstrip()
            )
            checks["row counts equal in every table"] = not differing and bool(source_counts)
        finally:
            if not keep:
                with psycopg.connect(_libpq(source), autocommit=True) as admin:
                    admin.execute(
                        sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
                            sql.Identifier(target)
                        )
                    )
                lines.append(f"dropped {target}")
    for name, ok in checks.items():
        lines.append(f"{'PASS' if ok else 'FAIL'}: {name}")
    lines.append(f"drill took {time.monotonic() - started:.1f} s")
    return all(checks.values()) and bool(checks), lines


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--source", default=os.environ.get("DATABASE_URL", ""))
    parser.add_argument("--target", help="new database name (default: <source>_restore_<hex>)")
    parser.add_argument("--keep", action="store_true", help="keep the restored copy")
    args = parser.parse_args()
    if not args.source.startswith(("postgres://", "postgresql://")):
        raise SystemExit("--source (or DATABASE_URL) must be a PostgreSQL URL")
    name = urlsplit(args.source).path.lstrip("/")
    target = args.target or f"{name}_restore_{secrets.token_hex(3)}"
    ok, lines = drill(args.source, target, keep=args.keep)
    print("\n".join(lines))
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
