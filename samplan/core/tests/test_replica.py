"""The replica router (samplan.core.replica): which reads go to the `replica` alias.

In the tests the replica is Django's test MIRROR of the default database (test_settings.py):
a second connection to the same test database, so what it reads shows which connection the
router chose. Tests that read through it commit their data (transaction=True), since the
mirror cannot see another connection's open transaction.
"""

from __future__ import annotations

import time

import pytest
from django.db import connections, transaction
from django.http import HttpResponse
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from samplan.accounts.models import Membership, User
from samplan.accounts.sessions import SESSION_UNIT_KEY
from samplan.core.replica import (
    PIN_COOKIE,
    REPLICA,
    PrimaryAfterWriteMiddleware,
    PrimaryReplicaRouter,
    replica_reads,
)

BOTH = ["default", "replica"]
router = PrimaryReplicaRouter()
SEARCH = reverse("logreview:search")
REPORT = reverse("reports:admissions") + "?year=2026"


@pytest.fixture
def replica_on(settings):
    settings.DATABASE_REPLICA_READS = True
    settings.DATABASE_REPLICA_PIN_SECONDS = 10


def through_middleware(request, view):
    """Run `view` as the middleware runs a view; returns (what the view returned, response)."""
    seen = {}

    def get_response(request):
        seen["value"] = view()
        return HttpResponse("ok")

    response = PrimaryAfterWriteMiddleware(get_response)(request)
    return seen["value"], response


def read_target():
    with replica_reads():
        return router.db_for_read(User)


# --- The router's choice ------------------------------------------------------------------------


def test_reads_go_to_the_replica_only_inside_a_replica_block(replica_on):
    assert router.db_for_read(User) == "default"
    assert read_target() == REPLICA
    assert router.db_for_read(User) == "default"  # the block ended


def test_without_a_replica_every_read_is_on_the_primary(settings):
    settings.DATABASE_REPLICA_READS = False
    assert read_target() == "default"


def test_unless_keeps_the_block_on_the_primary(replica_on):
    with replica_reads(unless=True):
        assert router.db_for_read(User) == "default"


def test_writes_always_go_to_the_primary(replica_on):
    with replica_reads():
        assert router.db_for_write(User) == "default"


@pytest.mark.django_db(transaction=True)
def test_a_read_inside_a_transaction_stays_on_the_primary(replica_on):
    assert read_target() == REPLICA
    with transaction.atomic():
        assert read_target() == "default"  # a transaction reads its own writes


def test_the_replica_never_migrates_and_relations_between_copies_are_allowed():
    assert router.allow_migrate(REPLICA, "accounts") is False
    assert router.allow_migrate("default", "accounts") is None
    one, other = User(), Membership()
    one._state.db, other._state.db = REPLICA, "default"
    assert router.allow_relation(one, other) is True


# --- Reads after the user's own write -----------------------------------------------------------


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_a_write_request_reads_from_the_primary_and_pins_the_browser(replica_on, method):
    request = getattr(RequestFactory(), method)("/")
    target, response = through_middleware(request, read_target)
    assert target == "default"
    cookie = response.cookies[PIN_COOKIE]
    assert cookie["max-age"] == 10 and cookie["httponly"]
    assert time.time() + 8 < int(cookie.value) <= time.time() + 10


def test_a_read_request_reads_from_the_replica_and_sets_no_cookie(replica_on):
    target, response = through_middleware(RequestFactory().get("/"), read_target)
    assert target == REPLICA
    assert PIN_COOKIE not in response.cookies


def test_the_next_requests_read_from_the_primary_until_the_pin_ends(replica_on):
    request = RequestFactory().get("/")
    request.COOKIES[PIN_COOKIE] = str(int(time.time()) + 5)
    assert through_middleware(request, read_target)[0] == "default"
    request.COOKIES[PIN_COOKIE] = str(int(time.time()) - 1)
    assert through_middleware(request, read_target)[0] == REPLICA


def test_a_forged_cookie_only_chooses_the_copy(replica_on):
    request = RequestFactory().get("/")
    request.COOKIES[PIN_COOKIE] = "x'; DROP TABLE"
    assert through_middleware(request, read_target)[0] == REPLICA


def test_the_pin_ends_with_the_request(replica_on):
    through_middleware(RequestFactory().post("/"), read_target)
    assert read_target() == REPLICA  # nothing left behind for the worker's next request


def test_without_a_replica_no_cookie_is_set(settings):
    settings.DATABASE_REPLICA_READS = False
    _target, response = through_middleware(RequestFactory().post("/"), read_target)
    assert PIN_COOKIE not in response.cookies


# --- The pages that read from the replica -------------------------------------------------------


def _tables(context: CaptureQueriesContext) -> str:
    return " ".join(query["sql"] for query in context.captured_queries)


@pytest.mark.django_db(transaction=True, databases=BOTH)
def test_log_search_reads_the_log_from_the_replica_and_checks_access_on_the_primary(
    replica_on, client
):
    from samplan.accounts.models import Role
    from samplan.auditlog.models import AccessLogEntry
    from samplan.auditlog.testing import log_access
    from samplan.patients.testing import PatientFactory
    from samplan.testing import build_cast, user_with_role

    cast = build_cast()
    patient = PatientFactory()
    row = log_access(cast.ward_nurse, cast.ward, patient, object_type="dischargecase")
    reviewer = user_with_role("granskare", cast.care_centre, Role.LOG_REVIEWER)
    client.force_login(reviewer)
    session = client.session
    session[SESSION_UNIT_KEY] = cast.care_centre.pk
    session.save()
    before = AccessLogEntry.objects.count()

    with CaptureQueriesContext(connections[REPLICA]) as on_replica:
        response = client.get(SEARCH)
    assert response.status_code == 200, response
    assert row.pk in {shown.entry.pk for shown in response.context["rows"]}
    replica_sql = _tables(on_replica)
    assert "auditlog_accesslogentry" in replica_sql
    assert "accounts_membership" not in replica_sql  # the access check ran on the primary
    # The search's own row was written on the primary.
    assert AccessLogEntry.objects.using("default").count() == before + 1

    # After a write (any POST) the same browser reads from the primary for a while.
    client.post(reverse("logreview:patient_lookup"), {"identity": "x"})
    assert PIN_COOKIE in client.cookies
    with CaptureQueriesContext(connections[REPLICA]) as on_replica:
        assert client.get(SEARCH).status_code == 200
    assert on_replica.captured_queries == []


@pytest.mark.django_db(transaction=True, databases=BOTH)
def test_a_report_reads_its_figures_from_the_replica_once_the_facts_are_up_to_date(
    replica_on, client
):
    from samplan.accounts.models import Role
    from samplan.reports.models import CaseFact
    from samplan.reports.testing import CaseBuilder, M, local
    from samplan.testing import build_cast, user_with_role

    cast = build_cast()
    CaseBuilder(cast.ward, cast.municipality, local(2026, 1, 5, 8), cast.ward_nurse).send(
        M.ADMISSION_NOTICE, local(2026, 1, 5, 10), cast.home_care
    )
    viewer = user_with_role("rapport", cast.care_centre, Role.REPORT_VIEWER)
    client.force_login(viewer)
    session = client.session
    session[SESSION_UNIT_KEY] = cast.care_centre.pk
    session.save()

    # The first report computes the facts, then reads them back from the primary.
    with CaptureQueriesContext(connections[REPLICA]) as on_replica:
        first = client.get(REPORT)
    assert first.status_code == 200
    assert CaseFact.objects.count() == 1
    assert on_replica.captured_queries == []
    # Nothing changed since: the figures come from the replica, and they are the same.
    with CaptureQueriesContext(connections[REPLICA]) as on_replica:
        second = client.get(REPORT)
    assert "reports_casefact" in _tables(on_replica)
    assert second.context["month_table"].rows == first.context["month_table"].rows
