"""Deviations out of samplan, for the organisation's own deviation system (e.g. Flexite, seed
002): a PDF of one deviation, CSV (Swedish Excel: semicolons, a BOM) or XLSX of many, and the
same writers for the follow-up indicators.

The person is named only where the unit may see them (access.shown_patient_ids); the caller
logs each person it exports. Text typed by users is made safe for spreadsheets.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from samplan.core.exports import spreadsheet_safe
from samplan.deviations.models import DeviationRecipient
from samplan.patients.display import patient_display

CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def _local(value: Any) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""


def list_lines(recipients: Sequence[DeviationRecipient], shown: set[int]) -> list[list[Any]]:
    """One line per deviation and organisation concerned; `shown`: deviation ids whose person
    the unit may see."""
    lines: list[list[Any]] = [
        [
            _("Number"),
            _("Reported"),
            _("Date and time of the event"),
            _("Reporting unit"),
            _("Reporting organisation"),
            _("Organisation concerned"),
            _("Category"),
            _("State"),
            _("Answer by"),
            _("Answered"),
            _("Patient"),
            _("Personnummer"),
            _("What happened"),
            _("Answer"),
        ]
    ]
    for recipient in recipients:
        deviation = recipient.deviation
        name = identity = ""
        if deviation.pk in shown and deviation.patient is not None:
            display = patient_display(deviation.patient, participant=True)
            name, identity = display.name, display.identity
        lines.append(
            [
                deviation.number,
                _local(deviation.reported_at),
                _local(deviation.occurred_at),
                deviation.reporting_unit.name,
                recipient.reporting_organization.name,
                recipient.organization.name,
                recipient.get_category_display(),
                recipient.get_state_display(),
                recipient.due_on.isoformat(),
                _local(recipient.answered_at),
                name,
                identity,
                deviation.description,
                recipient.answer,
            ]
        )
    return lines


def _csv_cell(value: Any) -> object:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.1f}".replace(".", ",")
    return spreadsheet_safe(value)


def to_csv(lines: Sequence[Sequence[Any]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";")
    for line in lines:
        writer.writerow([_csv_cell(value) for value in line])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def to_xlsx(lines: Sequence[Sequence[Any]], sheet_title: str) -> bytes:
    """A write-only workbook (streamed rows: a few thousand lines in well under a second)."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    book = Workbook(write_only=True)
    sheet = book.create_sheet(sheet_title[:31])
    sheet.freeze_panes = "A2"
    width = max((len(line) for line in lines), default=0)
    for index in range(width):
        sheet.column_dimensions[_column_letter(index)].width = 18
    bold = Font(bold=True)
    for number, line in enumerate(lines):
        if number == 0:
            header = []
            for value in line:
                cell = WriteOnlyCell(sheet, value=spreadsheet_safe(value))
                cell.font = bold
                header.append(cell)
            sheet.append(header)
        else:
            sheet.append([spreadsheet_safe(value) for value in line])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _column_letter(index: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(index + 1)
