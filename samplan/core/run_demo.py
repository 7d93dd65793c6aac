"""Runs the demo: the web server and the task worker side by side until Ctrl-C.

`make demo` calls this after loading the demo data; both processes share the SQLite file
(WAL mode lets the worker write while the server reads). The Swedish "ready" line is printed
once the server answers, not before. Ctrl-C stops everything within STOP_SECONDS: the
children get SIGINT (from the terminal, and again from here), then SIGTERM, then SIGKILL;
waiting out a long timeout made Ctrl-C take about ten seconds.

DEMO_ADDRESS (host:port, 127.0.0.1:8000 by default) serves elsewhere when 8000 is taken.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Sequence

ADDRESS = os.environ.get("DEMO_ADDRESS", "127.0.0.1:8000")
STOP_SECONDS = 1.5  # SIGINT, then SIGTERM at two thirds of it, then SIGKILL
READY_TIMEOUT = 120
# The demo speaks Swedish first, like the product (printed by a plain script, no Django).
READY_LINE = (
    "samplan är igång på {url} – logga in med en av demoanvändarna ovan. Stoppa med Ctrl-C."
)


def server_answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=1):  # noqa: S310 (our own local server)
            return True
    except urllib.error.HTTPError:
        return True  # any HTTP answer means it listens
    except (urllib.error.URLError, OSError):
        return False


def wait_until_ready(url: str, processes: Sequence[subprocess.Popen], timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if any(process.poll() is not None for process in processes):
            return False
        if server_answers(url):
            return True
        time.sleep(0.2)
    return False


def stop(processes: Sequence[subprocess.Popen], seconds: float = STOP_SECONDS) -> None:
    """SIGINT, SIGTERM, SIGKILL: every child is gone within `seconds` (plus a moment)."""
    steps = ((signal.SIGINT, seconds * 2 / 3), (signal.SIGTERM, seconds / 3))
    for signum, wait in steps:
        for process in processes:
            if process.poll() is None:
                process.send_signal(signum)
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline and any(p.poll() is None for p in processes):
            time.sleep(0.05)
    for process in processes:
        if process.poll() is None:
            process.kill()
        process.wait()


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def run(commands: Sequence[Sequence[str]], url: str, env: dict[str, str]) -> int:
    """Starts the commands, says when `url` answers, and stops them all on Ctrl-C or SIGTERM
    (exit 0), or when one of them ends by itself (its exit status)."""
    # Also when started with SIGINT ignored (a background job of a script) or stopped by kill.
    signal.signal(signal.SIGINT, _interrupt)
    signal.signal(signal.SIGTERM, _interrupt)
    processes = [subprocess.Popen(list(command), env=env) for command in commands]
    interrupted = False
    ended: int | None = None
    try:
        if wait_until_ready(url, processes, READY_TIMEOUT):
            print(READY_LINE.format(url=url), flush=True)
        while all(process.poll() is None for process in processes):
            time.sleep(0.2)
        ended = next(p.returncode for p in processes if p.returncode is not None)
    except KeyboardInterrupt:
        interrupted = True
    finally:
        stop(processes)
    if interrupted or ended is None:
        return 0
    return abs(ended)


def main() -> int:
    env = {**os.environ, "DEBUG": os.environ.get("DEBUG", "true")}
    manage = [sys.executable, "manage.py"]
    commands = [
        [*manage, "runserver", ADDRESS, "--noreload"],
        [*manage, "task_worker", "--interval", "2", "--no-reload"],
    ]
    return run(commands, f"http://{ADDRESS}/", env)


if __name__ == "__main__":
    sys.exit(main())
