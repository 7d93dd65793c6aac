"""The access log names the integrating system inside the hash chain."""

from django.db import connection

from samplan.auditlog import chain
from samplan.auditlog.models import AccessLogEntry


def test_rows_without_a_client_hash_as_before_and_the_client_is_covered(cast, build, home_care_api):
    _, message = build.admitted()
    home_care_api.get(f"/messages/{message.pk}")
    api_row = AccessLogEntry.objects.exclude(integration_client="").get()
    plain = AccessLogEntry.objects.filter(integration_client="").first()
    if plain is not None:  # a row as the UI writes it: hashed exactly as before the field
        values = {name: getattr(plain, name) for name in chain.HASHED_FIELDS}
        assert chain.row_hash(values) == plain.hash
    values = {name: getattr(api_row, name) for name in chain.HASHED_FIELDS}
    assert chain.row_hash(values) != api_row.hash  # the client's name is part of the hash
    assert chain.verify().ok
    # Changing the client's name afterwards breaks the chain.
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("DROP TRIGGER auditlog_accesslog_append_only")
            cursor.execute(
                "UPDATE auditlog_accesslogentry SET integration_client = 'x' WHERE id = %s",
                [api_row.pk],
            )
        result = chain.verify()
        assert not result.ok and result.broken_id == api_row.pk


def test_the_append_only_trigger_survives_the_migration_on_sqlite(db):
    if connection.vendor != "sqlite":
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT name FROM sqlite_master WHERE type = 'trigger' "
            "AND name = 'auditlog_accesslog_append_only'"
        )
        assert cursor.fetchone() is not None


def test_every_api_read_of_patient_data_writes_a_row_naming_the_client(sip, build):
    """The API's part of the logging walker (auditlog's test_logging_coverage names it)."""
    from samplan.api.tests.helpers import Caller, make_client
    from samplan.sip.tests.conftest import finalised_plan

    cast = sip.cast
    client, token = make_client(
        cast.municipal_system_admin, cast.municipality, [cast.home_care, sip.social]
    )
    case, message = build.admitted()
    plan = finalised_plan(sip)
    person = "SE2321000016-ABC1"
    visits = [
        (cast.home_care, f"/messages/{message.pk}", message.patient),
        (cast.home_care, f"/messages/{message.pk}/journal-note", message.patient),
        (cast.home_care, f"/cases/{case.pk}", case.patient),
        (cast.home_care, f"/fhir/Communication/{message.pk}", message.patient),
        (sip.social, f"/sip/plans/{plan.pk}/current-version", plan.patient),
        (sip.social, f"/sip/plans/{plan.pk}/versions/1/journal-note", plan.patient),
        (sip.social, f"/fhir/CarePlan/{plan.pk}/versions/1", plan.patient),
    ]
    for unit, path, patient in visits:
        before = AccessLogEntry.objects.count()
        answer = Caller(token, unit, person).get(path)
        assert answer.status_code == 200, (path, answer.content)
        rows = AccessLogEntry.objects.order_by("-seq")[: AccessLogEntry.objects.count() - before]
        assert any(
            row.patient_id == patient.pk
            and row.unit_id == unit.pk
            and row.integration_client == client.log_label
            and row.user_hsa_id == person
            for row in rows
        ), path
    assert chain.verify().ok
