"""Where a hot page's CPU goes: query compilation, execution, templates, the access log.

Runs the pages of bench/page_ratios.py in this process (production settings, as the server)
and, per page, prints the mean CPU per request and the CPU spent inside (outermost calls
only, so nested calls are not counted twice): SQLCompiler.as_sql (compiling queries),
execute_sql (compiling and running them, the database's wait excluded: CPU time),
QuerySet._fetch_all (that and building the rows' objects), Template.render (templates,
including any query a template runs), the access log's chained insert and its
many-patients flag.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/samplan_bench_s01 \\
        .venv/bin/python bench/page_breakdown.py ["message page" ...]
"""

from __future__ import annotations

import collections
import os
import statistics
import sys
import time
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

RUNS = 40


def main() -> None:
    os.environ.update(server_environment())
    setup_django()
    from django.core.management import call_command

    call_command("collectstatic", interactive=False, verbosity=0)
    from django.db.backends import utils
    from django.db.models import query
    from django.db.models.sql import compiler
    from django.template import base

    import samplan.wsgi  # noqa: F401  (the server's process set-up)
    from samplan.auditlog import chain, flags

    spent: collections.Counter[str] = collections.Counter()
    depth: collections.Counter[str] = collections.Counter()

    def timed(owner: object, name: str, label: str) -> None:
        original = getattr(owner, name)

        def wrapper(*args: object, **kwargs: object) -> object:
            if depth[label]:
                return original(*args, **kwargs)
            depth[label] += 1
            started = time.process_time()
            try:
                return original(*args, **kwargs)
            finally:
                spent[label] += time.process_time() - started
                depth[label] -= 1

        setattr(owner, name, wrapper)

    timed(compiler.SQLCompiler, "as_sql", "compile")
    timed(compiler.SQLCompiler, "execute_sql", "execute (with compile)")
    timed(query.QuerySet, "_fetch_all", "rows (with execute)")
    timed(base.Template, "render", "templates")
    timed(utils.CursorWrapper, "execute", "driver")
    timed(chain, "append_many", "access log insert")
    timed(flags, "many_patients_at", "many-patients flag")
    # A list page's rows: building them and the chained insert. Callers import the function
    # by name, so it is replaced in every loaded module that holds it.
    from django.urls import get_resolver

    from samplan.auditlog import access_log

    get_resolver().url_patterns  # noqa: B018 (imports every view module now)
    record_many = access_log.access_log_record_many
    timed(access_log, "access_log_record_many", "list rows (with insert)")
    for module in list(sys.modules.values()):
        if getattr(module, "access_log_record_many", None) is record_many:
            module.access_log_record_many = access_log.access_log_record_many

    username, unit_id = busiest_ward_user()
    client = logged_in_client(username, unit_id)
    pages = {name: (client, path) for name, path in pages_for(unit_id).items()}
    pages.update(log_search_page())
    pages.update(sip_plan_page())
    wanted = sys.argv[1:]
    for name, (page_client, path) in pages.items():
        if wanted and name not in wanted:
            continue
        for _ in range(5):
            page_client.get(path)  # warm
        spent.clear()
        totals = []
        for _ in range(RUNS):
            started = time.process_time()
            page_client.get(path)
            totals.append(time.process_time() - started)
        parts = ", ".join(f"{label} {value / RUNS * 1000:.2f}" for label, value in spent.items())
        print(f"{name:14s} {statistics.mean(totals) * 1000:6.2f} ms CPU per request; {parts}")


if __name__ == "__main__":
    main()
