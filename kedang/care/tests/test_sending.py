"""The outbox (R-C4, R-C6): templates rendered per customer, every channel sent through its gateway,
do-not-contact and quiet hours obeyed with a reason, every message on the timeline."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import timezone

from kedang.accounts.models import User
from kedang.accounts.roles import Role
from kedang.agenda.models import Task, TaskStatus
from kedang.care.contact import block_reason
from kedang.care.daily import care_tasks_for
from kedang.care.models import Channel, Message, MessageStatus, MessageTemplate
from kedang.care.sending import send_batch
from kedang.care.services import dnc_set, drafts, mark_delivered, messages_queue, template_save
from kedang.customers.models import Record, RecordKind

pytestmark = pytest.mark.django_db

NOON = timezone.make_aware(dt.datetime(2026, 12, 3, 12, 0))
NIGHT = timezone.make_aware(dt.datetime(2026, 12, 3, 22, 30))


@pytest.fixture
def sms_dir(settings: Any, tmp_path: Path) -> Path:
    settings.KEDANG_SMS_BACKEND = "kedang.care.gateways.FileSmsBackend"
    settings.KEDANG_SMS_DIR = tmp_path / "sms"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    return tmp_path / "sms"


def tpl(name: str) -> MessageTemplate:
    return MessageTemplate.objects.get(name=name)


def test_reminder_sms_rendered_sent_and_on_the_timeline(
    sms_dir: Path, users: dict[str, User], make_customer: Callable[..., Any], make_vehicle: Callable[..., Any]
) -> None:
    am = users[Role.ACCOUNT_MANAGER]
    c = make_customer(name="张三", phone="13912345678")
    make_vehicle(c, plate="京A12345", insurance_expiry=dt.date(2026, 12, 10))
    care_tasks_for(dt.date(2026, 12, 3))
    task = Task.objects.get(rule__code="INSURANCE_DUE")
    [d] = drafts(am, template=tpl("保险续保提醒短信"), task_ids=[task.pk], at=NOON)
    assert "张三" in d.body and "京A12345" in d.body and "2026年12月10日" in d.body and d.blocked is None
    batch, n = messages_queue(am, template_id=tpl("保险续保提醒短信").pk, task_ids=[task.pk])
    assert n == 1
    result = send_batch(batch, now=NOON)
    assert result.sent == 1
    msg = Message.objects.get()
    assert msg.status == MessageStatus.SENT and msg.provider_id == f"file-{msg.pk}"
    assert json.loads((sms_dir / f"{msg.pk}.json").read_text())["to"] == "13912345678"
    rec = Record.objects.get(customer=c, kind=RecordKind.MESSAGE)
    assert rec.title.startswith("短信已发送") and "京A12345" in rec.body
    task.refresh_from_db()
    assert task.status == TaskStatus.DONE  # the greeting did the care task
    assert mark_delivered(msg.provider_id) == 1
    msg.refresh_from_db()
    assert msg.status == MessageStatus.DELIVERED


def test_email_goes_through_djangos_mail_backend(
    sms_dir: Path, users: dict[str, User], make_customer: Callable[..., Any]
) -> None:
    today = timezone.localdate()
    coming = today + dt.timedelta(days=3)
    c = make_customer(name="李四", email="lisi@example.com", birthday=coming.replace(year=1984))
    batch, _ = messages_queue(
        users[Role.ACCOUNT_MANAGER], template_id=tpl("生日祝福邮件").pk, customer_ids=[c.pk]
    )
    assert send_batch(batch, now=NOON).sent == 1
    [m] = mail.outbox
    assert m.to == ["lisi@example.com"] and m.subject == "李四，生日快乐"
    assert f"{coming.year}年{coming.month}月{coming.day}日是您的生日" in m.body  # {due_date} without a task


def test_do_not_contact_blocks_that_channel_with_a_reason(
    sms_dir: Path, users: dict[str, User], make_customer: Callable[..., Any]
) -> None:
    am = users[Role.ACCOUNT_MANAGER]
    c = make_customer(email="a@example.com")
    dnc_set(am, customer_id=c.pk, channel=Channel.SMS, blocked=True, reason="电话里要求")
    assert block_reason(c, Channel.SMS, NOON) == "客户要求不接受短信：电话里要求"
    assert block_reason(c, Channel.EMAIL, NOON) is None
    [d] = drafts(am, template=tpl("节日问候短信"), customer_ids=[c.pk], at=NOON)
    assert d.blocked == "客户要求不接受短信：电话里要求"  # the preview says so before sending
    batch, _ = messages_queue(am, template_id=tpl("节日问候短信").pk, customer_ids=[c.pk])
    assert send_batch(batch, now=NOON).failed == 1
    msg = Message.objects.get()
    assert (msg.status, msg.reason) == (MessageStatus.FAILED, "客户要求不接受短信：电话里要求")
    assert not sms_dir.exists() or not list(sms_dir.glob("*.json"))
    assert Record.objects.filter(customer=c, kind=RecordKind.MESSAGE, title__contains="未发送").exists()


def test_quiet_hours_hold_sms_until_morning(
    sms_dir: Path, users: dict[str, User], make_customer: Callable[..., Any]
) -> None:
    c = make_customer(email="c@example.com")
    assert block_reason(c, Channel.SMS, NIGHT) == "21:00–08:00 为免打扰时段，不发短信"
    assert block_reason(c, Channel.EMAIL, NIGHT) is None
    assert block_reason(c, Channel.SMS, NIGHT.replace(hour=8, minute=0)) is None
    batch, _ = messages_queue(
        users[Role.ACCOUNT_MANAGER], template_id=tpl("节日问候短信").pk, customer_ids=[c.pk]
    )
    assert send_batch(batch, now=NIGHT).deferred == 1
    msg = Message.objects.get()
    assert msg.status == MessageStatus.QUEUED and "免打扰" in msg.reason
    assert timezone.localtime(msg.not_before) == timezone.make_aware(dt.datetime(2026, 12, 4, 8, 0))
    assert send_batch(batch, now=NIGHT + dt.timedelta(hours=1)).sent == 0  # still night
    assert send_batch(batch, now=NIGHT + dt.timedelta(hours=10)).sent == 1


def test_missing_address_is_a_reason(
    sms_dir: Path, users: dict[str, User], make_customer: Callable[..., Any]
) -> None:
    c = make_customer()
    assert block_reason(c, Channel.EMAIL, NOON) == "没有电子邮箱"
    assert block_reason(c, Channel.LETTER, NOON) == "没有通信地址"


def test_phone_message_is_a_call_task(
    sms_dir: Path, users: dict[str, User], make_customer: Callable[..., Any]
) -> None:
    am = users[Role.ACCOUNT_MANAGER]
    c = make_customer()
    t = template_save(am, name="电话问候", channel=Channel.PHONE, subject="", body="{name}您好")
    batch, _ = messages_queue(am, template_id=t.pk, customer_ids=[c.pk])
    assert send_batch(batch, now=NOON).sent == 1
    task = Task.objects.get(rule__code="CARE_CALL")
    assert (task.customer_id, task.assignee_id, task.status) == (c.pk, c.owner_id, TaskStatus.OPEN)


def test_template_variables_are_checked(users: dict[str, User]) -> None:
    with pytest.raises(ValidationError) as err:
        template_save(users[Role.ACCOUNT_MANAGER], name="x", channel="sms", subject="", body="{nmae}您好")
    assert "未知变量" in str(err.value.message_dict["body"])


def test_others_customers_are_not_in_the_preview(
    users: dict[str, User], make_customer: Callable[..., Any]
) -> None:
    mine = make_customer()
    theirs = make_customer(owner=users["am2"])
    rows = drafts(
        users[Role.ACCOUNT_MANAGER], template=tpl("节日问候短信"), customer_ids=[mine.pk, theirs.pk]
    )
    assert [r.customer.pk for r in rows] == [mine.pk]


def test_consent_rules_every_send(
    sms_dir: Path, users: dict[str, User], make_customer: Callable[..., Any]
) -> None:
    """An event invitation is marketing: it needs consent; a withdrawn care consent stops greetings at once."""
    from kedang.care.models import CareEvent, Invitation
    from kedang.privacy.services import consent_grant, consent_withdraw

    am = users[Role.ACCOUNT_MANAGER]
    c = make_customer(name="李四", phone="13912345679")
    event = CareEvent.objects.create(title="车友会", date=dt.date(2026, 12, 20), created_by=am)
    invitation = Invitation.objects.create(event=event, customer=c)
    Message.objects.create(customer=c, invitation=invitation, channel="sms", recipient=c.phone, body="邀请")
    send_batch(now=NOON)
    refused = Message.objects.get(invitation=invitation)
    assert refused.status == MessageStatus.FAILED and refused.reason == "客户未同意接收营销信息"

    consent_grant(actor=am, customer_id=c.pk, purpose="marketing", channel="sms", notice_version="v1")
    Message.objects.create(customer=c, invitation=invitation, channel="sms", recipient=c.phone, body="再邀请")
    assert send_batch(now=NOON).sent == 1

    care = consent_grant(actor=am, customer_id=c.pk, purpose="care", notice_version="v1")
    consent_withdraw(actor=am, consent_id=care.pk)
    greeting = Message.objects.create(customer=c, channel="sms", recipient=c.phone, body="生日快乐")
    send_batch(now=NOON)
    greeting.refresh_from_db()
    assert greeting.status == MessageStatus.FAILED and greeting.reason == "客户已撤回此用途的授权同意"
    assert block_reason(c, "sms", NOON, "care") == "客户已撤回此用途的授权同意"


def test_the_preview_checks_every_customer_in_a_fixed_number_of_queries(
    users: dict[str, User], make_customer: Callable[..., Any], django_assert_max_num_queries: Any
) -> None:
    """Do-not-contact and consent are loaded for the whole preview at once (no query per message)."""
    am = users[Role.ACCOUNT_MANAGER]

    def preview(n: int) -> int:
        ids = [make_customer(phone=f"1391111{i:04d}").pk for i in range(n)]
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as ctx:
            drafts(am, template=tpl("生日祝福短信"), customer_ids=ids, at=NOON)
        return len(ctx.captured_queries)

    assert preview(2) == preview(12)
