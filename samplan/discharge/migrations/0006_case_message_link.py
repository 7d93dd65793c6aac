import django.db.models.deletion
from django.db import migrations, models


def copy_links(apps, schema_editor):
    """Every message's case, from the old Message.case column, into CaseMessage: one
    INSERT ... SELECT, so a region's hundreds of thousands of messages move in one statement."""
    Message = apps.get_model("messaging", "Message")
    CaseMessage = apps.get_model("discharge", "CaseMessage")
    quote = schema_editor.quote_name
    schema_editor.execute(
        f"INSERT INTO {quote(CaseMessage._meta.db_table)} (message_id, case_id) "
        f"SELECT id, case_id FROM {quote(Message._meta.db_table)} WHERE case_id IS NOT NULL"
    )


def copy_links_back(apps, schema_editor):
    Message = apps.get_model("messaging", "Message")
    CaseMessage = apps.get_model("discharge", "CaseMessage")
    for message_id, case_id in CaseMessage.objects.values_list("message_id", "case_id"):
        Message.objects.filter(pk=message_id).update(case_id=case_id)


class Migration(migrations.Migration):
    dependencies = [
        ("discharge", "0005_agreement_moved"),
        # The last state in which Message still has its case column.
        ("messaging", "0003_alerts"),
    ]

    operations = [
        migrations.CreateModel(
            name="CaseMessage",
            fields=[
                (
                    "message",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.PROTECT,
                        primary_key=True,
                        related_name="case_link",
                        serialize=False,
                        to="messaging.message",
                    ),
                ),
                (
                    "case",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="message_links",
                        to="discharge.dischargecase",
                    ),
                ),
            ],
            options={
                "verbose_name": "message on a case",
                "verbose_name_plural": "messages on cases",
            },
        ),
        migrations.AddField(
            model_name="dischargecase",
            name="messages",
            field=models.ManyToManyField(
                blank=True, related_name="+", through="discharge.CaseMessage", to="messaging.message"
            ),
        ),
        migrations.RunPython(copy_links, copy_links_back),
    ]
