"""Faults survived, measured (issue 17): the database goes away under load and comes back.

    .venv/bin/python bench/faults.py --users 50 --duration 60 --outage-at 20 --outage 10

What it does, all on 127.0.0.1 and in a temporary folder:

1. starts a private PostgreSQL cluster (initdb and pg_ctl from /usr/lib/postgresql/*/bin, as
   the `postgres` system user when run as root) on a free port, never the system one;
2. migrates a fresh database there and makes a small region: a ward with `--users` users
   (the bench password) and patients for them to admit;
3. starts gunicorn with production settings (DEBUG off, the WSGI app as deployed; plain HTTP
   on the loopback, so no HTTPS redirect);
4. logs the users in and runs them for `--duration` seconds: Översikt, Mottagna, Telefonlista,
   and opening a discharge case (a write, with the form's one-time key);
5. at `--outage-at` seconds stops the cluster (pg_ctl stop -m fast), waits `--outage`
   seconds and starts it again; gunicorn is left alone;
6. checks, after the load: no answer other than the Swedish 503 page (with Retry-After) was a
   5xx; every case whose opening got a success answer is in the database once, and no key
   opened two cases; the answers after the restart succeed again (no restart of the app).

It prints the figures as Markdown (bench/faults-results.md keeps the recorded runs) and exits
non-zero when a check fails.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from benchenv import BENCH_PASSWORD, BENCH_SECRET_KEY, ROOT
from loadtest import HOST, Browser, form_fields

SWEDISH_503 = "samplan är tillfälligt otillgängligt"


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


# --- The private PostgreSQL cluster --------------------------------------------------------------


def _pg_bin(name: str) -> str:
    for version in sorted(Path("/usr/lib/postgresql").glob("*"), reverse=True):
        candidate = version / "bin" / name
        if candidate.exists():
            return str(candidate)
    found = shutil.which(name)
    if not found:
        raise SystemExit(f"{name} not found: install PostgreSQL's server package")
    return found


class Cluster:
    """A throw-away PostgreSQL cluster in a temporary folder, on its own port."""

    def __init__(self, folder: Path, *, options: str = "") -> None:
        self.folder = folder
        self.data = folder / "data"
        self.port = free_port()
        self.options = options  # more postgres -c settings (bench/scaleout.py)
        self.as_user = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []

    def _run(self, *command: str) -> None:
        subprocess.run([*self.as_user, *command], check=True, capture_output=True)

    def init(self) -> None:
        if self.as_user:
            shutil.chown(self.folder, "postgres")
        self._run(_pg_bin("initdb"), "-D", str(self.data), "-A", "trust", "-U", "postgres")
        self.start()
        subprocess.run(
            ["psql", "-h", HOST, "-p", str(self.port), "-U", "postgres", "-qc",
             "CREATE DATABASE samplan"],
            check=True,
        )  # fmt: skip

    def start(self) -> None:
        options = f"-p {self.port} -k {self.folder} -c listen_addresses={HOST} -c fsync=on"
        options = f"{options} {self.options}".strip()
        self._run(
            _pg_bin("pg_ctl"), "-D", str(self.data), "-o", options,
            "-l", str(self.folder / "postgres.log"), "-w", "start",
        )  # fmt: skip

    def stop(self) -> None:
        self._run(_pg_bin("pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop")

    @property
    def url(self) -> str:
        return f"postgres://postgres@{HOST}:{self.port}/samplan"


# --- Set-up and checks inside Django (run in a child process with the cluster's settings) -------


def environment(database_url: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="samplan.settings",
        DEBUG="false",
        SECRET_KEY=BENCH_SECRET_KEY,
        DATABASE_URL=database_url,
        ALLOWED_HOSTS=f"{HOST},localhost",
        SECURE_COOKIES="false",
        SECURE_SSL_REDIRECT="false",
        LOG_LEVEL="ERROR",
    )
    return env


def _django() -> None:
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def child_setup(users: int, patients_each: int) -> None:
    """A ward with `users` users and patients for them; prints what the load needs as JSON."""
    _django()
    from django.contrib.auth.hashers import make_password

    from samplan.accounts.models import User
    from samplan.patients.testing import PatientFactory
    from samplan.testing import build_cast, user_with_role

    cast = build_cast()
    password = make_password(BENCH_PASSWORD)
    people = []
    for number in range(users):
        user = user_with_role(f"fault{number:03d}", cast.ward)
        people.append(user.username)
    User.objects.filter(username__in=people).update(password=password)
    identities = [PatientFactory().identity_number for _ in range(users * patients_each)]
    print(json.dumps({"users": people, "unit": cast.ward.pk, "identities": identities}))


def child_verify(successes_file: str) -> None:
    """Each opening that got a success answer is in the database once; no key opened two."""
    _django()
    from django.db.models import Count

    from samplan.discharge.models import DischargeCase

    successes = json.loads(Path(successes_file).read_text())
    keys = [key for key, _case in successes]
    found = dict(
        DischargeCase.objects.filter(opening_key__in=keys).values_list("opening_key", "pk")
    )
    doubled = list(
        DischargeCase.objects.exclude(opening_key="")
        .values("opening_key")
        .annotate(n=Count("pk"))
        .filter(n__gt=1)
        .values_list("opening_key", flat=True)
    )
    missing = [key for key, case in successes if found.get(key) != int(case)]
    print(
        json.dumps(
            {
                "successes": len(successes),
                "missing": missing,
                "doubled": doubled,
                "cases_in_database": DischargeCase.objects.count(),
            }
        )
    )


# --- The load ------------------------------------------------------------------------------------


@dataclass
class Answer:
    at: float
    kind: str
    status: int
    seconds: float
    swedish_503: bool = False
    retry_after: str = ""


@dataclass
class Shared:
    answers: list[Answer] = field(default_factory=list)
    openings: list[tuple[str, str]] = field(default_factory=list)  # (key, case id) answered OK
    lock: threading.Lock = field(default_factory=threading.Lock)


class User(threading.Thread):
    def __init__(self, port, username, unit, identities, until, shared, think) -> None:
        super().__init__(daemon=True)
        self.browser = Browser(port, [], threading.Event())
        self.username, self.unit, self.identities = username, unit, identities
        self.until, self.shared, self.think = until, shared, think
        self.logged_in = False
        self.ready = threading.Event()
        self.go = threading.Event()

    def _do(self, kind: str, method: str, path: str, data=None) -> tuple[int, str, dict]:
        started = time.perf_counter()
        status, text, headers = self.browser.request(kind, method, path, data, expect=200)
        answer = Answer(time.time(), kind, status, time.perf_counter() - started)
        if status == 503:
            answer.swedish_503 = SWEDISH_503 in text and '<html lang="sv">' in text
            answer.retry_after = headers.get("retry-after", "")
        with self.shared.lock:
            self.shared.answers.append(answer)
        return status, text, headers

    def _open_case(self) -> None:
        if not self.identities:
            return
        status, text, _ = self._do("new case form", "GET", "/utskrivning/arenden/ny/")
        if status != 200:
            return
        fields = dict(form_fields(text, "identity"))
        fields["identity"] = self.identities.pop()
        key = fields.get("key", "")
        status, _, headers = self._do(
            "open case", "POST", "/utskrivning/arenden/ny/", list(fields.items())
        )
        match = re.search(r"/utskrivning/arenden/(\d+)/", headers.get("location", ""))
        if status == 302 and match:
            with self.shared.lock:
                self.shared.openings.append((key, match.group(1)))

    def run(self) -> None:
        # Log in before the clock starts (a password check costs the server real CPU).
        for _ in range(10):
            self.logged_in = self.browser.login(self.username, self.unit)
            if self.logged_in:
                break
        self.ready.set()
        self.go.wait()
        pages = [
            ("overview", "/inkorg/oversikt/"),
            ("received", "/inkorg/"),
            ("phone list", "/telefonlista/"),
        ]
        while time.time() < self.until:
            if not self.logged_in:
                self.logged_in = self.browser.login(self.username, self.unit)
                if not self.logged_in:
                    time.sleep(1)
                    continue
            if random.random() < 0.25:
                self._open_case()
            else:
                kind, path = random.choice(pages)
                status, _, headers = self._do(kind, "GET", path)
                if status == 302 and "/konto/logga-in/" in headers.get("location", ""):
                    self.logged_in = False
            time.sleep(random.uniform(0, 2 * self.think))


# --- Main ----------------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--duration", type=float, default=60)
    parser.add_argument("--outage-at", type=float, default=20)
    parser.add_argument("--outage", type=float, default=10)
    parser.add_argument("--think", type=float, default=0.5, help="mean pause between requests")
    parser.add_argument("--workers", type=int, default=(os.cpu_count() or 1) + 1)
    args = parser.parse_args()

    folder = Path(tempfile.mkdtemp(prefix="samplan-faults-"))
    cluster = Cluster(folder)
    server = None
    try:
        print(f"private PostgreSQL on port {cluster.port} in {folder}", file=sys.stderr)
        cluster.init()
        env = environment(cluster.url)
        python = str(ROOT / ".venv" / "bin" / "python")
        subprocess.run(
            [python, "manage.py", "migrate", "--noinput", "-v", "0"], cwd=ROOT, env=env, check=True
        )
        subprocess.run(
            [python, "manage.py", "collectstatic", "--noinput", "-v", "0"],
            cwd=ROOT,
            env=env,
            check=True,
        )
        world = json.loads(
            subprocess.run(
                [python, __file__, "_setup", str(args.users), "40"],
                cwd=ROOT,
                env=env,
                check=True,
                capture_output=True,
                text=True,
            ).stdout
        )
        port = free_port()
        server = subprocess.Popen(
            [
                str(ROOT / ".venv" / "bin" / "gunicorn"),
                "samplan.wsgi",
                "--workers", str(args.workers),
                "--bind", f"{HOST}:{port}",
                "--timeout", "60",
            ],
            cwd=ROOT,
            env=env,
        )  # fmt: skip
        _wait_for_port(port)
        shared = Shared()
        until = time.time() + 3600  # set again below, once everyone is logged in
        identities = world["identities"]
        per_user = len(identities) // len(world["users"])
        users = [
            User(
                port,
                name,
                world["unit"],
                identities[n * per_user : (n + 1) * per_user],
                until,
                shared,
                args.think,
            )
            for n, name in enumerate(world["users"])
        ]
        for user in users:
            user.start()
        for user in users:
            user.ready.wait(300)
        logged_in = sum(user.logged_in for user in users)
        started = time.time()
        for user in users:
            user.until = started + args.duration
            user.go.set()
        time.sleep(max(0.0, started + args.outage_at - time.time()))
        outage_start = time.time()
        cluster.stop()
        time.sleep(args.outage)
        cluster.start()
        outage_end = time.time()
        for user in users:
            user.join(timeout=args.duration + 120)
        successes_file = folder / "successes.json"
        successes_file.write_text(json.dumps(shared.openings))
        verified = json.loads(
            subprocess.run(
                [python, __file__, "_verify", str(successes_file)],
                cwd=ROOT,
                env=env,
                check=True,
                capture_output=True,
                text=True,
            ).stdout
        )
        print(f"{logged_in} of {len(users)} users logged in", file=sys.stderr)
        return report(args, shared.answers, verified, started, outage_start, outage_end)
    finally:
        if server is not None:
            server.terminate()
            with contextlib.suppress(subprocess.TimeoutExpired):
                server.wait(20)
        with contextlib.suppress(subprocess.CalledProcessError):
            cluster.stop()
        shutil.rmtree(folder, ignore_errors=True)


def _wait_for_port(port: int) -> None:
    for _ in range(100):
        with socket.socket() as s:
            if s.connect_ex((HOST, port)) == 0:
                return
        time.sleep(0.2)
    raise SystemExit("gunicorn did not start")


def report(args, answers, verified, started, outage_start, outage_end) -> int:
    def phase(answer: Answer) -> str:
        if answer.at < outage_start:
            return "before"
        if answer.at <= outage_end + 1:  # a request under way when it came back
            return "outage"
        return "after"

    counts: dict[str, Counter] = {p: Counter() for p in ("before", "outage", "after")}
    for answer in answers:
        counts[phase(answer)][answer.status] += 1
    bad_5xx = [a for a in answers if a.status >= 500 and not (a.status == 503 and a.swedish_503)]
    no_retry_after = [a for a in answers if a.status == 503 and not a.retry_after]
    after = [a for a in answers if a.at > outage_end + 2]
    recovered = bool(after) and all(a.status in (200, 302) for a in after)
    first_ok_after = min(
        (a.at for a in answers if a.at > outage_end and a.status in (200, 302)), default=None
    )
    checks = {
        "no 5xx but the Swedish 503": not bad_5xx,
        "every 503 has Retry-After": not no_retry_after,
        "users saw the 503 page during the outage": counts["outage"][503] > 0,
        "every write answered as done is in the database": not verified["missing"],
        "no write twice": not verified["doubled"],
        "answers succeed again after the restart (app not restarted)": recovered,
    }
    print(f"\n### {time.strftime('%Y-%m-%d %H:%M')}: {args.users} users, {args.duration:.0f} s, "
          f"database stopped at {args.outage_at:.0f} s for {args.outage:.0f} s\n")  # fmt: skip
    print("| phase | answers | by status |")
    print("|---|---|---|")
    for name, counter in counts.items():
        statuses = ", ".join(
            f"{status or 'no answer'}: {n}" for status, n in sorted(counter.items())
        )
        print(f"| {name} | {sum(counter.values())} | {statuses} |")
    print(
        f"\nRequests per second: {len(answers) / args.duration:.1f}. "
        f"Cases opened with a success answer: {verified['successes']}; in the database: "
        f"{verified['cases_in_database']}; missing: {len(verified['missing'])}; twice: "
        f"{len(verified['doubled'])}. First success after the database came back: "
        + (f"{first_ok_after - outage_end:.1f} s" if first_ok_after else "none")
        + ".\n"
    )
    for name, ok in checks.items():
        print(f"- {'PASS' if ok else 'FAIL'}: {name}")
    if bad_5xx:
        print(f"\nOther 5xx: {Counter((a.kind, a.status) for a in bad_5xx).most_common(5)}")
    return 0 if all(checks.values()) else 1


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "_setup":
        child_setup(int(sys.argv[2]), int(sys.argv[3]))
    elif len(sys.argv) > 1 and sys.argv[1] == "_verify":
        child_verify(sys.argv[2])
    else:
        raise SystemExit(main())
