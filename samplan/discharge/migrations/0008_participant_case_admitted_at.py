from django.db import migrations, models
from django.db.models import OuterRef, Subquery


def copy_admitted_at(apps, schema_editor):
    """Every participation gets its case's admitted_at (CaseParticipant.case_admitted_at)."""
    CaseParticipant = apps.get_model("discharge", "CaseParticipant")
    DischargeCase = apps.get_model("discharge", "DischargeCase")
    CaseParticipant.objects.update(
        case_admitted_at=Subquery(
            DischargeCase.objects.filter(pk=OuterRef("case_id")).values("admitted_at")[:1]
        )
    )


class Migration(migrations.Migration):
    dependencies = [
        ("discharge", "0007_participant_case_open"),
    ]

    operations = [
        migrations.AddField(
            model_name="caseparticipant",
            name="case_admitted_at",
            field=models.DateTimeField(null=True),
        ),
        migrations.RunPython(copy_admitted_at, migrations.RunPython.noop, elidable=False),
        migrations.AlterField(
            model_name="caseparticipant",
            name="case_admitted_at",
            field=models.DateTimeField(),
        ),
        migrations.RemoveIndex(
            model_name="caseparticipant",
            name="caseparticipant_open_idx",
        ),
        migrations.AddIndex(
            model_name="caseparticipant",
            index=models.Index(
                condition=models.Q(("case_open", True), ("left_at__isnull", True)),
                fields=["unit", "-case_admitted_at", "-case"],
                name="participant_open_newest_idx",
            ),
        ),
    ]
