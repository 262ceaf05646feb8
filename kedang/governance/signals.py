"""A sealed record is read-only whatever path tries to change it — a service, the admin, a shell.

This is an invariant guard, not a business rule: the services check first and answer clearly;
this refuses whatever slipped past them. (The seal itself writes with bulk_update, which sends no
save signals.)"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models.signals import pre_delete, pre_save
from django.dispatch import receiver

from kedang.customers.models import Attachment, Record

SEALED = "该记录已封卷（固定卷），不能修改或删除"


def _sealed(record_id: int | None) -> bool:
    return record_id is not None and Record.objects.filter(pk=record_id, volume__isnull=False).exists()


@receiver(pre_save, sender=Record)
def record_save(sender: Any, instance: Record, **kwargs: Any) -> None:
    if instance.pk and _sealed(instance.pk):
        raise PermissionDenied(SEALED)


@receiver(pre_delete, sender=Record)
def record_delete(sender: Any, instance: Record, **kwargs: Any) -> None:
    if instance.volume_id is not None or _sealed(instance.pk):
        raise PermissionDenied(SEALED)


@receiver(pre_save, sender=Attachment)
@receiver(pre_delete, sender=Attachment)
def attachment_change(sender: Any, instance: Attachment, **kwargs: Any) -> None:
    if _sealed(instance.record_id):
        raise PermissionDenied(SEALED)
