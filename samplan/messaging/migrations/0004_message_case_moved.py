from django.db import migrations


class Migration(migrations.Migration):
    """Messaging no longer knows discharge cases: the case of a message is now in
    discharge.CaseMessage, filled from this column by discharge's migration 0006 before the
    column goes."""

    dependencies = [
        ("messaging", "0003_alerts"),
        ("discharge", "0006_case_message_link"),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name="message",
            name="message_case_sent_idx",
        ),
        migrations.RemoveField(
            model_name="message",
            name="case",
        ),
    ]
