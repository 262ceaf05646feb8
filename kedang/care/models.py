"""Care and reminders (SPEC §5, R-C1..R-C6): holidays to greet on, message templates, the outbox of every
message sent through any channel, do-not-contact flags, customer events with their invitations, and the
private token of each user's iCalendar feed (R-I5).

Care *tasks* are agenda Tasks of the care rules (BIRTHDAY, HOLIDAY, …_DUE); see daily.py.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Channel(models.TextChoices):
    SMS = "sms", _("短信")
    EMAIL = "email", _("电子邮件")
    LETTER = "letter", _("信函")
    PHONE = "phone", _("电话")


class CalendarKind(models.TextChoices):
    SOLAR = "solar", _("公历")
    LUNAR = "lunar", _("农历")


class Holiday(models.Model):
    """A day customers are greeted before (R-C2): a solar date, or a lunar one computed for each year."""

    name = models.CharField(_("名称"), max_length=30, unique=True)
    calendar = models.CharField(
        _("历法"), max_length=5, choices=CalendarKind.choices, default=CalendarKind.SOLAR
    )
    month = models.PositiveSmallIntegerField(_("月"))
    day = models.PositiveSmallIntegerField(_("日"))
    active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("问候节日")
        verbose_name_plural = _("问候节日")
        ordering = ["calendar", "month", "day"]

    def __str__(self) -> str:
        return self.name


class MessageTemplate(models.Model):
    """A message with variables ({name} {plate} {due_date} {company} …), see templating.VARIABLES."""

    name = models.CharField(_("名称"), max_length=50, unique=True)
    channel = models.CharField(_("渠道"), max_length=10, choices=Channel.choices)
    subject = models.CharField(_("标题"), max_length=200, blank=True, help_text=_("电子邮件和信函用"))
    body = models.TextField(_("内容"))
    active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("消息模板")
        verbose_name_plural = _("消息模板")
        ordering = ["channel", "name"]

    def __str__(self) -> str:
        return self.name


class MessageStatus(models.TextChoices):
    QUEUED = "queued", _("待发送")
    SENDING = "sending", _("发送中")
    SENT = "sent", _("已发送")
    FAILED = "failed", _("失败")
    DELIVERED = "delivered", _("已送达")


class Message(models.Model):
    """One message to one customer through one channel: the outbox (R-C4). Rendered when queued; sent by
    the huey worker (sending.py), which moves it queued → sending → sent (→ delivered) or failed + reason."""

    customer = models.ForeignKey(
        "customers.Customer", verbose_name=_("客户"), on_delete=models.CASCADE, related_name="messages"
    )
    vehicle = models.ForeignKey(
        "customers.Vehicle", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    task = models.ForeignKey(
        "agenda.Task", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    invitation = models.ForeignKey(
        "care.Invitation", null=True, blank=True, on_delete=models.SET_NULL, related_name="messages"
    )
    template = models.ForeignKey(
        MessageTemplate, null=True, blank=True, on_delete=models.SET_NULL, related_name="messages"
    )
    channel = models.CharField(_("渠道"), max_length=10, choices=Channel.choices)
    recipient = models.CharField(_("收件人"), max_length=255, blank=True, help_text=_("手机号、邮箱或地址"))
    subject = models.CharField(_("标题"), max_length=200, blank=True)
    body = models.TextField(_("内容"))
    status = models.CharField(
        _("状态"), max_length=10, choices=MessageStatus.choices, default=MessageStatus.QUEUED
    )
    reason = models.CharField(_("原因"), max_length=200, blank=True)
    not_before = models.DateTimeField(_("最早发送时间"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("发送次数"), default=0)
    provider_id = models.CharField(_("网关编号"), max_length=100, blank=True)
    batch = models.CharField(_("批次"), max_length=32, blank=True, db_index=True)
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    sent_at = models.DateTimeField(_("发送时间"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("送达时间"), null=True, blank=True)
    record = models.ForeignKey(
        "customers.Record", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("发件箱")
        verbose_name_plural = _("发件箱")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["status", "id"]),
            models.Index(fields=["channel", "sent_at"]),
            models.Index(fields=["customer", "-created_at"]),
            models.Index(fields=["provider_id"]),
        ]

    def __str__(self) -> str:
        # shown wherever the admin names a message (lists, deletions, history): never a phone in clear
        from kedang.archive.masking import mask_text

        return f"{self.get_channel_display()} → {mask_text(self.recipient)}"


class DoNotContact(models.Model):
    """The customer does not want to be contacted through this channel (R-C6)."""

    customer = models.ForeignKey(
        "customers.Customer", verbose_name=_("客户"), on_delete=models.CASCADE, related_name="do_not_contact"
    )
    channel = models.CharField(_("渠道"), max_length=10, choices=Channel.choices)
    reason = models.CharField(_("原因"), max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("勿扰设置")
        verbose_name_plural = _("勿扰设置")
        constraints = [models.UniqueConstraint(fields=["customer", "channel"], name="one_dnc_per_channel")]

    def __str__(self) -> str:
        return f"{self.customer_id} {self.channel}"


class CareEvent(models.Model):
    """A customer event (客户活动, R-C5): a lecture, a club meeting, a test drive …"""

    title = models.CharField(_("活动名称"), max_length=100)
    kind = models.CharField(_("类型"), max_length=30, blank=True, help_text=_("讲座、车友会、自驾游……"))
    date = models.DateField(_("活动日期"))
    place = models.CharField(_("地点"), max_length=200, blank=True)
    description = models.TextField(_("说明"), blank=True)
    letter_template = models.ForeignKey(
        MessageTemplate,
        verbose_name=_("邀请函模板"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("客户活动")
        verbose_name_plural = _("客户活动")
        ordering = ["-date", "-id"]

    def __str__(self) -> str:
        return f"{self.title} {self.date:%Y-%m-%d}"


class Attendance(models.TextChoices):
    INVITED = "invited", _("已邀请")
    ACCEPTED = "accepted", _("确认参加")
    DECLINED = "declined", _("不参加")
    ATTENDED = "attended", _("已出席")
    ABSENT = "absent", _("未出席")


class Invitation(models.Model):
    """One invitee of an event: her phone task two weeks ahead, the letter within two days after, attendance."""

    event = models.ForeignKey(CareEvent, on_delete=models.CASCADE, related_name="invitations")
    customer = models.ForeignKey(
        "customers.Customer", verbose_name=_("客户"), on_delete=models.CASCADE, related_name="+"
    )
    status = models.CharField(
        _("状态"), max_length=10, choices=Attendance.choices, default=Attendance.INVITED
    )
    task = models.ForeignKey(
        "agenda.Task", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    letter_queued = models.BooleanField(default=False)

    class Meta:
        verbose_name = _("活动邀请")
        verbose_name_plural = _("活动邀请")
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["event", "customer"], name="one_invitation_per_customer")
        ]
        indexes = [models.Index(fields=["event", "status"])]

    def __str__(self) -> str:
        return f"{self.event_id}:{self.customer_id}"


def new_token() -> str:
    return secrets.token_urlsafe(24)


class CalendarFeed(models.Model):
    """The private token of a user's iCalendar feed of her tasks (R-I5); a new token revokes the old URL."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feed"
    )
    token = models.CharField(max_length=64, unique=True, default=new_token)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("日历订阅")
        verbose_name_plural = _("日历订阅")

    def __str__(self) -> str:
        return str(self.user)
