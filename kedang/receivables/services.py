"""The business operations of contracts and receivables (R-R1, R-R2, R-R7). Each one: the archive layer's
permission check (404 for a customer the actor may not see, 403 for a read-only role), validation with
Chinese messages per field, history and a timeline record, one transaction. Every write to a customer's
entries locks the customer row first, so concurrent postings for one customer queue instead of
interleaving their allocations."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import DecimalField, F, Q, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from kedang.accounts.models import User
from kedang.accounts.roles import Role
from kedang.archive.timeline import record_add
from kedang.archive.visibility import customer_for_write, require_write, visible
from kedang.customers.history import attribute
from kedang.customers.models import Customer, RecordKind
from kedang.errors import Conflict

from .allocation import allocate, pair_credits
from .models import (
    Allocation,
    Contract,
    ContractState,
    Installment,
    Invoice,
    InvoiceSource,
    Payment,
    PaymentMethod,
)
from .money import ZERO, money_str, to_money

CONTRACT_APPROVERS = frozenset({Role.SALES_MANAGER, Role.GENERAL_MANAGER})
READ_ONLY = "当前角色只读，不能登记合同与回款"
SUM: DecimalField[Any, Decimal] = DecimalField(max_digits=20, decimal_places=2)

Errors = dict[str, list[ValidationError]]


def _err(errors: Errors, field: str, message: str, code: str = "invalid") -> None:
    errors.setdefault(field, []).append(ValidationError(message, code=code))


def _amount(errors: Errors, field: str, value: Any, *, label: str = "金额", positive: bool = True) -> Decimal:
    if value in (None, ""):
        _err(errors, field, f"请填写{label}", "required")
        return ZERO
    try:
        amount = to_money(value)
    except ValueError as exc:
        _err(errors, field, f"{label}：{exc}")
        return ZERO
    if positive and amount <= ZERO:
        _err(errors, field, f"{label}必须大于 0", "min_value")
    elif amount < ZERO:
        _err(errors, field, f"{label}不能为负数", "min_value")
    elif amount >= Decimal("1e12"):
        _err(errors, field, f"{label}过大", "max_value")
    return amount


def _raise(errors: Errors) -> None:
    if errors:
        raise ValidationError(errors)


def _contract_for_write(actor: User, contract_id: int) -> tuple[Contract, Customer]:
    """The contract (404 unless its customer is visible) and its customer, locked."""
    from django.http import Http404

    customer_id = (
        visible(Contract.objects.filter(pk=contract_id), actor).values_list("customer_id", flat=True).first()
    )
    if customer_id is None:
        raise Http404("合同不存在")
    customer = customer_for_write(actor, customer_id, read_only=READ_ONLY)
    contract = Contract.objects.select_for_update().get(pk=contract_id)
    return contract, customer


# ---------------------------------------------------------------- contracts and their plan


@dataclass
class PlanLine:
    due_date: dt.date
    amount: Any
    notice_days: int = 7


def _plan_lines(errors: Errors, plan: Iterable[PlanLine | dict[str, Any]]) -> list[PlanLine]:
    lines: list[PlanLine] = []
    for n, raw in enumerate(plan, start=1):
        line = raw if isinstance(raw, PlanLine) else PlanLine(**raw)
        if not isinstance(line.due_date, dt.date):
            _err(errors, "plan", f"第 {n} 期：请填写应收日期", "required")
        amount = _amount(errors, "plan", line.amount, label=f"第 {n} 期金额")
        if not 0 <= int(line.notice_days or 0) <= 365:
            _err(errors, "plan", f"第 {n} 期：提前提醒天数应在 0–365 之间")
        lines.append(PlanLine(line.due_date, amount, int(line.notice_days or 0)))
    return lines


def plan_warning(contract_amount: Decimal, lines: Sequence[PlanLine | Installment]) -> str:
    """A plan may differ from the contract amount, with a warning (R-R7; CordysCRM#1021/#2084)."""
    if not lines:
        return ""
    total = sum((to_money(line.amount) for line in lines), ZERO)
    if total == contract_amount:
        return ""
    return f"回款计划合计 {money_str(total)} 元，与合同金额 {money_str(contract_amount)} 元不一致"


def _write_plan(contract: Contract, lines: list[PlanLine]) -> list[Installment]:
    contract.installments.all().delete()
    return Installment.objects.bulk_create(
        [
            Installment(
                contract=contract,
                period=n,
                due_date=line.due_date,
                amount=line.amount,
                notice_days=line.notice_days,
            )
            for n, line in enumerate(sorted(lines, key=lambda line: line.due_date), start=1)
        ]
    )


def contract_create(
    *,
    actor: User,
    customer_id: int,
    number: str,
    signed_on: dt.date | None,
    amount: Any,
    title: str = "",
    start_on: dt.date | None = None,
    end_on: dt.date | None = None,
    payment_terms: str = "",
    plan: Iterable[PlanLine | dict[str, Any]] = (),
) -> Contract:
    """Register a contract as a draft (R-R1), with its receivable plan if given (R-R7). A plan that does
    not add up to the amount is kept, and `contract.plan_warning` says so."""
    with transaction.atomic():
        customer = customer_for_write(actor, customer_id, read_only=READ_ONLY)
        errors: Errors = {}
        number = (number or "").strip()
        if not number:
            _err(errors, "number", "请填写合同编号", "required")
        elif len(number) > 50:
            _err(errors, "number", "合同编号不能超过50个字符", "max_length")
        elif Contract.objects.filter(number=number).exists():
            _err(errors, "number", "合同编号已存在", "unique")
        if signed_on is None:
            _err(errors, "signed_on", "请填写签订日期", "required")
        value = _amount(errors, "amount", amount, label="合同金额")
        if start_on and end_on and end_on < start_on:
            _err(errors, "end_on", "结束日期不能早于开始日期")
        lines = _plan_lines(errors, plan)
        _raise(errors)
        assert signed_on is not None
        contract = Contract(
            number=number,
            customer=customer,
            title=(title or "").strip()[:200],
            signed_on=signed_on,
            start_on=start_on,
            end_on=end_on,
            amount=value,
            payment_terms=(payment_terms or "").strip(),
            created_by=actor,
        )
        attribute(contract, actor, "登记合同")
        contract.save()
        installments = _write_plan(contract, lines)
        warning = plan_warning(value, installments)
        record_add(
            customer,
            actor,
            RecordKind.PAYMENT,
            f"登记合同 {number}，金额 {money_str(value)} 元",
            "\n".join(filter(None, [contract.title, contract.payment_terms, warning])),
            occurred_on=signed_on,
        )
    contract.plan_warning = warning  # type: ignore[attr-defined]
    return contract


@dataclass
class PlanResult:
    installments: list[Installment]
    warning: str


def installments_set(
    *, actor: User, contract_id: int, plan: Iterable[PlanLine | dict[str, Any]]
) -> PlanResult:
    """Replace a contract's receivable plan (R-R7). A plan that does not add up to the contract amount is
    saved with a warning, not refused. A void or closed contract's plan is final."""
    with transaction.atomic():
        contract, customer = _contract_for_write(actor, contract_id)
        if contract.state in (ContractState.VOID, ContractState.CLOSED):
            raise Conflict(f"合同{contract.get_state_display()}，不能修改回款计划")
        errors: Errors = {}
        lines = _plan_lines(errors, plan)
        _raise(errors)
        installments = _write_plan(contract, lines)
        warning = plan_warning(contract.amount, installments)
        attribute(contract, actor, "修改回款计划")
        contract.save()
        record_add(
            customer,
            actor,
            RecordKind.PAYMENT,
            f"合同 {contract.number} 回款计划 {len(installments)} 期",
            warning,
        )
    return PlanResult(installments, warning)


def may_approve_contract(user: User) -> bool:
    return user.role in CONTRACT_APPROVERS


def _transition(
    actor: User,
    contract_id: int,
    *,
    allowed_from: set[str],
    to: str,
    label: str,
    reason: str = "",
    **changes: Any,
) -> Contract:
    with transaction.atomic():
        contract, customer = _contract_for_write(actor, contract_id)
        if contract.state not in allowed_from:
            raise Conflict(f"合同当前为“{contract.get_state_display()}”，不能{label}")
        contract.state = to
        for k, v in changes.items():
            setattr(contract, k, v)
        attribute(contract, actor, label + (f"：{reason}" if reason else ""))
        contract.save()
        record_add(customer, actor, RecordKind.PAYMENT, f"合同 {contract.number} {label}", reason)
    return contract


def contract_approve(*, actor: User, contract_id: int) -> Contract:
    """Draft → approved, by the sales manager or the general manager (R-R1)."""
    require_write(actor, READ_ONLY)
    if not may_approve_contract(actor):
        # 404 first for a contract she may not see, then 403
        _contract_for_write(actor, contract_id)
        raise PermissionDenied("只有销售经理或总经理可以审批合同")
    return _transition(
        actor,
        contract_id,
        allowed_from={ContractState.DRAFT},
        to=ContractState.APPROVED,
        label="审批",
        approved_by=actor,
        approved_on=timezone.localdate(),
    )


def contract_activate(*, actor: User, contract_id: int) -> Contract:
    return _transition(
        actor, contract_id, allowed_from={ContractState.APPROVED}, to=ContractState.ACTIVE, label="开始履行"
    )


def contract_close(*, actor: User, contract_id: int) -> Contract:
    return _transition(
        actor, contract_id, allowed_from={ContractState.ACTIVE}, to=ContractState.CLOSED, label="结束"
    )


def contract_void(*, actor: User, contract_id: int, reason: str) -> Contract:
    """Void a contract with a reason (R-R1): the way out for one that has invoices or payments."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": [ValidationError("请填写作废原因", code="required")]})
    return _transition(
        actor,
        contract_id,
        allowed_from={ContractState.DRAFT, ContractState.APPROVED, ContractState.ACTIVE},
        to=ContractState.VOID,
        label="作废",
        reason=reason,
        void_reason=reason,
    )


def contract_delete(*, actor: User, contract_id: int) -> None:
    """Delete a draft entered by mistake. A contract with invoices (and so payments) is only voided."""
    with transaction.atomic():
        contract, customer = _contract_for_write(actor, contract_id)
        if contract.invoices.exists():
            raise Conflict("已有发票或回款的合同不能删除，只能作废")
        if contract.state != ContractState.DRAFT:
            raise Conflict("只能删除草稿合同，其他合同请作废")
        number = contract.number
        attribute(contract, actor, "删除草稿合同")
        contract.delete()
        record_add(customer, actor, RecordKind.PAYMENT, f"删除草稿合同 {number}")


# ---------------------------------------------------------------- invoices and payments


def _open_items(customer: Customer, invoice_ids: Sequence[int] | None = None) -> list[tuple[int, Decimal]]:
    """(invoice id, open amount) of the customer's open invoices, oldest due first."""
    qs = Invoice.objects.filter(customer=customer)
    if invoice_ids is not None:
        qs = qs.filter(pk__in=invoice_ids)
    rows = (
        qs.annotate(open=F("amount") - Coalesce(Sum("allocations__amount"), Value(ZERO), output_field=SUM))
        .filter(Q(open__gt=0))
        .order_by("due_date", "issued_on", "id")
        .values_list("id", "open")
    )
    return [(pk, to_money(open_amount)) for pk, open_amount in rows]


def _credits(customer: Customer) -> list[tuple[int, Decimal]]:
    """(payment id, unallocated amount) of the customer's payments that still hold credit, oldest first."""
    rows = (
        Payment.objects.filter(customer=customer, reversal_of__isnull=True, reversed_by__isnull=True)
        .annotate(left=F("amount") - Coalesce(Sum("allocations__amount"), Value(ZERO), output_field=SUM))
        .filter(Q(left__gt=0))
        .order_by("received_on", "id")
        .values_list("id", "left")
    )
    return [(pk, to_money(left)) for pk, left in rows]


def invoice_post(
    *,
    actor: User,
    customer_id: int,
    number: str,
    issued_on: dt.date | None,
    due_date: dt.date | None,
    amount: Any,
    contract_id: int | None = None,
    installment_id: int | None = None,
    source: str = "",
    source_ref: str = "",
    notes: str = "",
) -> Invoice:
    """Post an invoice or shipment (R-R2): it raises the customer's receivable. The customer's credit from
    earlier over-payments settles it at once, oldest payment first."""
    with transaction.atomic():
        customer = customer_for_write(actor, customer_id, read_only=READ_ONLY)
        errors: Errors = {}
        number = (number or "").strip()
        if not number:
            _err(errors, "number", "请填写发票号", "required")
        elif len(number) > 50:
            _err(errors, "number", "发票号不能超过50个字符", "max_length")
        elif Invoice.objects.filter(number=number).exists():
            _err(errors, "number", "发票号已存在", "unique")
        if issued_on is None:
            _err(errors, "issued_on", "请填写开票日期", "required")
        if due_date is None:
            _err(errors, "due_date", "请填写到期日", "required")
        elif issued_on is not None and due_date < issued_on:
            _err(errors, "due_date", "到期日不能早于开票日期")
        value = _amount(errors, "amount", amount)
        contract = None
        if contract_id:
            contract = Contract.objects.filter(pk=contract_id, customer=customer).first()
            if contract is None:
                _err(errors, "contract_id", "合同不属于该客户", "invalid_choice")
            elif contract.state == ContractState.VOID:
                _err(errors, "contract_id", "合同已作废，不能开票")
        installment = None
        if installment_id:
            installment = Installment.objects.filter(pk=installment_id, contract=contract).first()
            if installment is None:
                _err(errors, "installment_id", "回款计划不属于该合同", "invalid_choice")
        source = source or (InvoiceSource.CONTRACT if contract else InvoiceSource.MANUAL)
        if source not in InvoiceSource.values:
            _err(errors, "source", "来源应为 " + " / ".join(InvoiceSource.values), "invalid_choice")
        _raise(errors)
        assert issued_on is not None and due_date is not None
        invoice = Invoice.objects.create(
            customer=customer,
            contract=contract,
            installment=installment,
            number=number,
            issued_on=issued_on,
            due_date=due_date,
            amount=value,
            source=source,
            source_ref=(source_ref or "")[:100],
            notes=(notes or "").strip(),
            created_by=actor,
        )
        settled = pair_credits(_credits(customer), _open_items(customer, [invoice.pk]))
        Allocation.objects.bulk_create(
            [Allocation(payment_id=p, invoice_id=i, amount=a) for p, i, a in settled]
        )
        body = f"到期日 {due_date:%Y-%m-%d}" + (f"，合同 {contract.number}" if contract else "")
        if settled:
            body += f"；以预收款冲抵 {money_str(sum((a for _p, _i, a in settled), ZERO))} 元"
        record_add(
            customer,
            actor,
            RecordKind.PAYMENT,
            f"开票 {number}，金额 {money_str(value)} 元",
            body,
            occurred_on=issued_on,
        )
    return invoice


def payment_post(
    *,
    actor: User,
    customer_id: int,
    received_on: dt.date | None,
    amount: Any,
    method: str,
    reference: str = "",
    invoice_ids: Sequence[int] | None = None,
    bill_due_on: dt.date | None = None,
    notes: str = "",
) -> Payment:
    """Record money received (R-R2). Allocated to the named invoices (oldest due first) or, when none are
    named, to the customer's oldest open invoices; a partial payment leaves the rest open, an over-payment
    stays as credit."""
    with transaction.atomic():
        customer = customer_for_write(actor, customer_id, read_only=READ_ONLY)
        errors: Errors = {}
        if received_on is None:
            _err(errors, "received_on", "请填写收款日期", "required")
        elif received_on > timezone.localdate():
            _err(errors, "received_on", "收款日期不能晚于今天")
        value = _amount(errors, "amount", amount)
        if method not in PaymentMethod.values:
            _err(errors, "method", "收款方式应为 " + " / ".join(PaymentMethod.values), "invalid_choice")
        if method in (PaymentMethod.CHEQUE, PaymentMethod.ACCEPTANCE) and bill_due_on is None:
            _err(errors, "bill_due_on", "支票或承兑汇票请填写票据到期日", "required")
        named = list(dict.fromkeys(invoice_ids or []))
        if named:
            found = set(Invoice.objects.filter(customer=customer, pk__in=named).values_list("pk", flat=True))
            if found != set(named):
                _err(errors, "invoice_ids", "发票不属于该客户", "invalid_choice")
        _raise(errors)
        assert received_on is not None
        payment = Payment.objects.create(
            customer=customer,
            received_on=received_on,
            amount=value,
            method=method,
            reference=(reference or "").strip()[:100],
            bill_due_on=bill_due_on,
            notes=(notes or "").strip(),
            created_by=actor,
        )
        spread = allocate(value, _open_items(customer, named or None))
        Allocation.objects.bulk_create(
            [Allocation(payment=payment, invoice_id=i, amount=a) for i, a in spread]
        )
        allocated = sum((a for _i, a in spread), ZERO)
        body = f"核销 {money_str(allocated)} 元"
        if value > allocated:
            body += f"，预收（余额）{money_str(value - allocated)} 元"
        record_add(
            customer,
            actor,
            RecordKind.PAYMENT,
            f"回款 {money_str(value)} 元（{PaymentMethod(method).label}）",
            body,
            occurred_on=received_on,
        )
    return payment


def payment_reverse(
    *, actor: User, payment_id: int, reason: str, reversed_on: dt.date | None = None
) -> Payment:
    """Undo a payment by a counter-entry (R-R2): a payment of the negative amount whose allocations are the
    negatives of the original's, so every invoice it settled is open again. Nothing is edited."""
    from django.http import Http404

    reason = (reason or "").strip()
    with transaction.atomic():
        customer_id = (
            visible(Payment.objects.filter(pk=payment_id), actor)
            .values_list("customer_id", flat=True)
            .first()
        )
        if customer_id is None:
            raise Http404("回款不存在")
        customer = customer_for_write(actor, customer_id, read_only=READ_ONLY)
        errors: Errors = {}
        if not reason:
            _err(errors, "reason", "请填写冲销原因", "required")
        if reversed_on is not None and reversed_on > timezone.localdate():
            # no entry is dated in the future (the aging relies on it)
            _err(errors, "date", "冲销日期不能晚于今天")
        _raise(errors)
        original = Payment.objects.get(pk=payment_id)
        if original.reversal_of_id is not None:
            raise Conflict("这是一笔冲销记录，不能再冲销")
        if Payment.objects.filter(reversal_of=original).exists():
            raise Conflict("这笔回款已经冲销过")
        reversal = Payment.objects.create(
            customer=customer,
            received_on=reversed_on or timezone.localdate(),
            amount=-original.amount,
            method=original.method,
            reference=original.reference,
            reversal_of=original,
            notes=reason,
            created_by=actor,
        )
        per_invoice = (
            original.allocations.values("invoice_id").annotate(total=Sum("amount")).order_by("invoice_id")
        )
        Allocation.objects.bulk_create(
            [
                Allocation(payment=reversal, invoice_id=row["invoice_id"], amount=-to_money(row["total"]))
                for row in per_invoice
                if to_money(row["total"]) != ZERO
            ]
        )
        record_add(
            customer,
            actor,
            RecordKind.PAYMENT,
            f"冲销回款 {money_str(original.amount)} 元（{original.received_on:%Y-%m-%d}）",
            reason,
            occurred_on=reversal.received_on,
        )
    return reversal
