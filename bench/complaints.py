"""Complaints benchmark (issue 6): the reads a customer-service department repeats all day, over a year
of complaints, on SQLite.

    .venv/bin/python bench/complaints.py                        # 20,000 complaints (about 100,000 log rows)
    .venv/bin/python bench/complaints.py --complaints 100000    # a very busy group of dealerships

It builds its own SQLite database (a new directory under /tmp, or --var DIR), migrates, creates the users
and customers with bulk inserts, and complaints received over the last year in every state, with their
transition logs (each step a few hours to days after the previous one; a third of the open ones overdue).
Then it times, as the customer-service manager, each five times and prints the median:

  (a) the analysis page's report for the year (complaint_analysis: counts, stage times, repeat, trend);
  (b) the first page of the complaint list, overdue first, with its total count;
  (c) the home page's to-do (complaints awaiting her, overdue first, with counts);
  (d) the escalation part of the daily job, first run and the idempotent second run (once each).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


def setup_django(var: Path) -> None:
    os.environ["KEDANG_VAR_DIR"] = str(var)
    os.environ.pop("DATABASE_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kedang.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def median_ms(fn: Callable[[], Any], n: int = 5) -> float:
    times = []
    for _ in range(n):
        t = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t) * 1000)
    return statistics.median(times)


def generate(n: int, today: dt.date, seed: int) -> None:
    from django.db import transaction
    from django.utils import timezone

    from kedang.accounts.services import user_upsert
    from kedang.complaints.models import Category, Channel, Complaint, State, Transition
    from kedang.complaints.workflow import STEPS
    from kedang.customers.models import Customer, Vehicle

    rng = random.Random(seed)
    users = {}
    for name, role, dept in [
        ("csm", "cs_manager", "客服部"),
        ("cs1", "cs_agent", "客服部"),
        ("am1", "account_manager", "销售一部"),
    ]:
        users[name], _ = user_upsert(
            username=name, role=role, password="bench-pass-2026", department=dept, check_password=False
        )
    handlers = [
        user_upsert(
            username=f"tech{i}",
            role="cs_agent",
            password="bench-pass-2026",
            department=d,
            check_password=False,
        )[0]
        for i, d in enumerate(["售后服务部", "售后服务部", "钣喷车间", "销售一部", "客服部"])
    ]
    n_customers = max(n // 2, 1)
    with transaction.atomic():
        Customer.objects.bulk_create(
            [
                Customer(archive_no=f"B-{i:07d}", name=f"客户{i}", owner=users["am1"])
                for i in range(n_customers)
            ],
            batch_size=5000,
        )
        customer_ids = list(Customer.objects.values_list("pk", flat=True))
        models = ["途观L", "帕萨特", "朗逸", "迈腾", "探岳"]
        Vehicle.objects.bulk_create(
            [
                Vehicle(customer_id=cid, vin=f"BENCHVIN{i:09d}", model=rng.choice(models))
                for i, cid in enumerate(customer_ids)
            ],
            batch_size=5000,
        )
        vehicle_of = dict(Vehicle.objects.values_list("customer_id", "pk"))
        categories = list(Category.objects.values_list("pk", flat=True))
        paths = {
            State.RECEIVED: [],
            State.CONFIRMED: ["confirm"],
            State.ASSIGNED: ["confirm", "assign"],
            State.RESOLVED: ["confirm", "assign", "resolve"],
            State.FEEDBACK: ["confirm", "assign", "resolve", "feedback"],
            State.CLOSED: ["confirm", "assign", "resolve", "feedback", "close"],
            State.REJECTED: ["reject"],
        }
        weights = {
            State.CLOSED: 70,
            State.REJECTED: 5,
            State.RECEIVED: 5,
            State.CONFIRMED: 3,
            State.ASSIGNED: 10,
            State.RESOLVED: 4,
            State.FEEDBACK: 3,
        }
        states = list(weights)
        complaints: list[Complaint] = []
        plans: list[list[tuple[str, str, dt.datetime]]] = []
        tz = timezone.get_current_timezone()
        for i in range(n):
            received = today - dt.timedelta(days=rng.randrange(365))
            state = rng.choices(states, [weights[s] for s in states])[0]
            at = dt.datetime.combine(received, dt.time(9), tz) + dt.timedelta(minutes=rng.randrange(480))
            plan: list[tuple[str, str, dt.datetime]] = [("receive", State.RECEIVED.value, at)]
            for action in paths[state]:
                at += dt.timedelta(hours=rng.randrange(2, 72))
                plan.append((action, str(STEPS[action].target), at))
            cid = rng.choice(customer_ids)
            handler = rng.choice(handlers) if "assign" in paths[state] else None
            last = plan[-1][2].date()
            open_ = state not in (State.CLOSED, State.REJECTED)
            complaints.append(
                Complaint(
                    number=f"TS-B-{i:07d}",
                    customer_id=cid,
                    vehicle_id=vehicle_of.get(cid) if rng.random() < 0.8 else None,
                    channel=rng.choice(Channel.values),
                    category_id=rng.choice(categories),
                    summary="等待时间太长",
                    received_on=received,
                    created_by=users["cs1"],
                    state=state,
                    stage_since=min(last, today),
                    due_on=(
                        today - dt.timedelta(days=rng.randrange(1, 20))
                        if rng.random() < 0.33
                        else today + dt.timedelta(days=2)
                    )
                    if open_
                    else None,
                    department=handler.department if handler else None,
                    handler=handler,
                    satisfaction=rng.randint(1, 5) if "feedback" in paths[state] else None,
                    closed_on=last if state == State.CLOSED else None,
                )
            )
            plans.append(plan)
        Complaint.objects.bulk_create(complaints, batch_size=5000)
        ids = list(Complaint.objects.order_by("pk").values_list("pk", flat=True))
        rows = []
        for cid, plan in zip(ids, plans, strict=True):
            prev = ""
            for action, to_state, at in plan:
                rows.append(
                    Transition(
                        complaint_id=cid,
                        action=action,
                        from_state=prev,
                        to_state=to_state,
                        actor=users["csm"],
                        at=at,
                        on=at.date(),
                    )
                )
                prev = to_state
        Transition.objects.bulk_create(rows, batch_size=10000)
    print(f"  {n:,} complaints, {len(rows):,} log rows, {n_customers:,} customers")


def measure(today: dt.date) -> None:
    from django.db import transaction

    from kedang.accounts.models import User
    from kedang.complaints.analysis import complaint_analysis
    from kedang.complaints.escalation import escalate_overdue_complaints
    from kedang.complaints.selectors import home_context, overdue_first, visible_complaints

    csm = User.objects.get(username="csm")
    start = today - dt.timedelta(days=365)

    def analysis() -> None:
        complaint_analysis(User.objects.get(pk=csm.pk), start=start, end=today, today=today)

    def list_page() -> None:
        user = User.objects.get(pk=csm.pk)
        qs = overdue_first(visible_complaints(user), today).select_related(
            "customer", "vehicle", "category", "handler"
        )
        qs.count()
        list(qs[:30])

    def home() -> None:
        home_context(User.objects.get(pk=csm.pk), today)

    print(f"  (a) analysis for a year      median {median_ms(analysis):8.1f} ms")
    print(f"  (b) list, first page + count median {median_ms(list_page):8.1f} ms")
    print(f"  (c) home to-do               median {median_ms(home):8.1f} ms")
    for label in ("first", "second"):
        t = time.perf_counter()
        with transaction.atomic():
            done = escalate_overdue_complaints(today)
        print(
            f"  (d) escalation, {label} run    {(time.perf_counter() - t) * 1000:8.1f} ms  ({done:,} escalated)"
        )


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--complaints", type=int, default=20_000)
    p.add_argument("--seed", type=int, default=2026)
    p.add_argument("--var", help="directory of the database (default: a new one under /tmp)")
    args = p.parse_args()
    var = Path(args.var) if args.var else Path(tempfile.mkdtemp(prefix="kd-bench-complaints-"))
    var.mkdir(parents=True, exist_ok=True)
    print(f"database: {var / 'kedang.sqlite3'}")
    print(f"command:  .venv/bin/python bench/complaints.py --complaints {args.complaints} --seed {args.seed}")
    setup_django(var)
    from django.utils import timezone

    today = timezone.localdate()
    t0 = time.monotonic()
    generate(args.complaints, today, args.seed)
    print(f"  setup {time.monotonic() - t0:.0f} s")
    try:
        measure(today)
    finally:
        if not args.var:
            shutil.rmtree(var, ignore_errors=True)


if __name__ == "__main__":
    main()
