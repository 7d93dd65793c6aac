"""Runs the demo: the web server and the task worker side by side until Ctrl-C.

`make demo` calls this after loading the demo data; both processes share the SQLite file
(WAL mode lets the worker write while the server reads).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

ADDRESS = "127.0.0.1:8000"


def main() -> int:
    env = {**os.environ, "DEBUG": os.environ.get("DEBUG", "true")}
    manage = [sys.executable, "manage.py"]
    processes = [
        subprocess.Popen([*manage, "runserver", ADDRESS, "--noreload"], env=env),
        subprocess.Popen([*manage, "task_worker", "--interval", "2", "--no-reload"], env=env),
    ]
    try:
        while all(process.poll() is None for process in processes):
            time.sleep(0.5)
    except KeyboardInterrupt:
        pass
    finally:
        for process in processes:
            if process.poll() is None:
                process.send_signal(signal.SIGINT)
        for process in processes:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
    return max((process.returncode or 0) for process in processes)


if __name__ == "__main__":
    sys.exit(main())
