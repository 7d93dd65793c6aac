"""The search's first page reads its rows as plain values (selectors.EntryValues), not as
AccessLogEntry instances: the rows in words and their markup must be what the model
instances (read with ROW_RELATED, as every later page and the review page still are) give,
for every kind of row: marks, a protected patient, a search that showed nobody, no unit,
an integrating system, names that need escaping."""

import pytest
from django.utils import translation

from samplan.auditlog.details import detail_code
from samplan.auditlog.models import AccessLogEntry
from samplan.auditlog.testing import log_access
from samplan.logreview import selectors
from samplan.logreview.presentation import entry_rows
from samplan.logreview.selectors import LogFilters
from samplan.logreview.templatetags.log_entries import log_entry_rows
from samplan.patients.testing import PatientFactory
from samplan.testing import user_with_role


def odd_rows(cast) -> None:
    """Rows with markup and quotes in every free-text value, a listed patient, a detail code
    and a client address, by a user with and one without a full name."""
    named = user_with_role("anna svensson+x/y", cast.ward, first_name="Anna <i>", last_name="Ö")
    odd = user_with_role("o'hara&<b>", cast.ward, first_name="", last_name="")
    listed = PatientFactory(first_name="<script>", last_name="O'Neil")
    listed.listed_care_centre = cast.care_centre
    listed.save()
    log_access(named, cast.ward, listed, detail=detail_code("list_page", list="received", page=2))
    log_access(odd, cast.ward, listed, address="10.0.0.7", action="update")


def _both(organization, filters: LogFilters) -> tuple[list, list]:
    first_rows, _count = selectors.review_page_readers(organization, filters)
    values = first_rows(51)
    instances = list(selectors.review_rows(organization, filters)[:51])
    return values, instances


@pytest.mark.parametrize("language", ["sv", "en"])
@pytest.mark.parametrize("by_patient", [False, True])
def test_values_rows_write_what_model_rows_write(cast, log, language, by_patient):
    odd_rows(cast)
    cast.ward.name = "Avd <7> & co"
    cast.ward.hsa_id = "SE2321000016-AVD7"  # the unit's filter link: its HSA-id, else its name
    cast.ward.save()
    organization = cast.care_centre.organization
    filters = LogFilters(patient=log.protected if by_patient else None)
    values, instances = _both(organization, filters)
    assert len(values) == len(instances) > 1
    assert [entry.pk for entry in values] == [entry.pk for entry in instances]
    checked = {values[0].pk}
    with translation.override(language):
        for select, links, column in (("entries", True, False), ("", False, True)):
            new = log_entry_rows(entry_rows(values, checked=checked), select, column, links)
            old = log_entry_rows(entry_rows(instances, checked=checked), select, column, links)
            assert new == old
            assert ('href="?unit=SE2321000016-AVD7"' in new) == links


def test_the_values_patient_reads_nothing_more(cast, log, django_assert_num_queries):
    """Everything the row's patient shows came with the row (its listing too)."""
    organization = cast.care_centre.organization
    first_rows, _count = selectors.review_page_readers(organization, LogFilters())
    with django_assert_num_queries(1):
        rows = entry_rows(first_rows(51))
    assert any(row.patient for row in rows)
    assert AccessLogEntry.objects.filter(organization=organization).count() == len(rows)


@pytest.mark.skipif(
    not selectors._per_identity(), reason="a LIMIT in each part of a UNION: PostgreSQL"
)
def test_the_newest_per_identity_are_the_newest_of_the_person(cast, log):
    """The first page of a person's rows read per identity (PostgreSQL) is the page the one
    condition over all identities gives, for a person with a linked reserve identity, a
    search for their number, and more rows than a page."""
    reserve = PatientFactory(merged_into=log.protected)
    for _ in range(4):
        log_access(cast.ward_nurse, cast.ward, reserve)
        log_access(cast.ward_nurse, cast.ward, log.protected)
    organization = cast.care_centre.organization
    filters = LogFilters(patient=log.protected)
    plain = {"organization_id": organization.pk, **selectors._plain_filters(filters)}
    assert len(plain["patient_ids"]) == 2
    for limit in (3, 51):
        apart = selectors._first_review_rows(limit=limit, per_identity=True, **plain)
        together = selectors._first_review_rows(limit=limit, per_identity=False, **plain)
        assert apart == together
    assert len(together) == 10


@pytest.mark.parametrize("flagged_only", [False, True])
def test_a_persons_count_is_the_count_of_their_rows(cast, log, flagged_only):
    """The person's count (summed per identity on PostgreSQL) counts each of their rows
    once: rows naming them or a linked reserve identity, a search for their number that
    found them (it names them and the number), and one that showed nobody."""
    reserve = PatientFactory(merged_into=log.protected)
    log_access(cast.ward_nurse, cast.ward, reserve)
    found = log_access(
        cast.ward_nurse, cast.ward, log.protected, searched_identity=log.protected.identity_number
    )
    assert found.patient_id and found.searched_identity
    log_access(cast.ward_nurse, cast.ward, None, searched_identity=log.protected.identity_number)
    organization = cast.care_centre.organization
    filters = LogFilters(patient=log.protected, flagged_only=flagged_only)
    _first_rows, count = selectors.review_page_readers(organization, filters)
    expected = selectors.review_rows(organization, filters).count()
    assert count() == expected > (0 if flagged_only else 3)
