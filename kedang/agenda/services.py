"""Agenda operations: record a service event (it lands on the timeline and the rules create its follow-up
tasks), keep a vehicle's delivery in step with its delivery event, create the tasks that follow a done one,
reassign a task. Each checks permission, validates, writes the timeline and runs in one transaction."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404
from django.utils import timezone

from kedang.accounts.models import User
from kedang.accounts.selectors import can_write, is_manager
from kedang.archive.timeline import record_add
from kedang.archive.visibility import customer_for_write, customers_visible_to
from kedang.customers.models import Record, RecordKind, Vehicle

from .models import EventKind, EventSource, Rule, ServiceEvent, Task, TaskStatus
from .rules import Assignment, TaskDates, assignments, task_dates

MAX_AMOUNT = Decimal("9999999999.99")


def _money(value: Any) -> Decimal:
    """A CNY amount with at most 2 decimals, 0 or more; raises ValueError otherwise."""
    if isinstance(value, bool):
        raise ValueError
    try:
        amount = Decimal(str(value).strip().replace(",", "").replace("，", "").lstrip("¥￥"))
    except InvalidOperation:
        raise ValueError from None
    if (
        not amount.is_finite()
        or amount < 0
        or amount > MAX_AMOUNT
        or amount != amount.quantize(Decimal("0.01"))
    ):
        raise ValueError
    return amount.quantize(Decimal("0.01"))


def event_title(kind: str, vehicle: Vehicle | None, amount: Decimal | None, accident: bool) -> str:
    """The timeline title of an event: stored data, so in the archive's language."""
    parts = [str(EventKind(kind).label)]
    if vehicle is not None:
        parts.append(" ".join(p for p in (vehicle.plate or vehicle.vin, vehicle.model) if p))
    if amount is not None:
        parts.append(f"¥{amount:,.2f}")
    title = " ".join(parts)
    return f"{title}（事故车）" if accident else title


def _event_record(event: ServiceEvent, actor: User | None) -> Record:
    from django.utils import translation

    with translation.override(settings.LANGUAGE_CODE):
        title = event_title(event.kind, event.vehicle, event.amount, event.accident)
    return record_add(
        event.customer_id,
        actor,
        RecordKind.EVENT,
        title,
        event.notes,
        occurred_on=event.date,
        vehicle=event.vehicle,
    )


def _task(rule: Rule, dates: TaskDates, who: Assignment, actor: User | None, **links: Any) -> Task:
    """An unsaved task of `rule` on `dates` for `who`; `links` are its event, vehicle or parent task."""
    return Task(
        rule=rule,
        anchor_date=dates.anchor,
        due_date=dates.due,
        window_end=dates.window_end,
        next_attempt_on=dates.due,
        assignee_id=who.assignee_id,
        department_id=who.department_id,
        created_by=actor,
        **links,
    )


def tasks_for_event(event: ServiceEvent, *, actor: User | None, today: dt.date | None = None) -> list[Task]:
    """Create the tasks the active rules call for after `event` (none twice). A task whose last day passed
    more than KEDANG_FOLLOWUP_LATE_DAYS ago is not created: the occasion for that call is gone.
    Runs inside the caller's transaction."""
    today = today or timezone.localdate()
    late = today - dt.timedelta(days=settings.KEDANG_FOLLOWUP_LATE_DAYS)
    vehicle = event.vehicle
    customer = event.customer
    rules = [r for r in Rule.objects.filter(active=True).exclude(event_kinds="") if event.kind in r.kinds]
    have = set(Task.objects.filter(event=event).values_list("rule_id", flat=True))
    todo = []
    for rule in rules:
        dates = task_dates(
            rule,
            event.date,
            via_secondary_dealer=bool(vehicle and vehicle.via_secondary_dealer),
            invoice_date=vehicle.invoice_date if vehicle else None,
        )
        if rule.pk not in have and dates.last_day >= late:
            todo.append((rule, dates))
    created = []
    for rule, dates in todo:
        who = assignments(rule, [customer.owner_id])[0]
        task = _task(rule, dates, who, actor, customer=customer, vehicle=vehicle, event=event)
        task.save()
        created.append(task)
    return created


def tasks_after_done(task: Task, *, actor: User | None) -> list[Task]:
    """The tasks of rules that follow `task`'s rule once it is done (SERVICE_2 after SERVICE_1), counted
    from the day it was done. Runs inside the caller's transaction."""
    assert task.closed_on is not None
    created = []
    for rule in Rule.objects.filter(after_rule=task.rule_id, active=True):
        if Task.objects.filter(rule=rule, parent=task).exists():
            continue
        dates = task_dates(rule, task.closed_on)
        who = assignments(rule, [task.customer.owner_id])[0]
        follow = _task(
            rule, dates, who, actor, customer_id=task.customer_id, vehicle_id=task.vehicle_id, parent=task
        )
        follow.save()
        created.append(follow)
    return created


@transaction.atomic
def event_record(
    *,
    actor: User,
    customer_id: int,
    kind: str,
    date: dt.date | None,
    vehicle_id: int | None = None,
    amount: Any = None,
    accident: bool = False,
    notes: str = "",
    source: str = EventSource.MANUAL,
    today: dt.date | None = None,
) -> ServiceEvent:
    """Record a service event (delivery, repair, maintenance, installation, service) on a customer's
    timeline and create the follow-up tasks its rules call for (SPEC §4, §14 POST /events).

    A delivery needs the vehicle and is recorded once per vehicle; it sets the vehicle's delivery date
    when that is empty and must agree with it otherwise."""
    customer = customer_for_write(actor, customer_id, read_only="当前角色只读，不能登记服务事件")
    today = today or timezone.localdate()
    errors: dict[str, list[ValidationError]] = {}

    def err(field: str, message: str, code: str) -> None:
        errors.setdefault(field, []).append(ValidationError(message, code=code))

    if kind not in EventKind.values:
        err("kind", f"类型必须为 {' '.join(EventKind.values)} 之一", "invalid_choice")
    if date is None:
        err("date", "请填写日期", "required")
    elif not isinstance(date, dt.date) or isinstance(date, dt.datetime):
        err("date", "日期格式应为 YYYY-MM-DD", "invalid_date")
    elif date > today:
        err("date", "日期不能晚于今天", "future_date")
    vehicle = None
    if vehicle_id:
        vehicle = customer.vehicles(manager="live").filter(pk=vehicle_id).first()
        if vehicle is None:
            err("vehicle_id", "该客户没有这辆车", "invalid_choice")
    elif kind == EventKind.DELIVERY:
        err("vehicle_id", "提车需要选择车辆", "required")
    money = None
    if amount not in (None, ""):
        try:
            money = _money(amount)
        except ValueError:
            err("amount", "金额应为不小于 0 的数，最多两位小数", "invalid_amount")
    notes = (notes or "").strip()
    if len(notes) > 2000:
        err("notes", "说明不能超过2000字", "max_length")
    if source not in EventSource.values:
        err("source", "来源无效", "invalid_choice")
    if kind == EventKind.DELIVERY and vehicle is not None and "date" not in errors:
        existing = ServiceEvent.objects.filter(vehicle=vehicle, kind=EventKind.DELIVERY).first()
        if existing is not None:
            err("vehicle_id", f"该车辆已登记提车（{existing.date:%Y-%m-%d}）", "duplicate")
        elif vehicle.delivery_date and vehicle.delivery_date != date:
            err("date", f"与车辆档案的提车日期 {vehicle.delivery_date:%Y-%m-%d} 不一致", "mismatch")
    if errors:
        raise ValidationError(errors)
    assert date is not None

    event = ServiceEvent.objects.create(
        customer=customer,
        vehicle=vehicle,
        kind=kind,
        date=date,
        amount=money,
        accident=bool(accident),
        notes=notes,
        source=source,
        created_by=actor,
    )
    event.record = _event_record(event, actor)
    event.save(update_fields=["record"])
    if kind == EventKind.DELIVERY and vehicle is not None and vehicle.delivery_date is None:
        from kedang.customers.services import vehicle_update

        vehicle_update(actor=actor, vehicle_id=vehicle.pk, reason="登记提车", delivery_date=date)
        vehicle.refresh_from_db()
        event.vehicle = vehicle
    tasks_for_event(event, actor=actor, today=today)
    return event


@transaction.atomic
def delivery_sync(
    *, actor: User | None, vehicle_id: int, today: dt.date | None = None
) -> ServiceEvent | None:
    """Keep a vehicle's delivery event in step with its delivery date, invoice date and dealer: the hook the
    vehicle services call after saving a vehicle (the permission check is theirs). Creates the delivery
    event with its timeline record and tasks, or — after a correction — moves the event and reschedules its
    open tasks that nobody has called yet. Idempotent."""
    vehicle = Vehicle.live.select_related("customer").filter(pk=vehicle_id).first()
    if vehicle is None or vehicle.delivery_date is None:
        return None
    event = ServiceEvent.objects.filter(vehicle=vehicle, kind=EventKind.DELIVERY).first()
    if event is None:
        event = ServiceEvent.objects.create(
            customer=vehicle.customer,
            vehicle=vehicle,
            kind=EventKind.DELIVERY,
            date=vehicle.delivery_date,
            source=EventSource.VEHICLE,
            created_by=actor,
        )
        event.record = _event_record(event, actor)
        event.save(update_fields=["record"])
    elif event.date != vehicle.delivery_date:
        event.date = vehicle.delivery_date
        event.save(update_fields=["date"])
        if event.record_id:
            Record.objects.filter(pk=event.record_id).update(occurred_on=event.date)
    untouched = Task.objects.filter(event=event, status=TaskStatus.OPEN, attempts=0).select_related("rule")
    for task in untouched:
        dates = task_dates(
            task.rule,
            event.date,
            via_secondary_dealer=vehicle.via_secondary_dealer,
            invoice_date=vehicle.invoice_date,
        )
        if (task.anchor_date, task.due_date, task.window_end) != (dates.anchor, dates.due, dates.window_end):
            task.anchor_date, task.due_date, task.window_end = dates.anchor, dates.due, dates.window_end
            task.next_attempt_on = dates.due
            task.save(update_fields=["anchor_date", "due_date", "window_end", "next_attempt_on"])
    event.vehicle = vehicle
    tasks_for_event(event, actor=actor, today=today)
    return event


@transaction.atomic
def deliveries_sync(*, actor: User | None, vehicle_ids: list[int], today: dt.date | None = None) -> int:
    """`delivery_sync` for a batch of vehicles just written (an import batch): the same delivery events,
    timeline records and tasks, in a handful of statements whatever the batch's size. Vehicles that
    already have their delivery event are left to `delivery_sync`. Returns the number of events made."""
    from django.utils import translation

    from kedang.archive.timeline import records_add

    today = today or timezone.localdate()
    late = today - dt.timedelta(days=settings.KEDANG_FOLLOWUP_LATE_DAYS)
    have = ServiceEvent.objects.filter(vehicle_id__in=vehicle_ids, kind=EventKind.DELIVERY)
    vehicles = list(
        Vehicle.live.filter(
            pk__in=vehicle_ids, delivery_date__isnull=False, customer__deleted_at__isnull=True
        )
        .exclude(pk__in=have.values("vehicle_id"))
        .select_related("customer")
        .order_by("pk")
    )
    if not vehicles:
        return 0
    events = ServiceEvent.objects.bulk_create(
        [
            ServiceEvent(
                customer=v.customer,
                vehicle=v,
                kind=EventKind.DELIVERY,
                date=v.delivery_date,
                source=EventSource.VEHICLE,
                created_by=actor,
            )
            for v in vehicles
        ]
    )
    with translation.override(settings.LANGUAGE_CODE):
        records = records_add(
            {
                "customer": e.customer_id,
                "actor": actor,
                "kind": RecordKind.EVENT,
                "title": event_title(e.kind, e.vehicle, None, False),
                "occurred_on": e.date,
                "vehicle": e.vehicle,
            }
            for e in events
        )
    for event, record in zip(events, records, strict=True):
        event.record = record
    ServiceEvent.objects.bulk_update(events, ["record"])
    tasks = []
    rules = [
        r for r in Rule.objects.filter(active=True).exclude(event_kinds="") if EventKind.DELIVERY in r.kinds
    ]
    for rule in rules:
        todo = []
        for event in events:
            v = event.vehicle
            assert v is not None
            dates = task_dates(
                rule, event.date, via_secondary_dealer=v.via_secondary_dealer, invoice_date=v.invoice_date
            )
            if dates.last_day >= late:
                todo.append((event, dates))
        whom = assignments(rule, [event.customer.owner_id for event, _ in todo])
        for (event, dates), who in zip(todo, whom, strict=True):
            tasks.append(
                _task(
                    rule, dates, who, actor, customer_id=event.customer_id, vehicle=event.vehicle, event=event
                )
            )
    Task.objects.bulk_create(tasks, batch_size=1000)
    return len(events)


@transaction.atomic
def task_reassign(*, actor: User, task_id: int, assignee: User | None) -> Task:
    """Give an open task to another person, or back to its department pool (managers only)."""
    task = (
        Task.objects.select_for_update(of=("self",))
        .filter(pk=task_id, customer__in=customers_visible_to(actor))
        .select_related("rule")
        .first()
    )
    if task is None:
        raise Http404("任务不存在")
    if not is_manager(actor) or not can_write(actor):
        raise PermissionDenied("只有经理可以重新分配任务")
    if task.status != TaskStatus.OPEN:
        raise ValidationError({"task": ValidationError("任务已关闭，不能重新分配", code="closed")})
    if assignee is not None and not assignee.is_active:
        raise ValidationError({"assignee": ValidationError("该用户已停用", code="inactive")})
    task.assignee = assignee
    task.save(update_fields=["assignee"])
    return task
