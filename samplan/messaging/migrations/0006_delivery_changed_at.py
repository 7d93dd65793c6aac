import django.db.models.functions.datetime
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


def backfill_changed_at(apps, schema_editor):
    from django.db.models.functions import Coalesce

    Delivery = apps.get_model("messaging", "Delivery")
    Delivery.objects.update(
        changed_at=Coalesce("handled_at", "acknowledged_at", "read_at", "arrived_at")
    )


class Migration(migrations.Migration):

    dependencies = [
        ('messaging', '0005_alert_send_lease'),
        ('organizations', '0004_organization_require_siths'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        # Existing deliveries: their last change is the latest of their known times.
        migrations.AddField(
            model_name='delivery',
            name='changed_at',
            field=models.DateTimeField(db_default=django.db.models.functions.datetime.Now(), default=django.utils.timezone.now),
        ),
        migrations.RunPython(backfill_changed_at, migrations.RunPython.noop),
        migrations.AddIndex(
            model_name='delivery',
            index=models.Index(fields=['unit', 'changed_at', 'id'], name='delivery_unit_changed_idx'),
        ),
    ]
