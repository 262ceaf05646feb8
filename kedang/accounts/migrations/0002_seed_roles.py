from django.db import migrations


def seed(apps, schema_editor):
    from kedang.accounts.roles import DEFAULT_SCOPES

    Group = apps.get_model("auth", "Group")
    RoleSetting = apps.get_model("accounts", "RoleSetting")
    for code, (scope, read_only) in DEFAULT_SCOPES.items():
        group, _ = Group.objects.get_or_create(name=code)
        RoleSetting.objects.get_or_create(group=group, defaults={"scope": scope, "read_only": read_only})


class Migration(migrations.Migration):
    dependencies = [("accounts", "0001_initial"), ("auth", "0012_alter_user_first_name_max_length")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
