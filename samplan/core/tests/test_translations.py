"""Every Swedish catalogue is complete, compiled, and in use: the UI is Swedish first."""

from pathlib import Path

import polib
import pytest
from django.utils import translation

APPS_DIR = Path(__file__).resolve().parents[2]
CATALOGUES = sorted(APPS_DIR.glob("*/locale/sv/LC_MESSAGES/django.po"))


def test_there_are_catalogues():
    assert len(CATALOGUES) >= 4


@pytest.mark.parametrize("path", CATALOGUES, ids=lambda p: p.parts[-5])
def test_catalogue_is_complete(path):
    catalogue = polib.pofile(str(path))
    untranslated = [entry.msgid for entry in catalogue.untranslated_entries()]
    fuzzy = [entry.msgid for entry in catalogue.fuzzy_entries()]
    assert not untranslated, f"untranslated in {path}: {untranslated}"
    assert not fuzzy, f"fuzzy in {path}: {fuzzy}"


@pytest.mark.parametrize("path", CATALOGUES, ids=lambda p: p.parts[-5])
def test_catalogue_is_compiled_and_current(path):
    compiled = path.with_suffix(".mo")
    assert compiled.exists(), f"run make messages: {compiled} is missing"
    assert compiled.stat().st_mtime >= path.stat().st_mtime, f"{compiled} is older than {path}"


def test_swedish_is_the_default_and_english_the_second():
    with translation.override("sv"):
        assert translation.gettext("Log out") == "Logga ut"
    with translation.override("en"):
        assert translation.gettext("Log out") == "Log out"
