"""The receivables part of the daily job (registered in ReceivablesConfig.ready): a `PLAN_DUE` task for
the account manager of each customer with an installment falling due within its notice days (R-R7, R-R4).
Set-based: one query per distinct notice period and one bulk insert; a task exists once per customer and
due date (the anchor), so a second run for the same day creates nothing and a skipped day is caught up."""

from __future__ import annotations

import datetime as dt

from django.db.models import Exists, OuterRef

from kedang.agenda.models import CARE_TRIGGER, AssignMode, Rule, Task

from .models import ContractState, Installment

RULE_CODE = "PLAN_DUE"


def plan_rule() -> Rule:
    """The rule as data (the administrator may rename or switch it off); created on first use."""
    rule, _ = Rule.objects.get_or_create(
        code=RULE_CODE,
        defaults={
            "name": "回款计划到期提醒",
            "event_kinds": CARE_TRIGGER,  # date-triggered, not by a service event
            "assign_mode": AssignMode.OWNER,
        },
    )
    return rule


def plan_due_tasks(day: dt.date) -> int:
    rule = plan_rule()
    if not rule.active:
        return 0
    live = Installment.objects.filter(
        contract__state__in=(ContractState.APPROVED, ContractState.ACTIVE),
        contract__customer__deleted_at__isnull=True,
        due_date__gte=day,
    )
    already = Task.objects.filter(
        rule=rule, customer_id=OuterRef("contract__customer_id"), anchor_date=OuterRef("due_date")
    )
    new: dict[tuple[int, dt.date], Task] = {}
    for notice in live.values_list("notice_days", flat=True).distinct().order_by("notice_days"):
        rows = (
            live.filter(notice_days=notice, due_date__lte=day + dt.timedelta(days=notice))
            .exclude(Exists(already))
            .values_list("contract__customer_id", "contract__customer__owner_id", "due_date")
            .order_by("due_date", "contract__customer_id")
        )
        for customer_id, owner_id, due in rows:
            new.setdefault(
                (customer_id, due),
                Task(
                    rule=rule,
                    customer_id=customer_id,
                    anchor_date=due,
                    due_date=day,
                    window_end=due,
                    next_attempt_on=day,
                    assignee_id=owner_id,
                ),
            )
    Task.objects.bulk_create(new.values())
    return len(new)
