"""An import's rejected row keeps its original cells, phones and ID numbers among them: encrypted at rest
(R-G7, #13). The column stays a JSON column; each value becomes an encrypted JSON string.

Forward: every row is read (clear JSON passes through the field) and written back (the field encrypts).
Backward: every row is read (the field decrypts) and written back as clear JSON, bypassing the field, so the
migration is reversible on SQLite and PostgreSQL alike. Rows are read in primary-key batches so a large
table is never held in memory."""

import kedang.privacy.crypto
from django.db import migrations, models

FIELDS = ('values',)
BATCH = 500


def _rewrite(apps, clear):
    model = apps.get_model("exchange", "ImportRejection")
    last = 0
    while True:
        rows = list(model.objects.filter(pk__gt=last).order_by("pk").values_list("pk", *FIELDS)[:BATCH])
        if not rows:
            return
        for pk, *values in rows:
            if clear:
                update = {f: models.Value(v, output_field=models.JSONField()) for f, v in zip(FIELDS, values)}
            else:
                update = dict(zip(FIELDS, values))
            model.objects.filter(pk=pk).update(**update)
        last = rows[-1][0]


def encrypt_existing(apps, schema_editor):
    _rewrite(apps, clear=False)


def decrypt_existing(apps, schema_editor):
    _rewrite(apps, clear=True)


class Migration(migrations.Migration):

    dependencies = [
        ('exchange', '0001_initial'),
    ]

    operations = [
        migrations.AlterField(
            model_name='importrejection',
            name='values',
            field=kedang.privacy.crypto.EncryptedJSONField(default=list, purpose='importrejection.values'),
        ),
        migrations.RunPython(encrypt_existing, decrypt_existing),
    ]
