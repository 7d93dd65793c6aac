"""Retention purge: only through the command, only old rows, logged, and the chain still
verifies afterwards."""

import datetime

import pytest
import time_machine
from django.core.management import call_command
from django.core.management.base import CommandError

from samplan.auditlog import chain
from samplan.auditlog.models import (
    AccessLogChain,
    AccessLogEntry,
    AdminChange,
    LogReview,
    LogReviewEntry,
)
from samplan.auditlog.testing import log_access, tampering
from samplan.core.localtime import STOCKHOLM
from samplan.patients.testing import PatientFactory

OLD = datetime.datetime(2019, 3, 1, 10, tzinfo=STOCKHOLM)
NEWER = datetime.datetime(2021, 6, 1, 10, tzinfo=STOCKHOLM)
NOW = datetime.datetime(2026, 5, 4, 10, tzinfo=STOCKHOLM)


@pytest.fixture
def history(cast):
    """Three rows in 2019 (two organisations), two in 2021, one now."""
    patient = PatientFactory()
    rows = []
    with time_machine.travel(OLD, tick=False):
        rows.append(log_access(cast.ward_nurse, cast.ward, patient))
        rows.append(log_access(cast.home_care_nurse, cast.home_care, patient))
        rows.append(log_access(cast.ward_nurse, cast.ward, patient))
    with time_machine.travel(NEWER, tick=False):
        rows.append(log_access(cast.ward_nurse, cast.ward, patient))
        rows.append(log_access(cast.outsider, cast.outsider_unit, patient))
    with time_machine.travel(NOW, tick=False):
        rows.append(log_access(cast.ward_nurse, cast.ward, patient))
    return rows


def purge(*args):
    with time_machine.travel(NOW, tick=False):
        call_command("accesslog_purge", "--user", "root", *args)


def test_default_retention_removes_rows_older_than_five_years(cast, history):
    purge()
    kept = list(AccessLogEntry.objects.order_by("seq").values_list("seq", flat=True))
    # 2019 rows gone; the 2021 rows, today's row and the purge's own row stay.
    assert kept == [4, 5, 6, 7]
    assert chain.verify().ok
    head = AccessLogChain.objects.get()
    assert (head.anchor_seq, head.anchor_hash) == (3, history[2].hash)


def test_the_purge_is_logged_in_the_chain_and_each_organisations_history(cast, history):
    purge()
    own = AccessLogEntry.objects.get(action="purge")
    assert own.user == cast.superuser and own.object_id == "3"
    assert history[2].hash in own.detail and "3 rows" in own.detail
    changes = {c.organization_id: c.changes for c in AdminChange.objects.filter(action="purge")}
    assert changes == {
        cast.region.pk: {"purged_rows": [2, 0]},
        cast.municipality.pk: {"purged_rows": [1, 0]},
    }


def test_a_later_date_than_the_retention_allows_is_refused(cast, history):
    with pytest.raises(CommandError, match="within the retention period"):
        purge("--before", "2022-01-01")
    assert AccessLogEntry.objects.count() == 6


def test_an_earlier_date_is_allowed(cast, history):
    purge("--before", "2019-03-02")
    assert AccessLogEntry.objects.filter(at__lt=NEWER).count() == 0
    purge("--before", "2019-01-01")  # nothing left to do; says so
    assert chain.verify().ok


def test_dry_run_removes_nothing(cast, history, capsys):
    purge("--dry-run")
    assert "Would remove 3 rows" in capsys.readouterr().out
    assert AccessLogEntry.objects.count() == 6


def test_only_a_superuser_may_run_it(cast, history):
    with pytest.raises(CommandError, match="superuser"):
        call_command("accesslog_purge", "--user", cast.municipal_system_admin.username)
    assert AccessLogEntry.objects.count() == 6


def test_a_broken_chain_is_never_purged(cast, history):
    with tampering() as cursor:
        cursor.execute("UPDATE auditlog_accesslogentry SET detail = 'x' WHERE seq = 2")
    with pytest.raises(CommandError, match="broken"):
        purge()
    assert AccessLogEntry.objects.count() == 6


def test_changing_the_anchor_afterwards_is_caught(cast, history):
    purge()
    AccessLogChain.objects.update(anchor_seq=2)
    assert not chain.verify().ok
    AccessLogChain.objects.update(anchor_seq=3, anchor_hash="f" * 64)
    assert not chain.verify().ok


def test_removing_more_rows_after_a_purge_is_caught(cast, history):
    purge()
    with tampering() as cursor:
        cursor.execute("DELETE FROM auditlog_accesslogentry WHERE seq = 4")
    result = chain.verify()
    assert not result.ok and result.broken_seq == 5


def test_reviews_keep_their_result_but_lose_links_to_purged_rows(cast, history):
    review = LogReview.objects.create(
        organization=cast.region, reviewer=cast.ward_nurse, kind="sample", form_key="k"
    )
    LogReviewEntry.objects.create(review=review, entry=history[0])
    LogReviewEntry.objects.create(review=review, entry=history[3])
    purge()
    assert list(review.items.values_list("entry_id", flat=True)) == [history[3].pk]
