from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext

from samplan.core.paging import paginate
from samplan.organizations.models import Organization
from samplan.testing import OrganizationFactory


def _page(query: str, count: int):
    queryset = Organization.objects.order_by("pk")
    request = RequestFactory().get(f"/?{query}")
    with CaptureQueriesContext(connection) as queries:
        page = paginate(request, queryset)
        shown = [org.pk for org in page.object_list]
        total, pages = page.paginator.count, page.paginator.num_pages
    return shown, total, pages, len(queries.captured_queries)


def test_a_first_page_that_holds_everything_needs_no_count(cast):
    existing = Organization.objects.count()
    assert existing <= 20
    shown, total, pages, queries = _page("", existing)
    assert len(shown) == total == existing and pages == 1 and queries == 1


def test_longer_lists_are_counted_and_paged(cast):
    start = Organization.objects.count()
    OrganizationFactory.create_batch(25 - start)
    first, total, pages, queries = _page("", 25)
    assert (len(first), total, pages, queries) == (20, 25, 2, 2)
    second, total, pages, _ = _page("page=2", 25)
    assert (len(second), total, pages) == (5, 25, 2)
    assert not set(first) & set(second)
    last, *_ = _page("page=99", 25)  # out of range: the last page, as before
    assert last == second
    assert _page("page=1&size=50", 25)[3] == 1  # all 25 on a page of 50: no count


def test_a_built_list_with_first_rows_is_built_only_when_needed(cast):
    start = Organization.objects.count()
    OrganizationFactory.create_batch(25 - start)
    built = []

    def build():
        built.append(1)
        return Organization.objects.order_by("pk")

    def first_rows(n):
        return list(Organization.objects.order_by("pk")[:n])

    request = RequestFactory().get("/")
    page = paginate(request, build, first_rows=first_rows, count=lambda: 25)
    assert (len(page.object_list), page.paginator.count, built) == (20, 25, [])
    second = paginate(RequestFactory().get("/?page=2"), build, first_rows=first_rows)
    assert (len(list(second.object_list)), second.paginator.count, built) == (5, 25, [1])
    assert not {o.pk for o in page.object_list} & {o.pk for o in second.object_list}
