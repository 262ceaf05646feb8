"""The paper archive (R-A8, R-G8): boxes on shelves, the files in them, and borrowing (借阅).

A box is lent to one person at a time: the box row is locked while a loan is approved, and a
partial unique constraint on lent loans guards it in the database as well."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone

from kedang.accounts.models import User
from kedang.accounts.roles import Role
from kedang.errors import Conflict

from .models import Loan, LoanStatus, PaperBox

ARCHIVE_KEEPERS = frozenset({Role.ARCHIVIST, Role.GENERAL_MANAGER, Role.ADMIN})
MAX_LOAN_DAYS = 60


def is_archive_keeper(user: User) -> bool:
    return user.is_active and user.role in ARCHIVE_KEEPERS


@transaction.atomic
def box_create(*, actor: User, code: str, cabinet: str, shelf: str, label: str = "") -> PaperBox:
    if not is_archive_keeper(actor):
        raise PermissionDenied("只有档案管理员可以登记档案盒")
    errors: dict[str, list[ValidationError]] = {}
    values = {"code": code.strip().upper(), "cabinet": cabinet.strip(), "shelf": shelf.strip()}
    for name, value in values.items():
        if not value:
            errors[name] = [ValidationError("必填", code="required")]
    if values["code"] and PaperBox.objects.filter(code=values["code"]).exists():
        errors["code"] = [ValidationError("该盒号已存在", code="duplicate")]
    if errors:
        raise ValidationError(errors)
    return PaperBox.objects.create(label=label.strip(), **values)


@transaction.atomic
def loan_request(*, actor: User, box_id: int, purpose: str, due_date: dt.date | None) -> Loan:
    box = PaperBox.objects.filter(pk=box_id).first()
    if box is None:
        raise Http404("档案盒不存在")
    errors: dict[str, list[ValidationError]] = {}
    if not purpose.strip():
        errors["purpose"] = [ValidationError("请填写借阅目的", code="required")]
    today = timezone.localdate()
    if due_date is None or not today <= due_date <= today + dt.timedelta(days=MAX_LOAN_DAYS):
        errors["due_date"] = [
            ValidationError(f"应还日期应在今天起 {MAX_LOAN_DAYS} 天内", code="out_of_range")
        ]
    if errors:
        raise ValidationError(errors)
    assert due_date is not None
    return Loan.objects.create(box=box, borrower=actor, purpose=purpose.strip(), due_date=due_date)


@transaction.atomic
def loan_decide(*, actor: User, loan_id: int, approve: bool) -> Loan:
    """The archivist approves and hands out the box, or refuses. Two archivists approving loans of
    the same box at the same moment: exactly one succeeds, the other gets Conflict."""
    if not is_archive_keeper(actor):
        raise PermissionDenied("借阅须档案管理员审批")
    loan = Loan.objects.filter(pk=loan_id).first()
    if loan is None:
        raise Http404("借阅申请不存在")
    PaperBox.objects.select_for_update().get(pk=loan.box_id)  # serialise decisions on one box
    loan = Loan.objects.select_for_update().get(pk=loan_id)
    if loan.status != LoanStatus.REQUESTED:
        raise Conflict(f"该借阅申请已{loan.get_status_display()}")
    if not approve:
        loan.status, loan.decided_by = LoanStatus.REFUSED, actor
        loan.save(update_fields=["status", "decided_by"])
        return loan
    holder = (
        Loan.objects.filter(box_id=loan.box_id, status=LoanStatus.LENT).select_related("borrower").first()
    )
    if holder is not None:
        raise Conflict(f"档案盒 {loan.box} 已借给 {holder.borrower}，应于 {holder.due_date:%Y-%m-%d} 归还")
    loan.status, loan.decided_by, loan.lent_at = LoanStatus.LENT, actor, timezone.now()
    try:
        with transaction.atomic():
            loan.save(update_fields=["status", "decided_by", "lent_at"])
    except IntegrityError as exc:
        raise Conflict(f"档案盒 {loan.box} 已被借出") from exc
    return loan


@transaction.atomic
def loan_return(*, actor: User, loan_id: int) -> Loan:
    if not is_archive_keeper(actor):
        raise PermissionDenied("归还须由档案管理员登记")
    loan = Loan.objects.select_for_update().filter(pk=loan_id).first()
    if loan is None:
        raise Http404("借阅记录不存在")
    if loan.status != LoanStatus.LENT:
        raise Conflict("该档案盒不在借出状态")
    loan.status, loan.returned_at = LoanStatus.RETURNED, timezone.now()
    loan.save(update_fields=["status", "returned_at"])
    return loan


def overdue_loans(today: dt.date | None = None) -> QuerySet[Loan]:
    """Boxes lent and not back by their due date (reminders; run_daily makes tasks of them)."""
    today = today or timezone.localdate()
    return Loan.objects.filter(status=LoanStatus.LENT, due_date__lt=today).select_related("box", "borrower")


def boxes() -> QuerySet[PaperBox]:
    from django.db.models import Count, Prefetch, Q

    return PaperBox.objects.annotate(file_count=Count("files")).prefetch_related(
        Prefetch(
            "loans",
            queryset=Loan.objects.filter(Q(status=LoanStatus.LENT)).select_related("borrower"),
            to_attr="current",
        )
    )
