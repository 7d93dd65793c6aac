"""The amounts per liable day that domain.md §6 names (set by Socialstyrelsen). Other years
are entered by system administrators; the demo adds made-up ones, marked as such."""

from decimal import Decimal

from django.db import migrations

KNOWN_AMOUNTS = [
    (2019, Decimal("7800.00"), "Socialstyrelsen (domain.md §6)"),
    (2022, Decimal("9300.00"), "Socialstyrelsen (domain.md §6)"),
]


def add_amounts(apps, schema_editor):
    DailyAmount = apps.get_model("discharge", "DailyAmount")
    for year, amount, source in KNOWN_AMOUNTS:
        # Leave a figure an administrator already entered alone.
        DailyAmount.objects.get_or_create(year=year, defaults={"amount": amount, "source": source})


class Migration(migrations.Migration):
    dependencies = [("discharge", "0001_initial")]
    operations = [migrations.RunPython(add_amounts, migrations.RunPython.noop)]
