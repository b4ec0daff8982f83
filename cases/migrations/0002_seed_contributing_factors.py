from django.db import migrations


def seed(apps, schema_editor):
    from cases.models import FACTOR_SEED

    Factor = apps.get_model("cases", "ContributingFactor")
    for row in FACTOR_SEED:
        Factor.objects.update_or_create(code=row["code"], defaults=row)


class Migration(migrations.Migration):
    dependencies = [("cases", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
