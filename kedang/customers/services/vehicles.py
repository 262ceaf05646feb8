"""Vehicle operations (R-A2)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.http import Http404
from django.utils import timezone

from kedang.accounts.models import User
from kedang.archive import hooks
from kedang.archive.events import vehicles_saved
from kedang.archive.timeline import record_add
from kedang.archive.visibility import (
    customer_for_write,
    require_write,
    vehicles_visible_to,
)
from kedang.customers.history import attribute
from kedang.errors import Conflict
from kedang.search.index import index_customers

from .. import validators as v
from ..models import (
    ArchiveFile,
    FileType,
    Record,
    RecordKind,
    Vehicle,
)
from .common import VEHICLE_FIELDS, _clean, _errors_add, _labels


def clean_vehicle(data: dict[str, Any], *, instance: Vehicle | None) -> dict[str, Any]:
    errors: dict[str, list[ValidationError]] = {}
    unknown = set(data) - set(VEHICLE_FIELDS)
    if unknown:
        raise ValidationError({k: ValidationError("未知字段", code="unknown_field") for k in sorted(unknown)})
    if "vin" in data or instance is None:
        if not data.get("vin"):
            _errors_add(errors, "vin", ValidationError("车架号不能为空", code="required"))
        else:
            _clean(errors, data, "vin", v.validate_vin)
            if "vin" not in errors:
                dup = Vehicle.objects.filter(vin=data["vin"])
                if instance is not None:
                    dup = dup.exclude(pk=instance.pk)
                if dup.exists():
                    _errors_add(errors, "vin", ValidationError("该车架号已登记", code="duplicate"))
    if "plate" in data:
        _clean(errors, data, "plate", v.validate_plate)
    for name in (
        "delivery_date",
        "invoice_date",
        "insurance_expiry",
        "inspection_due",
        "maintenance_due",
        "vehicle_tax_due",
    ):
        if name in data and data[name] is not None and not isinstance(data[name], dt.date):
            _errors_add(errors, name, ValidationError("日期格式应为 YYYY-MM-DD", code="invalid_date"))
    delivery = data.get("delivery_date", instance.delivery_date if instance else None)
    invoice = data.get("invoice_date", instance.invoice_date if instance else None)
    if isinstance(delivery, dt.date) and delivery > timezone.localdate() + dt.timedelta(days=366):
        _errors_add(errors, "delivery_date", ValidationError("提车日期不合理", code="out_of_range"))
    if (
        isinstance(delivery, dt.date)
        and isinstance(invoice, dt.date)
        and invoice > delivery + dt.timedelta(days=366)
    ):
        _errors_add(
            errors, "invoice_date", ValidationError("开票日期晚于提车日期一年以上", code="out_of_range")
        )
    cycle = data.get("maintenance_cycle_months")
    if cycle is not None and not (isinstance(cycle, int) and 1 <= cycle <= 60):
        _errors_add(
            errors, "maintenance_cycle_months", ValidationError("保养周期应为 1–60 个月", code="out_of_range")
        )
    for name in ("model", "color"):
        if name in data:
            data[name] = (data[name] or "").strip()
    if "via_secondary_dealer" in data:
        data["via_secondary_dealer"] = bool(data["via_secondary_dealer"])
    if errors:
        raise ValidationError(errors)
    return data


# the fields a delivery follow-up is counted from: a change tells the agenda (kedang.archive.events)
DELIVERY_FIELDS = {"delivery_date", "invoice_date", "via_secondary_dealer"}


@transaction.atomic
def vehicle_create(*, actor: User, customer_id: int, **fields: Any) -> Vehicle:
    """Add a vehicle to a visible customer; its sales and repair files exist from now on."""
    customer = customer_for_write(actor, customer_id, lock=True)
    data = clean_vehicle(dict(fields), instance=None)
    vehicle = Vehicle(customer=customer, **data)
    attribute(vehicle, actor, "登记车辆")
    try:
        with transaction.atomic():
            vehicle.save()
    except IntegrityError as exc:
        raise ValidationError({"vin": ValidationError("该车架号已登记", code="duplicate")}) from exc
    for ft in FileType.objects.filter(per_vehicle=True):
        ArchiveFile.objects.create(customer=customer, vehicle=vehicle, file_type=ft)
    record_add(
        customer,
        actor,
        RecordKind.CHANGE,
        f"登记车辆 {vehicle.plate or vehicle.vin}",
        vehicle.model,
        vehicle=vehicle,
    )
    index_customers([customer.pk])
    if vehicle.delivery_date:
        vehicles_saved.send(sender=Vehicle, actor=actor, vehicle_ids=[vehicle.pk], bulk=False)
    return vehicle


@transaction.atomic
def vehicle_delete(*, actor: User, vehicle_id: int, reason: str) -> None:
    """Move a vehicle to the recycle bin (R-G4); its files and records stay with it."""
    vehicle = (
        vehicles_visible_to(actor)
        .select_for_update()
        .filter(pk=vehicle_id)
        .select_related("customer")
        .first()
    )
    if vehicle is None:
        raise Http404("车辆不存在")
    require_write(actor)
    if not reason.strip():
        raise ValidationError({"reason": ValidationError("请填写删除原因", code="required")})
    if Record.objects.filter(vehicle=vehicle, volume__isnull=False).exists():
        raise Conflict("该车辆有已封卷的档案（固定卷），不能删除")
    vehicle.deleted_at = timezone.now()
    attribute(vehicle, actor, f"删除：{reason.strip()}")
    vehicle.save(update_fields=["deleted_at"])
    record_add(
        vehicle.customer, actor, RecordKind.CHANGE, f"删除车辆 {vehicle}", reason.strip(), vehicle=vehicle
    )
    hooks.bin_put(kind="vehicle", obj=vehicle, customer=vehicle.customer, actor=actor, reason=reason.strip())
    index_customers([vehicle.customer_id])


@transaction.atomic
def vehicle_update(*, actor: User, vehicle_id: int, reason: str = "", **fields: Any) -> Vehicle:
    vehicle = vehicles_visible_to(actor).select_for_update().filter(pk=vehicle_id).first()
    if vehicle is None:
        raise Http404("车辆不存在")
    require_write(actor)
    data = clean_vehicle(dict(fields), instance=vehicle)
    changed = [k for k, val in data.items() if getattr(vehicle, k) != val]
    if changed:
        for k in changed:
            setattr(vehicle, k, data[k])
        attribute(vehicle, actor, reason or "修改车辆")
        vehicle.save()
        labels = _labels(Vehicle, changed)
        record_add(
            vehicle.customer,
            actor,
            RecordKind.CHANGE,
            f"修改车辆 {vehicle}：{labels}",
            reason,
            vehicle=vehicle,
        )
        if {"vin", "plate"} & set(changed):
            index_customers([vehicle.customer_id])
        if DELIVERY_FIELDS & set(changed):
            vehicles_saved.send(sender=Vehicle, actor=actor, vehicle_ids=[vehicle.pk], bulk=False)
    return vehicle
