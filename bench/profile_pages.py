"""Where a page's CPU goes: run the load test's pages in this process under cProfile.

The load test says how long a page takes under load; this says why. It logs in as a user of
the busiest ward (or --unit), runs each page --runs times with production settings against
the bench database, and prints the CPU per page and the functions that take the most time.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/samplan_bench \\
        .venv/bin/python bench/profile_pages.py [--page Översikt] [--top 30]
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from benchenv import setup_django
from loadtest import server_environment


def busiest_ward_user() -> tuple[str, int]:
    from django.db.models import Count, Q

    from samplan.accounts.models import Membership, Role
    from samplan.discharge.process import OPEN_STATES
    from samplan.organizations.models import Unit, UnitKind

    unit = (
        Unit.objects.filter(kind=UnitKind.HOSPITAL_WARD_SOMATIC, has_inbox=True)
        .annotate(
            open_cases=Count(
                "case_participations",
                filter=Q(
                    case_participations__left_at__isnull=True,
                    case_participations__case__state__in=list(OPEN_STATES),
                ),
            )
        )
        .order_by("-open_cases", "pk")
        .first()
    )
    membership = Membership.objects.filter(unit=unit, role=Role.USER).order_by("pk").first()
    return membership.user.username, unit.pk


def logged_in_client(username: str, unit_id: int) -> object:
    """A django.test.Client logged in as `username`, acting for the unit `unit_id`."""
    from django.test import Client

    from samplan.accounts.models import User
    from samplan.accounts.sessions import SESSION_UNIT_KEY

    client = Client()
    client.force_login(User.objects.get(username=username))
    session = client.session
    session[SESSION_UNIT_KEY] = unit_id
    session.save()
    return client


def pages_for(unit_id: int) -> dict[str, str]:
    from samplan.discharge.models import CaseParticipant
    from samplan.messaging.models import Delivery

    case_id = (
        CaseParticipant.objects.filter(unit_id=unit_id, left_at__isnull=True)
        .order_by("-case_id")
        .values_list("case_id", flat=True)
        .first()
    )
    message_id = (
        Delivery.objects.filter(unit_id=unit_id)
        .order_by("-pk")
        .values_list("message_id", flat=True)
        .first()
    )
    return {
        "Översikt": "/inkorg/oversikt/",
        "Mottagna": "/inkorg/",
        "case page": f"/utskrivning/arenden/{case_id}/",
        "message page": f"/meddelanden/{message_id}/",
        "new count": "/inkorg/antal-nya/",
    }


def log_search_page() -> dict[str, tuple[object, str]]:
    """Log search by patient as a region's log reviewer, for the patient with most rows."""
    from django.db.models import Count
    from django.test import Client
    from django.urls import reverse

    from samplan.accounts.models import Membership, Role
    from samplan.accounts.sessions import SESSION_UNIT_KEY
    from samplan.auditlog.models import AccessLogEntry
    from samplan.organizations.models import OrganizationKind

    reviewer = (
        Membership.objects.filter(
            role=Role.LOG_REVIEWER, unit__organization__kind=OrganizationKind.REGION
        )
        .select_related("user")
        .first()
    )
    heaviest = (
        AccessLogEntry.objects.filter(patient__isnull=False)
        .values("patient_id")
        .annotate(n=Count("pk"))
        .order_by("-n")
        .values_list("patient_id", flat=True)
        .first()
    )
    if reviewer is None or heaviest is None:
        return {}
    client = Client()
    client.force_login(reviewer.user)
    session = client.session
    session[SESSION_UNIT_KEY] = reviewer.unit_id
    session.save()
    return {"log search": (client, f"{reverse('logreview:search')}?patient={heaviest}")}


def sip_plan_page() -> dict[str, tuple[object, str]]:
    """The SIP plan page of the plan with the most parties, as a user of one of them."""
    from django.db.models import Count, Q
    from django.test import Client
    from django.urls import reverse

    from samplan.accounts.models import Membership
    from samplan.accounts.sessions import SESSION_UNIT_KEY
    from samplan.sip.models import SipPlan

    plan = (
        SipPlan.objects.exclude(state="closed")
        .annotate(parties=Count("participants", filter=Q(participants__answer="accepted")))
        .order_by("-parties", "-pk")
        .first()
    )
    if plan is None:
        return {}
    party = plan.participants.filter(answer="accepted").order_by("pk").first()
    member = (
        Membership.objects.filter(unit_id=party.unit_id, role__in=("user", "super_user"))
        .select_related("user")
        .first()
    )
    if member is None:
        return {}
    client = Client()
    client.force_login(member.user)
    session = client.session
    session[SESSION_UNIT_KEY] = party.unit_id
    session.save()
    return {"SIP plan": (client, reverse("sip:detail", kwargs={"plan_id": plan.pk}))}


# Module groups for --group, first match wins: where a page's own time (tottime) goes.
GROUPS = (
    ("django templates", "django/template/"),
    ("django ORM: compile", "django/db/models/sql/compiler.py"),
    ("django ORM: other", "django/db/"),
    ("psycopg", "psycopg"),
    ("django forms", "django/forms/"),
    ("django translation", "django/utils/translation"),
    ("django other", "django/"),
    ("samplan templatetags", "samplan/*/templatetags/"),
    ("samplan", "samplan/"),
    ("python stdlib", "python3.11/"),
)


def print_groups(stats: pstats.Stats, runs: int) -> None:
    """Own time per module group, in ms per request (under the profiler: only the shares
    compare with a run without it)."""
    import fnmatch

    totals: dict[str, float] = {}
    for (filename, _line, _name), (_cc, _nc, tottime, _ct, _callers) in stats.stats.items():
        group = next(
            (name for name, pattern in GROUPS if fnmatch.fnmatch(filename, f"*{pattern}*")),
            "built-ins and other",
        )
        totals[group] = totals.get(group, 0.0) + tottime
    whole = sum(totals.values())
    for group, total in sorted(totals.items(), key=lambda item: -item[1]):
        print(f"  {group:24} {total * 1000 / runs:7.2f} ms  {100 * total / whole:5.1f} %")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--page", action="append", help="only these pages (repeatable)")
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--sort", default="tottime", choices=["tottime", "cumulative"])
    parser.add_argument(
        "--default-gc", action="store_true", help="Python's GC settings, not samplan.wsgi's"
    )
    parser.add_argument("--match", help="only functions whose path matches (e.g. samplan)")
    parser.add_argument("--user", help="username (default: a user of the busiest ward)")
    parser.add_argument("--unit", type=int, help="unit id acted for (with --user)")
    parser.add_argument(
        "--extra", action="append", default=[], metavar="NAME=PATH", help="also this path"
    )
    parser.add_argument(
        "--group", action="store_true", help="sum own time by module group (where it goes)"
    )
    options = parser.parse_args()

    os.environ.update(server_environment())  # the server's settings, as the load test
    setup_django()
    from django.core.management import call_command

    username, unit_id = (options.user, options.unit) if options.user else busiest_ward_user()
    call_command("collectstatic", interactive=False, verbosity=0)  # the manifest (DEBUG off)
    if not options.default_gc:
        import samplan.wsgi  # noqa: F401  (the server's process set-up: its GC settings)
    client = logged_in_client(username, unit_id)
    pages = {name: (client, path) for name, path in pages_for(unit_id).items()}
    pages.update(log_search_page())
    pages.update(sip_plan_page())
    for extra in options.extra:
        name, _, path = extra.partition("=")
        pages[name] = (client, path)
    for name, (client, path) in pages.items():
        if options.page and name not in options.page:
            continue
        status = client.get(path).status_code  # warm caches
        plain, wall = [], []
        for _ in range(options.runs):
            cpu, started = time.process_time(), time.perf_counter()
            client.get(path)
            plain.append((time.process_time() - cpu) * 1000)
            wall.append((time.perf_counter() - started) * 1000)
        cpus = []
        # CPU time, not wall time: waiting for the database is not this process's work.
        profile = cProfile.Profile(time.process_time)
        for _ in range(options.runs):
            cpu = time.process_time()
            profile.enable()
            client.get(path)
            profile.disable()
            cpus.append((time.process_time() - cpu) * 1000)
        print(
            f"\n=== {name} {path} (status {status}): CPU median {statistics.median(plain):.1f} ms, "
            f"min {min(plain):.1f} ms, wall median {statistics.median(wall):.1f} ms "
            f"over {options.runs} runs; {statistics.median(cpus):.1f} ms under the profiler ==="
        )
        out = io.StringIO()
        if options.group:
            print_groups(pstats.Stats(profile), options.runs)
            continue
        stats = pstats.Stats(profile, stream=out).sort_stats(options.sort)
        stats.print_stats(*([options.match] if options.match else []), options.top)
        print(out.getvalue())


if __name__ == "__main__":
    main()
