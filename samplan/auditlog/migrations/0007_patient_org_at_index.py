"""The log search counts a person's rows of an organisation in the index alone.

The new index is built before the old one goes, so the log is never without one; on
PostgreSQL both concurrently: the access log is the largest table and every page view
writes to it, and a plain CREATE INDEX would hold those writes for the whole build.
"""

from django.conf import settings
from django.contrib.postgres.operations import AddIndexConcurrently, RemoveIndexConcurrently
from django.db import migrations, models


class OnPostgresqlConcurrently:
    """Mixed into AddIndexConcurrently or RemoveIndexConcurrently: those on PostgreSQL, the
    plain operation (`plain`) elsewhere, as SQLite builds and drops indexes only plainly."""

    plain: type

    def _on_postgresql(self, schema_editor) -> bool:
        return schema_editor.connection.vendor == "postgresql"

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if self._on_postgresql(schema_editor):
            super().database_forwards(app_label, schema_editor, from_state, to_state)
        else:
            self.plain.database_forwards(self, app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if self._on_postgresql(schema_editor):
            super().database_backwards(app_label, schema_editor, from_state, to_state)
        else:
            self.plain.database_backwards(self, app_label, schema_editor, from_state, to_state)


class AddIndexConcurrentlyOnPostgresql(OnPostgresqlConcurrently, AddIndexConcurrently):
    plain = migrations.AddIndex


class RemoveIndexConcurrentlyOnPostgresql(OnPostgresqlConcurrently, RemoveIndexConcurrently):
    plain = migrations.RemoveIndex


class Migration(migrations.Migration):
    atomic = False  # CONCURRENTLY cannot run inside a transaction

    dependencies = [
        ("auditlog", "0006_accesslogentry_integration_client"),
        ("organizations", "0005_provider_start_and_subcontractor"),
        ("patients", "0002_reserve_formats_links_consents"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        AddIndexConcurrentlyOnPostgresql(
            model_name="accesslogentry",
            index=models.Index(
                fields=["patient", "organization", "-at"], name="accesslog_patient_org_at_idx"
            ),
        ),
        RemoveIndexConcurrentlyOnPostgresql(
            model_name="accesslogentry",
            name="accesslog_patient_at_idx",
        ),
    ]
