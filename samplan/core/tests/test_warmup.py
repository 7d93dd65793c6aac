"""The start-up warm-up (samplan.core.warmup): it loads what the first request would, and
leaves no database connection open for the forked workers to share."""

import os
from pathlib import Path

import pytest

from samplan.core import warmup


@pytest.mark.django_db
def test_warm_up_loads_and_closes_connections(monkeypatch):
    closed = []
    monkeypatch.setattr(warmup.connections, "close_all", lambda: closed.append(True))
    loaded = warmup.warm_up()
    assert loaded["languages"] == 2
    assert loaded["url_patterns"] > 10
    assert loaded["models"] > 30
    assert loaded["form_widgets"] > 5
    assert closed == [True]


def test_the_template_names_are_the_projects(settings):
    from django.template import engines

    names = warmup._template_names(engines["django"])
    assert "base.html" in names and "discharge/board.html" in names
    assert "messaging/received.html" in names


@pytest.mark.django_db
def test_every_prepared_query_of_the_project_is_compiled_at_start_up():
    """A prepared function whose samples cannot be made (a type hint without a sample
    value, a shape argument without `warm=`) would fail here, not in a worker."""
    from samplan.core import prepared

    warmup._urls()  # imports every view, so every access module and its prepared queries
    project = [run for run in prepared._registry if run.__module__.startswith("samplan.")]
    project = [run for run in project if ".tests." not in run.__module__]
    assert len(project) >= 20
    assert prepared.warm_up() >= len(project)
    for run in project:
        assert run.shapes, run.__qualname__


@pytest.mark.django_db
def test_a_forked_worker_connects_as_it_starts_and_survives_a_database_that_is_down(monkeypatch):
    from django.db import OperationalError, connections

    warmup.connect_in_worker()
    assert connections["default"].connection is not None

    def refuse():
        raise OperationalError("the database is down")

    monkeypatch.setattr(connections["default"], "ensure_connection", refuse)
    warmup.connect_in_worker()  # no exception: the first request will connect or say why


MAPS = """\
55d0c0a00000-55d0c0a21000 r--p 00000000 08:01 1234 /usr/bin/python3.11
55d0c0c21000-55d0c0c5f000 rw-p 00221000 08:01 1234 /usr/bin/python3.11
55d0c1b3e000-55d0c2f1a000 rw-p 00000000 00:00 0 [heap]
7f1c3a000000-7f1c3a100000 rw-p 00000000 00:00 0
7f1c3a100000-7f1c3a200000 ---p 00000000 00:00 0
7f1c3b000000-7f1c3b001000 rw-s 00000000 00:05 99 /dev/shm/x
7ffd1a2b3000-7ffd1a2d4000 rw-p 00000000 00:00 0 [stack]
7ffd1a3e2000-7ffd1a3e6000 r--p 00000000 00:00 0 [vvar]
"""


def test_the_copied_ranges_are_the_private_writable_ones_without_the_stack():
    ranges = warmup._private_writable_ranges(MAPS.splitlines())
    assert ranges == [
        (0x55D0C0C21000, 0x55D0C0C5F000),  # the interpreter's data
        (0x55D0C1B3E000, 0x55D0C2F1A000),  # the heap
        (0x7F1C3A000000, 0x7F1C3A100000),  # an arena
    ]


def _private_kb() -> int:
    fields = {}
    for line in Path("/proc/self/smaps_rollup").read_text().splitlines()[1:]:
        name, value = line.split(":", 1)
        fields[name] = int(value.split()[0])
    return fields["Private_Dirty"]


@pytest.mark.skipif(not os.path.exists("/proc/self/smaps_rollup"), reason="Linux only")
def test_a_forked_worker_makes_its_own_copy_of_the_memory_it_shared():
    """In a forked child, copying turns the pages it shared with the parent (tens of MB for
    a Django process) into its own."""
    read, write = os.pipe()
    child = os.fork()
    if child == 0:  # pragma: no cover (runs in the child)
        try:
            before = _private_kb()
            copied = warmup.copy_shared_memory()
            grown = _private_kb() - before
            os.write(write, f"{copied} {grown}".encode())
        finally:
            os._exit(0)
    os.close(write)
    os.waitpid(child, 0)
    copied, grown = (int(value) for value in os.read(read, 100).split())
    os.close(read)
    assert copied > 10_000_000
    assert grown * 1024 > copied // 2


def test_a_worker_keeps_sharing_when_told_to(monkeypatch):
    calls = []
    monkeypatch.setattr(warmup, "copy_shared_memory", lambda: calls.append("copy"))
    monkeypatch.setattr(warmup, "connect_in_worker", lambda: calls.append("connect"))
    monkeypatch.setenv("SAMPLAN_COPY_SHARED_MEMORY", "0")
    warmup.start_worker()
    assert calls == ["connect"]
    monkeypatch.delenv("SAMPLAN_COPY_SHARED_MEMORY")
    warmup.start_worker()
    assert calls == ["connect", "copy", "connect"]


def test_after_the_warm_up_reversing_a_url_builds_no_lookups(monkeypatch):
    """Each app namespace's resolver and lookups are built at start-up, in both languages,
    not by a worker's first {% url %}."""
    from django.urls import URLResolver, clear_url_caches, get_resolver, reverse
    from django.utils import translation

    def forget(resolver):  # as in a new process: no lookups built yet
        resolver._reverse_dict.clear()
        resolver._namespace_dict.clear()
        resolver._app_dict.clear()
        for pattern in resolver.url_patterns:
            if isinstance(pattern, URLResolver):
                forget(pattern)

    clear_url_caches()
    forget(get_resolver())
    warmup._urls()

    def populate(self):
        raise AssertionError(f"{self!r} built its lookups after the warm-up")

    monkeypatch.setattr(URLResolver, "_populate", populate)
    for language in ("sv", "en"):
        with translation.override(language):
            assert reverse("discharge:overview")
            assert reverse("messaging:received")
            assert reverse("accounts:my_account")  # a namespace under a prefix ("konto/")
            assert reverse("discharge:case_detail", kwargs={"case_id": 12})


def test_the_warm_up_imports_what_requests_import_inside_functions():
    import sys

    assert warmup._modules() > 100
    assert "samplan.auditlog.chain" in sys.modules
    assert "samplan.messaging.tasks" in sys.modules
    assert "samplan.accounts.context_processors" in sys.modules
