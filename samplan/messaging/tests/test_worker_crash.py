"""An alert survives a task worker killed mid-send (kill -9): the task left RUNNING is taken up
again after TASK_TIMEOUT_SECONDS by a restarted worker, which sends the alert exactly once,
under the id the dead worker had given it. Real `manage.py task_worker` processes on
PostgreSQL (the database the production worker runs on)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from samplan.messaging.alerts import alerts_request
from samplan.messaging.models import AlertSettings, AlertState
from samplan.messaging.sms import FileBackend
from samplan.testing import UnitFactory

pytestmark = pytest.mark.django_db(transaction=True)

ROOT = Path(settings.BASE_DIR)
TIMEOUT_SECONDS = 3


class SlowFileBackend(FileBackend):
    """The file backend behind a gateway that takes SMS_SLOW_SECONDS to answer."""

    def send(self, numbers, text, key=""):
        time.sleep(float(os.environ.get("SMS_SLOW_SECONDS", "0")))
        super().send(numbers, text, key)


def _database_url() -> str:
    db = connection.settings_dict
    port = db["PORT"] or "5432"
    return f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{port}/{db['NAME']}"


def _start_worker(sms_file: Path, slow_seconds: float, log: Path) -> subprocess.Popen:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "samplan.settings",
        "DATABASE_URL": _database_url(),
        "TASKS_BACKEND": "django_tasks_db.DatabaseBackend",
        "SMS_BACKEND": f"{__name__}.SlowFileBackend",
        "SMS_FILE_PATH": str(sms_file),
        "SMS_SLOW_SECONDS": str(slow_seconds),
        "TASK_TIMEOUT_SECONDS": str(TIMEOUT_SECONDS),
        "EMAIL_BACKEND": "django.core.mail.backends.dummy.EmailBackend",
    }
    return subprocess.Popen(
        [sys.executable, "manage.py", "task_worker", "--interval", "0.2", "--no-startup-delay"],
        cwd=ROOT,
        env=env,
        stdout=log.open("ab"),
        stderr=subprocess.STDOUT,
    )


def _wait_for(condition, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def test_alert_is_sent_exactly_once_after_the_worker_is_killed_mid_send(tmp_path, settings):
    if connection.vendor != "postgresql":
        pytest.skip("the task worker runs on PostgreSQL in production; set DATABASE_URL")
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    unit = UnitFactory()
    AlertSettings.objects.create(unit=unit, enabled=True, sms_numbers=["+46701234567"])
    assert alerts_request(unit_ids=[unit.pk]) == [unit.pk]
    sms_file = tmp_path / "sms.log"
    log = tmp_path / "worker.log"

    first = _start_worker(sms_file, slow_seconds=120, log=log)
    try:
        state = AlertState.objects.filter(unit=unit, sending_id__isnull=False)
        _wait_for(state.exists, 20, "the first worker to claim the alert")
        claimed_id = str(state.get().sending_id)
        time.sleep(0.3)  # inside the slow send
        first.send_signal(signal.SIGKILL)
        first.wait(10)
    finally:
        if first.poll() is None:
            first.kill()
    assert first.returncode == -signal.SIGKILL
    (task,) = DBTaskResult.objects.all()
    assert task.status == TaskResultStatus.RUNNING  # left behind by the dead worker
    assert not sms_file.exists()
    assert AlertState.objects.get(unit=unit).last_sent_at is None

    second = _start_worker(sms_file, slow_seconds=0, log=log)
    try:
        sent = AlertState.objects.filter(unit=unit, last_sent_at__isnull=False)
        _wait_for(sent.exists, 20, "the restarted worker to send the alert")
        time.sleep(1)  # room for a second, wrong send to show up
    finally:
        second.terminate()
        second.wait(10)
    lines = [json.loads(line) for line in sms_file.read_text().splitlines()]
    assert [(line["to"], line["key"]) for line in lines] == [("+46701234567", claimed_id)]
    state = AlertState.objects.get(unit=unit)
    assert str(state.last_sent_id) == claimed_id and state.sending_id is None
    assert DBTaskResult.objects.filter(status=TaskResultStatus.RUNNING).count() == 0
    assert "Requeued 1 task" in log.read_text()
