"""run_daily benchmark (issue 4): the daily job over a big archive, on SQLite.

    .venv/bin/python bench/run_daily.py                       # 1,000,000 customers, 1,500,000 vehicles,
                                                              # 5,000,000 past events, under /tmp
    .venv/bin/python bench/run_daily.py --customers 100000 --vehicles 150000 --events 500000   # quick look

It builds its own SQLite database (a new directory under /tmp, or --var DIR), migrates, and writes the
archive with plain INSERTs (not the per-row services): customers spread over the demo account managers,
vehicles delivered over the last five years (one in ten through a secondary dealer), and past events —
a delivery event for nine vehicles in ten (the tenth was entered on the vehicle only, as the vehicle form
does) and repairs, maintenance, installations and services over five years.

History: the daily job runs once over the last --history-days days (creating those days' tasks, closing
windows), and most of those tasks are then marked done, unreachable or expired, leaving the last three
days open — the state of a department that has used the system for a while.

Then it times `daily_run` for the next day (the job `manage.py run_daily` and the 06:00 huey task call)
and a second run for the same day, and prints both with the task counts by rule. Targets (issue 4):
first run ≤ 60 s, second run ≤ 10 s. --reuse DIR measures an existing database again (running the
history first if it has none).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import shutil
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
TARGET_FIRST, TARGET_SECOND = 60.0, 10.0


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--customers", type=int, default=1_000_000)
    p.add_argument("--vehicles", type=int, default=1_500_000)
    p.add_argument("--events", type=int, default=5_000_000)
    p.add_argument(
        "--history-days", type=int, default=90, help="days of job history before the run (default 90)"
    )
    p.add_argument("--date", help="the day to run for (default today)")
    p.add_argument("--seed", type=int, default=2026)
    p.add_argument("--var", help="directory of the database (default: a new one under /tmp)")
    p.add_argument("--reuse", help="measure the database in this directory again, without generating")
    p.add_argument("--keep", action="store_true", help="keep the database afterwards")
    return p.parse_args()


def setup_django(var: Path) -> None:
    os.environ["KEDANG_VAR_DIR"] = str(var)
    os.environ.pop("DATABASE_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kedang.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def batched(rows: Iterator[tuple[Any, ...]], n: int = 200_000) -> Iterator[list[tuple[Any, ...]]]:
    batch: list[tuple[Any, ...]] = []
    for row in rows:
        batch.append(row)
        if len(batch) == n:
            yield batch
            batch = []
    if batch:
        yield batch


def insert(cur: Any, model: Any, given: list[str], rows: Iterator[tuple[Any, ...]]) -> int:
    """INSERT rows giving `given` columns; every other column gets its default (or '' / NULL)."""
    from django.db import models

    now = dt.datetime.now(dt.UTC).isoformat(sep=" ")
    extra: list[tuple[str, Any]] = []
    for f in model._meta.concrete_fields:
        if f.primary_key or f.attname in given:
            continue
        if f.has_default():
            value = f.get_default()
            value = int(value) if isinstance(value, bool) else value
        elif f.null:
            value = None
        elif isinstance(f, models.DateTimeField):
            value = now
        elif isinstance(f, models.CharField | models.TextField):
            value = ""
        else:
            raise RuntimeError(f"no value for {model.__name__}.{f.attname}")
        extra.append((f.attname, value))
    columns = given + [name for name, _v in extra]
    tail = tuple(v for _n, v in extra)
    sql = (
        f"INSERT INTO {model._meta.db_table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"
    )
    table = model._meta.db_table
    # load without the secondary indexes and build them afterwards: much faster than random inserts
    indexes = cur.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? AND sql IS NOT NULL",
        [table],
    ).fetchall()
    for name, _sql in indexes:
        cur.execute(f'DROP INDEX "{name}"')
    total = 0
    cur.execute("BEGIN")  # one transaction per table: the connection is in autocommit mode
    for batch in batched(rows):
        cur.executemany(sql, [row + tail for row in batch])
        total += len(batch)
    cur.execute("COMMIT")
    for _name, index_sql in indexes:
        cur.execute(index_sql)
    return total


def generate(args: argparse.Namespace, today: dt.date) -> None:
    from django.core.management import call_command
    from django.db import connection

    from kedang.accounts.roles import Role
    from kedang.agenda.models import ServiceEvent
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
    raw.execute("PRAGMA cache_size=-1000000")
    raw.execute("PRAGMA foreign_keys=OFF")
    cur = raw.cursor()
    now = dt.datetime.now(dt.UTC).isoformat(sep=" ")
    five_years = 5 * 365

    def customers() -> Iterator[tuple[Any, ...]]:
        for n in range(1, args.customers + 1):
            tier = "VIP" if rng.random() < 0.03 else rng.choice(("A", "B", "B", "C", ""))
            phone = f"13{rng.randint(0, 999_999_999):09d}"
            yield (f"KDB-{n:08d}", "person", f"客户{n}", phone, phone, rng.choice(owners), tier, now, now)

    n_c = insert(
        cur,
        Customer,
        ["archive_no", "kind", "name", "phone", "phone_norm", "owner_id", "tier", "created_at", "updated_at"],
        customers(),
    )
    print(f"  customers  {n_c:>10,}  ({time.monotonic() - t0:.0f} s)", flush=True)

    delivered: list[tuple[int, int, str]] = []  # (vehicle, customer, delivery date) with a delivery event

    def vehicles() -> Iterator[tuple[Any, ...]]:
        for n in range(1, args.vehicles + 1):
            customer = rng.randint(1, args.customers)
            delivery = today - dt.timedelta(days=rng.randint(1, five_years))
            invoice = delivery - dt.timedelta(days=rng.choice((0, 0, 1, 2, 3, 5)))
            if rng.random() < 0.9:
                delivered.append((n, customer, delivery.isoformat()))
            yield (
                customer,
                f"LBENCH{n:011d}",
                delivery.isoformat(),
                invoice.isoformat(),
                int(rng.random() < 0.1),
                now,
                now,
            )

    n_v = insert(
        cur,
        Vehicle,
        [
            "customer_id",
            "vin",
            "delivery_date",
            "invoice_date",
            "via_secondary_dealer",
            "created_at",
            "updated_at",
        ],
        vehicles(),
    )
    print(f"  vehicles   {n_v:>10,}  ({time.monotonic() - t0:.0f} s)", flush=True)

    def events() -> Iterator[tuple[Any, ...]]:
        for vehicle, customer, day in delivered[: args.events]:
            yield (customer, vehicle, "delivery", day, None, 0, "manual", now)
        for _ in range(max(args.events - len(delivered), 0)):
            kind = rng.choices(("repair", "maintenance", "installation", "service"), weights=(45, 40, 5, 10))[
                0
            ]
            vehicle = rng.randint(1, args.vehicles) if kind != "service" else None
            customer = rng.randint(1, args.customers)
            day = (today - dt.timedelta(days=rng.randint(1, five_years))).isoformat()
            amount = f"{rng.randint(200, 40000)}.00" if kind in ("repair", "maintenance") else None
            accident = int(kind == "repair" and rng.random() < 0.03)
            yield (customer, vehicle, kind, day, amount, accident, "import", now)

    n_e = insert(
        cur,
        ServiceEvent,
        ["customer_id", "vehicle_id", "kind", "date", "amount", "accident", "source", "created_at"],
        events(),
    )
    raw.execute("PRAGMA foreign_keys=ON")
    raw.execute("ANALYZE")
    print(f"  events     {n_e:>10,}  ({time.monotonic() - t0:.0f} s)", flush=True)


def history(args: argparse.Namespace, today: dt.date) -> None:
    """The job's past: tasks of the last days created by the job itself, most of them since closed."""
    from django.db import connection

    from kedang.agenda.daily import daily_run
    from kedang.agenda.models import Task

    t0 = time.monotonic()
    yesterday = today - dt.timedelta(days=1)
    result = daily_run(yesterday, start=yesterday - dt.timedelta(days=args.history_days - 1))
    cutoff = (today - dt.timedelta(days=3)).isoformat()
    with connection.cursor() as cur:
        cur.execute(
            f"""UPDATE {Task._meta.db_table}
                SET status = CASE WHEN id % 20 = 0 THEN 'unreachable' WHEN id % 20 = 1 THEN 'expired' ELSE 'done' END,
                    closed_on = due_date, attempts = 1
                WHERE due_date < %s AND id % 10 != 9""",
            [cutoff],
        )
        cur.execute("ANALYZE")
    print(
        f"  history    {result.created_total:>10,} tasks over {args.history_days} days "
        f"({time.monotonic() - t0:.0f} s)",
        flush=True,
    )


def measure(today: dt.date) -> None:
    from django.db.models import Count

    from kedang.agenda.daily import daily_run
    from kedang.agenda.models import ServiceEvent, Task
    from kedang.customers.models import Customer, Vehicle

    print(
        f"\ndata: {Customer.objects.count():,} customers, {Vehicle.objects.count():,} vehicles, "
        f"{ServiceEvent.objects.count():,} events, {Task.objects.count():,} tasks"
    )
    first = daily_run(today)
    second = daily_run(today)
    print(f"\nrun_daily {today:%Y-%m-%d} (SQLite)")
    print(f"  first run:  {first.seconds:7.2f} s   (target ≤ {TARGET_FIRST:.0f} s)")
    print(f"  second run: {second.seconds:7.2f} s   (target ≤ {TARGET_SECOND:.0f} s)")
    print(
        f"  delivery events made from vehicles: {first.events_from_vehicles:,} (second run: {second.events_from_vehicles})"
    )
    print(f"  windows closed: {first.expired:,}   escalated: {first.escalated:,}")
    print("  tasks created by rule (first run / second run):")
    for code, n in first.created.items():
        print(f"    {code:<10} {n:>8,} / {second.created.get(code, 0)}")
    print(f"    {'total':<10} {first.created_total:>8,} / {second.created_total}")
    due_today = dict(
        Task.objects.filter(due_date=today).values_list("rule__code").annotate(n=Count("id")).order_by()
    )
    print(f"  tasks due {today:%Y-%m-%d} by rule: {due_today}")
    ok = first.seconds <= TARGET_FIRST and second.seconds <= TARGET_SECOND and second.created_total == 0
    print("\n" + ("OK: within targets" if ok else "NOT within targets"))


def main() -> None:
    args = parse_args()
    today = dt.date.fromisoformat(args.date) if args.date else dt.date.today()
    if args.reuse:
        var = Path(args.reuse)
        setup_django(var)
        from kedang.agenda.models import DailyRun

        if not DailyRun.objects.exists():  # generated, but the history run did not finish
            history(args, today)
        measure(today)
        return
    var = Path(args.var) if args.var else Path(tempfile.mkdtemp(prefix="kd-bench-daily-"))
    var.mkdir(parents=True, exist_ok=True)
    print(f"database: {var / 'kedang.sqlite3'}")
    setup_django(var)
    t0 = time.monotonic()
    print(f"generating {args.customers:,} customers, {args.vehicles:,} vehicles, {args.events:,} events …")
    generate(args, today)
    history(args, today)
    print(f"  setup {time.monotonic() - t0:.0f} s")
    try:
        measure(today)
    finally:
        if not args.keep and not args.var:
            shutil.rmtree(var, ignore_errors=True)
        else:
            print(f"kept: {var}  (measure again: bench/run_daily.py --reuse {var})")


if __name__ == "__main__":
    main()
