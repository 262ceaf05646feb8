"""Care benchmark (issue 5), on SQLite:

    .venv/bin/python bench/care.py                          # 1,000,000 customers, 1,200,000 vehicles
    .venv/bin/python bench/care.py --customers 100000 --vehicles 120000 --messages 2000   # quick look

Builds its own database under /tmp (or --var DIR) with plain INSERTs (see bench/run_daily.py): customers
with birthdays from 1940 to 2005 (one in ten celebrated by the lunar calendar), vehicles with insurance,
inspection, maintenance and vehicle-tax dates over the coming year.

Then it times the care part of `run_daily` (`care_daily`) for an ordinary day, a second run for the same
day, and a day in the 国庆 greeting window (a HOLIDAY task for every customer), then sends --messages
queued SMS through the file backend (`send_batch`, what the huey task runs). Each figure is the median of
--repeat runs on fresh data (tasks and messages deleted in between). Targets: care part ≤ 30 s,
10,000 messages ≤ 60 s.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from run_daily import insert, setup_django

TARGET_CARE, TARGET_SEND = 30.0, 60.0


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--customers", type=int, default=1_000_000)
    p.add_argument("--vehicles", type=int, default=1_200_000)
    p.add_argument("--messages", type=int, default=10_000)
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--seed", type=int, default=2026)
    p.add_argument("--var", help="directory of the database (default: a new one under /tmp)")
    p.add_argument("--keep", action="store_true")
    return p.parse_args()


def generate(args: argparse.Namespace, today: dt.date) -> None:
    from django.core.management import call_command
    from django.db import connection

    from kedang.accounts.roles import Role
    from kedang.customers.demo import DEMO_USERS, demo_users_ensure
    from kedang.customers.models import Customer, Vehicle

    t0 = time.monotonic()
    call_command("migrate", verbosity=0)
    users = {u.username: u.pk for u in demo_users_ensure()}
    owners = [users[d.username] for d in DEMO_USERS if d.role == Role.ACCOUNT_MANAGER]
    rng = random.Random(args.seed)
    connection.ensure_connection()
    raw = connection.connection
    raw.execute("PRAGMA synchronous=OFF")
    raw.execute("PRAGMA foreign_keys=OFF")
    cur = raw.cursor()
    now = dt.datetime.now(dt.UTC).isoformat(sep=" ")
    first, span = dt.date(1940, 1, 1), (dt.date(2005, 12, 31) - dt.date(1940, 1, 1)).days

    def customers() -> Iterator[tuple[Any, ...]]:
        for n in range(1, args.customers + 1):
            phone = f"13{rng.randint(0, 999_999_999):09d}"
            birthday = (first + dt.timedelta(days=rng.randint(0, span))).isoformat()
            yield (
                f"KDC-{n:08d}",
                "person",
                f"客户{n}",
                phone,
                phone,
                rng.choice(owners),
                birthday,
                int(rng.random() < 0.1),
                f"北京市朝阳区{n}号",
                now,
                now,
            )

    n_c = insert(
        cur,
        Customer,
        [
            "archive_no",
            "kind",
            "name",
            "phone",
            "phone_norm",
            "owner_id",
            "birthday",
            "birthday_is_lunar",
            "address",
            "created_at",
            "updated_at",
        ],
        customers(),
    )
    print(f"  customers {n_c:>10,}  ({time.monotonic() - t0:.0f} s)", flush=True)

    def soon() -> str:
        return (today + dt.timedelta(days=rng.randint(-30, 365))).isoformat()

    def vehicles() -> Iterator[tuple[Any, ...]]:
        for n in range(1, args.vehicles + 1):
            yield (
                rng.randint(1, args.customers),
                f"LCARE{n:012d}",
                f"京A{n % 100000:05d}",
                soon(),
                soon(),
                soon(),
                soon(),
                now,
                now,
            )

    n_v = insert(
        cur,
        Vehicle,
        [
            "customer_id",
            "vin",
            "plate",
            "insurance_expiry",
            "inspection_due",
            "maintenance_due",
            "vehicle_tax_due",
            "created_at",
            "updated_at",
        ],
        vehicles(),
    )
    raw.execute("PRAGMA foreign_keys=ON")
    raw.execute("ANALYZE")
    print(f"  vehicles  {n_v:>10,}  ({time.monotonic() - t0:.0f} s)", flush=True)


def clear() -> None:
    from django.db import connection

    from kedang.agenda.models import Task
    from kedang.care.models import Message
    from kedang.customers.models import Record

    with connection.cursor() as cur:
        for model in (Message, Record, Task):
            cur.execute(f"DELETE FROM {model._meta.db_table}")


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    t = time.monotonic()
    result = fn()
    return time.monotonic() - t, result


def measure(args: argparse.Namespace, today: dt.date, var: Path) -> None:
    from django.conf import settings
    from django.db import transaction
    from django.utils import timezone

    from kedang.care.daily import care_tasks_for
    from kedang.care.dates import holiday_in
    from kedang.care.models import Message, MessageTemplate
    from kedang.care.sending import send_batch
    from kedang.customers.models import Customer

    national_day = holiday_in("solar", 10, 1, today.year + (today >= dt.date(today.year, 9, 24)))
    ordinary = today
    while ordinary in [national_day - dt.timedelta(days=n) for n in range(1, 9)]:
        ordinary += dt.timedelta(days=10)
    first_runs: list[float] = []
    second_runs: list[float] = []
    created: dict[str, int] = {}
    for _ in range(args.repeat):
        clear()
        with transaction.atomic():
            seconds, created = timed(lambda: care_tasks_for(ordinary))
        first_runs.append(seconds)
        print(f"  run: {seconds:.2f} s", flush=True)
        with transaction.atomic():
            second_runs.append(timed(lambda: care_tasks_for(ordinary))[0])
    print(
        f"\ncare part of run_daily, {ordinary} (median of {args.repeat}): {statistics.median(first_runs):.2f} s "
        f"(target ≤ {TARGET_CARE:.0f} s); created {created}"
    )
    print(f"  second run, same day: {statistics.median(second_runs):.2f} s")
    # the week before 国庆: every customer is greeted, spread over the window's days
    clear()
    week: list[tuple[dt.date, float, int]] = []
    for n in range(7, 0, -1):
        day = national_day - dt.timedelta(days=n)
        with transaction.atomic():
            seconds, made = timed(lambda day=day: care_tasks_for(day))
        week.append((day, seconds, made["HOLIDAY"]))
        print(f"  {day}: {seconds:.2f} s, HOLIDAY {made['HOLIDAY']:,}", flush=True)
    print(
        f"  the week before 国庆 ({sum(w[2] for w in week):,} greetings): slowest day {max(w[1] for w in week):.2f} s, "
        f"median {statistics.median(w[1] for w in week):.2f} s"
    )

    settings.KEDANG_SMS_DIR = var / "sms"
    settings.KEDANG_QUIET_HOURS = {"sms": ""}
    template = MessageTemplate.objects.get(name="节日问候短信")
    noon = timezone.make_aware(dt.datetime.combine(today, dt.time(12)))
    send_runs: list[float] = []
    result: Any = None
    for _ in range(args.repeat):
        clear()
        shutil.rmtree(var / "sms", ignore_errors=True)
        ids = list(Customer.objects.order_by("id").values_list("id", "phone")[: args.messages])
        Message.objects.bulk_create(
            [
                Message(
                    customer_id=c,
                    template=template,
                    channel="sms",
                    recipient=p,
                    body=f"客户{c}您好，节日快乐！",
                    batch="bench",
                )
                for c, p in ids
            ],
            batch_size=2000,
        )
        seconds, result = timed(lambda: send_batch("bench", now=noon))
        send_runs.append(seconds)
    print(
        f"\nsend {args.messages:,} queued SMS through the file backend (median of {args.repeat}): "
        f"{statistics.median(send_runs):.2f} s (target ≤ {TARGET_SEND:.0f} s); last run sent {result.sent}"
    )


def main() -> None:
    args = parse_args()
    var = Path(args.var) if args.var else Path(tempfile.mkdtemp(prefix="kedang-care-bench-"))
    print(f"database under {var}")
    setup_django(var)
    from django.utils import timezone

    today = timezone.localdate()
    from django.core.management import call_command

    from kedang.customers.models import Customer

    call_command("migrate", verbosity=0)
    if not Customer.objects.exists():
        generate(args, today)
    measure(args, today, var)
    print(
        f"\nreproduce: .venv/bin/python bench/care.py --customers {args.customers} --vehicles {args.vehicles} "
        f"--messages {args.messages} --repeat {args.repeat}"
    )
    if not args.keep and not args.var:
        shutil.rmtree(var, ignore_errors=True)


if __name__ == "__main__":
    main()
