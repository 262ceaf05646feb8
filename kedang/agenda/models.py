"""The agenda (SPEC §4, R-F): service events, the rules they trigger, the tasks those rules create,
and the working-day calendar the dates are counted in.

Rules are data (admin-editable). Every write goes through services.py; the daily job (daily.py)
creates what event triggers have not, set-based.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class EventKind(models.TextChoices):
    DELIVERY = "delivery", _("提车")
    REPAIR = "repair", _("维修")
    MAINTENANCE = "maintenance", _("保养")
    INSTALLATION = "installation", _("安装")
    SERVICE = "service", _("服务/咨询")


class EventSource(models.TextChoices):
    MANUAL = "manual", _("页面录入")
    API = "api", _("接口")
    IMPORT = "import", _("导入")
    VEHICLE = "vehicle", _("车辆档案提车日期")


class ServiceEvent(models.Model):
    """Something done for a customer that follow-ups hang on: a delivery, a repair, an installation…

    Events, tasks and calls go with their customer or vehicle when the recycle bin purges it (R-G4, R-G7)."""

    customer = models.ForeignKey(
        "customers.Customer", verbose_name=_("客户"), on_delete=models.CASCADE, related_name="service_events"
    )
    vehicle = models.ForeignKey(
        "customers.Vehicle",
        verbose_name=_("车辆"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="service_events",
    )
    kind = models.CharField(_("类型"), max_length=20, choices=EventKind.choices)
    date = models.DateField(_("日期"))
    amount = models.DecimalField(_("金额"), max_digits=12, decimal_places=2, null=True, blank=True)
    accident = models.BooleanField(_("事故车"), default=False)
    notes = models.TextField(_("说明"), blank=True)
    source = models.CharField(
        _("来源"), max_length=10, choices=EventSource.choices, default=EventSource.MANUAL
    )
    record = models.ForeignKey(
        "customers.Record", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("服务事件")
        verbose_name_plural = _("服务事件")
        ordering = ["-date", "-id"]
        indexes = [
            models.Index(fields=["kind", "date"]),
            models.Index(fields=["vehicle", "kind"]),
            models.Index(fields=["customer", "-date"]),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.date:%Y-%m-%d}"


# The trigger of the care rules (kedang/care: birthdays, holidays, due dates): dates, not service events.
CARE_TRIGGER = "care"


class AssignMode(models.TextChoices):
    ROUND_ROBIN = "round_robin", _("客服专员轮流分配")
    OWNER = "owner", _("客户经理本人")
    DEPARTMENT = "department", _("部门公共池")


class Rule(models.Model):
    """A follow-up rule (R-F, SPEC §4 table): what triggers it and when the call is due.

    Due date = anchor + `offset_months` (clamped to the month's last day) + `offset_days`; the call
    may be made until `due + window_days`. The anchor is the event's date, or — for `after_rule` —
    the day the earlier rule's call was done. A vehicle sold through a secondary dealer uses its
    invoice date + `secondary_dealer_days` when that is set (7DC)."""

    code = models.CharField(_("代码"), max_length=20, unique=True)
    name = models.CharField(_("名称"), max_length=50)
    level = models.PositiveSmallIntegerField(
        _("回访级别"), default=1, choices=[(1, _("一级")), (2, _("二级")), (3, _("三级"))]
    )
    event_kinds = models.CharField(
        _("触发事件"),
        max_length=100,
        blank=True,
        help_text=_("逗号分隔：delivery repair maintenance installation service"),
    )
    after_rule = models.ForeignKey(
        "self",
        verbose_name=_("在此规则回访完成后"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="followed_by",
    )
    offset_months = models.PositiveSmallIntegerField(_("间隔月数"), default=0)
    offset_days = models.PositiveSmallIntegerField(_("间隔天数"), default=0)
    window_days = models.PositiveSmallIntegerField(
        _("可回访天数"), default=0, help_text=_("到期后还可回访的天数，0 表示当天")
    )
    secondary_dealer_days = models.PositiveSmallIntegerField(
        _("二级网点：开票后天数"), null=True, blank=True, help_text=_("二级网点销售的车辆按开票日期加此天数")
    )
    assign_mode = models.CharField(
        _("分配方式"), max_length=20, choices=AssignMode.choices, default=AssignMode.ROUND_ROBIN
    )
    assign_department = models.ForeignKey(
        "accounts.Department",
        verbose_name=_("负责部门"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("轮流分配时只在该部门的客服专员中轮流；部门公共池时必填"),
    )
    max_attempts = models.PositiveSmallIntegerField(_("最多拨打次数"), default=3)
    retry_after_days = models.PositiveSmallIntegerField(_("未接通后间隔工作日"), default=1)
    escalate_after_days = models.PositiveSmallIntegerField(_("逾期几天后上报经理"), default=0)
    script = models.TextField(
        _("话术"), blank=True, help_text=_("可用变量：{customer} {plate} {model} {date} {agent}")
    )
    active = models.BooleanField(_("启用"), default=True)
    order = models.PositiveSmallIntegerField(_("顺序"), default=0)

    class Meta:
        verbose_name = _("回访规则")
        verbose_name_plural = _("回访规则")
        ordering = ["order", "code"]
        constraints = [
            models.CheckConstraint(
                condition=(~Q(event_kinds="") & Q(after_rule=None))
                | (Q(event_kinds="") & ~Q(after_rule=None)),
                name="rule_has_one_trigger",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    @property
    def kinds(self) -> list[str]:
        return [k for k in (x.strip() for x in self.event_kinds.replace("，", ",").split(",")) if k]

    def clean(self) -> None:
        errors: dict[str, str] = {}
        unknown = [k for k in self.kinds if k not in EventKind.values and k != CARE_TRIGGER]
        if unknown:
            errors["event_kinds"] = f"未知事件类型：{'、'.join(unknown)}"
        if bool(self.kinds) == bool(self.after_rule_id):
            errors["event_kinds"] = "触发事件与“在此规则回访完成后”须且只能填一个"
        if self.assign_mode == AssignMode.DEPARTMENT and not self.assign_department_id:
            errors["assign_department"] = "部门公共池需要指定部门"
        if self.max_attempts < 1:
            errors["max_attempts"] = "至少拨打 1 次"
        if errors:
            raise ValidationError(errors)


class AssignmentCursor(models.Model):
    """Where round-robin assignment of a rule continues (kept apart from Rule, which admins edit)."""

    rule = models.OneToOneField(Rule, on_delete=models.CASCADE, related_name="cursor")
    position = models.PositiveBigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.rule.code}: {self.position}"


class TaskStatus(models.TextChoices):
    OPEN = "open", _("待回访")
    DONE = "done", _("已回访")
    UNREACHABLE = "unreachable", _("无法联系")
    EXPIRED = "expired", _("已过期")
    CANCELLED = "cancelled", _("已取消")


class Task(models.Model):
    """A follow-up call that falls due: created by a rule from an event (or an earlier task), done by a person.

    Open tasks show in the call list from `next_attempt_on` on (the due date, or the day a retry is
    scheduled after an unanswered call). A task is overdue once its last day (window end or due date)
    has passed."""

    rule = models.ForeignKey(Rule, verbose_name=_("规则"), on_delete=models.PROTECT, related_name="tasks")
    customer = models.ForeignKey(
        "customers.Customer", verbose_name=_("客户"), on_delete=models.CASCADE, related_name="tasks"
    )
    vehicle = models.ForeignKey(
        "customers.Vehicle",
        verbose_name=_("车辆"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="tasks",
    )
    # looked up through the partial unique indexes below (their statistics count only non-null rows; the
    # condition is written `IS NOT NULL` so that SQLite sees `event_id = x` implies it and uses the index)
    event = models.ForeignKey(
        ServiceEvent, null=True, blank=True, on_delete=models.CASCADE, related_name="tasks", db_index=False
    )
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="children", db_index=False
    )
    anchor_date = models.DateField(_("起算日"))
    due_date = models.DateField(_("应回访日"))
    window_end = models.DateField(_("最迟回访日"), null=True, blank=True)
    status = models.CharField(_("状态"), max_length=20, choices=TaskStatus.choices, default=TaskStatus.OPEN)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("负责人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="tasks",
    )
    department = models.ForeignKey(
        "accounts.Department",
        verbose_name=_("部门"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    attempts = models.PositiveSmallIntegerField(_("已拨打次数"), default=0)
    next_attempt_on = models.DateField(_("下次拨打日"))
    escalated_on = models.DateField(_("上报经理日"), null=True, blank=True)
    closed_on = models.DateField(_("关闭日"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("回访任务")
        verbose_name_plural = _("回访任务")
        ordering = ["due_date", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["event", "rule"], condition=Q(event__isnull=False), name="one_task_per_event_and_rule"
            ),
            models.UniqueConstraint(
                fields=["parent", "rule"],
                condition=Q(parent__isnull=False),
                name="one_task_per_parent_and_rule",
            ),
            models.CheckConstraint(
                condition=Q(window_end=None) | Q(window_end__gte=models.F("due_date")),
                name="task_window_after_due",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "next_attempt_on"]),
            models.Index(fields=["assignee", "status", "next_attempt_on"]),
            models.Index(fields=["rule", "due_date"]),
            models.Index(fields=["due_date"]),
            models.Index(fields=["customer", "-due_date"]),
            models.Index(fields=["closed_on"]),
            models.Index(fields=["status", "escalated_on"]),  # the home page's escalated count (issue #20)
        ]

    def __str__(self) -> str:
        return f"{self.rule.name} · {self.due_date:%Y-%m-%d}"

    @property
    def last_day(self) -> dt.date:
        return self.window_end or self.due_date

    def is_overdue(self, today: dt.date) -> bool:
        return self.status == TaskStatus.OPEN and self.last_day < today


class HolidayYear(models.Model):
    """A year whose official holiday schedule is in the calendar. Years not listed count weekends only."""

    year = models.PositiveSmallIntegerField(_("年份"), unique=True)
    source = models.CharField(_("来源"), max_length=50, default="chinese-calendar")
    note = models.CharField(_("说明"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("节假日年度")
        verbose_name_plural = _("节假日年度")
        ordering = ["-year"]

    def __str__(self) -> str:
        return str(self.year)


class CalendarDay(models.Model):
    """An exception to 'Monday to Friday are working days': a public holiday (法定节假日), or a weekend
    day that is a working day (调休上班)."""

    date = models.DateField(_("日期"), unique=True)
    is_workday = models.BooleanField(_("上班"), default=False)
    name = models.CharField(_("名称"), max_length=50, blank=True)

    class Meta:
        verbose_name = _("节假日与调休")
        verbose_name_plural = _("节假日与调休")
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date:%Y-%m-%d} {self.name}"


class DailyRun(models.Model):
    """One run of the daily job for one date (SPEC §14 run_daily): what it did and how long it took."""

    date = models.DateField(_("日期"), unique=True)
    started_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    created = models.JSONField(_("新建任务"), default=dict)
    expired = models.PositiveIntegerField(default=0)
    escalated = models.PositiveIntegerField(default=0)
    seconds = models.FloatField(default=0)

    class Meta:
        verbose_name = _("每日作业")
        verbose_name_plural = _("每日作业")
        ordering = ["-date"]

    def __str__(self) -> str:
        return f"{self.date:%Y-%m-%d}"
