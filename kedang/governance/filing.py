"""Filing sign-off (R-G5) and approval of changes to filed archives (R-G3).

A customer's archive is a draft until it is filed: the handler submits it with the customer's
signature (a scan, or a signature drawn on screen), a supervisor approves. From then on a change
or a deletion is proposed with a reason and applied only when the sales manager (or the general
manager) approves; their own changes apply at once, with a reason."""

from __future__ import annotations

import base64
import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile, UploadedFile
from django.db import models, transaction
from django.http import Http404
from django.utils import timezone

from kedang.accounts.models import User
from kedang.accounts.roles import CHANGE_APPROVERS, FILING_SUPERVISORS
from kedang.accounts.selectors import can_approve_changes
from kedang.archive.timeline import record_add
from kedang.customers.history import attribute
from kedang.errors import Conflict

from .models import ChangeKind, ChangeRequest, RequestStatus

__all__ = ["CHANGE_APPROVERS", "FILING_SUPERVISORS", "can_approve_changes", "change_decide", "change_propose"]

MAX_SIGNATURE_BYTES = 2 * 1024 * 1024


def _jsonable(value: Any) -> Any:
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, models.Model):
        return getattr(value, "username", value.pk)
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    return value


def change_propose(
    *,
    customer: Any,
    actor: User,
    fields: dict[str, Any],
    data: dict[str, Any],
    reason: str,
    kind: str = ChangeKind.UPDATE,
) -> ChangeRequest:
    """Record a proposed change (already validated by the caller); called inside its transaction.
    The customers services reach it through kedang.archive.hooks (registered in GovernanceConfig.ready)."""
    if not reason.strip():
        raise ValidationError({"reason": ValidationError("已归档的档案，修改须填写原因", code="required")})
    changes = {k: _jsonable(v) for k, v in fields.items()}
    # `changes` is encrypted with a random nonce, so it is compared here, among the few pending requests
    pending = ChangeRequest.objects.filter(
        customer=customer, kind=kind, status=RequestStatus.PENDING, requester=actor
    ).order_by("pk")
    same = next((r for r in pending if r.changes == changes), None)
    if same is not None:  # proposing the same change twice (a re-run import, a double click) adds nothing
        return same
    before = {k: _jsonable(getattr(customer, k, None)) for k in data if k != "tags"}
    if "tags" in data:
        before["tags"] = sorted(customer.tags.values_list("name", flat=True))
    return ChangeRequest.objects.create(
        customer=customer,
        kind=kind,
        changes=changes,
        before=before,
        reason=reason.strip(),
        requester=actor,
    )


@transaction.atomic
def change_decide(*, actor: User, request_id: int, approve: bool, note: str = "") -> ChangeRequest:
    """The sales manager applies (through the same service and validation) or refuses a proposed change."""
    from kedang.customers.services import customer_delete, customer_update

    if not can_approve_changes(actor):
        raise PermissionDenied("只有销售经理或总经理可以审批已归档档案的变更")
    req = (
        ChangeRequest.objects.select_for_update()
        .select_related("customer", "requester")
        .filter(pk=request_id)
        .first()
    )
    if req is None:
        raise Http404("变更申请不存在")
    if req.status != RequestStatus.PENDING:
        raise Conflict(f"该申请已{req.get_status_display()}")
    req.status = RequestStatus.APPROVED if approve else RequestStatus.REFUSED
    req.decided_by, req.decided_at, req.decision_note = actor, timezone.now(), note.strip()
    req.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
    if approve:
        reason = f"{req.reason}（{req.requester} 申请，{actor} 批准）"
        if req.kind == ChangeKind.DELETE:
            customer_delete(actor=actor, customer_id=req.customer_id, reason=reason, approved_change=req)
        else:
            changes = dict(req.changes)
            for key in ("birthday", "since"):
                if changes.get(key):
                    changes[key] = dt.date.fromisoformat(changes[key])
            customer_update(
                actor=actor, customer_id=req.customer_id, reason=reason, approved_change=req, **changes
            )
    return req


def _signature_upload(*, scan: UploadedFile | None, drawn: str) -> UploadedFile:
    """The customer's signature: an uploaded scan, or a PNG drawn on screen (a data: URL)."""
    if scan is not None:
        return scan
    prefix = "data:image/png;base64,"
    if not drawn.startswith(prefix):
        raise ValidationError(
            {"signature": ValidationError("请上传客户签字扫描件或在屏幕上签字", code="required")}
        )
    try:
        raw = base64.b64decode(drawn[len(prefix) :], validate=True)
    except ValueError as exc:
        raise ValidationError({"signature": ValidationError("签字图像无法读取", code="invalid")}) from exc
    if len(raw) > MAX_SIGNATURE_BYTES:
        raise ValidationError({"signature": ValidationError("签字图像太大", code="file_size")})
    return SimpleUploadedFile("客户签字.png", raw, content_type="image/png")


@transaction.atomic
def filing_submit(*, actor: User, customer_id: int, scan: UploadedFile | None = None, drawn: str = "") -> Any:
    """The handler submits the archive for filing with the customer's signature (R-G5)."""
    from kedang.archive.visibility import customer_for_write
    from kedang.customers.services import document_add

    customer = customer_for_write(actor, customer_id, lock=True)
    if customer.filed_at:
        raise Conflict("该档案已归档")
    upload = _signature_upload(scan=scan, drawn=drawn)
    document_add(
        actor=actor, customer_id=customer.pk, file_type_code="C1", title="客户签字确认", upload=upload
    )
    customer.filing_submitted_at, customer.filing_handler = timezone.now(), actor
    attribute(customer, actor, "提交归档")
    customer.save(update_fields=["filing_submitted_at", "filing_handler"])
    return customer


@transaction.atomic
def filing_approve(*, actor: User, customer_id: int) -> Any:
    """A supervisor (not the handler) approves the filing: the archive is filed (R-G5)."""
    from kedang.customers.models import Customer, RecordKind

    if actor.role not in FILING_SUPERVISORS:
        raise PermissionDenied("归档需主管审批")
    customer = Customer.live.select_for_update().filter(pk=customer_id).first()
    if customer is None:
        raise Http404("客户不存在")
    if customer.filed_at:
        raise Conflict("该档案已归档")
    if customer.filing_submitted_at is None:
        raise Conflict("该档案尚未提交归档")
    if customer.filing_handler_id == actor.pk:
        raise PermissionDenied("经办人不能审批自己提交的归档")
    customer.filed_at, customer.filed_approved_by = timezone.now(), actor
    attribute(customer, actor, "归档审批通过")
    customer.save(update_fields=["filed_at", "filed_approved_by"])
    record_add(
        customer, actor, RecordKind.CHANGE, "归档", f"经办人：{customer.filing_handler}；审批：{actor}"
    )
    return customer
