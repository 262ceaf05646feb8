"""Contracts and receivables (SPEC §7, R-R1, R-R2, R-R7, R-R8): the contract with its receivable plan, and
the entries that make a customer's balance — invoices raise it, payments lower it, allocations say which
payment settled which invoice. Entries are never edited: a payment is undone by a counter-entry (a
reversal with the negative amount and negative allocations). Balances are sums over the entries; there is
no stored counter. The business operations are in services.py."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


class ContractState(models.TextChoices):
    DRAFT = "draft", _("草稿")
    APPROVED = "approved", _("已审批")
    ACTIVE = "active", _("履行中")
    CLOSED = "closed", _("已结束")
    VOID = "void", _("已作废")


class Contract(models.Model):
    """A signed contract (R-R1) and the plan of its receivables (R-R7)."""

    number = models.CharField(_("合同编号"), max_length=50, unique=True)
    customer = models.ForeignKey(
        "customers.Customer", verbose_name=_("客户"), on_delete=models.PROTECT, related_name="contracts"
    )
    title = models.CharField(_("合同名称"), max_length=200, blank=True)
    signed_on = models.DateField(_("签订日期"))
    start_on = models.DateField(_("开始日期"), null=True, blank=True)
    end_on = models.DateField(_("结束日期"), null=True, blank=True)
    amount = models.DecimalField(_("合同金额"), max_digits=14, decimal_places=2)
    payment_terms = models.TextField(_("付款条件"), blank=True)
    state = models.CharField(
        _("状态"), max_length=20, choices=ContractState.choices, default=ContractState.DRAFT
    )
    void_reason = models.TextField(_("作废原因"), blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("审批人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    approved_on = models.DateField(_("审批日期"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("登记人"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("合同")
        verbose_name_plural = _("合同")
        ordering = ["-signed_on", "-id"]
        indexes = [
            models.Index(fields=["customer", "-signed_on"]),
            models.Index(fields=["-signed_on", "-id"]),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gte=0), name="contract_amount_not_negative"),
            models.CheckConstraint(
                condition=Q(end_on__isnull=True)
                | Q(start_on__isnull=True)
                | Q(end_on__gte=models.F("start_on")),
                name="contract_end_after_start",
            ),
        ]

    def __str__(self) -> str:
        return self.number


class Installment(models.Model):
    """One period of a contract's receivable plan (回款计划, R-R7)."""

    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="installments")
    period = models.PositiveSmallIntegerField(_("期数"))
    due_date = models.DateField(_("应收日期"))
    amount = models.DecimalField(_("应收金额"), max_digits=14, decimal_places=2)
    notice_days = models.PositiveSmallIntegerField(_("提前提醒天数"), default=7)

    class Meta:
        verbose_name = _("回款计划")
        verbose_name_plural = _("回款计划")
        ordering = ["contract", "period"]
        constraints = [
            models.UniqueConstraint(fields=["contract", "period"], name="installment_period_unique"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="installment_amount_positive"),
        ]
        indexes = [models.Index(fields=["due_date"])]

    def __str__(self) -> str:
        return f"{self.contract.number} #{self.period}"


class InvoiceSource(models.TextChoices):
    CONTRACT = "contract", _("合同")
    MANUAL = "manual", _("手工")
    FEE = "fee", _("物业费")  # R-R8: a fee schedule creates these; `source_ref` names the fee item and period


class Invoice(models.Model):
    """An invoice or shipment that raises a receivable (R-R2). Never edited once posted."""

    customer = models.ForeignKey(
        "customers.Customer", verbose_name=_("客户"), on_delete=models.PROTECT, related_name="invoices"
    )
    contract = models.ForeignKey(
        Contract,
        verbose_name=_("合同"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="invoices",
    )
    installment = models.ForeignKey(
        Installment,
        verbose_name=_("回款计划"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="invoices",
    )
    number = models.CharField(_("发票号"), max_length=50, unique=True)
    issued_on = models.DateField(_("开票日期"))
    due_date = models.DateField(_("到期日"))
    amount = models.DecimalField(_("金额"), max_digits=14, decimal_places=2)
    source = models.CharField(
        _("来源"), max_length=20, choices=InvoiceSource.choices, default=InvoiceSource.MANUAL
    )
    source_ref = models.CharField(_("来源编号"), max_length=100, blank=True)
    notes = models.TextField(_("备注"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("登记人"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("发票")
        verbose_name_plural = _("发票")
        ordering = ["due_date", "id"]
        indexes = [
            models.Index(fields=["customer", "due_date", "id"]),
            models.Index(fields=["due_date"]),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="invoice_amount_positive"),
            models.CheckConstraint(
                condition=Q(due_date__gte=models.F("issued_on")), name="invoice_due_after_issue"
            ),
        ]

    def __str__(self) -> str:
        return self.number


class PaymentMethod(models.TextChoices):
    TRANSFER = "transfer", _("转账")
    CHEQUE = "cheque", _("支票")
    CASH = "cash", _("现金")
    ACCEPTANCE = "acceptance", _("承兑汇票")


class Payment(models.Model):
    """Money received (R-R2), or — with `reversal_of` — the counter-entry that undoes such a payment (its
    amount negative). A payment is never edited or deleted."""

    customer = models.ForeignKey(
        "customers.Customer", verbose_name=_("客户"), on_delete=models.PROTECT, related_name="payments"
    )
    received_on = models.DateField(_("收款日期"))
    amount = models.DecimalField(_("金额"), max_digits=14, decimal_places=2)
    method = models.CharField(_("方式"), max_length=20, choices=PaymentMethod.choices)
    reference = models.CharField(_("凭证号"), max_length=100, blank=True)
    bill_due_on = models.DateField(_("票据到期日"), null=True, blank=True)  # cheque / acceptance bill term
    reversal_of = models.OneToOneField(
        "self",
        verbose_name=_("冲销"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="reversed_by",
    )
    notes = models.TextField(_("备注"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("登记人"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("回款")
        verbose_name_plural = _("回款")
        ordering = ["-received_on", "-id"]
        indexes = [models.Index(fields=["customer", "received_on", "id"])]
        constraints = [
            models.CheckConstraint(
                condition=(Q(reversal_of__isnull=True) & Q(amount__gt=0))
                | (Q(reversal_of__isnull=False) & Q(amount__lt=0)),
                name="payment_sign_by_kind",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.received_on} {self.amount}"


class Allocation(models.Model):
    """How much of a payment settled an invoice. A reversal's allocations are the negatives of the
    original's, so an invoice's open amount (amount − its allocations) comes back."""

    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, related_name="allocations")
    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="allocations")
    amount = models.DecimalField(_("金额"), max_digits=14, decimal_places=2)

    class Meta:
        verbose_name = _("核销")
        verbose_name_plural = _("核销")
        indexes = [models.Index(fields=["invoice", "payment"])]
        constraints = [models.CheckConstraint(condition=~Q(amount=0), name="allocation_not_zero")]

    def __str__(self) -> str:
        return f"{self.payment_id} → {self.invoice_id}: {self.amount}"
