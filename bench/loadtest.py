"""Load test: the real server under a realistic mix of logged-in users, and the limit beside it.

Starts gunicorn with production settings (DEBUG off, a SECRET_KEY, the bench database) on
127.0.0.1 only, logs in --users users with their password, and drives the server from this
process (one thread and one connection per user, no think time) for --duration seconds:
Översikt, Mottagna, a case page, a message page, Kvittera, Sök patient, the header's new
count, opening a case and sending its admission notice (wards), and log search by patient
(log reviewers; when the log review pages are installed). It reports, per request type,
count, throughput and p50/p95/p99 latency, and errors.

Then it measures the limit beside it: the same pages run alone in this process (the median
of five runs, wall and CPU time) with every query captured, and each SELECT is run again
under EXPLAIN ANALYZE (PostgreSQL; on SQLite it is timed), so each page's time reads as a
ratio to its raw queries. While the load runs, the CPU time of the gunicorn processes and of
the database's backends is sampled from /proc: the CPU per request, and so the capacity of
two free cores, does not depend on what else the (shared) machine runs. The log search by
patient is measured as a query too, since its page may not be installed.

    # after bench/generate.py filled the database:
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/samplan_bench \\
        .venv/bin/python bench/loadtest.py --users 20 --duration 60

The run is bounded: it stops at --duration (plus --warmup), at --max-requests, or when more
than half of the requests fail. The figures and the environment go to
bench/output/loadtest-<time>.json as well. The run writes to the database (cases opened,
messages sent, deliveries acknowledged, access-log rows): run it on a fresh copy of the
generated database (bench/fresh-copy.sh) so that runs compare.
"""

from __future__ import annotations

import argparse
import datetime
import http.client
import json
import os
import random
import re
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
from collections import defaultdict
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from benchenv import BENCH_PASSWORD, BENCH_SECRET_KEY, OUTPUT, ROOT, database_url, setup_django

HOST = "127.0.0.1"  # loopback only: nothing else is ever a target

# --- HTTP client: one connection and cookie jar per simulated user -----------------------------


class FormParser(HTMLParser):
    """The fields a browser would post from the forms of a page: hidden and text inputs with
    their values, ticked checkboxes and radios, textareas, and each select's chosen option."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[list[tuple[str, str]]] = []
        self._select: str | None = None
        self._select_value: str | None = None
        self._first_option: str | None = None
        self._textarea: str | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self.forms.append([])
        if not self.forms:
            return
        fields = self.forms[-1]
        name = a.get("name")
        if tag == "input" and name:
            kind = a.get("type", "text")
            if kind in ("checkbox", "radio"):
                if "checked" in a:
                    fields.append((name, a.get("value", "on")))
            elif kind not in ("submit", "button"):
                fields.append((name, a.get("value", "")))
        elif tag == "select" and name:
            self._select, self._select_value, self._first_option = name, None, None
        elif tag == "option" and self._select:
            value = a.get("value", "")
            if self._first_option is None:
                self._first_option = value
            if "selected" in a:
                self._select_value = value
        elif tag == "textarea" and name:
            self._textarea, self._text = name, []

    def handle_data(self, data: str) -> None:
        if self._textarea:
            self._text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "select" and self._select and self.forms:
            value = self._select_value if self._select_value is not None else self._first_option
            self.forms[-1].append((self._select, value or ""))
            self._select = None
        elif tag == "textarea" and self._textarea and self.forms:
            self.forms[-1].append((self._textarea, "".join(self._text).strip()))
            self._textarea = None


def form_fields(html: str, containing: str) -> list[tuple[str, str]]:
    """The fields of the first form that has a field named `containing`."""
    parser = FormParser()
    parser.feed(html)
    for fields in parser.forms:
        if any(name == containing for name, _value in fields):
            return fields
    raise ValueError(f"no form with a field {containing!r}")


CSRF_RE = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
CASE_RE = re.compile(r'href="/utskrivning/arenden/(\d+)/"')
MESSAGE_RE = re.compile(r'href="/meddelanden/(\d+)/"')
OPEN_DELIVERY_RE = re.compile(r'name="delivery" value="(\d+)"')


@dataclass
class Result:
    kind: str
    seconds: float
    ok: bool
    at: float
    status: int = 0  # 0: no answer (connection failed)


class Browser:
    """A logged-in user's connection: cookies, the last CSRF token, and what pages showed."""

    def __init__(self, port: int, record: list[Result], measuring: threading.Event) -> None:
        self.connection = http.client.HTTPConnection(HOST, port, timeout=60)
        self.cookies: dict[str, str] = {}
        self.csrf = ""
        self.record = record
        self.measuring = measuring

    def request(
        self,
        kind: str,
        method: str,
        path: str,
        data: list[tuple[str, str]] | None = None,
        *,
        expect: int,
        headers: dict[str, str] | None = None,
    ) -> tuple[int, str, dict[str, str]]:
        body = urllib.parse.urlencode(data) if data is not None else None
        sent = {"Host": f"{HOST}", "Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        if body is not None:
            sent["Content-Type"] = "application/x-www-form-urlencoded"
            sent["Referer"] = f"http://{HOST}{path}"
        sent.update(headers or {})
        started = time.perf_counter()
        try:
            self.connection.request(method, path, body=body, headers=sent)
            response = self.connection.getresponse()
            text = response.read().decode("utf-8", "replace")
        except (OSError, http.client.HTTPException):
            self.connection.close()
            elapsed = time.perf_counter() - started
            if self.measuring.is_set():
                self.record.append(Result(kind, elapsed, False, time.time()))
            return 0, "", {}
        elapsed = time.perf_counter() - started
        status = response.status
        for name, value in response.getheaders():
            if name.lower() == "set-cookie":
                cookie = value.split(";", 1)[0]
                key, _, val = cookie.partition("=")
                self.cookies[key.strip()] = val.strip()
        if response.getheader("Connection", "").lower() == "close":
            self.connection.close()
        if self.measuring.is_set():
            self.record.append(Result(kind, elapsed, status == expect, time.time(), status))
        match = CSRF_RE.search(text)
        if match:
            self.csrf = match.group(1)
        return status, text, {k.lower(): v for k, v in response.getheaders()}

    def login(self, username: str, unit_id: int) -> bool:
        self.request("login page", "GET", "/konto/logga-in/", expect=200)
        status, _text, _headers = self.request(
            "log in",
            "POST",
            "/konto/logga-in/",
            [
                ("csrfmiddlewaretoken", self.csrf),
                ("username", username),
                ("password", BENCH_PASSWORD),
            ],
            expect=302,
        )
        if status != 302:
            return False
        status, _text, _headers = self.request(
            "choose unit", "GET", "/konto/valj-enhet/", expect=302
        )
        if status == 200:  # several units: choose the one this user works in here
            status, _text, _headers = self.request(
                "choose unit",
                "POST",
                "/konto/valj-enhet/",
                [("csrfmiddlewaretoken", self.csrf), ("unit", str(unit_id)), ("next", "/")],
                expect=302,
            )
        return status == 302


# --- The simulated users -----------------------------------------------------------------------


@dataclass
class Persona:
    """A bench user and what they work with: their unit, patients their unit knows (for Sök
    patient), and for ward staff patients without an open case (for opening new cases)."""

    username: str
    unit_id: int
    unit_name: str
    role: str  # ward, care_centre, municipal, log_reviewer
    known_identities: list[str]
    new_patients: list[str] = field(default_factory=list)
    log_patients: list[int] = field(default_factory=list)


# Relative weights of each action for inbox users (ward staff add the admission flow).
MIX = {
    "overview": 20,
    "received": 25,
    "case": 18,
    "message": 10,
    "acknowledge": 10,
    "search patient": 7,
    "new count": 5,
    "admission": 4,
}


class VirtualUser(threading.Thread):
    def __init__(
        self,
        persona: Persona,
        port: int,
        *,
        deadline: float,
        max_requests: int,
        seed: int,
        measuring: threading.Event,
        stop: threading.Event,
        log_search_path: str | None,
        think: float = 0.0,
    ) -> None:
        super().__init__(daemon=True)
        self.think = think
        self.persona = persona
        self.results: list[Result] = []
        self.browser = Browser(port, self.results, measuring)
        self.deadline = deadline
        self.max_requests = max_requests
        self.rng = random.Random(seed)
        self.stop = stop
        self.log_search_path = log_search_path
        self.case_ids: list[int] = []
        self.message_ids: list[int] = []
        self.open_deliveries: list[int] = []
        self.logged_in = False
        self.requests = 0

    def run(self) -> None:
        persona = self.persona
        self.logged_in = self.browser.login(persona.username, persona.unit_id)
        if not self.logged_in:
            return
        if persona.role == "log_reviewer":
            actions, weights = ["log search"], [1]
        else:
            mix = dict(MIX)
            if persona.role != "ward":
                mix.pop("admission")
            actions, weights = list(mix), list(mix.values())
        if persona.role != "log_reviewer":  # a log reviewer has no inbox
            self.overview()
            self.received()
        while time.time() < self.deadline and not self.stop.is_set():
            if self.requests >= self.max_requests:
                break
            action = self.rng.choices(actions, weights)[0]
            getattr(self, action.replace(" ", "_"))()
            if self.think:  # a person reads before the next click (exponential, mean --think)
                pause = min(self.rng.expovariate(1 / self.think), 10 * self.think)
                self.stop.wait(max(0.0, min(pause, self.deadline - time.time())))

    def _get(self, kind: str, path: str, **kwargs: object) -> str:
        self.requests += 1
        _status, text, _headers = self.browser.request(kind, "GET", path, expect=200, **kwargs)
        return text

    def _post(self, kind: str, path: str, data: list[tuple[str, str]], expect: int = 302):
        self.requests += 1
        return self.browser.request(
            kind, "POST", path, [("csrfmiddlewaretoken", self.browser.csrf), *data], expect=expect
        )

    def overview(self) -> None:
        text = self._get("Översikt", "/inkorg/oversikt/")
        self.case_ids = [int(x) for x in CASE_RE.findall(text)] or self.case_ids

    def received(self) -> None:
        text = self._get("Mottagna", "/inkorg/")
        self.open_deliveries = [int(x) for x in OPEN_DELIVERY_RE.findall(text)]
        self.message_ids = [int(x) for x in MESSAGE_RE.findall(text)] or self.message_ids

    def case(self) -> None:
        if not self.case_ids:
            return self.overview()
        self._get("case page", f"/utskrivning/arenden/{self.rng.choice(self.case_ids)}/")

    def message(self) -> None:
        if not self.message_ids:
            return self.received()
        self._get("message page", f"/meddelanden/{self.rng.choice(self.message_ids)}/")

    def acknowledge(self) -> None:
        if not self.open_deliveries:
            return self.received()
        delivery = self.open_deliveries.pop(self.rng.randrange(len(self.open_deliveries)))
        self._post(
            "Kvittera", "/inkorg/kvittera/", [("delivery", str(delivery)), ("next", "/inkorg/")]
        )

    def search_patient(self) -> None:
        # Searches by number are logged whether found or not; most are for known people.
        known = self.persona.known_identities
        number = self.rng.choice(known) if known and self.rng.random() < 0.8 else "191212121212"
        self._post("Sök patient", "/patienter/", [("identity", number)], expect=200)

    def new_count(self) -> None:
        self._get("new count", "/inkorg/antal-nya/", headers={"X-Samplan-Background": "1"})

    def log_search(self) -> None:
        if not self.log_search_path or not self.persona.log_patients:
            return
        patient = self.rng.choice(self.persona.log_patients)
        self._get("log search by patient", f"{self.log_search_path}?patient={patient}")

    def admission(self) -> None:
        """Nytt ärende for a patient in no open case, then its admission notice."""
        if not self.persona.new_patients:
            return self.overview()
        identity = self.persona.new_patients.pop()
        text = self._get("new case form", "/utskrivning/arenden/ny/")
        try:
            fields = dict(form_fields(text, "identity"))
        except ValueError:
            return
        fields["identity"] = identity
        fields.pop("csrfmiddlewaretoken", None)
        status, _text, headers = self._post(
            "open case", "/utskrivning/arenden/ny/", list(fields.items())
        )
        match = re.search(r"/utskrivning/arenden/(\d+)/", headers.get("location", ""))
        if status != 302 or not match:
            return
        case_id = match.group(1)
        path = f"/utskrivning/arenden/{case_id}/skicka/inskrivningsmeddelande/"
        text = self._get("admission notice form", path)
        try:
            fields = [
                (k, v) for k, v in form_fields(text, "ward_phone") if k != "csrfmiddlewaretoken"
            ]
        except ValueError:
            return
        fields = [(k, v or "010-100 00 00") if k == "ward_phone" else (k, v) for k, v in fields]
        self._post("send admission notice", path, [*fields, ("action", "send")])
        self.case_ids.append(int(case_id))


# --- Choosing personas from the database -------------------------------------------------------


def choose_personas(count: int, seed: int, log_search: bool) -> list[Persona]:
    """Users with one unit each, spread as a region's staff are: wards, care centres and
    municipal units, the busiest units first (the worst case), and two log reviewers."""
    from django.db.models import Count, Exists, OuterRef, Q

    from samplan.accounts.models import Membership, Role
    from samplan.discharge.models import CaseParticipant, DischargeCase
    from samplan.discharge.process import OPEN_STATES
    from samplan.organizations.models import OrganizationKind, Unit, UnitKind
    from samplan.patients.models import Patient, Protection

    rng = random.Random(seed)
    single = (
        Membership.objects.values("user_id").annotate(n=Count("pk")).filter(n=1).values("user_id")
    )
    reviewers = 2 if log_search else 0
    shares = {
        "ward": round((count - reviewers) * 0.4),
        "care_centre": round((count - reviewers) * 0.2),
    }
    shares["municipal"] = count - reviewers - sum(shares.values())
    kinds = {
        "ward": [UnitKind.HOSPITAL_WARD_SOMATIC, UnitKind.HOSPITAL_WARD_PSYCHIATRIC],
        "care_centre": [UnitKind.PRIMARY_CARE_CENTRE],
        "municipal": [
            UnitKind.MUNICIPAL_INTAKE,
            UnitKind.HOME_CARE,
            UnitKind.HOME_HEALTH_CARE,
            UnitKind.NURSING_HOME,
        ],
    }
    open_case = Exists(
        DischargeCase.objects.filter(patient=OuterRef("pk"), state__in=list(OPEN_STATES))
    )
    free_patients = list(
        Patient.objects.annotate(busy=open_case)
        .filter(busy=False, protection=Protection.NONE, identity_kind="personal")
        .order_by("pk")
        .values_list("identity_number", flat=True)[:200_000]
    )
    rng.shuffle(free_patients)
    personas: list[Persona] = []
    for role, how_many in shares.items():
        units = list(
            Unit.objects.filter(kind__in=kinds[role], has_inbox=True)
            .annotate(
                open_cases=Count(
                    "case_participations",
                    filter=Q(
                        case_participations__left_at__isnull=True,
                        case_participations__case__state__in=list(OPEN_STATES),
                    ),
                )
            )
            .order_by("-open_cases", "pk")[: how_many * 3]
        )
        # Half the busiest units, half picked from the rest: big and ordinary inboxes.
        picked = units[: (how_many + 1) // 2]
        rest = units[(how_many + 1) // 2 :]
        picked += rng.sample(rest, min(len(rest), how_many - len(picked)))
        for unit in picked:
            membership = (
                Membership.objects.filter(unit=unit, role=Role.USER, user_id__in=single)
                .select_related("user")
                .order_by("user_id")
                .first()
            )
            if membership is None:
                continue
            known = list(
                CaseParticipant.objects.filter(unit=unit)
                .values_list("case__patient__identity_number", flat=True)
                .order_by("-case_id")[:200]
            )
            persona = Persona(membership.user.username, unit.pk, unit.name, role, known)
            if role == "ward":
                share = min(400, len(free_patients) // max(1, shares["ward"]))
                persona.new_patients = [free_patients.pop() for _ in range(share)]
            personas.append(persona)
    if reviewers:
        region_reviewers = Membership.objects.filter(
            role=Role.LOG_REVIEWER, unit__organization__kind=OrganizationKind.REGION
        ).select_related("user", "unit")[:reviewers]
        # Patients with the most accesses: the heaviest log searches.
        from samplan.auditlog.models import AccessLogEntry

        heavy = list(
            AccessLogEntry.objects.filter(patient__isnull=False)
            .values("patient_id")
            .annotate(n=Count("pk"))
            .order_by("-n")
            .values_list("patient_id", flat=True)[:50]
        )
        for membership in region_reviewers:
            personas.append(
                Persona(
                    membership.user.username,
                    membership.unit_id,
                    membership.unit.name,
                    "log_reviewer",
                    [],
                    log_patients=heavy,
                )
            )
    return personas


# --- The server --------------------------------------------------------------------------------


def server_environment() -> dict[str, str]:
    environment = dict(os.environ)
    environment.update(
        DEBUG="false",
        SECRET_KEY=environment.get("SECRET_KEY", BENCH_SECRET_KEY),
        DATABASE_URL=database_url(),
        ALLOWED_HOSTS=f"{HOST},localhost,testserver",
        # Plain HTTP on the loopback: no TLS proxy in front, so cookies cannot be Secure.
        SECURE_COOKIES="false",
        SECURE_SSL_REDIRECT="false",
        LOG_LEVEL="WARNING",
    )
    return environment


def start_server(
    port: int,
    workers: int,
    worker_class: str,
    threads: int,
    *,
    preload: bool = True,
    environment: dict[str, str] | None = None,
    wait_seconds: int = 120,  # the warm-up before the fork takes ~5 s, far more on a busy machine
) -> subprocess.Popen:
    """gunicorn as deploy/samplan-web.service runs it: --preload, so the application is
    loaded and warmed (samplan.core.warmup) once, before the workers are forked."""
    command = [
        str(ROOT / ".venv" / "bin" / "gunicorn"),
        "samplan.wsgi:application",
        *(["--preload"] if preload else []),
        "--bind",
        f"{HOST}:{port}",
        "--workers",
        str(workers),
        "--worker-class",
        worker_class,
        "--threads",
        str(threads),
        "--log-level",
        "warning",
        "--timeout",
        "60",
    ]
    server = subprocess.Popen(command, cwd=ROOT, env=environment or server_environment())
    for _ in range(wait_seconds * 10):  # bounded
        if server.poll() is not None:
            sys.exit("gunicorn stopped at start-up.")
        try:
            connection = http.client.HTTPConnection(HOST, port, timeout=2)
            connection.request("GET", "/konto/logga-in/", headers={"Host": HOST})
            if connection.getresponse().status == 200:
                connection.close()
                return server
        except OSError:
            pass
        time.sleep(0.1)
    server.terminate()
    sys.exit(f"gunicorn did not answer within {wait_seconds} s.")


def external_port(base_url: str) -> int:
    """The port of --base-url, which must be on this machine's loopback (as HOST)."""
    parts = urllib.parse.urlsplit(base_url)
    if parts.scheme != "http" or parts.hostname not in (HOST, "localhost") or not parts.port:
        sys.exit(f"--base-url must be http://{HOST}:PORT, not {base_url!r}")
    return parts.port


# --- CPU: what the server costs per request, whatever else the machine runs ------------------


class CpuMeter:
    """CPU time of the gunicorn processes and of the PostgreSQL backends serving the bench
    database, sampled from /proc while the test runs. The machine is shared, so latency
    depends on what else runs; CPU per request does not, and gives the capacity of two free
    cores. A process that starts during the window counts from zero; one that ends loses at
    most the last sampling interval."""

    def __init__(self, server_pids: list[int], database: str) -> None:
        self.server_pids = set(server_pids)
        self.database = f" {database} "
        self.tick = os.sysconf("SC_CLK_TCK")
        self.first: dict[int, tuple[str, int]] = {}
        self.last: dict[int, tuple[str, int]] = {}
        self.started = False

    def _processes(self) -> dict[int, tuple[str, int]]:
        found = {}
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                stat = (entry / "stat").read_text()
                fields = stat[stat.rindex(")") + 2 :].split()
                ppid, ticks = int(fields[1]), int(fields[11]) + int(fields[12])
                pid = int(entry.name)
                if pid in self.server_pids or ppid in self.server_pids:
                    found[pid] = ("app", ticks)
                elif "postgres" in stat[: stat.rindex(")")]:
                    command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
                    if self.database in command:
                        found[pid] = ("database", ticks)
            except (OSError, ValueError):
                continue
        return found

    def sample(self) -> None:
        current = self._processes()
        if not self.started:
            self.first = dict(current)
            self.started = True
        for pid, value in current.items():
            self.first.setdefault(pid, (value[0], 0))
            self.last[pid] = value

    def seconds(self) -> dict[str, float]:
        totals = {"app": 0.0, "database": 0.0}
        for pid, (kind, ticks) in self.last.items():
            totals[kind] += (ticks - self.first[pid][1]) / self.tick
        return totals


# --- Figures -----------------------------------------------------------------------------------


def percentile(values: list[float], share: float) -> float:
    """Nearest-rank percentile of sorted values."""
    if not values:
        return float("nan")
    index = max(0, min(len(values) - 1, round(share * len(values) + 0.5) - 1))
    return values[index]


def summarise(results: list[Result], seconds: float) -> dict[str, dict]:
    by_kind: dict[str, list[Result]] = defaultdict(list)
    for result in results:
        by_kind[result.kind].append(result)
    summary = {}
    for kind, rows in sorted(by_kind.items(), key=lambda item: -len(item[1])):
        times = sorted(r.seconds * 1000 for r in rows)
        summary[kind] = {
            "count": len(rows),
            "per_second": len(rows) / seconds,
            "p50": percentile(times, 0.50),
            "p95": percentile(times, 0.95),
            "p99": percentile(times, 0.99),
            "max": times[-1],
            "errors": sum(1 for r in rows if not r.ok),
            "server_errors": sum(1 for r in rows if r.status >= 500),
        }
    times = sorted(r.seconds * 1000 for r in results)
    summary["all"] = {
        "count": len(results),
        "per_second": len(results) / seconds,
        "p50": percentile(times, 0.50),
        "p95": percentile(times, 0.95),
        "p99": percentile(times, 0.99),
        "max": times[-1] if times else float("nan"),
        "errors": sum(1 for r in results if not r.ok),
        "server_errors": sum(1 for r in results if r.status >= 500),
    }
    return summary


def print_table(summary: dict[str, dict]) -> None:
    print("| request | count | req/s | p50 ms | p95 ms | p99 ms | max ms | errors |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for kind, row in summary.items():
        print(
            f"| {kind} | {row['count']} | {row['per_second']:.1f} | {row['p50']:.1f} | "
            f"{row['p95']:.1f} | {row['p99']:.1f} | {row['max']:.0f} | {row['errors']} |"
        )


# --- The limit beside it: the pages' own queries -----------------------------------------------


def explain_time(sql: str) -> float:
    """Execution time (ms) of one query: EXPLAIN ANALYZE on PostgreSQL, timed on SQLite."""
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("EXPLAIN (ANALYZE, FORMAT JSON) " + sql)
            plan = cursor.fetchone()[0]
            plan = json.loads(plan) if isinstance(plan, str) else plan
            return float(plan[0]["Execution Time"])
        started = time.perf_counter()
        cursor.execute(sql)
        cursor.fetchall()
        return (time.perf_counter() - started) * 1000


def plan_text(sql: str) -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("EXPLAIN (ANALYZE, COSTS OFF) " + sql)
        else:
            cursor.execute("EXPLAIN QUERY PLAN " + sql)
        return "\n".join(" | ".join(str(c) for c in row) for row in cursor.fetchall())


def page_queries(persona: Persona, path: str, method: str = "GET", data=None) -> dict:
    """Runs one page in this process (as the persona) with its queries captured, then times
    each SELECT again on its own (median of three)."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from samplan.accounts.models import User
    from samplan.accounts.sessions import SESSION_UNIT_KEY

    client = Client()
    client.force_login(User.objects.get(username=persona.username))
    session = client.session
    session[SESSION_UNIT_KEY] = persona.unit_id
    session.save()

    def run():
        return client.get(path) if method == "GET" else client.post(path, data)

    run()  # warm caches
    # The page alone: the median of five runs (a single run on a shared machine is noise).
    walls, cpus = [], []
    for _ in range(5):
        started, cpu = time.perf_counter(), time.process_time()
        run()
        walls.append((time.perf_counter() - started) * 1000)
        cpus.append((time.process_time() - cpu) * 1000)
    page_ms, cpu_ms = statistics.median(walls), statistics.median(cpus)
    with CaptureQueriesContext(connection) as captured:
        response = run()
    queries = []
    for query in captured.captured_queries:
        sql = query["sql"]
        if not sql.lstrip().upper().startswith("SELECT"):
            queries.append({"sql": sql, "ms": None})
            continue
        timings = sorted(explain_time(sql) for _ in range(3))
        queries.append({"sql": sql, "ms": timings[1]})
    selects = [q for q in queries if q["ms"] is not None]
    slowest = max(selects, key=lambda q: q["ms"]) if selects else None
    return {
        "status": response.status_code,
        "in_process_ms": page_ms,
        "in_process_cpu_ms": cpu_ms,
        "queries": len(queries),
        "writes": len(queries) - len(selects),
        "select_ms": sum(q["ms"] for q in selects),
        "slowest_ms": slowest["ms"] if slowest else 0.0,
        "slowest_sql": slowest["sql"] if slowest else "",
    }


def log_search_query(patient_id: int, organization_id: int) -> dict:
    """The log search by patient as a review page runs it: a reviewer reads their own
    organisation's rows only, so the patient's rows there, newest first (a page of 50, with
    user, unit and organisation), and their count (accesslog_patient_org_at_idx)."""
    from django.db import connection

    from samplan.auditlog.models import AccessLogEntry

    rows = (
        AccessLogEntry.objects.filter(patient_id=patient_id, organization_id=organization_id)
        .select_related("user", "unit", "organization")
        .order_by("-at", "-pk")
    )
    page = rows[:50].query.sql_with_params()
    inner, params = rows.order_by().values("pk").query.sql_with_params()
    count = (f"SELECT COUNT(*) FROM ({inner}) AS rows", params)
    timings = []
    for sql, params in (page, count):
        if connection.vendor == "postgresql":
            composed = connection.ops.compose_sql(sql, params)
            timings.append(statistics.median(explain_time(composed) for _ in range(3)))
            continue
        runs = []
        for _ in range(3):
            started = time.perf_counter()
            with connection.cursor() as cursor:
                cursor.execute(sql, params)
                cursor.fetchall()
            runs.append((time.perf_counter() - started) * 1000)
        timings.append(statistics.median(runs))
    plan = plan_text(connection.ops.compose_sql(*page)) if connection.vendor == "postgresql" else ""
    return {"page_ms": timings[0], "count_ms": timings[1], "plan": plan}


def measure_limits(personas: list[Persona], summary: dict[str, dict]) -> list[dict]:
    """The pages of the busiest ward and municipal unit, and of a care centre."""
    from django.db.models import Count

    from samplan.auditlog.models import AccessLogEntry
    from samplan.discharge.access import cases_for_unit
    from samplan.messaging.models import Delivery

    rows = []
    chosen = []
    for role in ("ward", "municipal", "care_centre"):
        persona = next((p for p in personas if p.role == role), None)
        if persona is not None:
            chosen.append(persona)
    for persona in chosen:
        case = cases_for_unit(persona.unit_id).order_by("-admitted_at").first()
        delivery = Delivery.objects.filter(unit_id=persona.unit_id).order_by("-arrived_at").first()
        pages = [("Översikt", "/inkorg/oversikt/"), ("Mottagna", "/inkorg/")]
        if case is not None:
            pages.append(("case page", f"/utskrivning/arenden/{case.pk}/"))
        if delivery is not None:
            pages.append(("message page", f"/meddelanden/{delivery.message_id}/"))
        for label, path in pages:
            figures = page_queries(persona, path)
            p50 = summary.get(label, {}).get("p50")
            rows.append(
                {"page": label, "unit": persona.unit_name, "p50_under_load": p50, **figures}
            )
    # The patient with most rows in one organisation's log (what one reviewer searches).
    heavy = (
        AccessLogEntry.objects.filter(patient__isnull=False)
        .values("patient_id", "organization_id")
        .annotate(n=Count("pk"))
        .order_by("-n")
        .first()
    )
    if heavy is not None:
        figures = log_search_query(heavy["patient_id"], heavy["organization_id"])
        rows.append(
            {
                "page": "log search by patient (query)",
                "unit": f"patient with {heavy['n']} rows in one organisation",
                "p50_under_load": summary.get("log search by patient", {}).get("p50"),
                "in_process_ms": None,
                "queries": 2,
                "writes": 0,
                "select_ms": figures["page_ms"] + figures["count_ms"],
                "slowest_ms": max(figures["page_ms"], figures["count_ms"]),
                "slowest_sql": figures["plan"],
            }
        )
    return rows


def print_limits(rows: list[dict]) -> None:
    print()
    print(
        "| page | unit | p50 under load ms | alone ms (CPU ms) | queries (writes) | "
        "SELECTs ms | slowest query ms | p50 / SELECTs | p50 / slowest |"
    )
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|")
    for row in rows:
        p50 = row["p50_under_load"]
        alone = (
            f"{row['in_process_ms']:.1f} ({row['in_process_cpu_ms']:.1f})"
            if row.get("in_process_ms") is not None
            else "–"
        )
        cells = [
            row["page"],
            row["unit"],
            f"{p50:.1f}" if p50 else "–",
            alone,
            f"{row['queries']} ({row['writes']})",
            f"{row['select_ms']:.2f}",
            f"{row['slowest_ms']:.2f}",
            f"{p50 / row['select_ms']:.1f}" if p50 and row["select_ms"] else "–",
            f"{p50 / row['slowest_ms']:.1f}" if p50 and row["slowest_ms"] else "–",
        ]
        print("| " + " | ".join(cells) + " |")


# --- Main --------------------------------------------------------------------------------------


def machine() -> dict:
    memory = ""
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal"):
            memory = f"{int(line.split()[1]) / 1024 / 1024:.0f} GiB"
    model = ""
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            model = line.split(":", 1)[1].strip()
            break
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
    ).stdout.strip()
    dirty = subprocess.run(
        ["git", "status", "--porcelain", "--untracked-files=no"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    ).stdout.strip()
    return {
        "cpus": os.cpu_count(),
        "cpu": model,
        "memory": memory,
        "commit": commit + (" (uncommitted changes)" if dirty else ""),
    }


def data_size() -> dict:
    from django.db import connection

    from samplan.auditlog.models import AccessLogEntry
    from samplan.discharge.models import DischargeCase
    from samplan.messaging.models import Delivery, Message

    sizes = {}
    for model in (DischargeCase, Message, Delivery, AccessLogEntry):
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT reltuples::bigint FROM pg_class WHERE relname = %s",
                    [model._meta.db_table],
                )
                sizes[model._meta.db_table] = cursor.fetchone()[0]
        else:
            sizes[model._meta.db_table] = model.objects.count()
    return sizes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--duration", type=float, default=60, help="measured seconds")
    parser.add_argument("--warmup", type=float, default=10, help="seconds not measured")
    parser.add_argument("--max-requests", type=int, default=100_000, help="per user")
    # Cores + 1, as deploy/samplan-web.service: with the database on the same two cores,
    # more workers only share them (5 workers: 75 requests/s; 3: 83; bench/RESULTS.md).
    parser.add_argument("--workers", type=int, default=(os.cpu_count() or 1) + 1)
    parser.add_argument("--worker-class", choices=["sync", "gthread"], default="sync")
    parser.add_argument("--threads", type=int, default=1, help="per worker (gthread)")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument(
        "--base-url",
        default="",
        help="drive a server already running here (http://127.0.0.1:PORT) instead of starting "
        "gunicorn; its processes' CPU is counted with --server-pid",
    )
    parser.add_argument(
        "--server-pid",
        type=int,
        action="append",
        default=[],
        help="with --base-url: a process whose CPU (and its children's) counts as the app's",
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--think",
        type=float,
        default=0.0,
        help="mean seconds a user waits between requests (0: as fast as the server answers)",
    )
    parser.add_argument("--no-limits", action="store_true", help="skip the EXPLAIN part")
    parser.add_argument(
        "--no-collectstatic",
        action="store_true",
        help="the static manifest is already collected (runs started together: bench/growth.py)",
    )
    options = parser.parse_args()
    # This process renders the same pages (the limits part) with the server's settings.
    os.environ.update(server_environment())
    setup_django()
    from django.core.management import call_command
    from django.db import connection
    from django.urls import NoReverseMatch, reverse

    try:
        log_search_path = reverse("logreview:search")
    except NoReverseMatch:
        log_search_path = None
    # The manifest the production static storage needs (DEBUG off).
    if not options.no_collectstatic:
        call_command("collectstatic", interactive=False, verbosity=0)
    personas = choose_personas(options.users, options.seed, log_search_path is not None)
    load_before = os.getloadavg()
    served_by = options.base_url or f"gunicorn, {options.workers} {options.worker_class} workers"
    print(
        f"database: {connection.vendor} {connection.settings_dict['NAME']} {data_size()}\n"
        f"server: {served_by}; think time "
        f"{options.think} s"
        f"{f' x {options.threads} threads' if options.worker_class == 'gthread' else ''}; "
        f"{len(personas)} users; load average before {load_before[0]:.2f}"
    )
    connection.close()  # the server gets the database to itself while it runs
    port = options.port
    if options.base_url:
        # Someone else's server (bench/scaleout.py: nginx before two app servers).
        server = None
        port = external_port(options.base_url)
        server_pids = options.server_pid
    else:
        server = start_server(port, options.workers, options.worker_class, options.threads)
        server_pids = [server.pid]
    measuring, stop = threading.Event(), threading.Event()
    users = []
    try:
        deadline = time.time() + options.warmup + options.duration + 60  # 60 s for logins
        users = [
            VirtualUser(
                persona,
                port,
                deadline=deadline,
                max_requests=options.max_requests,
                seed=options.seed * 1000 + i,
                measuring=measuring,
                stop=stop,
                log_search_path=log_search_path,
                think=options.think,
            )
            for i, persona in enumerate(personas)
        ]
        for user in users:
            user.start()
        # Logins hash the password (as production does); wait for them, bounded.
        login_deadline = time.time() + 60
        while time.time() < login_deadline and any(u.is_alive() and not u.logged_in for u in users):
            time.sleep(0.2)
        logged_in = sum(u.logged_in for u in users)
        if not logged_in:
            sys.exit("No user could log in.")
        time.sleep(options.warmup)
        meter = CpuMeter(server_pids, connection.settings_dict["NAME"])
        meter.sample()
        cpu_before = time.process_time()
        started = time.time()
        measuring.set()
        while time.time() < started + options.duration:
            time.sleep(0.5)
            meter.sample()
            done = [r for u in users for r in u.results]
            if len(done) > 200 and sum(not r.ok for r in done) > len(done) / 2:
                print("more than half of the requests failed: stopping")
                break
        measuring.clear()
        meter.sample()
        elapsed = time.time() - started
        driver_cpu = time.process_time() - cpu_before
        server_cpu = meter.seconds()
        stop.set()
        for user in users:
            user.join(timeout=70)
    finally:
        stop.set()
        if server is not None:
            server.terminate()
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()
    load_after = os.getloadavg()
    results = [r for u in users for r in u.results]
    summary = summarise(results, elapsed)
    print(
        f"\n{logged_in} users logged in; measured {elapsed:.0f} s; the driver used "
        f"{driver_cpu:.0f} s CPU ({driver_cpu / elapsed:.0%} of a core); "
        f"load average after {load_after[0]:.2f}\n"
    )
    print_table(summary)
    print(f"\nanswers with a 5xx status: {summary['all']['server_errors']}")
    requests = summary["all"]["count"] or 1
    per_request = {k: v * 1000 / requests for k, v in server_cpu.items()}
    capacity = 2000 / (per_request["app"] + per_request["database"] or 1)
    print(
        f"\nserver CPU per request: app {per_request['app']:.1f} ms, database "
        f"{per_request['database']:.1f} ms (driver {driver_cpu * 1000 / requests:.1f} ms); "
        f"two free cores would serve about {capacity:.0f} requests/s of this mix"
    )
    limits = [] if options.no_limits else measure_limits(personas, summary)
    if limits:
        print_limits(limits)
    report = {
        "date": datetime.datetime.now().astimezone().isoformat(timespec="seconds"),
        "machine": machine(),
        "database": {
            "vendor": connection.vendor,
            "name": connection.settings_dict["NAME"],
            "rows": data_size(),
        },
        "options": vars(options),
        "load_average": {"before": load_before, "after": load_after},
        "driver_cpu_seconds": driver_cpu,
        "server_cpu_seconds": server_cpu,
        "cpu_ms_per_request": per_request,
        "capacity_two_free_cores": capacity,
        "personas": [(p.username, p.role, p.unit_name) for p in personas],
        "summary": summary,
        "limits": limits,
    }
    # The database in the name: runs started together (bench/growth.py) end in one second.
    name = (
        f"loadtest-{datetime.datetime.now():%Y%m%d-%H%M%S}-{connection.settings_dict['NAME']}.json"
    )
    (OUTPUT / name).write_text(json.dumps(report, indent=2, default=str))
    print(f"\nwritten: bench/output/{name}")


if __name__ == "__main__":
    main()
