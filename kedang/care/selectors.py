"""Reads of the care module, each within what the user may see (R-G2)."""

from __future__ import annotations

import datetime as dt

from django.db.models import QuerySet

from kedang.accounts.models import User
from kedang.agenda.models import CARE_TRIGGER, Rule, Task, TaskStatus
from kedang.agenda.selectors import work_tasks
from kedang.archive.visibility import visible

from .models import Message


def care_rules() -> list[Rule]:
    return list(Rule.objects.filter(event_kinds=CARE_TRIGGER).order_by("order", "code"))


CARE_TASK_ORDER = ("due_date", "id")
OUTBOX_ORDER = ("-created_at", "-id")


def care_tasks(
    user: User,
    *,
    rule: str = "",
    status: str = TaskStatus.OPEN,
    due_from: dt.date | None = None,
    due_to: dt.date | None = None,
) -> QuerySet[Task]:
    """The care tasks of the user's list (her own; a supervisor's team), soonest first."""
    qs = work_tasks(user).filter(rule__event_kinds=CARE_TRIGGER)
    if rule:
        qs = qs.filter(rule__code=rule)
    if status:
        qs = qs.filter(status=status)
    if due_from:
        qs = qs.filter(due_date__gte=due_from)
    if due_to:
        qs = qs.filter(due_date__lte=due_to)
    return qs.select_related("rule", "customer", "vehicle", "assignee").order_by(*CARE_TASK_ORDER)


def outbox(user: User, *, channel: str = "", status: str = "", batch: str = "") -> QuerySet[Message]:
    qs = visible(Message.objects.filter(customer__deleted_at__isnull=True), user)  # a join, not an IN (#20)
    if channel:
        qs = qs.filter(channel=channel)
    if status:
        qs = qs.filter(status=status)
    if batch:
        qs = qs.filter(batch=batch)
    return qs.select_related("customer", "created_by").order_by(*OUTBOX_ORDER)
