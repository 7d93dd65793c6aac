"""Access-log details are stored as codes and shown in the reader's language; rows written
before (free text) are shown as stored."""

import pytest
from django.urls import reverse
from django.utils import translation

from samplan.auditlog.details import DETAIL_TEXTS, detail_code, detail_text
from samplan.auditlog.models import AccessLogEntry
from samplan.logreview.presentation import csv_rows


def test_codes_are_worded_in_the_readers_language():
    stored = detail_code("list_page", list="received", page=2)
    assert stored == "list_page|list=received&page=2"
    with translation.override("sv"):
        assert detail_text(stored) == "Mottagna, sida 2"
    with translation.override("en"):
        assert detail_text(stored) == "Received messages, page 2"


def test_every_code_has_a_swedish_text():
    same_in_both = {"sip_version"}  # "Version %(version)s" is Swedish too
    for code, template in DETAIL_TEXTS.items():
        with translation.override("en"):
            english = str(template)
        with translation.override("sv"):
            assert (str(template) != english) or code in same_in_both, code


def test_old_free_text_and_unknown_codes_are_shown_as_stored():
    assert detail_text("Mottagna, page 1") == "Mottagna, page 1"
    assert detail_text("before 2020-01-01; 3 rows") == "before 2020-01-01; 3 rows"
    with pytest.raises(ValueError):
        detail_code("no_such_code")


def test_the_log_export_shows_the_words_not_the_code(client, cast, login_as):
    from samplan.discharge.testing import Builder

    Builder(cast).admitted()
    login_as(cast.home_care_nurse, cast.home_care)
    client.get(reverse("messaging:received"))
    entry = AccessLogEntry.objects.get(detail="list_page|list=received&page=1")
    with translation.override("sv"):
        line = next(row for i, row in enumerate(csv_rows([entry])) if i == 1)
    assert "Mottagna, sida 1" in line and "list_page" not in " ".join(line)
