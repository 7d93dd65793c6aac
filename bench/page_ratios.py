"""Each hot page's CPU as a multiple of the header's new-count endpoint, measured interleaved.

The machine is shared and its CPU speed drifts, so a page's milliseconds from one run do not
compare with another's; the ratio to the cheapest logged-in request (the new count: session,
user, memberships, one COUNT, a tiny template), measured in the same round, does. The pages
run in this process through samplan.wsgi.application (the server's WSGI entry point, with its
warm-up and GC settings, production settings: DEBUG off), as the logged-in users of
bench/profile_pages.py. Each round runs every page --per-round times, in turn; a page's figure
in a round is the median CPU time (time.process_time) of its requests, and the report gives,
per page, the median over the rounds of (page ÷ new count in that round), with the lowest and
highest round.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/samplan_bench \\
        .venv/bin/python bench/page_ratios.py [--rounds 300] [--per-round 1]

The recorded method is one request of each page per round (--per-round 1, the default since
session 14): every request, the new count's included, then follows a request for another
page, as in a worker serving many users, so the floor and the pages are measured under the
same conditions. With several requests of a page in a row (--per-round 5, the default before)
the new count's later requests repeat its small path with warm CPU caches, which a big page
cannot; that lowers the floor by about a tenth and raises every ratio with it, and its fifteen
rounds spread widely on a shared machine (bench/RESULTS.md, sessions 13 and 14, has both).

Limits (issue 18): Översikt, Mottagna, the case page and the message page at most 2.5× the
new count; the SIP plan page and log search by patient at most 3×.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from benchenv import OUTPUT, setup_django
from loadtest import HOST, server_environment
from profile_pages import (
    busiest_ward_user,
    log_search_page,
    logged_in_client,
    pages_for,
    sip_plan_page,
)

LIMITS = {
    "Översikt": 2.5,
    "Mottagna": 2.5,
    "case page": 2.5,
    "message page": 2.5,
    "SIP plan": 3.0,
    "log search": 3.0,
}
FLOOR = "new count"


def cookie_of(client: object) -> str:
    """The Cookie header of a django.test.Client's session, its activity recorded now (so
    the measured requests do not write the session for it), with the CSRF cookie a browser
    keeps from its first page (as the load test's users do): without it, every page with a
    form made and set a new CSRF secret, which no browser asks for twice."""
    from django.conf import settings
    from django.utils import timezone

    from samplan.accounts.sessions import SESSION_ACTIVITY_KEY

    if settings.CSRF_COOKIE_NAME not in client.cookies:
        client.get("/hjalp/om/")  # a page with forms: its answer sets the CSRF cookie
    session = client.session
    session[SESSION_ACTIVITY_KEY] = int(timezone.now().timestamp())
    session.save()
    csrf = client.cookies[settings.CSRF_COOKIE_NAME].value
    return (
        f"{settings.SESSION_COOKIE_NAME}={session.session_key}; {settings.CSRF_COOKIE_NAME}={csrf}"
    )


def wsgi_get(application: object, path: str, cookie: str) -> tuple[str, int]:
    path, _, query = path.partition("?")
    environ = {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": path,
        "QUERY_STRING": query,
        "SERVER_NAME": HOST,
        "SERVER_PORT": "80",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": HOST,
        "HTTP_HOST": HOST,
        "HTTP_COOKIE": cookie,
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": False,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
    }
    status: list[str] = []
    response = application(environ, lambda s, _headers, *_exc: status.append(s))
    size = sum(len(chunk) for chunk in response)
    if hasattr(response, "close"):
        response.close()
    return status[0], size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=300)
    parser.add_argument("--per-round", type=int, default=1, help="requests per page per round")
    parser.add_argument("--page", action="append", help="only these pages (and the new count)")
    parser.add_argument(
        "--extra",
        action="append",
        default=[],
        metavar="NAME=PATH",
        help="also measure this path (e.g. frame=/hjalp/om/: base.html with little in it)",
    )
    options = parser.parse_args()
    os.environ.update(server_environment())
    setup_django()
    from django.core.management import call_command
    from django.db import connection

    call_command("collectstatic", interactive=False, verbosity=0)  # the manifest (DEBUG off)
    import samplan.wsgi

    application = samplan.wsgi.application
    username, unit_id = busiest_ward_user()
    client = logged_in_client(username, unit_id)
    pages = {name: (client, path) for name, path in pages_for(unit_id).items()}
    pages.update(log_search_page())
    pages.update(sip_plan_page())
    extras = {extra.partition("=")[0] for extra in options.extra}
    for extra in options.extra:
        name, _, path = extra.partition("=")
        pages[name] = (client, path)
    pages = {
        name: (cookie_of(c), path)
        for name, (c, path) in pages.items()
        if name == FLOOR or not options.page or name in options.page or name in extras
    }
    for name, (cookie, path) in pages.items():
        status, size = wsgi_get(application, path, cookie)  # warm caches; reads once
        if not status.startswith("200"):
            sys.exit(f"{name} {path} answered {status}")
        print(f"{name}: {path} ({size:,} bytes)")
    load_before = os.getloadavg()
    per_round: dict[str, list[float]] = {name: [] for name in pages}
    ratios: dict[str, list[float]] = {name: [] for name in pages if name != FLOOR}
    started = time.time()
    for _ in range(options.rounds):
        for name, (cookie, path) in pages.items():
            cpus = []
            for _ in range(options.per_round):
                cpu = time.process_time()
                wsgi_get(application, path, cookie)
                cpus.append((time.process_time() - cpu) * 1000)
            per_round[name].append(statistics.median(cpus))
        floor = per_round[FLOOR][-1]
        for name in ratios:
            ratios[name].append(per_round[name][-1] / floor)
    load_after = os.getloadavg()
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=False
    ).stdout.strip()
    print(
        f"\ndatabase {connection.settings_dict['NAME']}, commit {commit}, {options.rounds} "
        f"rounds x {options.per_round} requests, {time.time() - started:.0f} s; load average "
        f"{load_before[0]:.2f} before, {load_after[0]:.2f} after"
    )
    print(f"{'page':<14} {'CPU ms':>7} {'ratio':>6} {'min':>6} {'max':>6} {'limit':>6}")
    print(f"{FLOOR:<14} {statistics.median(per_round[FLOOR]):>7.2f}")
    result = {"floor_ms": statistics.median(per_round[FLOOR]), "pages": {}}
    for name, values in ratios.items():
        limit = LIMITS.get(name)
        ratio = statistics.median(values)
        verdict = "" if limit is None else ("ok" if ratio <= limit else "OVER")
        print(
            f"{name:<14} {statistics.median(per_round[name]):>7.2f} {ratio:>5.2f}x "
            f"{min(values):>5.2f}x {max(values):>5.2f}x {limit or '':>6} {verdict}"
        )
        result["pages"][name] = {
            "cpu_ms": statistics.median(per_round[name]),
            "ratio": ratio,
            "min": min(values),
            "max": max(values),
        }
    out = OUTPUT / f"page-ratios-{time.strftime('%Y%m%d-%H%M%S')}.json"
    out.write_text(json.dumps({"commit": commit, "load": [load_before, load_after], **result}))


if __name__ == "__main__":
    main()
