"""The start-up warm-up (samplan.core.warmup): it loads what the first request would, and
leaves no database connection open for the forked workers to share."""

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
