"""A report's month × unit figures as CSV (Swedish Excel: semicolons, decimal commas, a BOM)
or XLSX (numbers as numbers, shares as percentages)."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from samplan.core.exports import spreadsheet_safe
from samplan.reports.tables import AMOUNT, NUMBER, SHARE, ReportSpec


def _csv_cell(value: Any, kind: str) -> str:
    if value is None:
        return ""
    if kind == SHARE:
        return f"{value * 100:.1f}".replace(".", ",")
    if kind == NUMBER:
        return f"{value:.2f}".replace(".", ",")
    if kind == AMOUNT:
        return f"{Decimal(value):.2f}".replace(".", ",")
    return str(spreadsheet_safe(value))


def to_csv(spec: ReportSpec, lines: Sequence[list[Any]]) -> bytes:
    kinds = ["text", "text", *(column.kind for column in spec.columns)]
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";")
    header, *body = lines
    writer.writerow([spreadsheet_safe(cell) for cell in header])
    for line in body:
        writer.writerow([_csv_cell(value, kind) for value, kind in zip(line, kinds, strict=True)])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def to_xlsx(spec: ReportSpec, lines: Sequence[list[Any]], sheet_title: str) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    kinds = ["text", "text", *(column.kind for column in spec.columns)]
    book = Workbook()
    sheet = book.active
    sheet.title = sheet_title[:31]
    header, *body = lines
    sheet.append([spreadsheet_safe(cell) for cell in header])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for line in body:
        sheet.append(
            [
                float(value) if isinstance(value, Decimal) else spreadsheet_safe(value)
                for value in line
            ]
        )
        for cell, kind in zip(sheet[sheet.max_row], kinds, strict=True):
            if kind == SHARE:
                cell.number_format = "0.0%"
            elif kind in (NUMBER, AMOUNT):
                cell.number_format = "#,##0.00"
    sheet.freeze_panes = "C2"
    for column in sheet.columns:
        sheet.column_dimensions[column[0].column_letter].width = 16
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


# The layout the regions report the month in (one line per municipality and care type), with
# fixed Swedish headings and care-type names whatever the user's language.
NATIONAL_HEADER = [
    "Period",
    "Regionkod",
    "Region",
    "Kommunkod",
    "Kommun",
    "Vårdform",
    "Antal utskrivningsklara patienter",
    "Antal utskrivningsklara dagar",
]
NATIONAL_CARE_TYPES = {"somatic": "Somatisk vård", "psychiatric": "Psykiatrisk vård"}


def national_csv(month: Any, lines: Sequence[Any]) -> bytes:
    """The national statistics' lines (services.StatisticsLine) as CSV: semicolons, UTF-8
    with a BOM, the period as YYYY-MM."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";")
    writer.writerow(NATIONAL_HEADER)
    for line in lines:
        writer.writerow(
            [
                f"{month:%Y-%m}",
                line.region.area_code,
                spreadsheet_safe(line.region.name),
                line.municipality.area_code,
                spreadsheet_safe(line.municipality.name),
                NATIONAL_CARE_TYPES[line.care_type],
                line.patients,
                line.days,
            ]
        )
    return ("\ufeff" + out.getvalue()).encode("utf-8")
