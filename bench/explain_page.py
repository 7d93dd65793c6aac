"""Each SELECT a hot page runs, again under EXPLAIN ANALYZE: which statement grows with data.

Renders the page once (production settings, as a user of the busiest ward, as
bench/profile_pages.py), captures its statements, and runs each SELECT three more times
under EXPLAIN ANALYZE, printing the best execution time, and the whole plan of any that
takes longer than --plan-over milliseconds. Writes a session and access-log rows: use a
bench database, not production.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/samplan_bench_s3 \\
        .venv/bin/python bench/explain_page.py Översikt [--plan-over 3]
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from benchenv import setup_django
from loadtest import server_environment
from profile_pages import (
    busiest_ward_user,
    log_search_page,
    logged_in_client,
    pages_for,
    sip_plan_page,
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "page", help="Översikt, Mottagna, case page, message page, log search or SIP plan"
    )
    parser.add_argument("--plan-over", type=float, default=3.0, help="ms; print the plan")
    options = parser.parse_args()
    os.environ.update(server_environment())
    setup_django()
    from django.core.management import call_command
    from django.db import connection

    username, unit_id = busiest_ward_user()
    call_command("collectstatic", interactive=False, verbosity=0)
    client = logged_in_client(username, unit_id)
    pages = {name: (client, path) for name, path in pages_for(unit_id).items()}
    pages.update(log_search_page())  # as a log reviewer
    pages.update(sip_plan_page())  # as a user of one of the plan's parties
    client, path = pages[options.page]
    client.get(path)  # warm: the measured render below is an ordinary one
    statements = []

    def capture(execute, sql, params, many, context):
        statements.append((sql, params))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(capture):
        client.get(path)
    print(f"{connection.settings_dict['NAME']}: {options.page} {path} (unit {unit_id})")
    with connection.cursor() as cursor:
        for sql, params in statements:
            if not sql.lstrip().upper().startswith("SELECT") or "FOR UPDATE" in sql:
                continue
            times = []
            for _ in range(3):
                cursor.execute(f"EXPLAIN (ANALYZE, FORMAT JSON) {sql}", params)
                times.append(cursor.fetchone()[0][0]["Execution Time"])
            print(f"  {min(times):8.2f} ms  {sql[:100]}")
            if min(times) > options.plan_over:
                cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}", params)
                print("\n".join(f"      {row[0]}" for row in cursor.fetchall()))


if __name__ == "__main__":
    main()
