"""Showing report cells: shares as percentages, numbers with a decimal comma, amounts in kr."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import template
from django.utils.formats import number_format

from samplan.reports.tables import AMOUNT, NUMBER, SHARE

register = template.Library()


@register.filter
def cell(value: Any, kind: str) -> str:
    if value is None:
        return "–"
    if kind == SHARE:
        return f"{number_format(value * 100, 1)} %"
    if kind == NUMBER:
        return number_format(value, 1)
    if kind == AMOUNT:
        return number_format(Decimal(value), 0, force_grouping=True)
    return number_format(value, force_grouping=True) if isinstance(value, int) else str(value)


@register.filter
def zip_columns(cells: list[Any], columns: list[Any]) -> list[tuple[Any, str]]:
    return [(value, column.kind) for value, column in zip(cells, columns, strict=True)]
