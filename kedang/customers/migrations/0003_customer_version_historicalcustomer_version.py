from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("customers", "0002_seed_file_types")]

    operations = [
        migrations.AddField(
            model_name="customer",
            name="version",
            field=models.PositiveIntegerField(default=1, editable=False),
        ),
        migrations.AddField(
            model_name="historicalcustomer",
            name="version",
            field=models.PositiveIntegerField(default=1, editable=False),
        ),
    ]
