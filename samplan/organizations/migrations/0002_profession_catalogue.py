"""The profession catalogue of domain.md §2; system administrators can extend it later."""

from django.db import migrations

PROFESSIONS = [
    ("nurse", "Sjuksköterska", True),
    ("physician", "Läkare", True),
    ("occupational_therapist", "Arbetsterapeut", True),
    ("physiotherapist", "Fysioterapeut", True),
    ("needs_assessor", "Biståndshandläggare", False),
    ("social_worker", "Socialsekreterare", False),
    ("unit_manager", "Enhetschef", False),
    ("school_nurse", "Skolsköterska", True),
    ("school_doctor", "Skolläkare", True),
    ("counsellor", "Kurator", False),
    ("psychologist", "Psykolog", True),
    ("speech_therapist", "Logoped", True),
    ("special_educator", "Specialpedagog", False),
    ("principal", "Rektor", False),
    ("planner", "Planerare", False),
    ("housing_coordinator", "Boendesamordnare", False),
]


def add_professions(apps, schema_editor):
    Profession = apps.get_model("organizations", "Profession")
    for code, name, licensed in PROFESSIONS:
        Profession.objects.update_or_create(
            code=code, defaults={"name": name, "is_licensed": licensed}
        )


class Migration(migrations.Migration):
    dependencies = [("organizations", "0001_initial")]
    operations = [migrations.RunPython(add_professions, migrations.RunPython.noop)]
