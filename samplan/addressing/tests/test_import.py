"""Importing patient filters and residence lists from CSV and XLSX files."""

from __future__ import annotations

import datetime
import io
import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from openpyxl import Workbook
from stdnum import luhn

from samplan.addressing.models import ImportStatus, PatientFilter, RegisterImport, ResidenceEntry
from samplan.addressing.services import register_import_purge, register_import_run
from samplan.addressing.tests.conftest import OTHER_PERSON, PERSON

UPLOAD = reverse("addressing:import_upload")
D = datetime.date


def csv_file(text, name="filter.csv", encoding="utf-8"):
    return SimpleUploadedFile(name, text.encode(encoding), content_type="text/csv")


def xlsx_file(rows, name="boende.xlsx"):
    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return SimpleUploadedFile(name, buffer.getvalue())


def numbers(count, year=1950):
    """Valid personnummer, 12 digits, all different."""
    result = []
    serial = 1
    while len(result) < count:
        day = 1 + serial % 28
        month = 1 + (serial // 28) % 12
        base = f"{year % 100:02d}{month:02d}{day:02d}{serial // 336 + 100:03d}"
        result.append(f"{year}{base[2:]}{luhn.calc_check_digit(base)}")
        serial += 1
    return result


@pytest.fixture
def admin(world, login_as):
    return login_as(world.cast.municipal_local_admin, world.cast.municipal_admin_unit)


def upload(client, file, kind="patient_filter"):
    return client.post(UPLOAD, {"kind": kind, "file": file})


GOOD_AND_BAD = (
    "enhet;personnummer;från;till\n"
    "Hemtjänst Öst;19121212-1212;2026-01-01;\n"  # 2 good
    "Hemtjänst Öst;19121212-1213;2026-01-01;\n"  # 3 bad check digit
    "Hemtjänst Väst;194004049898;2026-13-01;\n"  # 4 bad date
    "Hemtjänst Annan;194004049898;2026-01-01;\n"  # 5 another municipality's unit
    "Hemtjänst Väst;194004049898;2026-03-01;2026-02-01\n"  # 6 end before start
    "Hemtjänst Öst;191212121212;2026-01-01;2026-12-31\n"  # 7 duplicate of line 2
    "\n"
    "Hemtjänst Väst;194004049898;2026-01-01;2026-12-31\n"  # 9 good
)


def test_check_lists_every_bad_row_with_line_and_reason(world, admin):
    response = upload(admin, csv_file(GOOD_AND_BAD))
    checked = RegisterImport.objects.get()
    assert response.status_code == 302 and str(checked.pk) in response.url
    assert not PatientFilter.objects.exists()  # nothing is written by the check
    assert (checked.total_rows, checked.good_count, checked.error_count) == (7, 2, 5)
    errors = dict(checked.errors)
    assert set(errors) == {3, 4, 5, 6, 7}
    assert "Kontrollsiffran" in errors[3]
    assert "inte ett datum" in errors[4]
    assert "Okänd enhet ”Hemtjänst Annan”" in errors[5]
    assert "Slutdatumet är före startdatumet." in errors[6]
    assert "Samma enhet, person och startdatum som rad 2." in errors[7]
    html = admin.get(response.url).content.decode()
    assert "Importera bara de 2 godkända raderna" in html
    assert "Importera ingenting" in html
    assert "Kontrollsiffran" in html


def test_import_only_the_good_rows(world, admin, django_capture_on_commit_callbacks):
    upload(admin, csv_file(GOOD_AND_BAD))
    checked = RegisterImport.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        admin.post(reverse("addressing:import_start", args=[checked.pk]))
    checked.refresh_from_db()
    assert checked.status == ImportStatus.DONE
    assert checked.rows == []  # the identity numbers are not kept after the import
    assert checked.created_count == 2 and checked.processed_rows == 2
    assert set(PatientFilter.objects.values_list("unit__name", "identity_number", "valid_to")) == {
        ("Hemtjänst Öst", PERSON, None),
        ("Hemtjänst Väst", OTHER_PERSON, D(2026, 12, 31)),
    }
    assert PatientFilter.objects.filter(created_by=world.cast.municipal_local_admin).count() == 2
    status = admin.get(reverse("addressing:import_status", args=[checked.pk])).content.decode()
    assert "2 nya, 0 med ändrat slutdatum, 0 fanns redan i registret." in status
    assert "hx-trigger" not in status  # polling stops when done


def test_starting_twice_imports_once(world, admin, django_capture_on_commit_callbacks):
    upload(admin, csv_file(GOOD_AND_BAD))
    checked = RegisterImport.objects.get()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        admin.post(reverse("addressing:import_start", args=[checked.pk]))
        admin.post(reverse("addressing:import_start", args=[checked.pk]))
    assert len(callbacks) == 1
    register_import_run(import_id=str(checked.pk))  # a duplicate task run does nothing
    assert PatientFilter.objects.count() == 2


def test_import_nothing(world, admin, django_capture_on_commit_callbacks):
    upload(admin, csv_file(GOOD_AND_BAD))
    checked = RegisterImport.objects.get()
    response = admin.post(reverse("addressing:import_discard", args=[checked.pk]))
    assert response.status_code == 302
    checked.refresh_from_db()
    assert checked.status == ImportStatus.DISCARDED and checked.rows == []
    assert not PatientFilter.objects.exists()
    # ... and it cannot be started afterwards: no task is queued and it stays discarded.
    # (The rows are gone already, so "nothing imported" alone would not show it.)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        admin.post(reverse("addressing:import_start", args=[checked.pk]))
    assert callbacks == []
    checked.refresh_from_db()
    assert checked.status == ImportStatus.DISCARDED


def test_double_import_skips_identical_rows_and_updates_end_dates(
    world, admin, django_capture_on_commit_callbacks
):
    first = "enhet;personnummer;från;till\nHemtjänst Öst;191212121212;2026-01-01;\n"
    second = (
        "enhet;personnummer;från;till\n"
        "Hemtjänst Öst;191212121212;2026-01-01;2026-06-30\n"
        "Hemtjänst Väst;194004049898;2026-01-01;\n"
    )
    for text in (first, first, second, second):
        upload(admin, csv_file(text))
        checked = RegisterImport.objects.order_by("-uploaded_at").first()
        with django_capture_on_commit_callbacks(execute=True):
            admin.post(reverse("addressing:import_start", args=[checked.pk]))
    results = list(
        RegisterImport.objects.order_by("uploaded_at").values_list(
            "created_count", "updated_count", "unchanged_count"
        )
    )
    assert results == [(1, 0, 0), (0, 0, 1), (1, 1, 0), (0, 0, 2)]
    assert PatientFilter.objects.count() == 2
    assert PatientFilter.objects.get(identity_number=PERSON).valid_to == D(2026, 6, 30)


def test_xlsx_residence_list(world, admin, django_capture_on_commit_callbacks):
    file = xlsx_file(
        [
            ["Enhet", "Personnummer", "Inflyttning", "Utflyttning", "Kommentar"],
            ["Solgården", 191212121212, datetime.datetime(2025, 6, 1), None, "rum 12"],
            ["Solgården", "194004049898", "2025-07-01", "2025-06-01", ""],
            ["Hemtjänst Öst", "194004049898", "2025-07-01", None, ""],  # not a nursing home
        ]
    )
    upload(admin, file, kind="residence")
    checked = RegisterImport.objects.get()
    assert checked.good_count == 1
    assert [line for line, _ in checked.errors] == [3, 4]
    with django_capture_on_commit_callbacks(execute=True):
        admin.post(reverse("addressing:import_start", args=[checked.pk]))
    entry = ResidenceEntry.objects.get()
    assert (entry.unit, entry.identity_number, entry.moved_in) == (
        world.nursing_home,
        PERSON,
        D(2025, 6, 1),
    )


def test_windows_1252_csv_with_commas(world, admin):
    text = "Enhet,Personnummer,Fran,Till\nHemtjänst Öst,121212-1212,2026-01-01,\n"
    upload(admin, csv_file(text, encoding="cp1252"))
    checked = RegisterImport.objects.get()
    assert checked.good_count == 1, checked.errors
    assert checked.rows[0][2] == "201212121212"


def test_unit_by_hsa_id(world, admin):
    world.cast.home_care.hsa_id = "SE2120001234-HTO"
    world.cast.home_care.save()
    upload(
        admin, csv_file("enhet;personnummer;från;till\nse2120001234-hto;191212121212;2026-01-01;\n")
    )
    assert RegisterImport.objects.get().good_count == 1


@pytest.mark.parametrize(
    ("file", "message"),
    [
        (SimpleUploadedFile("bild.png", b"\x89PNG\r\n\x1a\n\x00\x00"), "måste vara en CSV-fil"),
        (SimpleUploadedFile("data.csv", b"PK\x03\x04\x00\x00binary"), "inte en textfil"),
        (SimpleUploadedFile("data.xlsx", b"enhet;personnummer"), "går inte att läsa som Excel-fil"),
        (SimpleUploadedFile("tom.csv", b"   \n\n"), "Filen är tom."),
        (csv_file("namn;pnr;start\nA;B;C\n"), "Första raden måste ange kolumnerna"),
    ],
    ids=["png", "binary csv", "fake xlsx", "empty", "wrong headers"],
)
def test_unusable_files_get_a_plain_swedish_error(world, admin, file, message):
    response = upload(admin, file)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not RegisterImport.objects.exists()


def test_only_the_uploader_sees_a_checked_file(world, admin, login_as):
    upload(admin, csv_file(GOOD_AND_BAD))
    checked = RegisterImport.objects.get()
    other = login_as(world.cast.municipal_system_admin, world.cast.municipal_admin_unit)
    for name in ("import_detail", "import_status"):
        assert other.get(reverse(f"addressing:{name}", args=[checked.pk])).status_code == 404
    for name in ("import_start", "import_discard"):
        assert other.post(reverse(f"addressing:{name}", args=[checked.pk])).status_code == 404
    checked.refresh_from_db()
    assert checked.status == ImportStatus.CHECKED


def test_users_without_a_register_cannot_import(world, login_as):
    client = login_as(world.cast.home_care_nurse, world.cast.home_care)
    assert client.get(UPLOAD).status_code == 403
    assert upload(client, csv_file(GOOD_AND_BAD)).status_code == 403


def test_forged_kind_is_refused(world, login_as):
    # The outsider's local admin keeps no nursing home: the residence kind is not offered.
    client = login_as(world.cast.outsider_admin, world.cast.outsider_unit)
    response = upload(client, csv_file(GOOD_AND_BAD), kind="residence")
    assert "Välj ett giltigt alternativ" in response.content.decode()


def test_expired_checks_are_purged_and_cannot_start(world, admin):
    upload(admin, csv_file(GOOD_AND_BAD))
    checked = RegisterImport.objects.get()
    RegisterImport.objects.filter(pk=checked.pk).update(
        expires_at=timezone.now() - datetime.timedelta(minutes=1)
    )
    admin.post(reverse("addressing:import_start", args=[checked.pk]))
    checked.refresh_from_db()
    assert checked.status == ImportStatus.CHECKED
    assert register_import_purge() == 1
    assert not RegisterImport.objects.exists()


def test_ten_thousand_rows_in_seconds(world, admin, django_capture_on_commit_callbacks):
    rows = numbers(10_000)
    text = "enhet;personnummer;från;till\n" + "".join(
        f"Hemtjänst Öst;{number};2026-01-01;\n" for number in rows
    )
    started = time.perf_counter()
    upload(admin, csv_file(text))
    checked = RegisterImport.objects.get()
    checked_at = time.perf_counter()
    with django_capture_on_commit_callbacks(execute=True):
        admin.post(reverse("addressing:import_start", args=[checked.pk]))
    finished = time.perf_counter()
    assert checked.good_count == 10_000, checked.errors[:3]
    assert PatientFilter.objects.count() == 10_000
    # Generous bounds for slow CI machines; bench/routing.py records the real figures.
    assert checked_at - started < 15
    assert finished - checked_at < 15


def test_progress_fragment_polls_until_done(world, admin):
    upload(admin, csv_file(GOOD_AND_BAD))
    checked = RegisterImport.objects.get()
    RegisterImport.objects.filter(pk=checked.pk).update(
        status=ImportStatus.RUNNING, processed_rows=1
    )
    detail = admin.get(reverse("addressing:import_detail", args=[checked.pk])).content.decode()
    assert 'hx-trigger="every 1s"' in detail and "htmx.min.js" in detail
    assert "1 av 2 rader" in detail
    assert 'role="status"' in detail
