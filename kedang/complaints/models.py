"""Complaints (SPEC §6, R-P1..R-P5): the complaint with its workflow state, the log of its transitions,
the configurable category tree and stage deadlines, and compensations that need a manager's approval.

The allowed transitions are data in workflow.py; the business operations are in services.py."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Channel(models.TextChoices):
    PHONE = "phone", _("电话")
    LETTER = "letter", _("信函")
    VISIT = "visit", _("来访")
    FOLLOWUP = "followup", _("回访")
    ONLINE = "online", _("网络")


class State(models.TextChoices):
    RECEIVED = "received", _("已受理")
    CONFIRMED = "confirmed", _("已确认")
    ASSIGNED = "assigned", _("处理中")
    RESOLVED = "resolved", _("已处理")
    FEEDBACK = "feedback", _("已回访客户")
    CLOSED = "closed", _("已结案")
    REJECTED = "rejected", _("不予受理")


# states in which the complaint still waits for someone
OPEN_STATES = (State.RECEIVED, State.CONFIRMED, State.ASSIGNED, State.RESOLVED, State.FEEDBACK)


class Category(models.Model):
    """A complaint category (投诉类别); categories form a tree and are data the administrator edits."""

    name = models.CharField(_("名称"), max_length=50)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("上级类别"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    order = models.PositiveSmallIntegerField(_("顺序"), default=0)
    active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("投诉类别")
        verbose_name_plural = _("投诉类别")
        ordering = ["order", "id"]
        constraints = [models.UniqueConstraint(fields=["parent", "name"], name="complaint_category_unique")]

    def __str__(self) -> str:
        return f"{self.parent.name} / {self.name}" if self.parent_id and self.parent else self.name

    @property
    def root(self) -> Category:
        node = self
        while node.parent is not None:
            node = node.parent
        return node


class StageDeadline(models.Model):
    """How many working days a complaint may stay in a state before it is overdue (R-P3); editable.
    A state without a row (or with 0 days) has no deadline."""

    state = models.CharField(_("环节"), max_length=20, choices=State.choices, unique=True)
    working_days = models.PositiveSmallIntegerField(_("时限（工作日）"))

    class Meta:
        verbose_name = _("处理时限")
        verbose_name_plural = _("处理时限")
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.get_state_display()}: {self.working_days}"


class Complaint(models.Model):
    """One complaint, filed as 《客户投诉处理表》 (R-P1), run through the workflow of R-P2."""

    number = models.CharField(_("投诉单号"), max_length=30, unique=True, editable=False)
    customer = models.ForeignKey(
        "customers.Customer", verbose_name=_("客户"), on_delete=models.PROTECT, related_name="complaints"
    )
    vehicle = models.ForeignKey(
        "customers.Vehicle",
        verbose_name=_("车辆"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="complaints",
    )
    channel = models.CharField(_("渠道"), max_length=20, choices=Channel.choices)
    category = models.ForeignKey(
        Category, verbose_name=_("类别"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    summary = models.TextField(_("投诉内容"))
    call = models.ForeignKey(
        "followups.Call",
        verbose_name=_("来自回访"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="complaints",
    )
    received_on = models.DateField(_("受理日期"))
    created_at = models.DateTimeField(_("受理时间"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("受理人"), on_delete=models.PROTECT, related_name="+"
    )
    # the receipt on the customer's timeline; the complaint's attachments hang on it
    record = models.ForeignKey(
        "customers.Record", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )

    state = models.CharField(_("状态"), max_length=20, choices=State.choices, default=State.RECEIVED)
    version = models.PositiveIntegerField(default=1, editable=False)
    stage_since = models.DateField(_("进入本环节"))
    due_on = models.DateField(_("本环节时限"), null=True, blank=True)
    escalated_on = models.DateField(_("逾期上报日期"), null=True, blank=True)
    escalated_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("上报给"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    department = models.ForeignKey(
        "accounts.Department",
        verbose_name=_("责任部门"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    handler = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("处理人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="complaints_handled",
    )
    resolution = models.TextField(_("处理结果"), blank=True)
    opinion = models.TextField(_("客户意见"), blank=True)
    satisfaction = models.PositiveSmallIntegerField(_("满意度"), null=True, blank=True)
    reject_reason = models.TextField(_("不予受理原因"), blank=True)
    closed_on = models.DateField(_("结案日期"), null=True, blank=True)

    class Meta:
        verbose_name = _("投诉")
        verbose_name_plural = _("投诉")
        ordering = ["-received_on", "-id"]
        indexes = [
            models.Index(fields=["state", "due_on"]),
            models.Index(fields=["customer", "-received_on"]),
            models.Index(fields=["received_on"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(satisfaction__isnull=True) | (Q(satisfaction__gte=1) & Q(satisfaction__lte=5)),
                name="complaint_satisfaction_1_5",
            ),
            models.CheckConstraint(condition=~Q(summary=""), name="complaint_summary_not_empty"),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES


class Transition(models.Model):
    """One step of a complaint: who, when, from which state to which, with what (R-P2). Append-only.
    Escalations by the daily job are logged here too (action `escalate`, the state unchanged)."""

    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="transitions")
    action = models.CharField(_("操作"), max_length=20)
    from_state = models.CharField(_("原状态"), max_length=20, blank=True)
    to_state = models.CharField(_("新状态"), max_length=20)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("操作人"),
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    at = models.DateTimeField(_("时间"))
    on = models.DateField(_("日期"))
    note = models.TextField(_("说明"), blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("投诉处理记录")
        verbose_name_plural = _("投诉处理记录")
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["complaint", "at"])]

    def __str__(self) -> str:
        return f"{self.complaint} {self.action}"


class CompensationKind(models.TextChoices):
    COMPENSATION = "compensation", _("补偿")
    DISCOUNT = "discount", _("折让")


class CompensationStatus(models.TextChoices):
    PENDING = "pending", _("待审批")
    APPROVED = "approved", _("已批准")
    REFUSED = "refused", _("已驳回")


class Compensation(models.Model):
    """Compensation or a discount granted for a complaint (R-P5): proposed, approved by a manager, then
    filed in category 4 of the customer's archive (投诉与折让)."""

    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="compensations")
    kind = models.CharField(_("类型"), max_length=20, choices=CompensationKind.choices)
    amount = models.DecimalField(_("金额（元）"), max_digits=12, decimal_places=2)
    description = models.TextField(_("说明"))
    status = models.CharField(
        _("状态"), max_length=20, choices=CompensationStatus.choices, default=CompensationStatus.PENDING
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("申请人"), on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField(_("申请时间"))
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("审批人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("审批时间"), null=True, blank=True)
    decision_note = models.TextField(_("审批意见"), blank=True)
    record = models.ForeignKey(
        "customers.Record", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )

    class Meta:
        verbose_name = _("补偿/折让")
        verbose_name_plural = _("补偿/折让")
        ordering = ["requested_at", "id"]
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="compensation_amount_positive")]

    def __str__(self) -> str:
        return f"{self.complaint} {self.get_kind_display()} {self.amount}"


class ComplaintSequence(models.Model):
    """The last complaint number issued per year (TS-2026-0001). Rows are only incremented."""

    year = models.PositiveSmallIntegerField(unique=True)
    last = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.year}: {self.last}"
