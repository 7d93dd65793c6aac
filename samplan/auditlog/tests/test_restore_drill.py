"""The restore drill of deploy/README.md, run for real: pg_dump of the test database, restore
into a new database, accesslog_verify on the copy, equal row counts, the copy dropped."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import psycopg
import pytest
from django.db import connection

from samplan.auditlog.models import AccessLogEntry
from samplan.auditlog.testing import log_access
from samplan.patients.testing import PatientFactory

pytestmark = pytest.mark.django_db(transaction=True)

ROOT = Path(__file__).resolve().parents[3]


def _url(name: str) -> str:
    db = connection.settings_dict
    return f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{name}"


def test_restore_drill_proves_the_copy_whole(cast):
    if connection.vendor != "postgresql":
        pytest.skip("the drill dumps and restores PostgreSQL; set DATABASE_URL")
    for _ in range(3):
        log_access(cast.ward_nurse, cast.ward, PatientFactory())
    assert AccessLogEntry.objects.count() == 3
    # A fresh name per run, under the name the suite was given (machine rules: a prefix).
    given = urlsplit(os.environ.get("DATABASE_URL", "")).path.lstrip("/") or "samplan"
    target = f"{given}_restore_{os.getpid()}"
    result = subprocess.run(
        [sys.executable, "deploy/restore_drill.py", "--source",
         _url(connection.settings_dict["NAME"]), "--target", target],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )  # fmt: skip
    report = result.stdout + result.stderr
    assert result.returncode == 0, report
    assert "PASS: access log chain intact in the copy" in report
    assert "PASS: same chain head as the source" in report
    assert "PASS: row counts equal in every table" in report
    assert "OK: 3 rows intact" in report
    with psycopg.connect(
        "postgresql://" + _url("postgres").split("://", 1)[1], autocommit=True
    ) as admin:
        left = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [target]).fetchall()
    assert left == []  # dropped afterwards
