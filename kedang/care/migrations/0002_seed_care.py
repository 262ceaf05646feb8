from django.db import migrations


def seed(apps, schema_editor):
    from kedang.care.seed_data import ensure_care_data

    ensure_care_data(
        apps.get_model("agenda", "Rule"), apps.get_model("care", "Holiday"), apps.get_model("care", "MessageTemplate")
    )


class Migration(migrations.Migration):
    dependencies = [("care", "0001_initial"), ("agenda", "0002_seed_rules_and_calendar")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
