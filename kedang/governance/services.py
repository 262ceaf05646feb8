"""Governance operations (SPEC §10). Each checks permission, validates, writes history and runs in
one transaction."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.http import Http404
from django.utils import timezone

from kedang.accounts.models import User
from kedang.accounts.roles import Role
from kedang.accounts.selectors import is_manager
from kedang.archive.timeline import record_add
from kedang.archive.visibility import customers_visible_to
from kedang.customers.models import Customer, RecordKind
from kedang.errors import Conflict

from . import recycle_bin
from .models import AccessRequest, BinKind, RecycleBinEntry, RequestStatus

ACCESS_APPROVERS = frozenset({Role.SALES_MANAGER, Role.GENERAL_MANAGER})
MAX_ACCESS_DAYS = 90


def can_approve_access(user: User) -> bool:
    return user.is_active and user.role in ACCESS_APPROVERS


@transaction.atomic
def access_request_create(
    *, actor: User, reason: str, days: int, customer_id: int | None = None, archive_no: str = ""
) -> AccessRequest:
    """Ask to open a customer outside one's scope, by customer id or archive number, for a reason and
    a number of days (R-G2).

    The answer is the same whether an archive with that key exists or not (#13): the request is
    filed either way and tells her nothing of the customer until granted; only the approver sees
    that nothing matched, and refuses. Only a customer she already sees is answered differently."""
    archive_no = archive_no.strip().upper()
    errors: dict[str, list[ValidationError]] = {}
    if (customer_id is None) == (not archive_no):
        errors["customer_id"] = [ValidationError("请填写档号（或客户编号）之一", code="required")]
    if not reason.strip():
        errors["reason"] = [ValidationError("请填写申请理由", code="required")]
    if not 1 <= days <= MAX_ACCESS_DAYS:
        errors["days"] = [ValidationError(f"天数应为 1–{MAX_ACCESS_DAYS}", code="out_of_range")]
    if errors:
        raise ValidationError(errors)
    key = Q(pk=customer_id) if customer_id is not None else Q(archive_no__iexact=archive_no)
    customer = Customer.live.filter(key).first()
    if customer is not None and customers_visible_to(actor).filter(pk=customer.pk).exists():
        raise ValidationError(
            {"customer_id": [ValidationError("您已可以查看该客户，无需申请", code="already_visible")]}
        )
    try:
        with transaction.atomic():
            return AccessRequest.objects.create(
                requester=actor,
                customer=customer,
                asked_customer_id=customer_id,
                asked_archive_no=archive_no,
                reason=reason.strip(),
                days=days,
            )
    except IntegrityError as exc:
        raise ValidationError(
            {"customer_id": [ValidationError("已有一条待审批的申请", code="duplicate")]}
        ) from exc


@transaction.atomic
def access_request_decide(*, actor: User, request_id: int, approve: bool, note: str = "") -> AccessRequest:
    """The sales manager or general manager approves (access until now + days) or refuses."""
    if not can_approve_access(actor):
        raise PermissionDenied("只有销售经理或总经理可以审批查阅申请")
    req = (
        AccessRequest.objects.select_for_update(of=("self",))  # the customer may be empty: an outer join
        .select_related("customer", "requester")
        .filter(pk=request_id)
        .first()
    )
    if req is None:
        raise Http404("申请不存在")
    if req.status != RequestStatus.PENDING:
        raise Conflict(f"该申请已{req.get_status_display()}")
    if approve and (req.customer is None or req.customer.deleted_at is not None):
        raise Conflict("没有与该申请对应的档案，只能拒绝")
    now = timezone.now()
    req.status = RequestStatus.APPROVED if approve else RequestStatus.REFUSED
    req.decided_by, req.decided_at, req.decision_note = actor, now, note.strip()
    if approve:
        req.expires_at = now + timedelta(days=req.days)
    req.save(update_fields=["status", "decided_by", "decided_at", "decision_note", "expires_at"])
    if approve:
        assert req.customer is not None
        until = timezone.localtime(req.expires_at).strftime("%Y-%m-%d %H:%M")
        record_add(
            req.customer,
            actor,
            RecordKind.CHANGE,
            f"查阅授权：{req.requester} 可查阅至 {until}",
            f"理由：{req.reason}；审批：{actor}",
        )
    return req


@transaction.atomic
def access_request_cancel(*, actor: User, request_id: int) -> None:
    req = AccessRequest.objects.select_for_update().filter(pk=request_id, requester=actor).first()
    if req is None:
        raise Http404("申请不存在")
    if req.status == RequestStatus.PENDING:
        req.status = RequestStatus.CANCELLED
    elif req.status == RequestStatus.APPROVED:
        req.expires_at = timezone.now()  # give the access back early
    req.save(update_fields=["status", "expires_at"])


@transaction.atomic
def recycle_bin_restore(*, actor: User, entry_id: int) -> RecycleBinEntry:
    """Restore a deleted customer or vehicle with everything attached (R-G4); managers only."""
    if not is_manager(actor):
        raise PermissionDenied("恢复需要经理权限")
    entry = RecycleBinEntry.objects.select_for_update().filter(pk=entry_id, restored_at__isnull=True).first()
    if entry is None:
        raise Http404("回收站中没有该项")
    if (
        entry.kind == BinKind.VEHICLE
        and Customer.objects.filter(pk=entry.customer_id, deleted_at__isnull=False).exists()
    ):
        raise Conflict("该车辆所属客户也在回收站中，请先恢复客户")
    recycle_bin.restore(entry, actor)
    return entry


def recycle_bin_purge(*, now: datetime | None = None) -> int:
    """Purge what has waited its 30 days (run_daily); idempotent; returns how many entries went."""
    now = now or timezone.now()
    done = 0
    for entry_id in RecycleBinEntry.objects.filter(
        restored_at__isnull=True, purge_after__lte=now
    ).values_list("pk", flat=True):
        with transaction.atomic():
            entry = (
                RecycleBinEntry.objects.select_for_update()
                .filter(pk=entry_id, restored_at__isnull=True)
                .first()
            )
            if entry is not None:
                recycle_bin.purge(entry)
                done += 1
    return done
