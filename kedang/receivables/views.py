"""Receivables pages (R-R1..R-R3): the contract ledger (合同台账), a contract, the aging (应收账龄), and the
posting forms of the archive page's 合同回款 tab. Thin: parse, call a selector or a service, render.
Lists are bounded: a page of rows plus one to know there is a next page, the page number capped; no COUNT."""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_DOWN, Decimal
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from kedang.accounts.models import User
from kedang.accounts.selectors import can_write
from kedang.archive.visibility import customer_for_read, visible
from kedang.errors import Conflict
from kedang.privacy.access_log import log_access
from kedang.privacy.models import AccessAction

from . import selectors, services
from .forms import ContractForm, InvoiceForm, LedgerFilter, PaymentForm
from .models import ContractState, Payment
from .money import to_money

PAGE_SIZE = 30
MAX_PAGE = 50  # deeper pages: narrow the filter


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


def _page(request: HttpRequest) -> int:
    try:
        return max(1, min(MAX_PAGE, int(request.GET.get("page", "1"))))
    except ValueError:
        return 1


def _form_errors_text(form: forms.Form) -> str:
    """A form's errors in one flash line, each with its field's label: 金额：请输入一个数字。"""
    return "；".join(
        f"{form.fields[k].label if k in form.fields else k}：{v[0]}" for k, v in form.errors.items()
    )


def _errors_text(exc: ValidationError) -> str:
    if hasattr(exc, "error_dict"):
        return "；".join(m for msgs in exc.message_dict.values() for m in msgs)
    return "；".join(exc.messages)


@login_required
def contract_ledger(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    form = LedgerFilter(request.GET)
    form.is_valid()
    f = getattr(form, "cleaned_data", {})
    page = _page(request)
    qs = selectors.contract_ledger(
        user, q=f.get("q") or "", state=f.get("state") or "", unpaid=bool(f.get("unpaid"))
    )
    rows = list(qs.prefetch_related("installments")[(page - 1) * PAGE_SIZE : page * PAGE_SIZE + 1])
    has_next = len(rows) > PAGE_SIZE and page < MAX_PAGE
    rows = rows[:PAGE_SIZE]
    for c in rows:
        c.paid, c.invoiced = to_money(c.paid), to_money(c.invoiced)  # type: ignore[attr-defined]
        c.progress = selectors.plan_progress(list(c.installments.all()), c.paid)  # type: ignore[attr-defined]
        c.paid_pct = (c.paid * 100 / c.amount).quantize(Decimal(1), ROUND_DOWN) if c.amount else None  # type: ignore[attr-defined]
    log_access(user, AccessAction.LIST, what=f"合同台账 {request.GET.urlencode()}"[:200], rows=len(rows))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "receivables/ledger.html",
        {
            "rows": rows,
            "page": page,
            "has_next": has_next,
            "query": query.urlencode(),
            "filters": {k: request.GET.get(k, "") for k in ("q", "state", "unpaid")},
            "states": ContractState.choices,
        },
    )


@login_required
def contract_detail(request: HttpRequest, contract_id: int) -> HttpResponse:
    user = _user(request)
    contract = selectors.contract_for_read(user, contract_id)
    detail = selectors.contract_detail(contract)
    log_access(user, AccessAction.VIEW, customer=contract.customer, what=f"合同 {contract.number}")
    writable = can_write(user)
    actions = []
    if writable:
        if contract.state == ContractState.DRAFT and services.may_approve_contract(user):
            actions.append(("approve", "审批"))
        if contract.state == ContractState.APPROVED:
            actions.append(("activate", "开始履行"))
        if contract.state == ContractState.ACTIVE:
            actions.append(("close", "结束"))
    return render(
        request,
        "receivables/contract.html",
        {
            "c": contract,
            **detail,
            "actions": actions,
            "can_void": writable and contract.state not in (ContractState.VOID, ContractState.CLOSED),
            "can_edit": writable,
            "invoice_form": InvoiceForm(initial={"contract_id": contract.pk}),
        },
    )


@login_required
@require_POST
def contract_act(request: HttpRequest, contract_id: int) -> HttpResponse:
    user = _user(request)
    action = request.POST.get("action", "")
    ops: dict[str, Any] = {
        "approve": services.contract_approve,
        "activate": services.contract_activate,
        "close": services.contract_close,
    }
    try:
        if action == "void":
            services.contract_void(actor=user, contract_id=contract_id, reason=request.POST.get("reason", ""))
        elif action in ops:
            ops[action](actor=user, contract_id=contract_id)
        else:
            selectors.contract_for_read(user, contract_id)
            messages.error(request, "未知操作")
    except (ValidationError, Conflict) as exc:
        messages.error(request, exc.message if isinstance(exc, Conflict) else _errors_text(exc))
    return redirect("contract_detail", contract_id=contract_id)


def _as_of(request: HttpRequest) -> dt.date:
    try:
        return dt.date.fromisoformat(request.GET.get("as_of", ""))
    except ValueError:
        return timezone.localdate()


@login_required
def aging_page(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    as_of = _as_of(request)
    page = _page(request)
    report = selectors.aging(as_of, user)
    rows = list(report.rows[(page - 1) * PAGE_SIZE : page * PAGE_SIZE + 1])
    has_next = len(rows) > PAGE_SIZE and page < MAX_PAGE
    lines = [
        {
            "customer_id": r["customer_id"],
            "name": r["customer__name"],
            "outstanding": r["outstanding"],
            "buckets": list(report.buckets_of(r, report.labels).values()),
        }
        for r in rows[:PAGE_SIZE]
    ]
    log_access(user, AccessAction.LIST, what=f"应收账龄 {as_of:%Y-%m-%d}", rows=len(lines))
    return render(
        request,
        "receivables/aging.html",
        {
            "report": report,
            "lines": lines,
            "totals": list(report.totals.values()),
            "page": page,
            "has_next": has_next,
            "as_of": as_of,
        },
    )


def _back(customer_id: int) -> HttpResponse:
    return redirect(reverse("customer_detail", kwargs={"customer_id": customer_id}) + "?tab=receivables")


@login_required
@require_POST
def invoice_add(request: HttpRequest, customer_id: int) -> HttpResponse:
    user = _user(request)
    customer = customer_for_read(user, customer_id)
    form = InvoiceForm(request.POST)
    if not form.is_valid():
        messages.error(request, _form_errors_text(form))
        return _back(customer.pk)
    try:
        inv = services.invoice_post(actor=user, customer_id=customer.pk, **form.cleaned_data)
    except ValidationError as exc:
        messages.error(request, _errors_text(exc))
    else:
        messages.success(request, f"已登记发票 {inv.number}")
    if form.cleaned_data.get("contract_id"):
        return redirect("contract_detail", contract_id=form.cleaned_data["contract_id"])
    return _back(customer.pk)


@login_required
@require_POST
def payment_add(request: HttpRequest, customer_id: int) -> HttpResponse:
    user = _user(request)
    customer = customer_for_read(user, customer_id)
    form = PaymentForm(request.POST)
    if not form.is_valid():
        messages.error(request, _form_errors_text(form))
        return _back(customer.pk)
    try:
        services.payment_post(actor=user, customer_id=customer.pk, **form.cleaned_data)
    except ValidationError as exc:
        messages.error(request, _errors_text(exc))
    else:
        messages.success(request, "已登记回款")
    return _back(customer.pk)


@login_required
@require_POST
def payment_reverse(request: HttpRequest, payment_id: int) -> HttpResponse:
    user = _user(request)
    try:
        rev = services.payment_reverse(
            actor=user, payment_id=payment_id, reason=request.POST.get("reason", "")
        )
    except (ValidationError, Conflict) as exc:
        # both come after the visibility check, so the payment is one she may see
        messages.error(request, exc.message if isinstance(exc, Conflict) else _errors_text(exc))
        payment = visible(Payment.objects.filter(pk=payment_id), user).values_list("customer_id", flat=True)
        return _back(payment[0])
    messages.success(request, "已冲销")
    return _back(rev.customer_id)


@login_required
def aging_export(request: HttpRequest) -> HttpResponse:
    """The aging as of the page's date, as .xlsx (every row, with the totals); logged."""
    import io

    from django.utils.http import content_disposition_header

    from .exports import aging_xlsx

    as_of = _as_of(request)
    out = io.BytesIO()
    aging_xlsx(actor=_user(request), as_of=as_of, out=out)
    response = HttpResponse(
        out.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = content_disposition_header(True, f"应收账龄-{as_of:%Y%m%d}.xlsx") or ""
    return response


@login_required
@require_POST
def contract_add(request: HttpRequest, customer_id: int) -> HttpResponse:
    """Register a contract (draft) with its plan from the archive tab (R-R1, R-R7); a plan that does not
    add up to the amount is saved with a warning."""
    user = _user(request)
    customer = customer_for_read(user, customer_id)
    form = ContractForm(request.POST)
    if not form.is_valid():
        messages.error(request, _form_errors_text(form))
        return _back(customer.pk)
    try:
        contract = services.contract_create(actor=user, customer_id=customer.pk, **form.cleaned_data)
    except ValidationError as exc:
        messages.error(request, _errors_text(exc))
        return _back(customer.pk)
    messages.success(request, f"已登记合同 {contract.number}（草稿，待销售经理审批）")
    warning = getattr(contract, "plan_warning", "")
    if warning:
        messages.warning(request, warning)
    return redirect("contract_detail", contract_id=contract.pk)
