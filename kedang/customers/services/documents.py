"""Files, documents, attachments and paper locations (R-A5, R-A7, R-A8)."""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone

from kedang.accounts.models import User
from kedang.archive.timeline import record_add
from kedang.archive.visibility import customer_for_write

from ..models import (
    ArchiveFile,
    Attachment,
    ChecklistItem,
    Customer,
    FileType,
    Record,
    RecordKind,
    Vehicle,
)
from .common import _errors_add
from .upload_checks import check_upload


def _file_for(customer: Customer, file_type: FileType, vehicle: Vehicle | None) -> ArchiveFile:
    f, _ = ArchiveFile.objects.get_or_create(
        customer=customer, file_type=file_type, vehicle=vehicle if file_type.per_vehicle else None
    )
    return f


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
    customer = customer_for_write(actor, customer_id, lock=False)
    errors: dict[str, list[ValidationError]] = {}
    file_type = FileType.objects.filter(code=file_type_code).first()
    if file_type is None:
        raise ValidationError({"file_type": ValidationError("档案类别不存在", code="invalid_choice")})
    vehicle = None
    if file_type.per_vehicle:
        vehicle = customer.vehicles(manager="live").filter(pk=vehicle_id).first() if vehicle_id else None
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
    ctype = check_upload(upload) if upload is not None else ""
    archive_file = _file_for(customer, file_type, vehicle)
    record = record_add(
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
    customer = customer_for_write(actor, customer_id, lock=False)
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
    # a registered box: the file links to it and takes its location, so either side finds the other
    # the box model is governance's: reached through the foreign key, customers do not import it
    boxes: Any = ArchiveFile._meta.get_field("paper_box").related_model
    f.paper_box = boxes._default_manager.filter(code=f.box.upper()).first() if f.box else None
    if f.paper_box is not None:
        f.box, f.cabinet, f.shelf = f.paper_box.code, f.paper_box.cabinet, f.paper_box.shelf
    f.save(update_fields=["paper_archive_no", "cabinet", "shelf", "box", "paper_box"])
    record_add(
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
    customer = customer_for_write(actor, customer_id, lock=False)
    if not title.strip():
        raise ValidationError({"title": ValidationError("请填写标题", code="required")})
    return record_add(
        customer, actor, RecordKind.NOTE, title.strip(), body, occurred_on=occurred_on or timezone.localdate()
    )
