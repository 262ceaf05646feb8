from django.db import migrations


def seed(apps, schema_editor):
    from kedang.followups.seed_data import ensure_questionnaires

    ensure_questionnaires(
        apps.get_model("followups", "Questionnaire"),
        apps.get_model("followups", "QuestionItem"),
        apps.get_model("agenda", "Rule"),
    )


class Migration(migrations.Migration):
    dependencies = [("followups", "0001_initial"), ("agenda", "0002_seed_rules_and_calendar")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
