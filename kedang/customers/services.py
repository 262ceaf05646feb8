"""Business operations on the archive (R-A1..R-A8). Each checks permission, validates, writes
history and runs in one transaction. Views, the API and commands call these; nothing else writes."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable, Iterable
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import F, Model
from django.http import Http404
from django.utils import timezone, translation

from kedang.accounts.models import User
from kedang.accounts.roles import Scope
from kedang.accounts.selectors import can_write, data_scope, is_manager
from kedang.search.index import index_customers

from . import validators as v
from .models import (
    ArchiveFile,
    ArchiveSequence,
    Attachment,
    ChecklistItem,
    ContactPerson,
    Customer,
    CustomerKind,
    FileType,
    Gender,
    Record,
    RecordKind,
    Tag,
    Tier,
    Vehicle,
)
from .selectors import visible_customers

CUSTOMER_FIELDS = (
    "kind name phone phone2 id_number uscc gender birthday birthday_is_lunar address email legal_representative "
    "owner tier tags source since notes market_area business_scope capacity credit_rating"
).split()
VEHICLE_FIELDS = (
    "vin plate model color delivery_date invoice_date via_secondary_dealer insurance_expiry inspection_due "
    "maintenance_cycle_months maintenance_due"
).split()

ALLOWED_UPLOAD_TYPES = {
    "application/pdf": b"%PDF-",
    "image/jpeg": b"\xff\xd8\xff",
    "image/png": b"\x89PNG\r\n\x1a\n",
    "image/tiff": b"II*\x00",
}


# ---------------------------------------------------------------- archive numbers (R-A3)


def archive_no_next(*, kind: str, today: dt.date | None = None) -> str:
    """The next archive number under the configured pattern. Must run inside the caller's transaction:
    the sequence row stays locked until it commits, so concurrent creators queue and never share a number."""
    today = today or timezone.localdate()
    pattern: str = settings.KEDANG_ARCHIVE_NO_PATTERN
    fields = {"year": today.year, "kind": "C" if kind == CustomerKind.COMPANY else "P"}
    key = pattern.split("{seq")[0].format(**fields)
    for _ in range(3):
        if ArchiveSequence.objects.filter(key=key).update(last=F("last") + 1):
            last = ArchiveSequence.objects.values_list("last", flat=True).get(key=key)
            return pattern.format(seq=last, **fields)
        try:
            with transaction.atomic():
                ArchiveSequence.objects.create(key=key, last=0)
        except IntegrityError:
            pass  # another transaction created it first: increment that one
    raise RuntimeError(f"could not allocate an archive number for {key}")


# ---------------------------------------------------------------- validation


def _errors_add(errors: dict[str, list[ValidationError]], name: str, exc: ValidationError) -> None:
    errors.setdefault(name, []).extend(exc.error_list)


def _clean(
    errors: dict[str, list[ValidationError]], data: dict[str, Any], name: str, fn: Callable[[str], str]
) -> None:
    value = data.get(name)
    if value in (None, ""):
        data[name] = ""
        return
    try:
        data[name] = fn(str(value))
    except ValidationError as exc:
        _errors_add(errors, name, exc)


def _clean_customer(actor: User, data: dict[str, Any], *, instance: Customer | None) -> dict[str, Any]:
    """Validate and normalise customer fields; raise one ValidationError naming every bad field."""
    errors: dict[str, list[ValidationError]] = {}
    unknown = set(data) - set(CUSTOMER_FIELDS)
    if unknown:
        raise ValidationError({k: ValidationError("未知字段", code="unknown_field") for k in sorted(unknown)})

    kind = data.get("kind", instance.kind if instance else CustomerKind.PERSON)
    if kind not in CustomerKind.values:
        _errors_add(errors, "kind", ValidationError("类型必须为 person 或 company", code="invalid_choice"))
    if "name" in data or instance is None:
        data["name"] = str(data.get("name") or "").strip()
        if not data["name"]:
            _errors_add(errors, "name", ValidationError("名称不能为空", code="required"))
        elif len(data["name"]) > 100:
            _errors_add(errors, "name", ValidationError("名称不能超过100个字", code="max_length"))
    for name in ("phone", "phone2"):
        if name in data:
            _clean(errors, data, name, v.validate_phone)
    if "id_number" in data:
        _clean(errors, data, "id_number", v.validate_id_number)
    if "uscc" in data:
        _clean(errors, data, "uscc", v.validate_uscc)
    id_number = data.get("id_number", instance.id_number if instance else "")
    uscc = data.get("uscc", instance.uscc if instance else "")
    if kind == CustomerKind.PERSON and uscc:
        _errors_add(errors, "uscc", ValidationError("个人客户不填统一社会信用代码", code="kind_mismatch"))
    if kind == CustomerKind.COMPANY and id_number:
        _errors_add(
            errors,
            "id_number",
            ValidationError("单位客户不填身份证号，请填统一社会信用代码", code="kind_mismatch"),
        )
    if "gender" in data:
        data["gender"] = data["gender"] or ""
        if data["gender"] not in Gender.values:
            _errors_add(errors, "gender", ValidationError("性别必须为 M、F 或空", code="invalid_choice"))
    if "tier" in data:
        data["tier"] = data["tier"] or ""
        if data["tier"] and data["tier"] not in Tier.values:
            _errors_add(
                errors,
                "tier",
                ValidationError(f"等级必须为 {'、'.join(Tier.values)} 之一", code="invalid_choice"),
            )
    for name in ("birthday", "since"):
        if name in data and data[name] is not None and not isinstance(data[name], dt.date):
            _errors_add(errors, name, ValidationError("日期格式应为 YYYY-MM-DD", code="invalid_date"))
    birthday = data.get("birthday", instance.birthday if instance else None)
    if isinstance(birthday, dt.date) and birthday > timezone.localdate():
        _errors_add(errors, "birthday", ValidationError("出生日期不能晚于今天", code="future_date"))
    if id_number and "id_number" not in errors and "birthday" not in errors:
        born = v.id_number_birth_date(id_number)
        if birthday is None:
            data["birthday"] = born
        elif birthday != born:
            _errors_add(
                errors,
                "birthday",
                ValidationError(f"出生日期与身份证号不符（应为 {born:%Y-%m-%d}）", code="mismatch"),
            )
        if not data.get("gender", instance.gender if instance else ""):
            data["gender"] = v.id_number_gender(id_number)
    if "email" in data and data["email"]:
        from django.core.validators import validate_email

        try:
            validate_email(data["email"])
        except ValidationError:
            _errors_add(errors, "email", ValidationError("电子邮箱格式不正确", code="invalid_email"))

    if "owner" in data:
        owner = data["owner"]
        if isinstance(owner, str):
            owner = User.objects.filter(username=owner, is_active=True).first()
            if owner is None:
                _errors_add(errors, "owner", ValidationError("客户经理不存在或已停用", code="unknown_user"))
        if isinstance(owner, User):
            data["owner"] = owner
            if owner != actor and data_scope(actor).scope == Scope.SELF:
                _errors_add(
                    errors, "owner", ValidationError("只能为自己名下建档或修改", code="forbidden_owner")
                )
            if instance is not None and owner != instance.owner and not is_manager(actor):
                _errors_add(
                    errors, "owner", ValidationError("更换客户经理需要经理权限", code="forbidden_owner")
                )
    if "tags" in data:
        tags = data["tags"] or []
        if isinstance(tags, str):
            tags = [t for t in (x.strip() for x in tags.replace("，", ",").split(",")) if t]
        if any(len(t) > 30 for t in tags):
            _errors_add(errors, "tags", ValidationError("标签不能超过30个字", code="max_length"))
        data["tags"] = list(dict.fromkeys(tags))
    for name in ("address", "source", "legal_representative", "market_area", "capacity", "credit_rating"):
        if name in data:
            data[name] = (data[name] or "").strip()
    if errors:
        raise ValidationError(errors)
    return data


def _set_tags(customer: Customer, names: Iterable[str]) -> None:
    tags = [Tag.objects.get_or_create(name=n)[0] for n in names]
    customer.tags.set(tags)


def _customer_for_write(actor: User, customer_id: int, *, lock: bool) -> Customer:
    """The visible customer (locked for update if asked), or 404 as for one that does not exist;
    403 when the actor's role is read-only."""
    qs = visible_customers(actor)
    if lock:
        qs = qs.select_for_update()
    customer = qs.filter(pk=customer_id).first()
    if customer is None:
        raise Http404("客户不存在")
    _require_write(actor)
    return customer


def _labels(model: type[Model], names: Iterable[str]) -> str:
    """Field labels for a timeline title: stored data, so always in the archive's language."""
    with translation.override(settings.LANGUAGE_CODE):
        return "、".join(str(getattr(model._meta.get_field(n), "verbose_name", n)) for n in names)


def _require_write(actor: User) -> None:
    if not can_write(actor):
        raise PermissionDenied("当前角色只读，不能修改客户档案")


def _record(customer: Customer, actor: User, kind: str, title: str, body: str = "", **extra: Any) -> Record:
    return Record.objects.create(
        customer=customer,
        kind=kind,
        title=title,
        body=body,
        occurred_on=extra.pop("occurred_on", timezone.localdate()),
        created_by=actor,
        **extra,
    )


# ---------------------------------------------------------------- customers


@transaction.atomic
def customer_create(*, actor: User, **fields: Any) -> Customer:
    """Create a customer with an archive number; the owner defaults to the actor."""
    _require_write(actor)
    fields.setdefault("owner", actor)
    data = _clean_customer(actor, dict(fields), instance=None)
    tags = data.pop("tags", [])
    kind = data.get("kind") or CustomerKind.PERSON
    data["kind"] = kind
    customer = Customer(**data, created_by=actor, archive_no=archive_no_next(kind=kind))
    customer.phone_norm = v.normalize_phone(customer.phone) if customer.phone else ""
    customer.phone2_norm = v.normalize_phone(customer.phone2) if customer.phone2 else ""
    customer._history_user = actor  # type: ignore[attr-defined]
    customer._change_reason = "建档"  # type: ignore[attr-defined]
    customer.save()
    _set_tags(customer, tags)
    _record(customer, actor, RecordKind.CHANGE, "建立档案", f"档号 {customer.archive_no}")
    index_customers([customer.pk])
    return customer


@transaction.atomic
def customer_update(*, actor: User, customer_id: int, reason: str = "", **fields: Any) -> Customer:
    """Change some fields of a visible customer. History keeps who, when, before/after and the reason."""
    customer = _customer_for_write(actor, customer_id, lock=True)
    data = _clean_customer(actor, dict(fields), instance=customer)
    tags = data.pop("tags", None)
    changed = [k for k, val in data.items() if getattr(customer, k) != val]
    for k in changed:
        setattr(customer, k, data[k])
    if "phone" in changed:
        customer.phone_norm = v.normalize_phone(customer.phone) if customer.phone else ""
    if "phone2" in changed:
        customer.phone2_norm = v.normalize_phone(customer.phone2) if customer.phone2 else ""
    if customer.kind == CustomerKind.PERSON and customer.uscc:
        raise ValidationError(
            {"kind": ValidationError("个人客户不能有统一社会信用代码", code="kind_mismatch")}
        )
    if customer.kind == CustomerKind.COMPANY and customer.id_number:
        raise ValidationError({"kind": ValidationError("单位客户不能有身份证号", code="kind_mismatch")})
    if changed:
        customer._history_user = actor  # type: ignore[attr-defined]
        customer._change_reason = reason or "修改资料"  # type: ignore[attr-defined]
        customer.save()
        labels = _labels(Customer, changed)
        _record(customer, actor, RecordKind.CHANGE, f"修改：{labels}", reason)
        index_customers([customer.pk])
    if tags is not None:
        before = sorted(customer.tags.values_list("name", flat=True))
        if before != sorted(tags):
            _set_tags(customer, tags)
            _record(
                customer,
                actor,
                RecordKind.CHANGE,
                "修改：标签",
                f"{'、'.join(before) or '无'} → {'、'.join(tags) or '无'}",
            )
    return customer


@transaction.atomic
def customer_delete(*, actor: User, customer_id: int, reason: str) -> None:
    """Soft-delete: the customer leaves every list; nothing is lost (recycle bin comes with R-G4)."""
    customer = _customer_for_write(actor, customer_id, lock=True)
    if not is_manager(actor):
        raise PermissionDenied("删除客户档案需要经理权限")
    if not reason.strip():
        raise ValidationError({"reason": ValidationError("请填写删除原因", code="required")})
    customer.deleted_at = timezone.now()
    customer._history_user = actor  # type: ignore[attr-defined]
    customer._change_reason = f"删除：{reason.strip()}"  # type: ignore[attr-defined]
    customer.save(update_fields=["deleted_at"])
    _record(customer, actor, RecordKind.CHANGE, "删除档案", reason.strip())
    index_customers([customer.pk])  # a deleted customer leaves the search index


# ---------------------------------------------------------------- vehicles


def _clean_vehicle(data: dict[str, Any], *, instance: Vehicle | None) -> dict[str, Any]:
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
    for name in ("delivery_date", "invoice_date", "insurance_expiry", "inspection_due", "maintenance_due"):
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


@transaction.atomic
def vehicle_create(*, actor: User, customer_id: int, **fields: Any) -> Vehicle:
    """Add a vehicle to a visible customer; its sales and repair files exist from now on."""
    customer = _customer_for_write(actor, customer_id, lock=True)
    data = _clean_vehicle(dict(fields), instance=None)
    vehicle = Vehicle(customer=customer, **data)
    vehicle._history_user = actor  # type: ignore[attr-defined]
    vehicle._change_reason = "登记车辆"  # type: ignore[attr-defined]
    try:
        with transaction.atomic():
            vehicle.save()
    except IntegrityError as exc:
        raise ValidationError({"vin": ValidationError("该车架号已登记", code="duplicate")}) from exc
    for ft in FileType.objects.filter(per_vehicle=True):
        ArchiveFile.objects.create(customer=customer, vehicle=vehicle, file_type=ft)
    _record(
        customer,
        actor,
        RecordKind.CHANGE,
        f"登记车辆 {vehicle.plate or vehicle.vin}",
        vehicle.model,
        vehicle=vehicle,
    )
    index_customers([customer.pk])
    return vehicle


@transaction.atomic
def vehicle_update(*, actor: User, vehicle_id: int, reason: str = "", **fields: Any) -> Vehicle:
    vehicle = (
        Vehicle.objects.select_for_update()
        .filter(pk=vehicle_id, deleted_at__isnull=True, customer__in=visible_customers(actor))
        .first()
    )
    if vehicle is None:
        raise Http404("车辆不存在")
    _require_write(actor)
    data = _clean_vehicle(dict(fields), instance=vehicle)
    changed = [k for k, val in data.items() if getattr(vehicle, k) != val]
    if changed:
        for k in changed:
            setattr(vehicle, k, data[k])
        vehicle._history_user = actor  # type: ignore[attr-defined]
        vehicle._change_reason = reason or "修改车辆"  # type: ignore[attr-defined]
        vehicle.save()
        labels = _labels(Vehicle, changed)
        _record(
            vehicle.customer,
            actor,
            RecordKind.CHANGE,
            f"修改车辆 {vehicle}：{labels}",
            reason,
            vehicle=vehicle,
        )
        if {"vin", "plate"} & set(changed):
            index_customers([vehicle.customer_id])
    return vehicle


# ---------------------------------------------------------------- files, documents, attachments


def _file_for(customer: Customer, file_type: FileType, vehicle: Vehicle | None) -> ArchiveFile:
    f, _ = ArchiveFile.objects.get_or_create(
        customer=customer, file_type=file_type, vehicle=vehicle if file_type.per_vehicle else None
    )
    return f


def _sniff(upload: UploadedFile) -> str:
    """The content type judged by the file's first bytes, not its name (R-A7)."""
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    for ctype, magic in ALLOWED_UPLOAD_TYPES.items():
        if head.startswith(magic):
            return ctype
    if head.startswith(b"MM\x00*"):
        return "image/tiff"
    raise ValidationError(
        {"file": ValidationError("只能上传 PDF、JPEG、PNG 或 TIFF 扫描件", code="file_type")}
    )


@transaction.atomic
def document_add(
    *,
    actor: User,
    customer_id: int,
    file_type_code: str,
    vehicle_id: int | None = None,
    checklist_item_id: int | None = None,
    title: str = "",
    occurred_on: dt.date | None = None,
    upload: UploadedFile | None = None,
) -> Record:
    """File a document into a customer's file, optionally as a required item, with a scan (R-A5, R-A7)."""
    customer = _customer_for_write(actor, customer_id, lock=False)
    errors: dict[str, list[ValidationError]] = {}
    file_type = FileType.objects.filter(code=file_type_code).first()
    if file_type is None:
        raise ValidationError({"file_type": ValidationError("档案类别不存在", code="invalid_choice")})
    vehicle = None
    if file_type.per_vehicle:
        vehicle = (
            customer.vehicles.filter(pk=vehicle_id, deleted_at__isnull=True).first() if vehicle_id else None
        )
        if vehicle is None:
            _errors_add(errors, "vehicle", ValidationError("请选择该客户的车辆", code="required"))
    item = None
    if checklist_item_id:
        item = ChecklistItem.objects.filter(pk=checklist_item_id, file_type=file_type, active=True).first()
        if item is None:
            _errors_add(
                errors, "checklist_item", ValidationError("该资料不属于此档案类别", code="invalid_choice")
            )
    title = (title or (item.name if item else "")).strip()
    if not title:
        _errors_add(errors, "title", ValidationError("请填写资料名称", code="required"))
    if upload is not None:
        if upload.size is not None and upload.size > settings.KEDANG_MAX_UPLOAD_BYTES:
            mb = settings.KEDANG_MAX_UPLOAD_BYTES // (1024 * 1024)
            _errors_add(errors, "file", ValidationError(f"文件不能超过 {mb} MB", code="file_size"))
        elif not upload.size:
            _errors_add(errors, "file", ValidationError("文件是空的", code="file_empty"))
    if errors:
        raise ValidationError(errors)
    ctype = _sniff(upload) if upload is not None else ""
    archive_file = _file_for(customer, file_type, vehicle)
    record = _record(
        customer,
        actor,
        RecordKind.DOCUMENT,
        title,
        occurred_on=occurred_on or timezone.localdate(),
        vehicle=vehicle,
        file=archive_file,
        checklist_item=item,
    )
    if upload is not None:
        attachment_store(actor=actor, record=record, upload=upload, content_type=ctype)
    return record


def attachment_store(*, actor: User, record: Record, upload: UploadedFile, content_type: str) -> Attachment:
    """Store the upload content-addressed under its SHA-256; called inside a service's transaction."""
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    att = Attachment(
        record=record,
        original_name=(upload.name or "scan")[:200],
        content_type=content_type,
        size=upload.size or 0,
        sha256=digest.hexdigest(),
        uploaded_by=actor,
    )
    existing = Attachment.objects.filter(sha256=att.sha256).first()
    if existing is not None and existing.file.storage.exists(existing.file.name):
        att.file.name = existing.file.name  # same content already stored: share it
    else:
        att.file.save(att.sha256, upload, save=False)
    att.save()
    return att


def attachment_verify(att: Attachment) -> bool:
    """Recompute the fixity hash (R-A7); False when the stored bytes no longer match."""
    digest = hashlib.sha256()
    with att.file.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1024 * 1024), b""):
            digest.update(chunk)
    return digest.hexdigest() == att.sha256


@transaction.atomic
def archive_file_set_location(
    *,
    actor: User,
    customer_id: int,
    file_type_code: str,
    vehicle_id: int | None = None,
    paper_archive_no: str = "",
    cabinet: str = "",
    shelf: str = "",
    box: str = "",
) -> ArchiveFile:
    """Record where the paper twin of a file is kept (R-A8)."""
    customer = _customer_for_write(actor, customer_id, lock=False)
    file_type = FileType.objects.filter(code=file_type_code).first()
    if file_type is None:
        raise ValidationError({"file_type": ValidationError("档案类别不存在", code="invalid_choice")})
    vehicle = customer.vehicles.filter(pk=vehicle_id).first() if vehicle_id else None
    if file_type.per_vehicle and vehicle is None:
        raise ValidationError({"vehicle": ValidationError("请选择该客户的车辆", code="required")})
    f = _file_for(customer, file_type, vehicle)
    f.paper_archive_no, f.cabinet, f.shelf, f.box = (
        s.strip() for s in (paper_archive_no, cabinet, shelf, box)
    )
    f.save(update_fields=["paper_archive_no", "cabinet", "shelf", "box"])
    _record(
        customer,
        actor,
        RecordKind.CHANGE,
        f"纸质档案位置：{file_type.name} {f.location}",
        vehicle=vehicle,
        file=f,
    )
    return f


@transaction.atomic
def note_add(
    *, actor: User, customer_id: int, title: str, body: str = "", occurred_on: dt.date | None = None
) -> Record:
    """A free note on the timeline."""
    customer = _customer_for_write(actor, customer_id, lock=False)
    if not title.strip():
        raise ValidationError({"title": ValidationError("请填写标题", code="required")})
    return _record(
        customer, actor, RecordKind.NOTE, title.strip(), body, occurred_on=occurred_on or timezone.localdate()
    )


@transaction.atomic
def contact_add(
    *,
    actor: User,
    customer_id: int,
    name: str,
    title: str = "",
    phone: str = "",
    is_authorised_signer: bool = False,
) -> ContactPerson:
    """A contact person of a customer (R-A1): legal representative's staff, authorised signers, family."""
    customer = _customer_for_write(actor, customer_id, lock=False)
    errors: dict[str, list[ValidationError]] = {}
    data: dict[str, Any] = {"name": name.strip(), "title": title.strip(), "phone": phone}
    if not data["name"]:
        _errors_add(errors, "name", ValidationError("请填写联系人姓名", code="required"))
    _clean(errors, data, "phone", v.validate_phone)
    if errors:
        raise ValidationError(errors)
    contact = ContactPerson.objects.create(
        customer=customer, is_authorised_signer=is_authorised_signer, **data
    )
    _record(customer, actor, RecordKind.CHANGE, f"添加联系人 {contact.name}", contact.title)
    index_customers([customer.pk])
    return contact


@transaction.atomic
def contact_remove(*, actor: User, contact_id: int) -> None:
    contact = ContactPerson.objects.filter(pk=contact_id).first()
    if contact is None:
        raise Http404("联系人不存在")
    customer = _customer_for_write(actor, contact.customer_id, lock=False)
    contact.delete()
    _record(customer, actor, RecordKind.CHANGE, f"删除联系人 {contact.name}", contact.title)
    index_customers([customer.pk])
