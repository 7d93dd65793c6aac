"""Reading and checking patient-filter and residence-list files (CSV or XLSX).

The check is pure: it reads the file, resolves each row's unit among the units the user may
keep, and returns the good rows and every bad row with its line number and a plain reason.
Nothing is written here; services.register_import_check stores the result and
services.register_import_run writes the good rows on the user's say-so.

File format: a header row, then one row per registration. Columns (any order, case and
å/ä/ö-insensitive, other columns ignored):
- patient filters: enhet; personnummer; från; till
- residence lists: enhet; personnummer; inflyttning; utflyttning
"enhet" is the unit's HSA-id or its exact name; dates are YYYY-MM-DD (or Excel dates); an
empty end date means "until further notice". CSV may be separated by ";", "," or tab and be
UTF-8 or Windows-1252 (what Swedish Excel writes).
"""

from __future__ import annotations

import csv
import datetime
import io
import unicodedata
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from samplan.addressing.models import ImportKind
from samplan.organizations.models import Unit
from samplan.patients.identity import parse_identity

MAX_FILE_BYTES = 20 * 1024 * 1024
MAX_ROWS = 100_000

# The normalised header names of each kind: unit, identity number, start, end.
HEADERS: dict[str, tuple[str, str, str, str]] = {
    ImportKind.PATIENT_FILTER: ("enhet", "personnummer", "fran", "till"),
    ImportKind.RESIDENCE: ("enhet", "personnummer", "inflyttning", "utflyttning"),
}
HEADER_LABELS: dict[str, str] = {
    ImportKind.PATIENT_FILTER: "enhet; personnummer; från; till",
    ImportKind.RESIDENCE: "enhet; personnummer; inflyttning; utflyttning",
}


class ImportFileError(Exception):
    """The file as a whole cannot be read; the message is for the user."""


@dataclass
class CheckResult:
    good: list[list[Any]] = field(default_factory=list)  # [line, unit_id, number, start, end]
    errors: list[list[Any]] = field(default_factory=list)  # [line, message]
    total: int = 0


def _normalise_header(value: Any) -> str:
    text = unicodedata.normalize("NFKD", str(value or "").strip().lower())
    return "".join(char for char in text if not unicodedata.combining(char))


def read_rows(name: str, data: bytes) -> Iterator[tuple[int, list[Any]]]:
    """(line number, cells) for every row of a CSV or XLSX file, header included."""
    lowered = name.lower()
    if not data.strip():
        raise ImportFileError(_("The file is empty."))
    if len(data) > MAX_FILE_BYTES:
        raise ImportFileError(_("The file is too large (at most 20 MB)."))
    if lowered.endswith(".xlsx"):
        return _xlsx_rows(data)
    if lowered.endswith((".csv", ".txt")):
        return _csv_rows(data)
    raise ImportFileError(_("The file must be a CSV file or an Excel file (XLSX)."))


def _xlsx_rows(data: bytes) -> Iterator[tuple[int, list[Any]]]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError):
        raise ImportFileError(
            _("The file is not a readable Excel file (XLSX). Save it again as XLSX or CSV.")
        ) from None
    sheet = workbook.worksheets[0]

    def rows() -> Iterator[tuple[int, list[Any]]]:
        try:
            for number, row in enumerate(sheet.iter_rows(values_only=True), start=1):
                yield number, list(row)
        finally:
            workbook.close()

    return rows()


def _csv_rows(data: bytes) -> Iterator[tuple[int, list[Any]]]:
    if b"\x00" in data:
        raise ImportFileError(_("The file is not a text file. Save it as CSV or XLSX."))
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("cp1252", errors="replace")
    first_line = text.split("\n", 1)[0]
    delimiter = max((";", ",", "\t"), key=first_line.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)

    def rows() -> Iterator[tuple[int, list[Any]]]:
        try:
            for row in reader:
                yield reader.line_num, row
        except csv.Error:
            raise ImportFileError(
                _("Line %(line)s cannot be read as CSV.") % {"line": reader.line_num}
            ) from None

    return rows()


def _header_positions(kind: str, header: list[Any]) -> tuple[int, int, int, int]:
    names = [_normalise_header(cell) for cell in header]
    wanted = HEADERS[kind]
    missing = [name for name in wanted if name not in names]
    if missing:
        raise ImportFileError(
            _("The first row must name the columns %(columns)s. Missing or misspelt: %(missing)s.")
            % {"columns": HEADER_LABELS[kind], "missing": ", ".join(missing)}
        )
    return tuple(names.index(name) for name in wanted)  # type: ignore[return-value]


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _parse_date(value: Any) -> datetime.date | None:
    """None for an empty cell; raises ValueError for text that is not a date."""
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    text = _cell_text(value)
    if not text:
        return None
    return datetime.date.fromisoformat(text)


class UnitResolver:
    """Finds a row's unit among the units the user may keep, by HSA-id or exact name.
    A unit outside that set is "unknown": the file cannot probe other organisations."""

    def __init__(self, units: Iterable[Unit]) -> None:
        self.by_hsa: dict[str, Unit] = {}
        self.by_name: dict[str, list[Unit]] = {}
        for unit in units:
            if unit.hsa_id:
                self.by_hsa[unit.hsa_id.upper()] = unit
            self.by_name.setdefault(unit.name.casefold(), []).append(unit)

    def find(self, text: str) -> tuple[Unit | None, str]:
        unit = self.by_hsa.get(text.upper())
        if unit is not None:
            return unit, ""
        named = self.by_name.get(text.casefold(), [])
        if len(named) == 1:
            return named[0], ""
        if len(named) > 1:
            return None, _("Several units are called “%(unit)s”; give its HSA-id.") % {"unit": text}
        return None, _("Unknown unit “%(unit)s” (or one whose register you do not keep).") % {
            "unit": text
        }


def check_file(*, kind: str, name: str, data: bytes, units: Iterable[Unit]) -> CheckResult:
    rows = read_rows(name, data)
    header: list[Any] | None = None
    for _line, cells in rows:
        if any(_cell_text(cell) for cell in cells):
            header = cells
            break
    if header is None:
        raise ImportFileError(_("The file is empty."))
    positions = _header_positions(kind, header)
    picked = (
        (line, [cells[i] if i < len(cells) else None for i in positions])
        for line, cells in rows
        if any(_cell_text(cell) for cell in cells)  # blank lines are not rows
    )
    return check_rows(picked, units=units)


def check_rows(rows: Iterable[tuple[int, list[Any]]], *, units: Iterable[Unit]) -> CheckResult:
    """Checks rows of [unit, identity number, start, end] (cells as a file has them: text,
    dates or Excel values), each with its line number; the file import and the API's register
    sync (samplan.api) check alike."""
    resolver = UnitResolver(units)
    result = CheckResult()
    seen: dict[tuple[int, str, str], int] = {}
    for line, raw in rows:
        values = [_cell_text(cell) for cell in raw]
        result.total += 1
        if result.total > MAX_ROWS:
            raise ImportFileError(
                _("The file has more than %(max)s rows; split it into smaller files.")
                % {"max": MAX_ROWS}
            )
        problems: list[str] = []
        unit: Unit | None = None
        if not values[0]:
            problems.append(_("The unit is missing."))
        else:
            unit, problem = resolver.find(values[0])
            if problem:
                problems.append(problem)
        number = ""
        try:
            number = parse_identity(values[1]).number
        except ValidationError as error:
            problems.append(" ".join(error.messages))
        start = end = None
        try:
            start = _parse_date(raw[2])
            if start is None:
                problems.append(_("The start date is missing."))
        except ValueError:
            problems.append(
                _("The start date “%(value)s” is not a date (YYYY-MM-DD).") % {"value": values[2]}
            )
        try:
            end = _parse_date(raw[3])
        except ValueError:
            problems.append(
                _("The end date “%(value)s” is not a date (YYYY-MM-DD).") % {"value": values[3]}
            )
        if start and end and end < start:
            problems.append(_("The end date is before the start date."))
        if not problems and unit is not None and start is not None:
            key = (unit.pk, number, start.isoformat())
            if key in seen:
                problems.append(
                    _("The same unit, person and start date as line %(line)s.")
                    % {"line": seen[key]}
                )
            else:
                seen[key] = line
        if problems:
            result.errors.append([line, " ".join(problems)])
        else:
            result.good.append(
                [line, unit.pk, number, start.isoformat(), end.isoformat() if end else ""]
            )
    return result
