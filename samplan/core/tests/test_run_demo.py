"""make demo's runner: the ready line only once the server answers, and Ctrl-C stops
everything within two seconds even when a child ignores SIGINT."""

import os
import signal
import socket
import subprocess
import sys
import textwrap
import time

from samplan.core import run_demo

# A child like a worker that lets SIGINT pass while it finishes its own wait.
STUBBORN = "import signal, time; signal.signal(signal.SIGINT, signal.SIG_IGN); time.sleep(60)"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_stop_ends_children_that_ignore_sigint_within_two_seconds():
    children = [subprocess.Popen([sys.executable, "-c", STUBBORN]) for _ in range(2)]
    time.sleep(0.3)
    started = time.monotonic()
    run_demo.stop(children)
    assert time.monotonic() - started < 2
    assert all(child.poll() is not None for child in children)


def test_ready_line_comes_only_when_the_server_answers_and_ctrl_c_is_quick(tmp_path):
    port = _free_port()
    # A server that starts listening only after a second, as runserver does after its checks.
    server = textwrap.dedent(
        f"""
        import time
        from http.server import BaseHTTPRequestHandler, HTTPServer
        time.sleep(1)
        HTTPServer(("127.0.0.1", {port}), BaseHTTPRequestHandler).serve_forever()
        """
    )
    script = tmp_path / "runner.py"
    script.write_text(
        textwrap.dedent(
            f"""
            import sys
            from samplan.core import run_demo
            sys.exit(run_demo.run(
                [[sys.executable, "-c", {server!r}], [sys.executable, "-c", {STUBBORN!r}]],
                "http://127.0.0.1:{port}/",
                dict(__import__("os").environ),
            ))
            """
        )
    )
    runner = subprocess.Popen(
        [sys.executable, str(script)],
        stdout=subprocess.PIPE,
        text=True,
        cwd=os.getcwd(),
        env={**os.environ, "PYTHONPATH": os.getcwd()},
    )
    line = runner.stdout.readline()
    assert line.startswith("samplan är igång på http://127.0.0.1:")
    assert run_demo.server_answers(f"http://127.0.0.1:{port}/")
    started = time.monotonic()
    runner.send_signal(signal.SIGINT)
    assert runner.wait(timeout=5) == 0
    assert time.monotonic() - started < 2
