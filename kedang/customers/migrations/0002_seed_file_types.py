from django.db import migrations


def seed(apps, schema_editor):
    from kedang.customers.seed_data import ensure_file_types

    ensure_file_types(apps.get_model("customers", "FileType"), apps.get_model("customers", "ChecklistItem"))


class Migration(migrations.Migration):
    dependencies = [("customers", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
