from django.db import migrations, models

# SQLite adds the column by rebuilding the table, which drops 0005's append-only trigger:
# put it back (PostgreSQL adds the column in place and keeps its trigger).
SQLITE_GUARD = """
CREATE TRIGGER IF NOT EXISTS auditlog_accesslog_append_only
BEFORE UPDATE ON auditlog_accesslogentry
BEGIN SELECT RAISE(ABORT, 'access-log rows are append-only (UPDATE)'); END;
"""


def guard_again(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        schema_editor.execute(SQLITE_GUARD)


class Migration(migrations.Migration):
    dependencies = [
        ("auditlog", "0005_chain_flags_reviews"),
    ]

    operations = [
        migrations.AddField(
            model_name="accesslogentry",
            name="integration_client",
            field=models.CharField(blank=True, max_length=120),
        ),
        migrations.RunPython(guard_again, migrations.RunPython.noop),
    ]
