"""Scale-out on real parts (issue 18): two app servers behind nginx, two task workers, one
PostgreSQL primary and a streaming replica that the report pages and the log search read.

    .venv/bin/python bench/scaleout.py --scale 0.05 --users 20 --duration 30 --warmup 10

What it does, all on 127.0.0.1 and in a temporary folder (the installation's PostgreSQL,
nginx site and services are never touched):

1. starts a private PostgreSQL primary (initdb and pg_ctl from /usr/lib/postgresql/*/bin, as
   the `postgres` system user when run as root) on a free port, with pg_stat_statements;
2. makes a streaming replica of it with pg_basebackup (`-R`: a hot standby that follows the
   primary's WAL) and starts it on another port; the data is loaded after that, so every row
   reaches the replica through streaming replication;
3. fills the primary with bench/generate.py at --scale, and brings the report facts up to
   date (`manage.py reports_refresh --full`, as after a deployment);
4. starts two gunicorn app servers (--workers each) and two task workers (`manage.py
   task_worker`), all with DATABASE_URL (the primary) and DATABASE_REPLICA_URL (the replica),
   and Debian's nginx with a configuration of its own that balances over the two servers;
5. checks that a session works on both servers: logged in on one, used on the other, logged
   out on the other and gone on the first;
6. runs bench/loadtest.py through nginx (--base-url), then opens the report pages through
   nginx as a region's manager: right after logging in (a POST, so that browser reads from
   the primary for DATABASE_REPLICA_PIN_SECONDS) and again once that time has passed;
7. queues 1,000 tasks (bench/scaleout_tasks.py: each run records itself) and waits for the
   two workers to run them;
8. checks: no 5xx in nginx's access log; both app servers answered; each task ran exactly
   once, and both workers ran some; the log search's and the reports' reads reached the
   replica (pg_stat_statements on the replica: calls of statements that read the access
   log, the report facts and the deliveries, beside the same on the primary).

It prints the figures as Markdown (bench/scaleout-results.md keeps the recorded runs) and
exits non-zero when a check fails.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from benchenv import ROOT
from faults import Cluster, _pg_bin, _wait_for_port, environment, free_port
from loadtest import HOST, Browser

PYTHON = str(ROOT / ".venv" / "bin" / "python")
TASKS = 1000
PIN_SECONDS = 10  # DATABASE_REPLICA_PIN_SECONDS, its default
# Tables whose reads show who read what: the log search reads the access log, the reports
# read the report facts (and the deliveries, for the acknowledgement report).
WATCHED = ("auditlog_accesslogentry", "reports_casefact", "messaging_delivery")


def psql(port: int, sql: str, database: str = "samplan") -> str:
    result = subprocess.run(
        ["psql", "-h", HOST, "-p", str(port), "-U", "postgres", "-d", database, "-AtXq",
         "-c", sql],
        check=True, capture_output=True, text=True,
    )  # fmt: skip
    return result.stdout.strip()


def statement_calls(port: int) -> dict[str, int]:
    """Calls of SELECTs that read each watched table, and of all statements, from
    pg_stat_statements (since its last reset)."""
    calls = {}
    for table in WATCHED:
        calls[table] = int(
            psql(
                port,
                "SELECT coalesce(sum(calls), 0) FROM pg_stat_statements "
                f"WHERE query ILIKE 'SELECT%' AND query LIKE '%\"{table}\"%'",
            )
        )
    calls["all statements"] = int(
        psql(port, "SELECT coalesce(sum(calls), 0) FROM pg_stat_statements")
    )
    return calls


def make_replica(primary: Cluster, folder: Path) -> Cluster:
    """A hot standby of `primary`, streaming its WAL, on a port of its own."""
    folder.mkdir()
    replica = Cluster(folder, options=primary.options)
    if replica.as_user:
        shutil.chown(folder, "postgres")
    subprocess.run(
        [*replica.as_user, _pg_bin("pg_basebackup"), "-h", HOST, "-p", str(primary.port),
         "-U", "postgres", "-D", str(replica.data), "-R", "-X", "stream", "-c", "fast"],
        check=True, capture_output=True,
    )  # fmt: skip
    replica.start()
    return replica


def wait_for_replay(primary: Cluster, replica: Cluster, timeout: float = 120) -> float:
    """Waits until the replica has replayed what the primary has written; returns seconds."""
    target = psql(primary.port, "SELECT pg_current_wal_lsn()")
    started = time.time()
    while time.time() - started < timeout:
        caught_up = psql(
            replica.port, f"SELECT pg_last_wal_replay_lsn() >= '{target}'::pg_lsn", "postgres"
        )
        if caught_up == "t":
            return time.time() - started
        time.sleep(0.2)
    raise SystemExit("the replica did not catch up")


NGINX_CONF = """\
{user}worker_processes 1;
pid {folder}/nginx.pid;
error_log {folder}/nginx-error.log warn;
events {{ worker_connections 1024; }}
http {{
    log_format upstream '$status $upstream_addr $request_method $request_time';
    access_log {folder}/nginx-access.log upstream;
    client_body_temp_path {folder}/client_body;
    proxy_temp_path {folder}/proxy;
    fastcgi_temp_path {folder}/fastcgi;
    uwsgi_temp_path {folder}/uwsgi;
    scgi_temp_path {folder}/scgi;
    # The two app servers, as deploy/nginx.conf's upstream with more than one server.
    upstream samplan_app {{
        server {first};
        server {second};
    }}
    # Plain HTTP on the loopback: the load test's client speaks no TLS. The headers are
    # deploy/nginx.conf's (its TLS and client-certificate parts have their own test).
    server {{
        listen {listen};
        location / {{
            proxy_pass http://samplan_app;
            proxy_set_header Host $host;
            proxy_set_header X-Forwarded-Proto $scheme;
            proxy_set_header X-Forwarded-For $remote_addr;
        }}
    }}
}}
"""


def start_nginx(folder: Path, port: int, servers: list[int]) -> subprocess.Popen:
    folder.mkdir()
    config = folder / "nginx.conf"
    config.write_text(
        NGINX_CONF.format(
            user="user root;\n" if os.geteuid() == 0 else "",
            folder=folder,
            first=f"{HOST}:{servers[0]}",
            second=f"{HOST}:{servers[1]}",
            listen=f"{HOST}:{port}",
        )
    )
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    process = subprocess.Popen([nginx, "-p", str(folder), "-c", str(config), "-g", "daemon off;"])
    _wait_for_port(port)
    return process


def session_on_both(first: int, second: int, username: str, unit: int) -> dict[str, bool]:
    """Logged in through one app server; the same cookie works on the other; logging out on
    the other ends the session on the first."""
    one = Browser(first, [], threading.Event())
    logged_in = one.login(username, unit)
    other = Browser(second, [], threading.Event())
    other.cookies = dict(one.cookies)
    status, _text, _headers = other.request("Mottagna", "GET", "/inkorg/", expect=200)
    used_on_other = status == 200
    other.request("log out", "POST", "/konto/logga-ut/", [("csrfmiddlewaretoken", other.csrf)],
                  expect=302)  # fmt: skip
    status, _text, headers = one.request("Mottagna", "GET", "/inkorg/", expect=302)
    ended_on_first = status == 302 and "/konto/logga-in/" in headers.get("location", "")
    return {
        "logged in on one server": logged_in,
        "the session works on the other server": used_on_other,
        "logged out on the other, the session is gone on the first": ended_on_first,
    }


REPORT_PAGES = ("inskrivningsmeddelanden", "utskrivningsklara-dagar", "betalningsansvar",
                "kvittenser")  # fmt: skip


def open_reports(browser: Browser) -> Counter:
    """Each report page once through nginx: statuses counted."""
    statuses: Counter = Counter()
    for page in REPORT_PAGES:
        status, _text, _headers = browser.request(
            "report", "GET", f"/rapporter/{page}/", expect=200
        )
        statuses[status] += 1
    return statuses


def child(command: str, env: dict[str, str], *args: str) -> dict:
    result = subprocess.run(
        [PYTHON, __file__, command, *args], cwd=ROOT, env=env, check=True,
        capture_output=True, text=True,
    )  # fmt: skip
    return json.loads(result.stdout)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=float, default=0.05)
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--duration", type=float, default=30)
    parser.add_argument("--warmup", type=float, default=10)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers per app server")
    parser.add_argument("--tasks", type=int, default=TASKS)
    args = parser.parse_args()

    top = Path(tempfile.mkdtemp(prefix="samplan-scaleout-"))
    top.chmod(0o755)  # the postgres user works in folders below it
    processes: list[subprocess.Popen] = []
    clusters: list[Cluster] = []
    logs = []
    try:
        options = "-c shared_preload_libraries=pg_stat_statements -c max_connections=100"
        primary_folder = top / "primary"
        primary_folder.mkdir()
        primary = Cluster(primary_folder, options=options)
        primary.init()
        clusters.append(primary)
        replica = make_replica(primary, top / "replica")
        clusters.append(replica)
        print(f"primary on port {primary.port}, replica on {replica.port}", file=sys.stderr)
        replica_url = f"postgres://postgres@{HOST}:{replica.port}/samplan"
        env = environment(primary.url)
        env.update(
            DATABASE_REPLICA_URL=replica_url,
            DATABASE_REPLICA_PIN_SECONDS=str(PIN_SECONDS),
            LOG_LEVEL="WARNING",
        )

        started = time.time()
        subprocess.run(
            [PYTHON, "bench/generate.py", "--scale", str(args.scale)],
            cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL,
        )  # fmt: skip
        generated = time.time() - started
        for command in (["reports_refresh", "--full"], ["collectstatic", "--noinput"]):
            subprocess.run([PYTHON, "manage.py", *command, "-v", "0"], cwd=ROOT, env=env,
                           check=True, stdout=subprocess.DEVNULL)  # fmt: skip
        psql(primary.port, "CREATE EXTENSION pg_stat_statements")
        people = child("_prepare", env)
        catch_up = wait_for_replay(primary, replica)
        rows = {
            name: int(psql(replica.port, f"SELECT count(*) FROM {name}"))
            for name in ("discharge_dischargecase", "messaging_message", "auditlog_accesslogentry")
        }

        app_ports = [free_port(), free_port()]
        for port in app_ports:
            log = open(top / f"gunicorn-{port}.log", "w")  # noqa: SIM115 (closed below)
            logs.append(log)
            processes.append(
                subprocess.Popen(
                    [
                        str(ROOT / ".venv" / "bin" / "gunicorn"),
                        "samplan.wsgi:application",
                        "--bind",
                        f"{HOST}:{port}",
                        "--workers",
                        str(args.workers),
                        "--timeout",
                        "60",
                        "--log-level",
                        "warning",
                    ],
                    cwd=ROOT,
                    env=env,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                )
            )
        servers = processes[:2]
        workers = []
        for number in (1, 2):
            log = open(top / f"worker-{number}.log", "w")  # noqa: SIM115 (closed below)
            logs.append(log)
            workers.append(
                subprocess.Popen(
                    [PYTHON, "manage.py", "task_worker", "--worker-id", f"worker-{number}"],
                    cwd=ROOT,
                    env=env,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                )
            )
        processes.extend(workers)
        for port in app_ports:
            _wait_for_port(port)
        nginx_port = free_port()
        processes.append(start_nginx(top / "nginx", nginx_port, app_ports))

        session = session_on_both(app_ports[0], app_ports[1], people["user"], people["unit"])
        session |= {
            f"(the other way round) {k}": v
            for k, v in session_on_both(
                app_ports[1], app_ports[0], people["user"], people["unit"]
            ).items()
        }

        psql(primary.port, "SELECT pg_stat_statements_reset()")
        psql(replica.port, "SELECT pg_stat_statements_reset()")
        load = subprocess.run(
            [PYTHON, "bench/loadtest.py", "--base-url", f"http://{HOST}:{nginx_port}",
             "--server-pid", str(servers[0].pid), "--server-pid", str(servers[1].pid),
             "--users", str(args.users), "--duration", str(args.duration),
             "--warmup", str(args.warmup), "--no-limits"],
            cwd=ROOT, env=env, capture_output=True, text=True,
        )  # fmt: skip
        print(load.stdout, file=sys.stderr)
        if load.returncode:
            print(load.stderr, file=sys.stderr)
        after_load = {
            "replica": statement_calls(replica.port),
            "primary": statement_calls(primary.port),
        }

        # The report pages as a region's manager: right after logging in (a POST: the
        # browser reads from the primary for DATABASE_REPLICA_PIN_SECONDS), then once that
        # time has passed.
        manager = Browser(nginx_port, [], threading.Event())
        report_statuses: Counter = Counter()
        if not manager.login(people["manager"], people["manager_unit"]):
            report_statuses["no login"] += 1
        after_reports = {}
        for phase in ("report pages just after logging in", "report pages later"):
            if phase.endswith("later"):
                time.sleep(PIN_SECONDS + 1)
            psql(primary.port, "SELECT pg_stat_statements_reset()")
            psql(replica.port, "SELECT pg_stat_statements_reset()")
            report_statuses += open_reports(manager)
            after_reports[phase] = {
                "replica": statement_calls(replica.port),
                "primary": statement_calls(primary.port),
            }
        lag = psql(
            primary.port,
            "SELECT coalesce(max(replay_lag)::text, '0') || ' (' || count(*) || ' replica)' "
            "FROM pg_stat_replication",
            "postgres",
        )

        started = time.time()
        child("_enqueue", env, str(args.tasks))
        deadline = started + 300
        while time.time() < deadline:
            done = int(
                psql(
                    primary.port,
                    "SELECT count(*) FROM django_tasks_database_dbtaskresult "
                    "WHERE status IN ('SUCCESSFUL', 'FAILED')",
                )
            )
            if done >= args.tasks:
                break
            time.sleep(0.5)
        task_seconds = time.time() - started
        tasks = child("_tasks", env)

        statuses = Counter()
        upstreams = Counter()
        for line in (top / "nginx" / "nginx-access.log").read_text().splitlines():
            status, upstream, _method, _seconds = line.split(" ", 3)
            statuses[status] += 1
            upstreams[upstream] += 1
        return report(
            args=args,
            generated=generated,
            catch_up=catch_up,
            rows=rows,
            session=session,
            load=load,
            after_load=after_load,
            after_reports=after_reports,
            report_statuses=report_statuses,
            lag=lag,
            tasks=tasks,
            task_seconds=task_seconds,
            statuses=statuses,
            upstreams=upstreams,
            app_ports=app_ports,
        )
    finally:
        for process in reversed(processes):
            process.terminate()
        for process in processes:
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(20)
        for log in logs:
            log.close()
        for cluster in reversed(clusters):
            with contextlib.suppress(subprocess.CalledProcessError):
                cluster.stop()
        if os.environ.get("SCALEOUT_KEEP"):
            print(f"kept: {top}", file=sys.stderr)
        else:
            shutil.rmtree(top, ignore_errors=True)


def report(
    *, args, generated, catch_up, rows, session, load, after_load, after_reports,
    report_statuses, lag, tasks, task_seconds, statuses, upstreams, app_ports,
) -> int:  # fmt: skip
    server_errors = sum(n for status, n in statuses.items() if status.startswith("5"))
    per_server = {port: upstreams.get(f"{HOST}:{port}", 0) for port in app_ports}
    throughput = re.search(r"\| all \| (\d+) \| ([\d.]+) \| ([\d.]+) \| ([\d.]+) \|", load.stdout)
    cpu = re.search(r"server CPU per request: app ([\d.]+) ms, database ([\d.]+) ms", load.stdout)
    checks = {
        "the load test ran through nginx": load.returncode == 0 and throughput is not None,
        "no 5xx answer in nginx's log": server_errors == 0,
        "both app servers answered": all(per_server.values()),
        **session,
        "every report page answered 200": set(report_statuses) == {200},
        f"each of the {args.tasks} tasks ran exactly once": tasks["runs"] == args.tasks
        and tasks["distinct"] == args.tasks
        and tasks["succeeded"] == args.tasks,
        "both workers ran tasks": len(tasks["by_worker"]) == 2,
        "the log search read the access log on the replica": after_load["replica"][
            "auditlog_accesslogentry"
        ]
        > 0,
        "the reports read their facts on the primary just after the login (a write)": after_reports[
            "report pages just after logging in"
        ]["replica"]["reports_casefact"]
        == 0,
        "the reports read their facts on the replica later": after_reports["report pages later"][
            "replica"
        ]["reports_casefact"]
        > 0,
    }
    print(f"\n### {time.strftime('%Y-%m-%d %H:%M')}: scale {args.scale}, {args.users} users, "
          f"{args.duration:.0f} s through nginx, 2 app servers x {args.workers} workers, "
          "2 task workers, primary + streaming replica\n")  # fmt: skip
    print(
        f"Data: bench/generate.py --scale {args.scale} in {generated:.0f} s, written on the "
        f"primary; the replica had replayed it {catch_up:.1f} s after (on the replica: "
        + ", ".join(f"{n:,} {name}" for name, n in rows.items())
        + f"). Replication lag at the end: {lag}.\n"
    )
    if throughput:
        count, per_second, p50, p95 = throughput.groups()
        print(
            f"Load test through nginx: {count} requests in {args.duration:.0f} s, "
            f"{per_second} requests/s, p50 {p50} ms, p95 {p95} ms"
            + (
                f"; server CPU per request: app {cpu.group(1)} ms, database {cpu.group(2)} ms"
                if cpu
                else ""
            )
            + ".\n"
        )
    print("| nginx's log | answers |")
    print("|---|---:|")
    for status, n in sorted(statuses.items()):
        print(f"| status {status} | {n} |")
    for port, n in per_server.items():
        print(f"| from app server {HOST}:{port} | {n} |")
    print("\nSELECT calls (pg_stat_statements) per table read, on each database:\n")
    print("| phase | table | replica | primary |")
    print("|---|---|---:|---:|")
    for phase, calls in (("load test", after_load), *after_reports.items()):
        for table in (*WATCHED, "all statements"):
            print(f"| {phase} | {table} | {calls['replica'][table]} | {calls['primary'][table]} |")
    by_worker = ", ".join(f"{worker}: {n}" for worker, n in sorted(tasks["by_worker"].items()))
    print(
        f"\nTasks: {args.tasks} queued, done in {task_seconds:.1f} s; runs recorded "
        f"{tasks['runs']} ({tasks['distinct']} different), succeeded {tasks['succeeded']}; by "
        f"worker: {by_worker}; results claimed more than once: {tasks['claimed_twice']}.\n"
    )
    for name, ok in checks.items():
        print(f"- {'PASS' if ok else 'FAIL'}: {name}")
    return 0 if all(checks.values()) else 1


# --- Inside Django (child processes with the run's environment) -----------------------------------


def _django() -> None:
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def child_prepare() -> None:
    """Makes the tasks' runs table; prints a ward user with one unit (for the session check)
    and a region's manager (for the reports)."""
    _django()
    from django.db import connection

    from bench.scaleout_tasks import CREATE_RUNS_TABLE

    with connection.cursor() as cursor:
        cursor.execute(CREATE_RUNS_TABLE)
    from django.db.models import Count

    from samplan.accounts.models import Membership, Role
    from samplan.organizations.models import OrganizationKind, UnitKind

    single = (
        Membership.objects.values("user_id").annotate(n=Count("pk")).filter(n=1).values("user_id")
    )
    user = (
        Membership.objects.filter(
            role=Role.USER, user_id__in=single, unit__kind=UnitKind.HOSPITAL_WARD_SOMATIC
        )
        .select_related("user")
        .order_by("pk")
        .first()
    )
    manager = (
        Membership.objects.filter(
            role=Role.MANAGER, unit__organization__kind=OrganizationKind.REGION
        )
        .select_related("user")
        .order_by("pk")
        .first()
    )
    print(
        json.dumps(
            {
                "user": user.user.username,
                "unit": user.unit_id,
                "manager": manager.user.username,
                "manager_unit": manager.unit_id,
            }
        )
    )


def child_enqueue(count: int) -> None:
    _django()
    from bench.scaleout_tasks import record_run

    for number in range(count):
        record_run.enqueue(number=number)
    print(json.dumps({"queued": count}))


def child_tasks() -> None:
    """What the workers did: runs recorded, by number and by worker; the results' states."""
    _django()
    from django.db import connection
    from django_tasks_db.models import DBTaskResult

    from bench.scaleout_tasks import RUNS_TABLE

    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*), count(DISTINCT number) FROM {RUNS_TABLE}")
        runs, distinct = cursor.fetchone()
    results = DBTaskResult.objects.filter(task_path="bench.scaleout_tasks.record_run")
    by_worker: Counter = Counter()
    claimed_twice = 0
    for worker_ids in results.values_list("worker_ids", flat=True):
        by_worker.update(worker_ids[:1])
        claimed_twice += len(worker_ids) > 1
    print(
        json.dumps(
            {
                "runs": runs,
                "distinct": distinct,
                "succeeded": results.filter(status="SUCCESSFUL").count(),
                "by_worker": by_worker,
                "claimed_twice": claimed_twice,
            }
        )
    )


if __name__ == "__main__":
    command = sys.argv[1] if len(sys.argv) > 1 else ""
    if command == "_prepare":
        child_prepare()
    elif command == "_enqueue":
        child_enqueue(int(sys.argv[2]))
    elif command == "_tasks":
        child_tasks()
    else:
        raise SystemExit(main())
