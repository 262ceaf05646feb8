"""Follow-up results (R-F1, R-F2): questionnaires (调查表), the calls made on tasks with their answers,
and the level-2/level-3 samples drawn for the managers."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Questionnaire(models.Model):
    """A 调查表: items scored on a scale, asked in the follow-ups of the rules it is attached to."""

    name = models.CharField(_("名称"), max_length=100, unique=True)
    rules = models.ManyToManyField(
        "agenda.Rule", verbose_name=_("用于规则"), blank=True, related_name="questionnaires"
    )
    active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("调查表")
        verbose_name_plural = _("调查表")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name


class QuestionItem(models.Model):
    questionnaire = models.ForeignKey(Questionnaire, on_delete=models.CASCADE, related_name="items")
    order = models.PositiveSmallIntegerField(_("顺序"), default=0)
    text = models.CharField(_("题目"), max_length=200)
    scale_max = models.PositiveSmallIntegerField(
        _("满分"), default=5, choices=[(5, _("1–5 分")), (10, _("1–10 分"))]
    )
    required = models.BooleanField(_("必答"), default=True)
    active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("调查项目")
        verbose_name_plural = _("调查项目")
        ordering = ["questionnaire", "order", "id"]

    def __str__(self) -> str:
        return self.text


class CallOutcome(models.TextChoices):
    REACHED = "reached", _("已接通")
    UNREACHABLE = "unreachable", _("未接通")


class Call(models.Model):
    """One follow-up call on a task (跟踪服务电话记录): reached or not, the answers, remarks, issues raised."""

    task = models.ForeignKey("agenda.Task", on_delete=models.CASCADE, related_name="calls")
    customer = models.ForeignKey("customers.Customer", on_delete=models.CASCADE, related_name="calls")
    attempt = models.PositiveSmallIntegerField(_("第几次拨打"))
    outcome = models.CharField(_("结果"), max_length=20, choices=CallOutcome.choices)
    remarks = models.TextField(_("备注"), blank=True)
    issue = models.TextField(_("客户反映的问题"), blank=True)
    complaint_requested = models.BooleanField(_("转投诉"), default=False)
    complaint_ref = models.CharField(
        _("投诉单"), max_length=50, blank=True, help_text=_("投诉模块建成后填入投诉单号")
    )
    record = models.ForeignKey(
        "customers.Record", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    called_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    called_at = models.DateTimeField(default=timezone.now)
    called_on = models.DateField(_("回访日期"))

    class Meta:
        verbose_name = _("回访电话")
        verbose_name_plural = _("回访电话")
        ordering = ["-called_at", "-id"]
        indexes = [models.Index(fields=["called_on"]), models.Index(fields=["customer", "-called_at"])]
        constraints = [models.UniqueConstraint(fields=["task", "attempt"], name="one_call_per_attempt")]

    def __str__(self) -> str:
        return f"{self.task} #{self.attempt} {self.get_outcome_display()}"


class Answer(models.Model):
    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="answers")
    item = models.ForeignKey(QuestionItem, on_delete=models.PROTECT, related_name="answers")
    score = models.PositiveSmallIntegerField(_("得分"))

    class Meta:
        verbose_name = _("回答")
        verbose_name_plural = _("回答")
        constraints = [
            models.UniqueConstraint(fields=["call", "item"], name="one_answer_per_item"),
            models.CheckConstraint(condition=Q(score__gte=1) & Q(score__lte=10), name="answer_score_1_10"),
        ]

    def __str__(self) -> str:
        return f"{self.item}: {self.score}"


class SampleLevel(models.IntegerChoices):
    LEVEL_2 = 2, _("二级回访（客服经理，每月）")
    LEVEL_3 = 3, _("三级回访（总经理室，每季度）")


class SampleReason(models.TextChoices):
    RANDOM = "random", _("随机抽样")
    BIG_TICKET = "big_ticket", _("大额维修")
    ACCIDENT = "accident", _("重大事故维修")
    VIP = "vip", _("VIP 客户")


class Sample(models.Model):
    """A level-2 (month) or level-3 (quarter) sample (R-F1). Drawn once per period with a recorded seed,
    so the same list comes back every time it is opened."""

    level = models.PositiveSmallIntegerField(_("级别"), choices=SampleLevel.choices)
    period_start = models.DateField(_("开始"))
    period_end = models.DateField(_("结束"))
    seed = models.CharField(_("随机种子"), max_length=50)
    size = models.PositiveIntegerField(_("随机抽取数"))
    population = models.PositiveIntegerField(_("总体数"))
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("抽样")
        verbose_name_plural = _("抽样")
        ordering = ["-period_start", "level"]
        constraints = [
            models.UniqueConstraint(fields=["level", "period_start"], name="one_sample_per_period")
        ]

    def __str__(self) -> str:
        return f"L{self.level} {self.period_start:%Y-%m-%d}"


class SampleItem(models.Model):
    sample = models.ForeignKey(Sample, on_delete=models.CASCADE, related_name="items")
    customer = models.ForeignKey("customers.Customer", on_delete=models.CASCADE, related_name="+")
    task = models.ForeignKey("agenda.Task", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    event = models.ForeignKey(
        "agenda.ServiceEvent", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    reason = models.CharField(_("入选原因"), max_length=20, choices=SampleReason.choices)

    class Meta:
        verbose_name = _("抽样明细")
        verbose_name_plural = _("抽样明细")
        ordering = ["sample", "id"]

    def __str__(self) -> str:
        return f"{self.sample} {self.customer_id} {self.reason}"
