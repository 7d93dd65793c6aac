"""The database keeps each participation's copies of its case (CaseParticipant.case_open and
case_admitted_at) in step with the case, whatever changes the case: a service, the admin, a
data fix in SQL. Översikt's open list then reads the unit's participations alone, in order,
and stops after a page (bench/RESULTS.md, session 10).

A trigger on the case, written for each database samplan runs on. SQLite drops a table's
triggers when a migration rebuilds the table: a later migration that alters
discharge_dischargecase on SQLite must create this trigger again
(test_participant_copies.py fails until it does)."""

from django.db import migrations

# The open states of discharge.process.CaseState as this migration was written (a migration
# does not import the code's current tables): a change there needs a migration here.
_OPEN = "('admitted', 'ready', 'discharged')"

_POSTGRESQL = f"""
CREATE FUNCTION discharge_participants_follow_case() RETURNS trigger AS $$
BEGIN
    UPDATE discharge_caseparticipant
       SET case_open = NEW.state IN {_OPEN}, case_admitted_at = NEW.admitted_at
     WHERE case_id = NEW.id
       AND (case_open IS DISTINCT FROM (NEW.state IN {_OPEN})
            OR case_admitted_at IS DISTINCT FROM NEW.admitted_at);
    RETURN NULL;
END
$$ LANGUAGE plpgsql;
CREATE TRIGGER discharge_participants_follow_case
    AFTER UPDATE OF state, admitted_at ON discharge_dischargecase
    FOR EACH ROW
    WHEN (OLD.state IS DISTINCT FROM NEW.state OR OLD.admitted_at IS DISTINCT FROM NEW.admitted_at)
    EXECUTE FUNCTION discharge_participants_follow_case();
"""
_POSTGRESQL_DROP = """
DROP TRIGGER IF EXISTS discharge_participants_follow_case ON discharge_dischargecase;
DROP FUNCTION IF EXISTS discharge_participants_follow_case();
"""

_SQLITE = f"""
CREATE TRIGGER discharge_participants_follow_case
    AFTER UPDATE OF state, admitted_at ON discharge_dischargecase
    FOR EACH ROW
    WHEN OLD.state IS NOT NEW.state OR OLD.admitted_at IS NOT NEW.admitted_at
BEGIN
    UPDATE discharge_caseparticipant
       SET case_open = NEW.state IN {_OPEN}, case_admitted_at = NEW.admitted_at
     WHERE case_id = NEW.id
       AND (case_open IS NOT (NEW.state IN {_OPEN}) OR case_admitted_at IS NOT NEW.admitted_at);
END;
"""
_SQLITE_DROP = "DROP TRIGGER IF EXISTS discharge_participants_follow_case;"


def _run(schema_editor, sql_by_vendor: dict[str, str]) -> None:
    vendor = schema_editor.connection.vendor
    if vendor not in sql_by_vendor:
        raise NotImplementedError(f"samplan runs on PostgreSQL or SQLite, not {vendor}")
    schema_editor.execute(sql_by_vendor[vendor])


def create_trigger(apps, schema_editor):
    _run(schema_editor, {"postgresql": _POSTGRESQL, "sqlite": _SQLITE})


def drop_trigger(apps, schema_editor):
    _run(schema_editor, {"postgresql": _POSTGRESQL_DROP, "sqlite": _SQLITE_DROP})


class Migration(migrations.Migration):
    dependencies = [
        ("discharge", "0008_participant_case_admitted_at"),
    ]

    operations = [
        migrations.RunPython(create_trigger, drop_trigger, elidable=False),
    ]
