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
