"""API benchmark: the change feed and sending a message, under concurrent integrating systems.

Starts gunicorn with production settings on the bench database (as bench/loadtest.py does),
makes integrating systems through the API app's own service (`client_create`, tokens hashed
as in production, a high rate so the bench measures the server and not the limiter), and
drives the API from this process with one thread and one HTTP connection per client, each
waiting a random pause around --think seconds between calls (0, the default, is back to back:
the saturation case, where latency is mostly time spent queueing for the two cores):

- **feed**: --clients systems poll the change feed of the busiest unit (the unit with the
  most deliveries). Each starts at a random point of the unit's history and pages forward
  (limit 100, full pages: the catch-up case, the heaviest); when it reaches the end it starts
  again from a new random point, so every poll reads a full page or the live tail.
- **send**: --clients systems each act for a hospital ward and send an extra message
  (`POST /cases/{id}/messages`, `extra_message`) on that ward's open cases, each with its
  own Idempotency-Key, as a record system does.
- **mixed**: half the clients poll, half send.

Then the feed's cost against the size of the delivery table: the feed query of the busiest
unit run alone in this process (full pages from random cursors), its SQL under EXPLAIN
ANALYZE, and the whole request's CPU, so runs at scale 0.1 and scale 1 can be put side by
side (the issue's "must not grow with the size of the delivery table").

    bench/fresh-copy.sh samplan_bench samplan_bench_run
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/samplan_bench_run \\
        .venv/bin/python bench/apibench.py --clients 20 --duration 30

The run writes (messages, deliveries, access-log rows, idempotency records, the systems):
use a fresh copy of the generated database. Figures go to bench/output/apibench-<time>.json.
"""

from __future__ import annotations

import argparse
import datetime
import http.client
import json
import os
import random
import statistics
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from benchenv import OUTPUT, setup_django
from loadtest import (
    HOST,
    CpuMeter,
    Result,
    data_size,
    machine,
    percentile,
    print_table,
    server_environment,
    start_server,
    summarise,
)

FEED_LIMIT = 100
WARDS = 10  # sending systems act for the wards with the most open cases


# --- Set-up: the systems and what they work on ------------------------------------------------


def busiest_unit() -> tuple[int, str, int]:
    """(id, HSA-id or id, deliveries) of the unit with the most deliveries."""
    from django.db.models import Count

    from samplan.messaging.models import Delivery
    from samplan.organizations.models import Unit

    row = (
        Delivery.objects.values("unit_id")
        .annotate(n=Count("id"))
        .order_by("-n")
        .values_list("unit_id", "n")
        .first()
    )
    unit = Unit.objects.get(pk=row[0])
    return unit.pk, unit.hsa_id or str(unit.pk), row[1]


def wards_with_open_cases(count: int) -> list[tuple[int, str, list[int]]]:
    """The wards with the most open cases: (id, HSA-id or id, open case ids)."""
    from django.db.models import Count

    from samplan.discharge.models import DischargeCase
    from samplan.discharge.process import OPEN_STATES
    from samplan.organizations.models import Unit

    open_cases = DischargeCase.objects.filter(state__in=OPEN_STATES)
    top = (
        open_cases.values("ward_id")
        .annotate(n=Count("id"))
        .order_by("-n")
        .values_list("ward_id", flat=True)[:count]
    )
    wards = []
    for ward in Unit.objects.filter(pk__in=list(top)):
        cases = list(open_cases.filter(ward=ward).values_list("pk", flat=True))
        wards.append((ward.pk, ward.hsa_id or str(ward.pk), cases))
    return wards


def make_client(unit_id: int, scopes: list[str], name: str) -> str:
    """An integrating system of the unit's organisation that may act for the unit; its token.
    Made by the API app's service, as a system administrator would in Administrera."""
    from django.utils import timezone

    from samplan.accounts.models import Membership, Role
    from samplan.api.services import ClientDetails, client_create
    from samplan.core.actor import task_actor
    from samplan.organizations.models import Unit

    unit = Unit.objects.select_related("organization").get(pk=unit_id)
    admin = (
        Membership.objects.filter(
            role=Role.SYSTEM_ADMIN, ended_at__isnull=True, unit__organization=unit.organization
        )
        .select_related("user")
        .first()
    )
    if admin is None:  # the bench data gives every organisation one; say so if not
        sys.exit(f"No system administrator in {unit.organization}: cannot make a client.")
    _client, token = client_create(
        actor=task_actor(admin.user, admin.unit),
        organization=unit.organization,
        details=ClientDetails(
            name=name,
            units=[unit],
            scopes=scopes,
            expires_at=timezone.now() + datetime.timedelta(days=1),
            rate_per_minute=1_000_000,
        ),
    )
    return token


def feed_cursors(unit_id: int, count: int, seed: int) -> list[str]:
    """Cursors at random points of the unit's changes, each with at least a full page after."""
    from samplan.api.feed import cursor_encode
    from samplan.messaging.models import Delivery

    rows = list(
        Delivery.objects.filter(unit_id=unit_id)
        .order_by("changed_at", "id")
        .values_list("changed_at", "id")
    )
    rng = random.Random(seed)
    usable = rows[: max(1, len(rows) - FEED_LIMIT - 1)]
    return [cursor_encode(*rng.choice(usable)) for _ in range(count)]


# --- The clients ----------------------------------------------------------------------------------


class ApiClient(threading.Thread):
    """One integrating system: one connection, requests back to back."""

    def __init__(self, kind: str, port: int, token: str, unit: str, **work) -> None:
        super().__init__(daemon=True)
        self.kind, self.port, self.token, self.unit = kind, port, token, unit
        self.work = work
        self.rng = random.Random(work["seed"])
        self.results: list[Result] = []
        self.measuring: threading.Event = work["measuring"]
        self.stop: threading.Event = work["stop"]
        self.connection = http.client.HTTPConnection(HOST, port, timeout=30)
        self.cursor = ""
        self.failures: list[str] = []

    def request(self, method: str, path: str, body: dict | None = None) -> tuple[int, bytes]:
        headers = {
            "Host": HOST,
            "Authorization": f"Bearer {self.token}",
            "X-Unit": self.unit,
            "Accept": "application/json",
        }
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
            headers["Idempotency-Key"] = str(uuid.uuid4())
        started = time.perf_counter()
        try:
            self.connection.request(method, path, body=data, headers=headers)
            response = self.connection.getresponse()
            payload = response.read()
            status = response.status
        except (OSError, http.client.HTTPException) as error:
            self.connection.close()
            self.connection = http.client.HTTPConnection(HOST, self.port, timeout=30)
            status, payload = 0, str(error).encode()
        elapsed = time.perf_counter() - started
        ok = 200 <= status < 300
        if not ok and len(self.failures) < 5:
            self.failures.append(f"{method} {path} → {status} {payload[:200]!r}")
        if self.measuring.is_set():
            self.results.append(Result(self.kind, elapsed, ok, time.time()))
        return status, payload

    def poll(self) -> None:
        if not self.cursor:
            self.cursor = self.rng.choice(self.work["cursors"])
        status, payload = self.request(
            "GET", f"/api/v1/feed?limit={FEED_LIMIT}&cursor={self.cursor}"
        )
        if status == 200:
            answer = json.loads(payload)
            # At the live end, start again elsewhere: every poll reads a full page.
            self.cursor = answer["next_cursor"] if answer["has_more"] else ""

    def send(self) -> None:
        case_id = self.rng.choice(self.work["cases"])
        self.request(
            "POST",
            f"/api/v1/cases/{case_id}/messages",
            {
                "message_type": "extra_message",
                "content": {"text": "Frågor om hjälpmedel inför hemgång: ring avdelningen."},
            },
        )

    def run(self) -> None:
        step = self.poll if self.kind == "feed" else self.send
        think = self.work["think"]
        while not self.stop.is_set():
            step()
            if think:  # a record system's pause between calls, around the mean
                self.stop.wait(self.rng.expovariate(1 / think))


def run_phase(
    name: str, port: int, feeders: list[dict], senders: list[dict], options, database: str
) -> dict:
    """Run feed and send clients together for --warmup + --duration seconds."""
    measuring, stop = threading.Event(), threading.Event()
    common = {"measuring": measuring, "stop": stop, "think": options.think}
    clients = [
        ApiClient("feed", port, f["token"], f["unit"], cursors=f["cursors"], seed=i, **common)
        for i, f in enumerate(feeders)
    ] + [
        ApiClient("send", port, s["token"], s["unit"], cases=s["cases"], seed=100 + i, **common)
        for i, s in enumerate(senders)
    ]
    for client in clients:
        client.start()
    time.sleep(options.warmup)
    meter = CpuMeter([options.server_pid], database)
    meter.sample()
    started = time.time()
    measuring.set()
    while time.time() < started + options.duration:
        time.sleep(0.5)
        meter.sample()
    measuring.clear()
    meter.sample()
    elapsed = time.time() - started
    stop.set()
    for client in clients:
        client.join(timeout=40)
    results = [r for c in clients for r in c.results]
    summary = summarise(results, elapsed)
    cpu = meter.seconds()
    requests = max(1, len(results))
    print(f"\n### {name}: {len(feeders)} feed clients, {len(senders)} sending clients\n")
    print_table(summary)
    print(
        f"\nserver CPU per request: app {cpu['app'] / requests * 1000:.1f} ms + database "
        f"{cpu['database'] / requests * 1000:.1f} ms"
    )
    failures = [f for c in clients for f in c.failures][:5]
    for failure in failures:
        print(f"  failure: {failure}")
    return {"summary": summary, "cpu_seconds": cpu, "seconds": elapsed, "failures": failures}


# --- The feed's cost beside it -------------------------------------------------------------------


def feed_alone(unit_id: int, cursors: list[str], rounds: int) -> dict:
    """The feed of the busiest unit in this process: the service alone (wall and CPU) and
    its SQL under EXPLAIN ANALYZE, from random cursors (full pages)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from samplan.api.feed import unit_feed
    from samplan.organizations.models import Unit

    unit = Unit.objects.get(pk=unit_id)
    walls, cpus, explains = [], [], []
    for i in range(rounds):
        cursor = cursors[i % len(cursors)]
        wall, cpu = time.perf_counter(), time.process_time()
        with CaptureQueriesContext(connection) as captured:
            page = unit_feed(unit, cursor=cursor, limit=FEED_LIMIT)
        walls.append((time.perf_counter() - wall) * 1000)
        cpus.append((time.process_time() - cpu) * 1000)
        assert len(page.items) == FEED_LIMIT, "a cursor without a full page after it"
        if connection.vendor == "postgresql" and i < 50:
            sql = captured.captured_queries[-1]["sql"]
            with connection.cursor() as db:
                db.execute(f"EXPLAIN (ANALYZE, FORMAT JSON) {sql}")
                plan = db.fetchone()[0]
                plan = json.loads(plan) if isinstance(plan, str) else plan
                explains.append(plan[0]["Execution Time"])
            plan_text = sql
    result = {
        "rounds": rounds,
        "wall_ms_median": statistics.median(walls),
        "wall_ms_p95": percentile(sorted(walls), 0.95),
        "cpu_ms_median": statistics.median(cpus),
        "sql_ms_median": statistics.median(explains) if explains else None,
        "sql_ms_p95": percentile(sorted(explains), 0.95) if explains else None,
    }
    if explains:
        with connection.cursor() as db:
            db.execute(f"EXPLAIN (ANALYZE, BUFFERS) {plan_text}")
            result["plan"] = "\n".join(row[0] for row in db.fetchall())
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--duration", type=float, default=30, help="measured seconds per phase")
    parser.add_argument("--warmup", type=float, default=5, help="seconds not measured per phase")
    parser.add_argument("--workers", type=int, default=(os.cpu_count() or 1) + 1)
    parser.add_argument("--port", type=int, default=8766)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--think",
        type=float,
        default=0.0,
        help="mean seconds a client waits between calls (0: back to back, the saturation case)",
    )
    parser.add_argument("--rounds", type=int, default=300, help="feed calls measured alone")
    parser.add_argument(
        "--phases", default="feed,send,mixed", help="comma-separated: feed, send, mixed"
    )
    options = parser.parse_args()
    os.environ.update(server_environment())
    setup_django()
    from django.core.management import call_command
    from django.db import connection

    # The manifest the production static storage needs (DEBUG off): the server's start-up
    # check asks for the login page.
    call_command("collectstatic", interactive=False, verbosity=0)
    database = connection.settings_dict["NAME"]
    unit_id, unit_ref, unit_deliveries = busiest_unit()
    wards = wards_with_open_cases(WARDS)
    if not wards:
        sys.exit("No ward has open cases: generate the bench data first.")
    cursors = feed_cursors(unit_id, 1000, options.seed)
    sizes = data_size()
    print(
        f"database: {connection.vendor} {database} {sizes}\n"
        f"busiest unit: {unit_id} ({unit_ref}), {unit_deliveries} deliveries; "
        f"{len(wards)} sending wards with {sum(len(w[2]) for w in wards)} open cases\n"
        f"server: gunicorn, {options.workers} sync workers; {options.clients} clients per phase, "
        f"think time {options.think} s; "
        f"load average before {os.getloadavg()[0]:.2f}"
    )
    alone = feed_alone(unit_id, cursors, options.rounds)
    print(
        f"\nfeed alone ({alone['rounds']} full pages of {FEED_LIMIT} from random cursors): "
        f"service wall median {alone['wall_ms_median']:.2f} ms (p95 {alone['wall_ms_p95']:.2f}), "
        f"CPU median {alone['cpu_ms_median']:.2f} ms"
        + (
            f"; SQL (EXPLAIN ANALYZE) median {alone['sql_ms_median']:.3f} ms, "
            f"p95 {alone['sql_ms_p95']:.3f} ms"
            if alone["sql_ms_median"] is not None
            else ""
        )
    )
    if "plan" in alone:
        print(alone["plan"])

    # One system per client: feed systems all act for the busiest unit; sending systems each
    # for one ward (round robin over the wards when there are more clients than wards).
    feed_systems = [
        {
            "token": make_client(unit_id, ["inbox:read"], f"Bench feed {i}"),
            "unit": unit_ref,
            "cursors": cursors,
        }
        for i in range(options.clients)
    ]
    send_systems = []
    for i in range(options.clients):
        ward_id, ward_ref, cases = wards[i % len(wards)]
        token = make_client(ward_id, ["messages:send"], f"Bench send {i}")
        send_systems.append({"token": token, "unit": ward_ref, "cases": cases})
    connection.close()  # the server gets the database to itself while it runs

    server = start_server(options.port, options.workers, "sync", 1)
    options.server_pid = server.pid
    phases = {}
    try:
        half = options.clients // 2
        plan = {
            "feed": (feed_systems, []),
            "send": ([], send_systems),
            "mixed": (feed_systems[:half], send_systems[: options.clients - half]),
        }
        for name in options.phases.split(","):
            feeders, senders = plan[name]
            phases[name] = run_phase(name, options.port, feeders, senders, options, database)
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()

    OUTPUT.mkdir(parents=True, exist_ok=True)
    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    path = OUTPUT / f"apibench-{stamp}.json"
    path.write_text(
        json.dumps(
            {
                "machine": machine(),
                "database": {"vendor": connection.vendor, "name": database, "sizes": sizes},
                "busiest_unit": {"id": unit_id, "deliveries": unit_deliveries},
                "options": {k: v for k, v in vars(options).items() if k != "server_pid"},
                "feed_alone": alone,
                "phases": phases,
            },
            indent=2,
            default=str,
        )
    )
    print(f"\nfigures: {path}")


if __name__ == "__main__":
    main()
