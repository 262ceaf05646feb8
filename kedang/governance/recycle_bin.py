"""The recycle bin (R-G4): what is deleted waits here for 30 days, restorable with everything attached,
then run_daily purges it from the database, the search index and the attachment store."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone

from kedang.accounts.models import User
from kedang.archive.timeline import record_add
from kedang.customers.history import attribute

from .models import RecycleBinEntry


def bin_put(
    *, kind: str, obj: models.Model, customer: models.Model, actor: User, reason: str
) -> RecycleBinEntry:
    """Record a deletion; called inside the deleting service's transaction."""
    now = timezone.now()
    return RecycleBinEntry.objects.create(
        kind=kind,
        object_id=obj.pk,
        customer_id=customer.pk,
        label=str(obj)[:200],
        reason=reason,
        deleted_by=actor,
        deleted_at=now,
        purge_after=now + timedelta(days=settings.KEDANG_RECYCLE_DAYS),
    )


def restore(entry: RecycleBinEntry, actor: User) -> None:
    """Bring a customer or vehicle back with everything attached (inside the caller's transaction)."""
    from kedang.customers.models import Customer, RecordKind, Vehicle
    from kedang.search.index import index_customers

    model: type[Customer] | type[Vehicle] = Customer if entry.kind == "customer" else Vehicle
    obj = model.objects.select_for_update().get(pk=entry.object_id)
    obj.deleted_at = None
    attribute(obj, actor, "从回收站恢复")
    obj.save(update_fields=["deleted_at"])
    entry.restored_at, entry.restored_by = timezone.now(), actor
    entry.save(update_fields=["restored_at", "restored_by"])
    record_add(
        entry.customer_id,
        actor,
        RecordKind.CHANGE,
        f"从回收站恢复：{entry.label}",
        f"删除原因：{entry.reason}",
        vehicle_id=entry.object_id if entry.kind == "vehicle" else None,
    )
    index_customers([entry.customer_id])


def purge(entry: RecycleBinEntry) -> None:
    """Delete for good: rows, history, search index entries and attachment files no one else uses."""
    from kedang.customers.models import Attachment, Record, Vehicle

    if entry.kind == "customer":
        purge_customer(entry.object_id)
        return
    vehicle = Vehicle.objects.filter(pk=entry.object_id).first()
    if vehicle is not None:
        files = set(Attachment.objects.filter(record__vehicle=vehicle).values_list("file", flat=True))
        Record.objects.filter(vehicle=vehicle).delete()
        vehicle.delete()
        Vehicle.history.filter(id=entry.object_id).delete()
        _delete_unused_files(files)
    entry.delete()


def purge_customer(customer_id: int) -> None:
    """A customer deleted for good: her rows, history, search index entries and the attachment files no one
    else uses (also the data-subject erasure, kedang.privacy)."""
    from kedang.customers.models import Attachment, Customer, Record, Vehicle
    from kedang.search.index import index_customers

    customer = Customer.objects.filter(pk=customer_id).first()
    if customer is not None:
        vehicle_ids = list(Vehicle.objects.filter(customer=customer).values_list("pk", flat=True))
        files = set(Attachment.objects.filter(record__customer=customer).values_list("file", flat=True))
        index_customers([customer.pk])  # deleted: removes whatever is left of it
        Record.objects.filter(customer=customer).delete()
        Vehicle.objects.filter(pk__in=vehicle_ids).delete()
        customer.delete()
        # after the deletes, which themselves write a "deleted" history row
        Vehicle.history.filter(id__in=vehicle_ids).delete()
        Customer.history.filter(id=customer_id).delete()
        _delete_unused_files(files)
    RecycleBinEntry.objects.filter(customer_id=customer_id).delete()


def _delete_unused_files(names: set[str]) -> None:
    """Attachments are content-addressed and may be shared: remove a file only when no row uses it."""
    from django.core.files.storage import default_storage

    from kedang.customers.models import Attachment

    used = set(Attachment.objects.filter(file__in=names).values_list("file", flat=True))
    for name in names - used:
        if name and default_storage.exists(name):
            default_storage.delete(name)
