"""A change request carries the phones and ID numbers it proposes and the ones it replaces: encrypted at rest
(R-G7, #13). The column stays a JSON column; each value becomes an encrypted JSON string.

Forward: every row is read (clear JSON passes through the field) and written back (the field encrypts).
Backward: every row is read (the field decrypts) and written back as clear JSON, bypassing the field, so the
migration is reversible on SQLite and PostgreSQL alike. Rows are read in primary-key batches so a large
table is never held in memory."""

import kedang.privacy.crypto
from django.db import migrations, models

FIELDS = ('changes', 'before')
BATCH = 500


def _rewrite(apps, clear):
    model = apps.get_model("governance", "ChangeRequest")
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
        ('governance', '0005_access_request_asked_key'),
    ]

    operations = [
        migrations.AlterField(
            model_name='changerequest',
            name='before',
            field=kedang.privacy.crypto.EncryptedJSONField(default=dict, purpose='changerequest.before'),
        ),
        migrations.AlterField(
            model_name='changerequest',
            name='changes',
            field=kedang.privacy.crypto.EncryptedJSONField(default=dict, purpose='changerequest.changes', verbose_name='修改内容'),
        ),
        migrations.RunPython(encrypt_existing, decrypt_existing),
    ]
