"""Page benchmark (issue #20 item 1): every menu page, list, deep page, the home page and the hand-over
report, per role, at N customers.

    .venv/bin/python bench/pages.py --customers 100000 --keep --var /tmp/kedang-pages-100k
    .venv/bin/python bench/pages.py --customers 100000 --reuse --var /tmp/kedang-pages-100k

It builds the archive with bench/search.py's data builder (demo.py's generators, bulk-inserted:
about 1.6 vehicles per customer), adds a year of activity in bulk — a follow-up task for one customer in
three, a timeline record for every customer, a care message for one in five, a complaint for one in
fifty — then requests each page through the Django test client (the whole stack but the socket:
middleware, views, templates, the SQL) as the general manager, a customer-service agent, an account
manager and the auditor, --repeat times after one warm-up, and prints p50/p95 per page.

--code DIR measures another source tree (e.g. the old main at /work/main) against the same database:
give it a copy (--reuse on a copy: the pages write access-log rows), and --drop-new-indexes to remove
the indexes of issue #20 from that copy first, so that the old code runs as it would on its own schema.
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib.util
import os
import random
import shlex
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NEW_INDEXES = (
    "customer_created_keyset",
    "customer_filing_pending",
    "record_created_keyset",
    "customers_v_deliver_df0476_idx",
    "agenda_task_status_a82846_idx",
)
ROLES = {"general_manager": "gm", "cs_agent": "cs1", "account_manager": "am1", "auditor": "audit"}


def load_search_bench():
    spec = importlib.util.spec_from_file_location("bench_search", ROOT / "bench" / "search.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--customers", type=int, default=100_000)
    p.add_argument("--repeat", type=int, default=7, help="timed requests per page (default 7)")
    p.add_argument("--seed", type=int, default=2026)
    p.add_argument("--keep", action="store_true")
    p.add_argument("--var", help="directory of the SQLite database (default: a new one under /tmp)")
    p.add_argument("--reuse", action="store_true", help="measure the database in --var again")
    p.add_argument("--code", help="source tree to measure (default: this one)")
    p.add_argument("--drop-new-indexes", action="store_true", help="drop the indexes of issue #20 first")
    p.add_argument("--only", default="", help="comma-separated page names to measure")
    args = p.parse_args()
    args.db = "sqlite"
    if args.reuse and not args.var:
        p.error("--reuse needs --var DIR")
    return args


def reproduce(args: argparse.Namespace) -> str:
    parts = [".venv/bin/python", "bench/pages.py", "--customers", str(args.customers)]
    parts += ["--repeat", str(args.repeat), "--seed", str(args.seed)]
    if args.var:
        parts += ["--var", args.var]
    if args.reuse:
        parts.append("--reuse")
    if args.code:
        parts += ["--code", args.code]
    if args.drop_new_indexes:
        parts.append("--drop-new-indexes")
    return " ".join(shlex.quote(p) for p in parts)


# ---------------------------------------------------------------- activity


def add_activity(seed: int) -> dict[str, int]:
    """A year of activity on the customers already there, bulk-inserted (not the per-row services)."""
    from django.db import transaction
    from django.utils import timezone

    from kedang.accounts.models import User
    from kedang.agenda.models import Rule, Task, TaskStatus
    from kedang.care.models import Message
    from kedang.complaints.models import Complaint, State
    from kedang.customers.models import Customer, Record, RecordKind

    rng = random.Random(seed + 7)
    today = timezone.localdate()
    rules = list(Rule.objects.all())
    agents = list(User.objects.filter(username__in=["cs1", "cs2", "svc"]))
    gm = User.objects.get(username="gm")
    ids = list(Customer.objects.order_by("id").values_list("id", "owner_id"))
    tasks, records, messages, complaints = [], [], [], []
    made = {"tasks": 0, "records": 0, "messages": 0, "complaints": 0}

    def flush(force: bool = False) -> None:
        for rows, model, key in (
            (tasks, Task, "tasks"),
            (records, Record, "records"),
            (messages, Message, "messages"),
            (complaints, Complaint, "complaints"),
        ):
            if rows and (force or len(rows) >= 20_000):
                model.objects.bulk_create(rows, batch_size=2000)
                made[key] += len(rows)
                rows.clear()

    with transaction.atomic():
        for n, (cid, owner_id) in enumerate(ids):
            day = today - dt.timedelta(days=rng.randint(-60, 365))
            if n % 3 == 0:
                done = day < today and rng.random() < 0.8
                tasks.append(
                    Task(
                        rule=rng.choice(rules),
                        customer_id=cid,
                        anchor_date=day,
                        due_date=day,
                        next_attempt_on=day,
                        assignee=rng.choice(agents),
                        status=TaskStatus.DONE if done else TaskStatus.OPEN,
                        closed_on=day if done else None,
                    )
                )
            records.append(
                Record(
                    customer_id=cid,
                    kind=RecordKind.NOTE,
                    title=f"回访记录 {n}",
                    occurred_on=day,
                    created_by_id=owner_id,
                )
            )
            if n % 5 == 0:
                messages.append(
                    Message(customer_id=cid, channel="sms", recipient="13800000000", body=f"生日快乐 {n}")
                )
            if n % 50 == 0:
                closed = rng.random() < 0.7
                complaints.append(
                    Complaint(
                        number=f"TS-BENCH-{n}",
                        customer_id=cid,
                        channel="phone",
                        summary=f"投诉 {n}",
                        received_on=day,
                        created_by=gm,
                        state=State.CLOSED if closed else State.RECEIVED,
                        stage_since=day,
                        due_on=None if closed else day + dt.timedelta(days=2),
                    )
                )
            flush()
        flush(force=True)
    return made


# ---------------------------------------------------------------- pages


def pages(deep_cursor: str | None, deep_page: int) -> list[tuple[str, str, list[str]]]:
    """(name, url, roles)."""
    from django.urls import reverse

    everyone = list(ROLES)
    lists = ["general_manager", "cs_agent", "account_manager"]
    out = [
        ("home", reverse("home"), everyone),
        ("customers", reverse("customer_list"), everyone),
        ("customers p2", reverse("customer_list") + "?page=2", lists),
        ("customers tier A", reverse("customer_list") + "?tier=A", lists),
        (
            f"customers ?page={deep_page}",
            reverse("customer_list") + f"?page={deep_page}",
            ["general_manager"],
        ),
        ("tasks", reverse("task_list"), lists),
        ("tasks all", reverse("task_list") + "?status=", ["general_manager"]),
        ("complaints", reverse("complaint_list"), lists),
        ("care tasks", reverse("care_tasks"), lists),
        ("care outbox", reverse("care_outbox"), ["general_manager"]),
        ("governance", reverse("governance"), ["general_manager"]),
        ("hand-over", reverse("handover"), ["general_manager", "account_manager"]),
        ("access log", reverse("access_log"), ["auditor"]),
        ("api customers", "/api/v1/customers", lists),
        (
            f"api customers ?page={deep_page // 2}",
            f"/api/v1/customers?page={deep_page // 2}",
            ["general_manager"],
        ),
        ("api tasks", "/api/v1/tasks", lists),
        ("api complaints", "/api/v1/complaints", ["general_manager"]),
        ("api messages", "/api/v1/messages", ["general_manager"]),
    ]
    if deep_cursor:
        out.insert(
            5,
            (
                "customers deep cursor",
                reverse("customer_list") + f"?cursor={deep_cursor}",
                ["general_manager"],
            ),
        )
        out.append(
            ("api customers deep cursor", f"/api/v1/customers?cursor={deep_cursor}", ["general_manager"])
        )
    return out


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered) + 0.5) - 1))]


def measure(args: argparse.Namespace) -> None:
    from django.db import connection
    from django.test import Client

    from kedang.accounts.models import User
    from kedang.accounts.services import token_issue
    from kedang.customers.demo import DEMO_PASSWORD
    from kedang.customers.models import Customer

    n = Customer.objects.count()
    middle = Customer.objects.order_by("-created_at", "-id").values_list("created_at", "id")[n // 2]
    try:
        from kedang.web.paging import encode_cursor

        deep_cursor: str | None = encode_cursor("n", list(middle))
    except ImportError:  # the old code: no cursor
        deep_cursor = None
    deep_page = max(2, n // 2 // 20)
    only = {s.strip() for s in args.only.split(",") if s.strip()}
    clients: dict[str, Client] = {}
    tokens: dict[str, str] = {}
    for role, username in ROLES.items():
        c = Client()
        c.force_login(User.objects.get(username=username))
        clients[role] = c
        tokens[role] = token_issue(username=username, password=DEMO_PASSWORD) or ""
    connection.close()
    print(f"\n{'page':<32} {'role':<16} {'p50 ms':>9} {'p95 ms':>9}  status")
    rows = []
    for name, url, roles in pages(deep_cursor, deep_page):
        if only and name not in only:
            continue
        for role in roles:
            client = clients[role]
            headers = {"Authorization": f"Bearer {tokens[role]}"} if url.startswith("/api/") else {}
            status = client.get(url, headers=headers).status_code  # warm-up
            times = []
            for _ in range(args.repeat):
                t = time.perf_counter()
                status = client.get(url, headers=headers).status_code
                times.append((time.perf_counter() - t) * 1000)
            p50, p95 = statistics.median(times), pct(times, 95)
            rows.append((name, role, p50, p95))
            print(f"{name:<32} {role:<16} {p50:>9.1f} {p95:>9.1f}  {status}", flush=True)
    worst = max(rows, key=lambda r: r[3]) if rows else None
    if worst:
        print(
            f"\nslowest p95: {worst[0]} as {worst[1]}: {worst[3]:.0f} ms (target of issue #20: 300 ms at 1M)"
        )


def main() -> None:
    args = parse_args()
    search = load_search_bench()
    cleanup = search.prepare_database(args)
    code = Path(args.code).resolve() if args.code else ROOT
    sys.path.insert(0, str(code))
    os.chdir(code)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kedang.settings")
    import django

    django.setup()
    from django.conf import settings

    settings.ALLOWED_HOSTS = ["*"]
    # DEBUG off (as in production), but without a collectstatic run: the plain storage, as the tests do
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    try:
        run(args, search, code)
    finally:
        cleanup()
    print(f"\nreproduce: {reproduce(args)}")


def run(args: argparse.Namespace, search, code: Path) -> None:
    import sqlite3

    from kedang.customers import demo

    if not hasattr(demo, "_Seen"):  # bench/search.py predates the rename of demo._Seen
        demo._Seen = demo.UniqueValues  # type: ignore[attr-defined]

    from django.core.management import call_command
    from django.db import connection

    from kedang.customers.models import Customer, Vehicle

    print(f"reproduce: {reproduce(args)}")
    print(
        f"code: {code}; machine: {os.cpu_count()} cores, Python {sys.version.split()[0]}, SQLite {sqlite3.sqlite_version}"
    )
    if args.drop_new_indexes:
        with connection.cursor() as cur:
            for name in NEW_INDEXES:
                cur.execute(f'DROP INDEX IF EXISTS "{name}"')
        print(f"dropped the indexes of issue #20: {', '.join(NEW_INDEXES)}")
    else:
        call_command("migrate", verbosity=0, interactive=False)
    existing = Customer.objects.count()
    if not existing:
        print(f"generating {args.customers:,} customers …")
        t0 = time.perf_counter()
        search.populate(args.customers, args.seed)
        search.bulk_load_settings()
        made = add_activity(args.seed)
        print(f"generated in {time.perf_counter() - t0:.0f} s: {made}")
        with connection.cursor() as cur:
            cur.execute("ANALYZE")
    connection.close()
    print(f"archive: {Customer.objects.count():,} customers, {Vehicle.objects.count():,} vehicles")
    measure(args)


if __name__ == "__main__":
    main()
