"""CPU of one list page's access-log rows: access_log_record_many with 20 patients (building
the rows, chaining them, the insert), in a transaction rolled back each time, so the bench
database does not grow.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/samplan_bench_s01 \\
        .venv/bin/python bench/access_log_rows.py [--profile]
"""

from __future__ import annotations

import cProfile
import os
import pstats
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from benchenv import setup_django
from loadtest import server_environment
from profile_pages import busiest_ward_user

CALLS = 400


class _Undo(Exception):
    pass


def main() -> None:
    os.environ.update(server_environment())
    setup_django()
    from django.db import transaction

    from samplan.accounts.models import User
    from samplan.auditlog.access_log import access_log_record_many
    from samplan.core.actor import Actor
    from samplan.organizations.models import Unit
    from samplan.patients.models import Patient

    username, unit_id = busiest_ward_user()
    actor = Actor(
        user=User.objects.get(username=username),
        unit=Unit.objects.get(pk=unit_id),
        client_address="10.1.2.3",
    )
    patients = list(Patient.objects.order_by("pk")[:20])

    def once() -> None:
        try:
            with transaction.atomic():
                access_log_record_many(
                    actor=actor, patients=patients, action="view", detail="list_page|page=1"
                )
                raise _Undo
        except _Undo:
            pass

    for _ in range(50):
        once()  # warm
    started = time.process_time()
    for _ in range(CALLS):
        once()
    spent = (time.process_time() - started) / CALLS * 1000
    print(f"{spent:.3f} ms CPU per list page's 20 rows (with BEGIN and ROLLBACK)")
    if "--profile" in sys.argv:
        profile = cProfile.Profile(time.process_time)
        profile.enable()
        for _ in range(200):
            once()
        profile.disable()
        pstats.Stats(profile).sort_stats("tottime").print_stats(30)


if __name__ == "__main__":
    main()
