from django.db import migrations


def seed(apps, schema_editor):
    from kedang.agenda.seed_data import ensure_rules
    from kedang.agenda.workdays import seed_calendar

    ensure_rules(apps.get_model("agenda", "Rule"))
    seed_calendar(apps.get_model("agenda", "HolidayYear"), apps.get_model("agenda", "CalendarDay"))


class Migration(migrations.Migration):
    dependencies = [("agenda", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
