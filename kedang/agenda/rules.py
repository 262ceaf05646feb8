"""What a rule says about dates and people: the due date and window of a task, and who gets it.

Pure functions over rule rows (plus one query for the round-robin agents); used by the event service
for one event and by the daily job for many (daily.py turns the same decisions into SQL)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import F

from kedang.accounts.models import User
from kedang.accounts.roles import Role

from .models import AssignmentCursor, AssignMode, Rule, Task
from .workdays import add_months


@dataclass(frozen=True)
class TaskDates:
    anchor: dt.date
    due: dt.date
    window_end: dt.date | None

    @property
    def last_day(self) -> dt.date:
        return self.window_end or self.due


def task_dates(
    rule: Rule,
    anchor: dt.date,
    *,
    via_secondary_dealer: bool = False,
    invoice_date: dt.date | None = None,
) -> TaskDates:
    """Due date and window of `rule` for an event on `anchor` (SPEC §4).

    Months are added first and clamp to the month's last day (Jan 31 + 1 month = Feb 28/29), then days.
    A vehicle sold through a secondary dealer counts from its invoice date when the rule says so (7DC:
    invoice + 10 days); without an invoice date, from the event's date."""
    if rule.secondary_dealer_days is not None and via_secondary_dealer:
        base = invoice_date or anchor
        due = base + dt.timedelta(days=rule.secondary_dealer_days)
        anchor = base
    else:
        due = add_months(anchor, rule.offset_months) + dt.timedelta(days=rule.offset_days)
    window_end = due + dt.timedelta(days=rule.window_days) if rule.window_days else None
    return TaskDates(anchor, due, window_end)


def round_robin_agents(rule: Rule) -> list[int]:
    """Ids of the active customer-service agents the rule rotates among (of its department, if set)."""
    qs = User.objects.filter(is_active=True, groups__name=Role.CS_AGENT)
    if rule.assign_department_id:
        qs = qs.filter(department_id=rule.assign_department_id)
    return list(qs.order_by("id").values_list("id", flat=True).distinct())


def cursor_take(rule: Rule, count: int) -> int:
    """Reserve `count` round-robin turns of the rule; returns the position of the first one.
    Call inside a transaction: the cursor row stays locked until it commits."""
    AssignmentCursor.objects.get_or_create(rule=rule)
    cursor = AssignmentCursor.objects.select_for_update().get(rule=rule)
    start = cursor.position
    AssignmentCursor.objects.filter(pk=cursor.pk).update(position=F("position") + count)
    return start


@dataclass(frozen=True)
class Assignment:
    assignee_id: int | None
    department_id: int | None


def assignments(rule: Rule, owner_ids: list[int]) -> list[Assignment]:
    """Who gets each of len(owner_ids) new tasks of the rule (the customers' account managers given in order):
    the account manager, the rule's department pool, or the agents in turn (the pool when there are none)."""
    if rule.assign_mode == AssignMode.OWNER:
        return [Assignment(owner, None) for owner in owner_ids]
    if rule.assign_mode == AssignMode.ROUND_ROBIN:
        agents = round_robin_agents(rule)
        if agents:
            start = cursor_take(rule, len(owner_ids))
            return [Assignment(agents[(start + i) % len(agents)], None) for i in range(len(owner_ids))]
    return [Assignment(None, rule.assign_department_id) for _ in owner_ids]


class _KeepUnknown(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def script_for(task: Task, agent: User | None) -> str:
    """The rule's call script (话术, R-F5) with this task's customer, vehicle, date and agent filled in."""
    vehicle = task.vehicle
    day = task.anchor_date
    values = _KeepUnknown(
        customer=task.customer.name,
        plate=(vehicle.plate or vehicle.vin) if vehicle else "",
        model=vehicle.model if vehicle else "",
        date=f"{day.year}年{day.month}月{day.day}日",
        agent=str(agent) if agent else "",
    )
    try:
        return task.rule.script.format_map(values)
    except (ValueError, IndexError):
        return task.rule.script
