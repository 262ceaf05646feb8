from django.db import migrations


def seed(apps, schema_editor):
    from kedang.complaints.seed_data import ensure_reference_data

    ensure_reference_data(apps.get_model("complaints", "Category"), apps.get_model("complaints", "StageDeadline"))


class Migration(migrations.Migration):
    dependencies = [("complaints", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
