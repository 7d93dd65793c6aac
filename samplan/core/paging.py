"""Pagination used by every list view, so page size and navigation look the same everywhere."""

from __future__ import annotations

from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import HttpRequest

PAGE_SIZES = (20, 50, 100)


def paginate(request: HttpRequest, queryset: QuerySet, *, default_size: int = 20) -> Page:
    """The page the request asks for (?page=, ?size=), clamped to what exists."""
    try:
        size = int(request.GET.get("size", default_size))
    except ValueError:
        size = default_size
    if size not in PAGE_SIZES:
        size = default_size
    return Paginator(queryset, size).get_page(request.GET.get("page"))
