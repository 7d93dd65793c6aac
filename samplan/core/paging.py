"""Pagination used by every list view, so page size and navigation look the same everywhere."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import HttpRequest

PAGE_SIZES = (20, 50, 100)
DEFAULT_PAGE_SIZE = PAGE_SIZES[0]


@dataclass(frozen=True)
class PageRequest:
    """Which page of a list is asked for (?page=, ?size=), as given: paginate() checks it.

    Access functions take this value, not the request, so the API and commands page the same
    lists the same way."""

    number: str | None = None
    size: str | None = None

    @classmethod
    def of(cls, request: HttpRequest) -> PageRequest:
        return cls(number=request.GET.get("page"), size=request.GET.get("size"))


class _Deferred:
    """A list built only when the paginator needs it (a count, a later page): the first page
    read through `first_rows` does not build the queryset at all."""

    def __init__(self, build: Callable[[], QuerySet | Sequence]):
        self._build = build
        self._built: QuerySet | Sequence | None = None

    def _list(self) -> QuerySet | Sequence:
        if self._built is None:
            self._built = self._build()
        return self._built

    def count(self) -> int:
        built = self._list()
        return built.count() if isinstance(built, QuerySet) else len(built)

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, key: int | slice) -> object:
        return self._list()[key]


def paginate(
    paging: PageRequest | HttpRequest,
    queryset: QuerySet | Sequence | Callable[[], QuerySet | Sequence],
    *,
    default_size: int = DEFAULT_PAGE_SIZE,
    count: Callable[[], int | None] | None = None,
    first_rows: Callable[[int], list] | None = None,
) -> Page:
    """The page asked for (?page=, ?size=, or a PageRequest), clamped to what exists.

    The first page reads one row more than it shows: when that row is not there, the rows
    read are the whole list and their number is the count, so the COUNT query is spared.
    Most units' lists fit on one page, and the first page is the one opened twice a day.
    `count`, when given, is asked for the list's length instead of a COUNT (a maintained
    counter); when it answers None the COUNT runs as usual. `first_rows`, when given, reads
    the first n rows of the same list (a prepared query, samplan.core.prepared) for the first
    page, the one opened twice a day. `queryset` may be a function that builds the list: it
    is then called only when the first page's rows and count do not suffice.
    """
    if isinstance(paging, HttpRequest):
        paging = PageRequest.of(paging)
    try:
        size = int(paging.size) if paging.size else default_size
    except ValueError:
        size = default_size
    if size not in PAGE_SIZES:
        size = default_size
    if callable(queryset):
        queryset = _Deferred(queryset)
    paginator = Paginator(queryset, size)
    number = paging.number
    if number not in (None, "", "1"):
        _known_count(paginator, count)
        return paginator.get_page(number)
    rows = first_rows(size + 1) if first_rows is not None else list(queryset[: size + 1])
    if len(rows) <= size:
        paginator.__dict__["count"] = len(rows)  # Paginator.count is a cached property
    else:
        _known_count(paginator, count)
    return Page(rows[:size], 1, paginator)  # page 1 always exists (allow_empty_first_page)


def _known_count(paginator: Paginator, count: Callable[[], int | None] | None) -> None:
    known = count() if count is not None else None
    if known is not None:
        paginator.__dict__["count"] = known  # Paginator.count is a cached property
