"""The log search counts a person's rows of an organisation in the index alone; the new
index is built before the old one goes, so the log is never without one."""

from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("auditlog", "0006_accesslogentry_integration_client"),
        ("organizations", "0005_provider_start_and_subcontractor"),
        ("patients", "0002_reserve_formats_links_consents"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddIndex(
            model_name="accesslogentry",
            index=models.Index(
                fields=["patient", "organization", "-at"], name="accesslog_patient_org_at_idx"
            ),
        ),
        migrations.RemoveIndex(
            model_name="accesslogentry",
            name="accesslog_patient_at_idx",
        ),
    ]
