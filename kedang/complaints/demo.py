"""Demo complaints over the last weeks, written through the services (complaint_create,
complaint_transition, compensation_*) by the demo users (csm confirms and closes, svc handles, cs1/cs2
receive and call back), so that the list, the home page and the analysis look like a real quarter.
Reproducible for a seed and a day."""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from django.db import transaction
from django.utils import timezone

from kedang.accounts.models import User
from kedang.agenda.workdays import load_calendar
from kedang.customers.models import Customer

from .escalation import escalate_overdue_complaints
from .models import Category, Channel, Complaint, Transition
from .services import compensation_decide, compensation_request, complaint_create, complaint_transition

SUMMARIES = (
    "保养后发动机有异响",
    "维修等待时间超过三小时，无人解释",
    "结算费用比预估高出很多",
    "喷漆有色差，要求返工",
    "服务顾问态度冷淡",
    "空调维修后仍不制冷",
    "新车交付时发现划痕",
    "预约后到店仍需排队",
)
RESOLUTIONS = (
    "返工处理，免收工时费",
    "向客户道歉并赠送一次保养",
    "重新检测并更换配件",
    "解释收费明细，退还多收部分",
)
OPINIONS = ("满意", "基本满意", "希望以后改进", "不太满意，但接受处理")


def demo_complaints(
    *, days: int = 90, count: int = 60, seed: int = 2026, today: dt.date | None = None
) -> int:
    today = today or timezone.localdate()
    rng = random.Random(seed)
    users = {u.username: u for u in User.objects.filter(username__in=["csm", "cs1", "cs2", "svc", "gm"])}
    if not {"csm", "cs1", "svc"} <= set(users):
        raise RuntimeError("先运行 seed_demo 生成演示用户")
    customers = list(Customer.live.all().order_by("pk").values_list("pk", flat=True)[:400])
    categories = list(Category.objects.filter(active=True).values_list("pk", flat=True))
    calendar = load_calendar([today.year - 1, today.year])
    tz = timezone.get_current_timezone()
    made = 0
    repeaters = rng.sample(customers, min(5, len(customers)))
    for _ in range(count):
        received = today - dt.timedelta(days=rng.randrange(days))
        received = calendar.next_working_day(received)
        if received > today:
            continue
        customer_id = rng.choice(repeaters) if rng.random() < 0.2 else rng.choice(customers)
        customer = Customer.objects.get(pk=customer_id)
        vehicle = customer.vehicles(manager="live").all().first()
        agent = users[rng.choice(["cs1", "cs2"]) if "cs2" in users else "cs1"]
        with transaction.atomic():
            c = complaint_create(
                actor=agent,
                customer_id=customer_id,
                channel=rng.choice(Channel.values),
                summary=rng.choice(SUMMARIES),
                vehicle_id=vehicle.pk if vehicle else None,
                category_id=rng.choice(categories),
                today=received,
            )
            day, hour = received, 9 + rng.randrange(8)
            steps: list[tuple[str, User, dict[str, Any]]] = [
                ("confirm", users["csm"], {}),
                ("assign", users["csm"], {"handler": "svc"}),
                ("resolve", users["svc"], {"resolution": rng.choice(RESOLUTIONS)}),
                (
                    "feedback",
                    agent,
                    {"opinion": rng.choice(OPINIONS), "satisfaction": rng.choice([3, 4, 4, 5, 5, 5])},
                ),
                ("close", users["csm"], {}),
            ]
            if rng.random() < 0.07:
                steps = [("reject", users["csm"], {"reason": "经核实非本店责任"})]
            age = (today - received).days
            stop = len(steps) if age > 10 else rng.randrange(len(steps) + 1)
            for action, actor, data in steps[:stop]:
                day = (
                    calendar.add_working_days(day, rng.choice([0, 0, 1, 1, 2]))
                    if action != "confirm"
                    else day
                )
                if day > today:
                    break
                hour = min(hour + rng.randrange(1, 4), 18)
                c = complaint_transition(actor=actor, complaint_id=c.pk, action=action, today=day, **data)
                Transition.objects.filter(complaint=c, action=action).update(
                    at=dt.datetime.combine(day, dt.time(hour, rng.randrange(60)), tz)
                )
                if action == "resolve" and rng.random() < 0.25:
                    comp = compensation_request(
                        actor=users["svc"],
                        complaint_id=c.pk,
                        kind="discount",
                        amount=rng.choice(["200", "300", "500"]),
                        description="下次保养工时费减免",
                    )
                    compensation_decide(
                        actor=users["csm"], compensation_id=comp.pk, approve=True, note="同意"
                    )
                    Transition.objects.filter(complaint=c, action__startswith="compensation").update(
                        at=dt.datetime.combine(day, dt.time(hour, 59), tz)
                    )
            Transition.objects.filter(complaint=c, action="receive").update(
                at=dt.datetime.combine(received, dt.time(9, rng.randrange(60)), tz)
            )
        made += 1
    with transaction.atomic():
        escalate_overdue_complaints(today)
    return made


def has_complaints() -> bool:
    return Complaint.objects.exists()
