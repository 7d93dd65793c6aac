"""The access log's hash chain, its review flags, log reviews, and database-level guards.

Existing rows (a demo or test database from before the chain) are chained in the order they
were written (by id), so `accesslog_verify` holds from the first row on.
"""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models

from samplan.auditlog.chain import GENESIS_HASH, HASHED_FIELDS, row_hash

# PostgreSQL: refuse UPDATE always and DELETE outside the retention purge (which sets
# samplan.accesslog_purge for its own transaction), whoever connects. TRUNCATE is left to
# database privileges (see deploy/README.md): test databases are emptied with it.
POSTGRES_GUARD = """
CREATE OR REPLACE FUNCTION auditlog_accesslog_guard() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' AND current_setting('samplan.accesslog_purge', true) = 'on' THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION 'access-log rows are append-only (%%)', TG_OP;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER auditlog_accesslog_append_only
    BEFORE UPDATE OR DELETE ON auditlog_accesslogentry
    FOR EACH ROW EXECUTE FUNCTION auditlog_accesslog_guard();
"""
POSTGRES_UNGUARD = """
DROP TRIGGER IF EXISTS auditlog_accesslog_append_only ON auditlog_accesslogentry;
DROP FUNCTION IF EXISTS auditlog_accesslog_guard();
"""
# SQLite: refuse UPDATE. DELETE stays possible (Django empties SQLite test databases with
# DELETE, and SQLite has no per-transaction setting to tell the purge apart); the ORM
# guards and the hash chain cover it.
SQLITE_GUARD = """
CREATE TRIGGER auditlog_accesslog_append_only BEFORE UPDATE ON auditlog_accesslogentry
BEGIN SELECT RAISE(ABORT, 'access-log rows are append-only (UPDATE)'); END;
"""
SQLITE_UNGUARD = "DROP TRIGGER IF EXISTS auditlog_accesslog_append_only;"


def chain_existing_rows(apps, schema_editor):
    Entry = apps.get_model("auditlog", "AccessLogEntry")
    Chain = apps.get_model("auditlog", "AccessLogChain")
    prev, seq = GENESIS_HASH, 0
    for entry in Entry.objects.order_by("id").iterator(chunk_size=2000):
        seq += 1
        entry.seq, entry.prev_hash = seq, prev
        entry.hash = row_hash({name: getattr(entry, name) for name in HASHED_FIELDS})
        Entry.objects.filter(pk=entry.pk).update(
            seq=entry.seq, prev_hash=entry.prev_hash, hash=entry.hash
        )
        prev = entry.hash
    Chain.objects.create(pk=1, seq=seq, last_hash=prev)


def guard(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRES_GUARD)
    elif vendor == "sqlite":
        schema_editor.execute(SQLITE_GUARD)


def unguard(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRES_UNGUARD)
    elif vendor == "sqlite":
        schema_editor.execute(SQLITE_UNGUARD)


class Migration(migrations.Migration):

    dependencies = [
        ("auditlog", "0004_adminchange_type_index"),
        ("organizations", "0002_profession_catalogue"),
        ("patients", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterField(
            model_name="adminchange",
            name="action",
            field=models.CharField(
                choices=[
                    ("create", "Created"),
                    ("update", "Changed"),
                    ("deactivate", "Deactivated"),
                    ("reactivate", "Reactivated"),
                    ("grant", "Access granted"),
                    ("end", "Access ended"),
                    ("unlock", "Unlocked"),
                    ("password", "Password set"),
                    ("purge", "Access-log rows purged"),
                ],
                max_length=20,
                verbose_name="action",
            ),
        ),
        migrations.CreateModel(
            name="AccessLogChain",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("seq", models.BigIntegerField(default=0)),
                ("last_hash", models.CharField(default=GENESIS_HASH, max_length=64)),
                ("anchor_seq", models.BigIntegerField(default=0)),
                ("anchor_hash", models.CharField(default=GENESIS_HASH, max_length=64)),
            ],
        ),
        migrations.AddField(
            model_name="accesslogentry",
            name="seq",
            field=models.BigIntegerField(null=True),
        ),
        migrations.AddField(
            model_name="accesslogentry",
            name="prev_hash",
            field=models.CharField(default="", max_length=64),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="accesslogentry",
            name="hash",
            field=models.CharField(default="", max_length=64),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="accesslogentry",
            name="not_participant",
            field=models.BooleanField(default=False),
        ),
        migrations.AddField(
            model_name="accesslogentry",
            name="protected_identity",
            field=models.BooleanField(default=False),
        ),
        migrations.AddField(
            model_name="accesslogentry",
            name="outside_hours",
            field=models.BooleanField(default=False),
        ),
        migrations.AddField(
            model_name="accesslogentry",
            name="many_patients",
            field=models.BooleanField(default=False),
        ),
        migrations.RunPython(chain_existing_rows, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="accesslogentry",
            name="seq",
            field=models.BigIntegerField(unique=True),
        ),
        migrations.AddIndex(
            model_name="accesslogentry",
            index=models.Index(
                condition=models.Q(("searched_identity", ""), _negated=True),
                fields=["searched_identity", "-at"],
                name="accesslog_searched_idx",
            ),
        ),
        migrations.AddIndex(
            model_name="accesslogentry",
            index=models.Index(
                condition=models.Q(
                    ("not_participant", True),
                    ("protected_identity", True),
                    ("outside_hours", True),
                    ("many_patients", True),
                    _connector="OR",
                ),
                fields=["organization", "-at"],
                name="accesslog_org_flagged_idx",
            ),
        ),
        migrations.CreateModel(
            name="LogReview",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("kind", models.CharField(choices=[("sample", "Random sample"), ("search", "Chosen from a search")], max_length=20, verbose_name="kind")),
                ("criteria", models.CharField(blank=True, max_length=500, verbose_name="selection")),
                ("period_from", models.DateField(blank=True, null=True, verbose_name="from")),
                ("period_to", models.DateField(blank=True, null=True, verbose_name="to")),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now, verbose_name="started")),
                ("completed_at", models.DateTimeField(blank=True, null=True, verbose_name="completed")),
                ("result", models.CharField(blank=True, choices=[("no_remarks", "No remarks: every access was justified"), ("follow_up", "Needs follow-up with the unit's manager"), ("unauthorised", "Unauthorised access found: reported as a deviation")], max_length=20, verbose_name="result")),
                ("comment", models.TextField(blank=True, verbose_name="comment")),
                ("form_key", models.CharField(max_length=64)),
                ("organization", models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name="+", to="organizations.organization")),
                ("reviewer", models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, to=settings.AUTH_USER_MODEL, verbose_name="reviewer")),
                ("reviewer_unit", models.ForeignKey(null=True, on_delete=django.db.models.deletion.PROTECT, related_name="+", to="organizations.unit")),
            ],
            options={
                "verbose_name": "log review",
                "verbose_name_plural": "log reviews",
                "ordering": ["-created_at", "-pk"],
            },
        ),
        migrations.CreateModel(
            name="LogReviewEntry",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("checked", models.BooleanField(default=False, verbose_name="checked")),
                ("entry", models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name="+", to="auditlog.accesslogentry")),
                ("review", models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name="items", to="auditlog.logreview")),
            ],
            options={
                "ordering": ["-entry__at", "-entry_id"],
            },
        ),
        migrations.AddField(
            model_name="logreview",
            name="entries",
            field=models.ManyToManyField(related_name="+", through="auditlog.LogReviewEntry", to="auditlog.accesslogentry"),
        ),
        migrations.AddConstraint(
            model_name="logreview",
            constraint=models.UniqueConstraint(fields=("reviewer", "form_key"), name="logreview_form_key"),
        ),
        migrations.AddIndex(
            model_name="logreview",
            index=models.Index(fields=["organization", "-created_at"], name="logreview_org_idx"),
        ),
        migrations.AddConstraint(
            model_name="logreviewentry",
            constraint=models.UniqueConstraint(fields=("review", "entry"), name="logreviewentry_unique"),
        ),
        migrations.RunPython(guard, unguard),
    ]
