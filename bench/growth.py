"""Issue 18 point 5: does any page's p95 grow more than 20 % from data scale 0.1 to 3?

Runs bench/loadtest.py on fresh copies of the generated databases of each scale AT THE SAME
TIME (one gunicorn per scale, on its own port), so the three see the same machine: on a
shared machine whose speed drifts, runs one after another compare the hour as much as the
data. Each run has its users with a think time (default 2 s: a latency measurement, not a
capacity one), a warm-up that is not measured (the copy's caches are cold), and then the
same measured seconds. The table gives each request's p95 per scale and its growth from the
smallest scale to the largest, and the server CPU per request (app + database) per scale.

    .venv/bin/python bench/growth.py \\
        --scale 0.1=samplan_bench_s01 --scale 1=samplan_bench --scale 3=samplan_bench_s3 \\
        [--duration 300] [--warmup 60] [--think 2] [--users 20]

The copies (samplan_growth_<n>) are dropped afterwards; the loadtest JSON files stay in
bench/output/.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from benchenv import OUTPUT, ROOT

LIMIT = 0.20  # issue 18: no page grows more than 20 %
PAGES = ("Översikt", "Mottagna", "case page", "message page", "log search by patient", "new count")


def psql(*sql: str) -> None:
    for statement in sql:
        subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-qc", statement], check=True)


def fresh_copy(source: str, index: int) -> str:
    copy = f"samplan_growth_{index}"
    subprocess.run([str(ROOT / "bench" / "fresh-copy.sh"), source, copy], check=True)
    return copy


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--scale", action="append", required=True, metavar="SCALE=DATABASE", help="repeatable"
    )
    parser.add_argument("--duration", type=float, default=300)
    parser.add_argument("--warmup", type=float, default=60)
    parser.add_argument("--think", type=float, default=2.0)
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers per scale")
    parser.add_argument("--keep", action="store_true", help="keep the copies")
    options = parser.parse_args()
    scales = [tuple(item.split("=", 1)) for item in options.scale]
    python = str(ROOT / ".venv" / "bin" / "python")
    copies = {scale: fresh_copy(database, i) for i, (scale, database) in enumerate(scales)}
    # The static manifest once, before the runs start together.
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{copies[scales[0][0]]}",
    }
    subprocess.run(
        [
            python,
            "-c",
            "import sys; sys.path.insert(0, 'bench'); from loadtest import *; "
            "os.environ.update(server_environment()); setup_django(); "
            "from django.core.management import call_command; "
            "call_command('collectstatic', interactive=False, verbosity=0)",
        ],
        cwd=ROOT,
        env=env,
        check=True,
    )
    runs = {}
    for index, (scale, _database) in enumerate(scales):
        env = {**os.environ, "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{copies[scale]}"}
        command = [
            python,
            "bench/loadtest.py",
            "--users",
            str(options.users),
            "--duration",
            str(options.duration),
            "--warmup",
            str(options.warmup),
            "--think",
            str(options.think),
            "--workers",
            str(options.workers),
            "--port",
            str(8771 + index),
            "--no-limits",
            "--no-collectstatic",
        ]
        runs[scale] = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        )
    reports = {}
    for scale, process in runs.items():
        output, _ = process.communicate()
        print(f"--- scale {scale} ---\n{output}")
        found = re.search(r"written: bench/output/(\S+)", output)
        if process.returncode or not found:
            sys.exit(f"the run at scale {scale} failed")
        reports[scale] = json.loads((OUTPUT / found.group(1)).read_text())
    if not options.keep:
        psql(*(f"DROP DATABASE IF EXISTS {copy}" for copy in copies.values()))
    first, last = scales[0][0], scales[-1][0]
    header = " ".join(f"{'p95 ' + scale:>10}" for scale, _ in scales)
    print(f"\n{'request':<14} {header} {'growth':>8} {'samples':>16}")
    for page in PAGES:
        rows = [reports[scale]["summary"].get(page) for scale, _ in scales]
        if any(row is None for row in rows):
            continue
        growth = rows[-1]["p95"] / rows[0]["p95"] - 1
        verdict = "ok" if growth <= LIMIT else "OVER"
        figures = " ".join(f"{row['p95']:>8.1f}ms" for row in rows)
        counts = "/".join(str(row["count"]) for row in rows)
        print(f"{page:<14} {figures} {growth:>+7.0%} {verdict:<4} {counts:>11}")
    for scale, _ in scales:
        cpu = reports[scale]["cpu_ms_per_request"]
        summary = reports[scale]["summary"]["all"]
        print(
            f"scale {scale}: {summary['count']} requests ({summary['per_second']:.1f}/s), "
            f"server errors {summary['server_errors']}, CPU per request app {cpu['app']:.1f} + "
            f"database {cpu['database']:.1f} ms; load average "
            f"{reports[scale]['load_average']['before'][0]:.1f} before"
        )
    print(f"\ngrowth = p95 at scale {last} / p95 at scale {first} - 1; limit +{LIMIT:.0%}")


if __name__ == "__main__":
    main()
