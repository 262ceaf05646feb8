"""The access log survives deleting a user and finds a cut-off tail (#13, R-G6):

- rows keep the username (already a column, always filled by log_access: nothing to fill) and new rows'
  hashes cover it instead of user_id (hash_version 2; existing rows stay version 1 and still verify);
- the user foreign key is PROTECT: a user with log rows is deactivated, not deleted;
- the head carries an HMAC over its last id and hash, computed here for an existing head;
- a new action: search."""

import functools
import hashlib
import hmac
import json

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


@functools.cache
def _head_key(secret: str) -> bytes:
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.kdf.hkdf import HKDF

    return HKDF(algorithm=hashes.SHA256(), length=32, salt=b"kedang", info=b"access-log-head-v1").derive(
        secret.encode()
    )


def key_the_head(apps, schema_editor):
    # as kedang.privacy.access_log.head_mac at the time of this migration
    Head = apps.get_model("privacy", "AccessLogHead")
    for head in Head.objects.all():
        message = json.dumps([head.last_id, head.last_hash], separators=(",", ":")).encode()
        head.mac = hmac.new(_head_key(settings.KEDANG_FIELD_KEY), message, hashlib.sha256).hexdigest()
        head.save(update_fields=["mac"])


class Migration(migrations.Migration):

    dependencies = [
        ("privacy", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="accesslog",
            name="hash_version",
            field=models.PositiveSmallIntegerField(default=1),
        ),
        migrations.AlterField(
            model_name="accesslog",
            name="hash_version",
            field=models.PositiveSmallIntegerField(default=2),
        ),
        migrations.AlterField(
            model_name="accesslog",
            name="user",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
                verbose_name="用户",
            ),
        ),
        migrations.AlterField(
            model_name="accesslog",
            name="action",
            field=models.CharField(
                choices=[
                    ("view", "查看"),
                    ("list", "列表"),
                    ("export", "导出"),
                    ("print", "打印"),
                    ("download", "下载附件"),
                    ("unmask", "查看完整信息"),
                    ("subject_export", "导出个人信息"),
                    ("erase", "删除个人信息"),
                    ("search", "搜索"),
                ],
                max_length=20,
                verbose_name="操作",
            ),
        ),
        migrations.AddField(
            model_name="accessloghead",
            name="mac",
            field=models.CharField(blank=True, default="", max_length=64),
        ),
        migrations.RunPython(key_the_head, migrations.RunPython.noop),
    ]
