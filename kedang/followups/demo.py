"""Demo follow-up history: service events, the daily job and agents' calls over the last weeks, written
through the services (event_record, daily_run, task_complete) so that the lists, the archive pages and the
reports look like a department's real month. Reproducible for a seed and a day."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from kedang.accounts.models import User
from kedang.accounts.roles import Role
from kedang.agenda.daily import daily_run
from kedang.agenda.models import EventKind, Task, TaskStatus
from kedang.agenda.services import event_record
from kedang.customers.models import Vehicle

from .models import CallOutcome
from .services import questionnaire_items, task_complete

REMARKS = ("客户很满意", "客户表示会推荐朋友", "提醒了首保时间", "", "", "", "客户工作忙，简短回访")
ISSUES = ("交车等待时间较长", "洗车不干净", "结算费用比预估高", "异响问题未彻底解决")
NOTES = {
    EventKind.REPAIR: ("更换刹车片", "空调不制冷维修", "右前翼子板钣金喷漆", "发动机故障灯检修"),
    EventKind.MAINTENANCE: ("常规保养", "首次保养", "更换机油机滤", "更换空调滤芯"),
    EventKind.SERVICE: ("咨询延保政策", "办理会员卡", "上牌代办咨询"),
    EventKind.INSTALLATION: ("加装行车记录仪", "安装充电桩"),
}


@dataclass
class DemoResult:
    events: int = 0
    tasks: int = 0
    calls: int = 0


def demo_followups(*, days: int = 45, seed: int = 2026, today: dt.date | None = None) -> DemoResult:
    """Simulate `days` days up to yesterday: events recorded, run_daily each morning, most calls made;
    today's list is left for the user."""
    today = today or timezone.localdate()
    rng = random.Random(seed)
    result = DemoResult()
    agents = list(User.objects.filter(groups__name=Role.CS_AGENT, is_active=True).order_by("id"))
    desk = User.objects.filter(groups__name=Role.CS_MANAGER, is_active=True).first() or (
        agents[0] if agents else None
    )
    if desk is None:
        return result
    vehicles = list(
        Vehicle.live.filter(customer__deleted_at__isnull=True).select_related("customer").order_by("id")
    )
    for n in range(days, -1, -1):
        day = today - dt.timedelta(days=n)
        with transaction.atomic():
            daily_run(day)
            if n == 0:
                break  # today's calls are the user's
            for _ in range(rng.randint(2, 5) if vehicles else 0):
                v = rng.choice(vehicles)
                kind = rng.choices(list(NOTES), weights=(4, 5, 2, 1))[0]
                amount = Decimal(rng.randint(200, 30000 if kind == EventKind.REPAIR else 3000)).quantize(
                    Decimal("1.00")
                )
                event_record(
                    actor=desk,
                    customer_id=v.customer_id,
                    kind=kind,
                    date=day,
                    vehicle_id=v.pk if kind != EventKind.SERVICE else None,
                    amount=amount if kind in (EventKind.REPAIR, EventKind.MAINTENANCE) else None,
                    accident=kind == EventKind.REPAIR and rng.random() < 0.1,
                    notes=rng.choice(NOTES[kind]),
                    today=day,
                )
                result.events += 1
            due = list(
                Task.objects.filter(status=TaskStatus.OPEN, next_attempt_on__lte=day)
                .select_related("rule", "assignee")
                .order_by("id")
            )
            for task in due:
                if rng.random() < 0.12:
                    continue  # not called today: it stays open (and becomes overdue)
                actor = task.assignee or desk
                if rng.random() < 0.78:
                    items = questionnaire_items(task)
                    answers = {
                        str(i.pk): max(1, i.scale_max - rng.choices((0, 1, 2, 3), weights=(50, 30, 15, 5))[0])
                        for i in items
                    }
                    issue = rng.choice(ISSUES) if rng.random() < 0.08 else ""
                    task_complete(
                        actor=actor,
                        task_id=task.pk,
                        outcome=CallOutcome.REACHED,
                        answers=answers,
                        remarks=rng.choice(REMARKS),
                        issue=issue,
                        today=day,
                    )
                else:
                    task_complete(actor=actor, task_id=task.pk, outcome=CallOutcome.UNREACHABLE, today=day)
                result.calls += 1
    result.tasks = Task.objects.count()
    return result
