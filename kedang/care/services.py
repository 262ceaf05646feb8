"""Writes of the care module: templates, the outbox (queue, preview, delivery reports), do-not-contact
flags. Each checks permission, validates (ValidationError with field names), writes history and runs in one
transaction. Sending itself is sending.py (the huey worker)."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.utils import timezone

from kedang.accounts.models import User
from kedang.agenda.models import Rule, Task, TaskStatus
from kedang.archive.timeline import record_add, records_add
from kedang.archive.visibility import customer_for_read, customers_visible_to, require_write
from kedang.customers.models import Customer, RecordKind, Vehicle

from .contact import block_reason, dnc_cache, recipient
from .dates import holiday_in
from .models import Channel, DoNotContact, Message, MessageStatus, MessageTemplate
from .templating import Values, check_template, cn_date, render

READ_ONLY = "当前角色只读，不能发送关怀消息"


def template_save(
    actor: User, *, name: str, channel: str, subject: str, body: str, template_id: int | None = None
) -> MessageTemplate:
    """Create or change a message template; variables are checked."""
    require_write(actor, READ_ONLY)
    errors: dict[str, str] = {}
    if not name.strip():
        errors["name"] = "请填写名称"
    if channel not in Channel.values:
        errors["channel"] = "未知渠道"
    if not body.strip():
        errors["body"] = "请填写内容"
    if errors:
        raise ValidationError(errors)
    check_template(body, "body")
    check_template(subject, "subject")
    with transaction.atomic():
        tpl = MessageTemplate.objects.filter(pk=template_id).first() if template_id else None
        tpl = tpl or MessageTemplate()
        tpl.name, tpl.channel, tpl.subject, tpl.body = name.strip(), channel, subject, body
        if MessageTemplate.objects.filter(name=tpl.name).exclude(pk=tpl.pk).exists():
            raise ValidationError({"name": "已有同名模板"})
        tpl.save()
    return tpl


def _holiday_name(day: dt.date) -> str:
    from .models import Holiday

    for h in Holiday.objects.filter(active=True):
        if holiday_in(h.calendar, h.month, h.day, day.year) == day:
            return h.name
    return ""


def values_for(customer: Customer, *, task: Task | None = None, vehicle: Vehicle | None = None) -> Values:
    vehicle = vehicle or (task.vehicle if task else None)
    due = task.anchor_date if task else _next_birthday(customer)
    return Values(
        name=customer.name,
        plate=(vehicle.plate or vehicle.vin) if vehicle else "",
        model=vehicle.model if vehicle else "",
        due_date=cn_date(due),
        holiday=_holiday_name(due) if task and task.rule.code == "HOLIDAY" and due else "",
        agent=str(customer.owner) if customer.owner_id else "",
    )


def _next_birthday(customer: Customer) -> dt.date | None:
    """The customer's coming birthday (a message sent without a care task: {due_date} is that)."""
    from .dates import birthday_in

    if customer.birthday is None:
        return None
    today = timezone.localdate()
    day = birthday_in(customer.birthday, customer.birthday_is_lunar, today.year)
    return day if day >= today else birthday_in(customer.birthday, customer.birthday_is_lunar, today.year + 1)


@dataclass
class Draft:
    """One message as it would go out (the preview) and why it would not, if so."""

    customer: Customer
    task: Task | None
    recipient: str
    subject: str
    body: str
    blocked: str | None


def drafts(
    actor: User,
    *,
    template: MessageTemplate,
    task_ids: list[int] | None = None,
    customer_ids: list[int] | None = None,
    at: dt.datetime | None = None,
) -> list[Draft]:
    """The messages `template` makes for the chosen care tasks or customers, visible to `actor` only."""
    check_template(template.subject, "subject")  # one stored before the checks were tightened
    check_template(template.body, "body")
    at = at or timezone.now()
    customers = customers_visible_to(actor).select_related("owner")
    rows: list[tuple[Customer, Task | None]] = []
    if task_ids:
        tasks = (
            Task.objects.filter(pk__in=task_ids, customer__in=customers)
            .select_related("customer", "customer__owner", "vehicle", "rule")
            .order_by("due_date", "id")
        )
        rows = [(t.customer, t) for t in tasks]
    elif customer_ids:
        rows = [(c, None) for c in customers.filter(pk__in=customer_ids).order_by("id")]
    dnc_cache([customer for customer, _task in rows])  # two queries for the lot, not two per message
    result = []
    for customer, task in rows:
        values = values_for(customer, task=task)
        result.append(
            Draft(
                customer=customer,
                task=task,
                recipient=recipient(customer, template.channel),
                subject=render(template.subject, values),
                body=render(template.body, values),
                blocked=block_reason(customer, template.channel, at),
            )
        )
    return result


def messages_queue(
    actor: User,
    *,
    template_id: int,
    task_ids: list[int] | None = None,
    customer_ids: list[int] | None = None,
) -> tuple[str, int]:
    """Queue one message per chosen task or customer (rendered now; sent by the worker). Returns the batch
    id and how many were queued. Blocked ones are queued too: the sender fails them with their reason."""
    require_write(actor, READ_ONLY)
    template = MessageTemplate.objects.filter(pk=template_id, active=True).first()
    if template is None:
        raise ValidationError({"template_id": "请选择模板"})
    if not task_ids and not customer_ids:
        raise ValidationError({"task_ids": "请选择要发送的任务或客户"})
    batch = uuid.uuid4().hex
    now = timezone.now()
    with transaction.atomic():
        rows = [
            Message(
                customer=d.customer,
                vehicle=d.task.vehicle if d.task else None,
                task=d.task,
                template=template,
                channel=template.channel,
                recipient=d.recipient,
                subject=d.subject,
                body=d.body,
                batch=batch,
                created_at=now,
                created_by=actor,
            )
            for d in drafts(actor, template=template, task_ids=task_ids, customer_ids=customer_ids, at=now)
        ]
        Message.objects.bulk_create(rows, batch_size=500)
        transaction.on_commit(lambda: _enqueue(batch))
    return batch, len(rows)


def _enqueue(batch: str) -> None:
    from .tasks import send_messages_task

    send_messages_task(batch)


def message_timeline(message: Message, *, title: str) -> None:
    """Put the message on the customer's timeline (RecordKind.MESSAGE) and link the record."""
    body = message.body if not message.subject else f"{message.subject}\n{message.body}"
    record = record_add(
        message.customer,
        message.created_by,
        RecordKind.MESSAGE,
        title,  # record_add cuts it to the column
        body,
        vehicle=message.vehicle,
    )
    Message.objects.filter(pk=message.pk).update(record=record)


def messages_sent(sent: list[tuple[Message, str]], now: dt.datetime) -> None:
    """Record messages as sent (with the gateway's id), each on its customer's timeline, and close the care
    tasks they were sent for. Set-based: a few statements for the whole group; call inside a transaction."""
    day = timezone.localdate(now)
    records: list[dict[str, Any]] = []
    for msg, provider_id in sent:
        title = (
            f"{msg.get_channel_display()}已发送：{msg.subject or msg.body}"
            if msg.channel != Channel.PHONE
            else "已安排关怀电话"
        )
        body = msg.body if not msg.subject else f"{msg.subject}\n{msg.body}"
        records.append(
            {
                "customer": msg.customer_id,
                "actor": msg.created_by_id,
                "kind": RecordKind.MESSAGE,
                "title": title,
                "body": body,
                "occurred_on": day,
                "vehicle_id": msg.vehicle_id,
            }
        )
        msg.status, msg.provider_id, msg.sent_at, msg.reason = MessageStatus.SENT, provider_id, now, ""
    for (msg, _), record in zip(sent, records_add(records), strict=True):
        msg.record_id = record.pk
    Message.objects.bulk_update(
        [m for m, _ in sent], ["status", "provider_id", "sent_at", "reason", "record"], batch_size=500
    )
    task_ids = [m.task_id for m, _ in sent if m.task_id and m.channel != Channel.PHONE]
    if task_ids:
        Task.objects.filter(pk__in=task_ids, status=TaskStatus.OPEN).update(
            status=TaskStatus.DONE, closed_on=day
        )


def mark_delivered(provider_id: str, *, at: dt.datetime | None = None) -> int:
    """The gateway reports delivery of the message with this provider id; returns how many were marked."""
    return Message.objects.filter(provider_id=provider_id, status=MessageStatus.SENT).update(
        status=MessageStatus.DELIVERED, delivered_at=at or timezone.now()
    )


def phone_task_for(message: Message) -> Task:
    """The call a phone message asks for: its own care task, or a new CARE_CALL task for the owner."""
    if message.task_id is not None:
        return message.task  # type: ignore[return-value]
    existing = Task.objects.filter(
        rule__code="CARE_CALL", customer=message.customer, anchor_date=message.created_at.date()
    ).first()
    if existing is not None:
        return existing
    rule = Rule.objects.get(code="CARE_CALL")
    today = timezone.localdate()
    task = Task.objects.create(
        rule=rule,
        customer=message.customer,
        vehicle=message.vehicle,
        anchor_date=message.created_at.date(),
        due_date=today,
        window_end=today + dt.timedelta(days=rule.window_days) if rule.window_days else None,
        next_attempt_on=today,
        assignee=message.customer.owner,
        created_by=message.created_by,
    )
    Message.objects.filter(pk=message.pk).update(task=task)
    return task


def dnc_set(actor: User, *, customer_id: int, channel: str, blocked: bool, reason: str = "") -> None:
    """Turn a do-not-contact flag on or off (with a timeline note)."""
    require_write(actor, READ_ONLY)
    customer = customer_for_read(actor, customer_id)  # 404 before the input is looked at
    if channel not in Channel.values:
        raise ValidationError({"channel": "未知渠道"})
    label = Channel(channel).label
    with transaction.atomic():
        if blocked:
            _, created = DoNotContact.objects.update_or_create(
                customer=customer, channel=channel, defaults={"reason": reason[:200], "created_by": actor}
            )
            title = f"设置勿扰：不接受{label}"
        else:
            created = bool(DoNotContact.objects.filter(customer=customer, channel=channel).delete()[0])
            title = f"取消勿扰：{label}"
        if created:
            record_add(customer, actor, RecordKind.NOTE, title, reason)


def message_for_user(actor: User, message_id: int) -> Message:
    msg = Message.objects.filter(pk=message_id, customer__in=customers_visible_to(actor)).first()
    if msg is None:
        raise Http404("消息不存在")
    return msg


def message_retry(actor: User, message_id: int) -> Message:
    """Queue a failed message again (after the reason has been dealt with)."""
    require_write(actor, READ_ONLY)
    msg = message_for_user(actor, message_id)
    if msg.status != MessageStatus.FAILED:
        from kedang.errors import Conflict

        raise Conflict("只有发送失败的消息可以重发")
    Message.objects.filter(pk=msg.pk).update(status=MessageStatus.QUEUED, reason="", not_before=None)
    transaction.on_commit(lambda: _enqueue(msg.batch))
    msg.refresh_from_db()
    return msg
