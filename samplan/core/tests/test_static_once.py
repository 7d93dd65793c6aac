"""{% static %} works each file's URL out once per process with DEBUG off, and never gives a
replaced storage (changed settings) the URLs of the one before."""

import re
from pathlib import Path

from django.contrib.staticfiles.storage import StaticFilesStorage
from django.template import engines
from django.test import override_settings

TEMPLATE = (
    "{% load static_once %}{% static 'core/samplan.css' %}|"
    "{% static 'core/favicon.svg' as icon %}{{ icon }}"
)


class CountingStorage(StaticFilesStorage):
    calls = 0

    def url(self, name: str) -> str:
        CountingStorage.calls += 1
        return super().url(name)


class OtherPlaceStorage(StaticFilesStorage):
    def __init__(self, **kwargs):
        super().__init__(base_url="/elsewhere/", **kwargs)


def storages(backend: type) -> dict:
    return {
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "staticfiles": {"BACKEND": f"{__name__}.{backend.__name__}"},
    }


def render() -> str:
    return engines["django"].from_string(TEMPLATE).render({})


@override_settings(DEBUG=False, STATIC_URL="/static/")
def test_each_url_is_worked_out_once_with_debug_off():
    with override_settings(STORAGES=storages(CountingStorage)):
        CountingStorage.calls = 0
        first = render()
        assert first == "/static/core/samplan.css|/static/core/favicon.svg"
        assert render() == first and render() == first
        assert CountingStorage.calls == 2  # one per file, not one per use
    with override_settings(STORAGES=storages(OtherPlaceStorage)):
        assert render() == "/elsewhere/core/samplan.css|/elsewhere/core/favicon.svg"


@override_settings(DEBUG=True, STATIC_URL="/static/", STORAGES=storages(CountingStorage))
def test_with_debug_on_every_use_asks_the_storage():
    CountingStorage.calls = 0
    render()
    render()
    assert CountingStorage.calls == 4


def test_every_template_loads_this_library_not_djangos():
    """Django's {% static %} asks the storage on every use; a template that loads it (not
    static_once) would quietly go back to that."""
    root = Path(__file__).resolve().parents[2]
    loads = re.compile(r"{%\s*load\s[^%]*\bstatic\b(?!_)")
    found = [
        str(path.relative_to(root))
        for path in root.glob("*/templates/**/*.html")
        if loads.search(path.read_text(encoding="utf-8"))
    ]
    assert found == []
