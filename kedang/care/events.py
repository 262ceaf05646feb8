"""Customer events (客户活动, R-C5): an event, its invitees chosen by a customer filter, the invitation
calls two weeks ahead (EVENT_INVITE tasks for the account manager), the invitation letters within two days
after the calls fall due, and attendance.

The daily part (`invitations_daily`) works per event, set-based over its invitations."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.utils import timezone

from kedang.accounts.models import User
from kedang.agenda.daily import Source, insert_tasks
from kedang.agenda.models import Rule, Task
from kedang.archive.timeline import record_add
from kedang.archive.visibility import customers_visible_to, require_write
from kedang.customers.models import Customer, RecordKind
from kedang.customers.selectors import customer_list

from .contact import recipient
from .daily import _literal
from .models import Attendance, CareEvent, Channel, Invitation, Message, MessageTemplate
from .templating import Values, cn_date, render

INVITE_DAYS_AHEAD = 14  # invitation calls fall due two weeks before the event
LETTER_DAYS_AFTER = 2  # letters go out within two days after the calls fall due


def event_create(
    actor: User,
    *,
    title: str,
    date: dt.date | None,
    kind: str = "",
    place: str = "",
    description: str = "",
    letter_template_id: int | None = None,
) -> CareEvent:
    require_write(actor, "当前角色只读")
    errors: dict[str, str] = {}
    if not title.strip():
        errors["title"] = "请填写活动名称"
    if date is None:
        errors["date"] = "请填写活动日期"
    elif date < timezone.localdate():
        errors["date"] = "活动日期不能早于今天"
    template = None
    if letter_template_id:
        template = MessageTemplate.objects.filter(pk=letter_template_id, channel=Channel.LETTER).first()
        if template is None:
            errors["letter_template_id"] = "请选择信函模板"
    if errors or date is None:
        raise ValidationError(errors)
    return CareEvent.objects.create(
        title=title.strip(),
        date=date,
        kind=kind,
        place=place,
        description=description,
        letter_template=template,
        created_by=actor,
    )


def event_for_user(actor: User, event_id: int) -> CareEvent:
    event = CareEvent.objects.filter(pk=event_id).first()
    if event is None:
        raise Http404("活动不存在")
    return event


def invite(actor: User, event_id: int, **filters: str) -> int:
    """Invite the customers the filter finds (within the actor's visibility); returns how many were new."""
    require_write(actor, "当前角色只读")
    event = event_for_user(actor, event_id)
    ids = list(customer_list(actor, **filters).order_by().values_list("pk", flat=True)[:100_000])
    with transaction.atomic():
        have = set(Invitation.objects.filter(event=event).values_list("customer_id", flat=True))
        new = [Invitation(event=event, customer_id=c) for c in ids if c not in have]
        Invitation.objects.bulk_create(new, batch_size=1000)
    with transaction.atomic():
        invitations_for_event(event, timezone.localdate())
    return len(new)


def attendance_set(actor: User, invitation_id: int, status: str) -> Invitation:
    require_write(actor, "当前角色只读")
    inv = (
        Invitation.objects.filter(pk=invitation_id, customer__in=customers_visible_to(actor))
        .select_related("event", "customer")
        .first()
    )
    if inv is None:
        raise Http404("邀请不存在")  # before the input is looked at
    if status not in Attendance.values:
        raise ValidationError({"status": "未知状态"})
    with transaction.atomic():
        Invitation.objects.filter(pk=inv.pk).update(status=status)
        if status in (Attendance.ATTENDED, Attendance.ABSENT):
            record_add(
                inv.customer,
                actor,
                RecordKind.NOTE,
                f"{inv.event.title}：{Attendance(status).label}",
                occurred_on=inv.event.date,
            )
    inv.status = status
    return inv


def _invite_calls(event: CareEvent, rule: Rule) -> int:
    """EVENT_INVITE tasks for the event's invitees without one (anchor = event date), then link them."""
    inv, c, t = Invitation._meta.db_table, Customer._meta.db_table, Task._meta.db_table
    due = max(event.date - dt.timedelta(days=INVITE_DAYS_AHEAD), min(event.date, timezone.localdate()))
    body = f"""
        FROM {inv} i CROSS JOIN {c} c
        WHERE i.event_id = %s AND i.task_id IS NULL AND c.id = i.customer_id AND c.deleted_at IS NULL
          AND NOT EXISTS (SELECT 1 FROM {t} t WHERE t.customer_id = c.id AND +t.rule_id = %s
                          AND t.anchor_date = %s)
    """
    from kedang.agenda.daily import sql_date

    source = Source(
        "c.id, NULL, NULL, NULL",
        _literal(event.date),
        body,
        [event.pk, rule.pk, sql_date(event.date)],
        "i.id",
    )
    created = insert_tasks(rule, due=due, source=source)
    for task_id, customer_id in (
        Task.objects.filter(rule=rule, anchor_date=event.date)
        .filter(
            customer_id__in=Invitation.objects.filter(event=event, task__isnull=True).values("customer_id")
        )
        .values_list("pk", "customer_id")
    ):
        Invitation.objects.filter(event=event, customer_id=customer_id, task__isnull=True).update(
            task_id=task_id
        )
    return created


def _invite_letters(event: CareEvent) -> int:
    """Queue the invitation letters of invitees who have not declined and have no letter yet."""
    template = event.letter_template or MessageTemplate.objects.filter(name="活动邀请函").first()
    if template is None:
        return 0
    pending = list(
        Invitation.objects.filter(event=event, letter_queued=False)
        .exclude(status=Attendance.DECLINED)
        .select_related("customer", "customer__owner")
    )
    now = timezone.now()
    rows = []
    for inv in pending:
        values = Values(
            name=inv.customer.name,
            event=event.title,
            event_date=cn_date(event.date),
            place=event.place,
            due_date=cn_date(event.date),
            agent=str(inv.customer.owner),
        )
        rows.append(
            Message(
                customer=inv.customer,
                invitation=inv,
                template=template,
                channel=Channel.LETTER,
                recipient=recipient(inv.customer, Channel.LETTER),
                subject=render(template.subject, values),
                body=render(template.body, values),
                batch=f"event-{event.pk}",
                created_at=now,
                created_by=event.created_by,
            )
        )
    Message.objects.bulk_create(rows, batch_size=500)
    Invitation.objects.filter(pk__in=[i.pk for i in pending]).update(letter_queued=True)
    return len(rows)


def invitations_for_event(event: CareEvent, day: dt.date) -> int:
    if day > event.date:
        return 0
    count = 0
    rule = Rule.objects.filter(code="EVENT_INVITE", active=True).first()
    if rule is not None and day >= event.date - dt.timedelta(days=INVITE_DAYS_AHEAD):
        count += _invite_calls(event, rule)
    if day >= event.date - dt.timedelta(days=INVITE_DAYS_AHEAD - LETTER_DAYS_AFTER):
        count += _invite_letters(event)
    return count


def invitations_daily(day: dt.date) -> int:
    """Calls and letters of the upcoming events (a loop over events, set-based over their invitees)."""
    events = CareEvent.objects.filter(date__gte=day, date__lte=day + dt.timedelta(days=INVITE_DAYS_AHEAD))
    return sum(invitations_for_event(e, day) for e in events)
