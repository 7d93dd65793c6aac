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
