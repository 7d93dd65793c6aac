"""A fresh gunicorn worker's first request against its warm ones, with and without the warm-up.

Starts gunicorn with one sync worker on the bench database, as the load test does, and for
each start sends the worker's very first request (a page of a logged-in user of the busiest
ward, with a session made beforehand, so no login runs in the worker), then --warm more of
the same. The worker's CPU time per request comes from /proc/<pid>/schedstat (nanoseconds),
so the figures do not depend on what else the shared machine runs. Two set-ups alternate,
start by start, so that the machine's drift hits both alike:

- "lazy": no --preload, SAMPLAN_WARM_UP=0 (Django loads templates, catalogues, URL
  resolvers on the first request that needs them; as before issue 18);
- "shared": --preload and samplan.wsgi's warm-up, but the worker keeps sharing the master's
  memory (SAMPLAN_COPY_SHARED_MEMORY=0), so its first request copies the pages it writes;
- "warm": --preload and samplan.wsgi's warm-up, the worker copying the master's memory as
  it starts (deploy/samplan-web.service; samplan.core.warmup.start_worker).

Each set-up also shows the first and warm requests' minor page faults and the worker's
memory (PSS and private, after the warm requests).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/samplan_bench \\
        .venv/bin/python bench/warm_workers.py [--starts 5] [--warm 20] [--page Översikt]
"""

from __future__ import annotations

import argparse
import http.client
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from benchenv import setup_django
from loadtest import HOST, server_environment, start_server
from profile_pages import busiest_ward_user, pages_for


def worker_pid(master: int) -> int:
    """The one worker gunicorn forked (bounded wait: 30 s)."""
    for _ in range(300):
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat[stat.rindex(")") + 2 :].split()[1]) == master:
                return int(entry.name)
        time.sleep(0.1)
    raise SystemExit("gunicorn forked no worker within 30 s.")


def cpu_ns(pid: int) -> int:
    return int(Path(f"/proc/{pid}/schedstat").read_text().split()[0])


def minor_faults(pid: int) -> int:
    """The process's minor page faults so far (/proc/<pid>/stat, field 10): after a fork,
    each first write to a page still shared with the master is one (copy-on-write)."""
    stat = Path(f"/proc/{pid}/stat").read_text()
    return int(stat[stat.rindex(")") + 2 :].split()[7])


def memory_mb(pid: int) -> tuple[float, float]:
    """The worker's proportional set size and its private memory, in MB (smaps_rollup):
    what it shares with the master counts in the first only in part, in the second not."""
    fields = {}
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines()[1:]:
        name, value = line.split(":", 1)
        fields[name] = int(value.split()[0])
    private = fields["Private_Clean"] + fields["Private_Dirty"]
    return fields["Pss"] / 1024, private / 1024


def wait_idle(pid: int) -> None:
    """Until the worker has finished starting: no CPU used for half a second (bounded)."""
    last = cpu_ns(pid)
    for _ in range(120):
        time.sleep(0.5)
        now = cpu_ns(pid)
        if now - last < 1_000_000:
            return
        last = now
    raise SystemExit(f"worker {pid} still busy after 60 s")


def session_cookie(username: str, unit_id: int) -> str:
    """A logged-in session acting for the unit, its activity recorded now (so the worker's
    first request does not write the session), as a Cookie header."""
    from django.conf import settings
    from django.test import Client
    from django.utils import timezone

    from samplan.accounts.models import User
    from samplan.accounts.sessions import SESSION_ACTIVITY_KEY, SESSION_UNIT_KEY

    client = Client()
    client.force_login(User.objects.get(username=username))
    session = client.session
    session[SESSION_UNIT_KEY] = unit_id
    session[SESSION_ACTIVITY_KEY] = int(timezone.now().timestamp())
    session.save()
    return f"{settings.SESSION_COOKIE_NAME}={session.session_key}"


def get(port: int, path: str, cookie: str) -> tuple[int, float]:
    connection = http.client.HTTPConnection(HOST, port, timeout=60)
    started = time.perf_counter()
    connection.request("GET", path, headers={"Host": HOST, "Cookie": cookie})
    response = connection.getresponse()
    response.read()
    connection.close()
    return response.status, (time.perf_counter() - started) * 1000


def one_start(setup: str, port: int, path: str, cookie: str, warm: int) -> dict[str, float]:
    environment = server_environment()
    environment["SAMPLAN_WARM_UP"] = "0" if setup == "lazy" else "1"
    environment["SAMPLAN_COPY_SHARED_MEMORY"] = "0" if setup == "shared" else "1"
    server = start_server(
        port, 1, "sync", 1, preload=setup != "lazy", environment=environment, wait_seconds=120
    )
    try:
        # start_server asked for the login page to see the server up: that was this
        # worker's first request. Replace the worker, so the next one is really fresh.
        first_worker = worker_pid(server.pid)
        os.kill(first_worker, 15)
        for _ in range(300):
            pid = worker_pid(server.pid)
            if pid != first_worker:
                break
            time.sleep(0.1)
        wait_idle(pid)  # the new worker has loaded (lazy) or forked (warm) and waits
        before, faults_before = cpu_ns(pid), minor_faults(pid)
        status, first_wall = get(port, path, cookie)
        first_cpu = (cpu_ns(pid) - before) / 1e6
        first_faults = minor_faults(pid) - faults_before
        if status != 200:
            raise SystemExit(f"{path} answered {status}")
        cpus, walls, faults = [], [], []
        for _ in range(warm):
            before, faults_before = cpu_ns(pid), minor_faults(pid)
            _status, wall = get(port, path, cookie)
            cpus.append((cpu_ns(pid) - before) / 1e6)
            faults.append(minor_faults(pid) - faults_before)
            walls.append(wall)
        pss, private = memory_mb(pid)
        return {
            "pss": pss,
            "private": private,
            "first_cpu": first_cpu,
            "first_wall": first_wall,
            "warm_cpu": statistics.median(cpus),
            "warm_wall": statistics.median(walls),
            "first_faults": first_faults,
            "warm_faults": statistics.median(faults),
        }
    finally:
        server.terminate()
        server.wait(timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--starts", type=int, default=5, help="server starts per set-up")
    parser.add_argument("--warm", type=int, default=20, help="warm requests after the first")
    parser.add_argument("--page", action="append", help="pages (default: Översikt, new count)")
    parser.add_argument("--port", type=int, default=8771)
    options = parser.parse_args()
    os.environ.update(server_environment())
    setup_django()
    from django.core.management import call_command
    from django.db import connection

    call_command("collectstatic", interactive=False, verbosity=0)
    username, unit_id = busiest_ward_user()
    paths = pages_for(unit_id)
    cookie = session_cookie(username, unit_id)
    connection.close()
    print(f"load average {os.getloadavg()[0]:.2f}; user {username}, unit {unit_id}")
    for page in options.page or ["Översikt", "new count"]:
        results: dict[str, list[dict[str, float]]] = {"lazy": [], "shared": [], "warm": []}
        for _ in range(options.starts):
            for setup in results:
                results[setup].append(
                    one_start(setup, options.port, paths[page], cookie, options.warm)
                )
        print(f"\n{page} ({paths[page]}), {options.starts} starts each, medians:")
        header = ("set-up", "first CPU", "warm CPU", "ratio", "first wall", "warm wall")
        header += ("first faults", "warm faults", "PSS", "private")
        print("{:<7} {:>10} {:>9} {:>6} {:>11} {:>10} {:>12} {:>11} {:>7} {:>8}".format(*header))
        for setup, runs in results.items():
            first = statistics.median(r["first_cpu"] for r in runs)
            warm = statistics.median(r["warm_cpu"] for r in runs)
            ratios = [r["first_cpu"] / r["warm_cpu"] for r in runs]
            print(
                f"{setup:<7} {first:>8.1f}ms {warm:>7.1f}ms {statistics.median(ratios):>5.1f}x "
                f"{statistics.median(r['first_wall'] for r in runs):>9.1f}ms "
                f"{statistics.median(r['warm_wall'] for r in runs):>8.1f}ms "
                f"{statistics.median(r['first_faults'] for r in runs):>12.0f} "
                f"{statistics.median(r['warm_faults'] for r in runs):>11.0f} "
                f"{statistics.median(r['pss'] for r in runs):>5.0f}MB "
                f"{statistics.median(r['private'] for r in runs):>6.0f}MB"
            )
    print(f"load average after {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
