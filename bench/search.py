"""Search benchmark (issue 3, README "Performance"): a million customers, every query kind.

    .venv/bin/python bench/search.py --customers 1000000                       # SQLite under /tmp
    DATABASE_URL=postgres://postgres@127.0.0.1:55433/kedang_bench \\
        .venv/bin/python bench/search.py --customers 1000000 --db postgres

It builds its own database (SQLite: a file in a new directory under /tmp, or --var DIR;
PostgreSQL: the database DATABASE_URL names, created afresh — its name must contain "bench"),
migrates, generates N customers (about 1.6 vehicles each) from the generators of
kedang/customers/demo.py, written with bulk_create (not the per-row services), builds the index
with kedang.search.index.rebuild, and prints how long that took. Then, for each query kind, it
draws --queries random queries from the data and times:

  (a) the service, kedang.search.selectors.search_customers(user, q), as a customer-service agent
      (sees every customer) and as an account manager (sees her own);
  (b) GET /api/v1/search?q= through gunicorn (2 workers on 127.0.0.1, bearer token);
  (c) a naive icontains OR-query over the same fields, on --naive queries per kind,

and prints median and p95 per kind, the naive/indexed ratio at p95, and the targets of issue 3.
The database is removed at the end unless --keep; --reuse DIR (SQLite) or --reuse (PostgreSQL)
measures an existing one again without regenerating it.
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import json
import math
import os
import random
import shlex
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from itertools import islice
from pathlib import Path
from urllib.parse import quote, urlparse

ROOT = Path(__file__).resolve().parent.parent
KINDS = (
    "phone",
    "plate",
    "vin_suffix",
    "id_suffix",
    "name_2char",
    "name_fragment",
    "pinyin_initials",
    "pinyin_full",
    "address",
    "mixed",
)
KIND_HELP = {
    "phone": "exact phone, as typed (138 1234 5678, +86…, 0755-8612…)",
    "plate": "exact plate in a common spelling (京A·12345, 京a 12345)",
    "vin_suffix": "last 6–8 characters of a VIN",
    "id_suffix": "last 4–6 characters of an ID number",
    "name_2char": "a 2-character person name (王芳)",
    "name_fragment": "3–4 consecutive characters of a name (张建国, 华为科技)",
    "pinyin_initials": "pinyin initials of a person name (zjg)",
    "pinyin_full": "full pinyin of a person name, or its prefix (zhangjianguo, zhangj)",
    "address": "4–7 consecutive characters of an address (建设路128号)",
    "mixed": "a random draw of all the kinds above",
}
TARGETS = {"sqlite": {"service": 10.0, "http": 30.0, "ratio": 50.0}, "postgresql": {"service": 15.0}}
AM_COUNT = 6  # owners: the customers are spread over this many account managers


# ---------------------------------------------------------------- command line and database


def parse_args() -> argparse.Namespace:
    env_url = os.environ.get("DATABASE_URL", "")
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--customers", type=int, default=1_000_000)
    p.add_argument(
        "--db",
        choices=("sqlite", "postgres"),
        default="postgres" if env_url.startswith("postgres") else "sqlite",
        help="postgres uses DATABASE_URL (default: sqlite, unless DATABASE_URL is postgres://)",
    )
    p.add_argument("--queries", type=int, default=300, help="random queries per kind (default 300)")
    p.add_argument("--naive", type=int, default=20, help="naive queries per kind (slow; default 20, 0: skip)")
    p.add_argument("--seed", type=int, default=2026)
    p.add_argument("--keep", action="store_true", help="keep the database afterwards")
    p.add_argument("--var", help="SQLite: directory of the database (default: a new one under /tmp)")
    p.add_argument(
        "--reuse", action="store_true", help="measure an existing database (--var or DATABASE_URL)"
    )
    p.add_argument("--reindex", action="store_true", help="with --reuse: rebuild the search index first")
    p.add_argument("--no-http", action="store_true", help="skip the HTTP measurement")
    args = p.parse_args()
    if args.reuse and args.db == "sqlite" and not args.var:
        p.error("--reuse needs --var DIR on SQLite")
    if args.db == "postgres" and not env_url.startswith("postgres"):
        p.error(
            "--db postgres needs DATABASE_URL=postgres://…/NAME (NAME containing 'bench'), e.g. "
            "postgres://postgres@127.0.0.1:55433/kedang_bench"
        )
    return args


def reproduce(args: argparse.Namespace) -> str:
    parts = [".venv/bin/python", "bench/search.py", "--customers", str(args.customers)]
    parts += ["--db", args.db, "--queries", str(args.queries), "--naive", str(args.naive)]
    parts += ["--seed", str(args.seed)]
    cmd = " ".join(shlex.quote(p) for p in parts)
    if args.db == "postgres":
        cmd = f"DATABASE_URL={shlex.quote(os.environ['DATABASE_URL'])} {cmd}"
    return cmd


def prepare_database(args: argparse.Namespace) -> Callable[[], None]:
    """Point the settings at the bench database (before Django starts); returns the cleanup."""
    if args.db == "sqlite":
        made = not args.var
        var = Path(args.var) if args.var else Path(tempfile.mkdtemp(prefix="kedang-bench-", dir="/tmp"))
        var.mkdir(parents=True, exist_ok=True)
        db = var / "bench.sqlite3"
        if db.exists() and not args.reuse:
            sys.exit(f"{db} exists: pass --reuse to measure it again, or remove it")
        os.environ["KEDANG_VAR_DIR"] = str(var)
        os.environ["DATABASE_URL"] = f"sqlite:///{db}"
        print(f"database: {db}")

        def cleanup() -> None:
            if args.keep:
                print(f"kept: {db}  (measure again: --reuse --var {var})")
            elif made:
                shutil.rmtree(var, ignore_errors=True)
            else:
                for suffix in ("", "-wal", "-shm"):
                    Path(f"{db}{suffix}").unlink(missing_ok=True)

        return cleanup

    import psycopg

    url = urlparse(os.environ["DATABASE_URL"])
    name = url.path.lstrip("/")
    if "bench" not in name:
        sys.exit(f"refusing to recreate database {name!r}: its name must contain 'bench'")
    admin = url._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if exists and not args.reuse:
            conn.execute(f'DROP DATABASE "{name}"')
            exists = None
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')
    var = Path(tempfile.mkdtemp(prefix="kedang-bench-", dir="/tmp"))
    os.environ["KEDANG_VAR_DIR"] = str(var)  # secret key, huey file
    print(f"database: {url._replace(netloc=f'{url.hostname}:{url.port or 5432}').geturl()}")  # no password

    def cleanup() -> None:
        shutil.rmtree(var, ignore_errors=True)
        if args.keep:
            print(f"kept: database {name} (measure again: --reuse)")
            return
        from django.db import connections

        connections.close_all()
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')

    return cleanup


# ---------------------------------------------------------------- generating the archive


class _Namesakes(set):
    """demo.py keeps company names unique; at a million customers they repeat, as in real archives."""

    def __contains__(self, item: object) -> bool:
        return False

    def add(self, item: object) -> None:
        pass


def batched(it: Iterable, n: int) -> Iterator[list]:
    it = iter(it)
    while chunk := list(islice(it, n)):
        yield chunk


def ensure_users() -> dict[str, object]:
    from kedang.accounts.roles import Role
    from kedang.accounts.services import user_upsert
    from kedang.customers import demo

    users = {u.username: u for u in demo.demo_users_ensure()}
    for i in range(4, AM_COUNT + 1):
        user, _ = user_upsert(
            username=f"am{i}",
            role=Role.ACCOUNT_MANAGER,
            password=demo.DEMO_PASSWORD,
            department="销售二部",
            display_name=f"客户经理{i}",
            check_password=False,
        )
        users[user.username] = user
    return users


GENERATORS = 2  # child processes running demo.py's generators, beside the inserting parent
COMMIT_EVERY = 100_000  # customers


def _columns(model: type, skip: tuple[str, ...]) -> list:
    return [f for f in model._meta.concrete_fields if f.attname not in skip]


def generate(out, n: int, seed: int, owner_ids: dict[str, int]) -> None:
    """In a child process: n customers from demo.py's generators (what seed_demo makes), put on
    the queue `out` in chunks, each customer as (kind letter, year, customer row, vehicle rows),
    the rows' values already prepared for the database by the model fields (get_db_prep_save,
    as bulk_create would); the parent fills in ids and archive numbers. Then None."""
    from django.db import connection
    from django.utils import timezone

    from kedang.customers import demo
    from kedang.customers.models import Customer, CustomerKind, Vehicle
    from kedang.customers.validators import normalize_phone

    customer_fields = _columns(Customer, ("id", "archive_no"))
    vehicle_fields = _columns(Vehicle, ("id", "customer_id"))
    defaults = {f.attname: f.get_default() for f in customer_fields + vehicle_fields}
    today = timezone.localdate()
    now = timezone.now()
    tz = timezone.get_current_timezone()
    rng = random.Random(seed + 1)
    seen = demo.UniqueValues(names=_Namesakes())
    specs = demo.demo_customers(n, seed=seed, today=today, owners=list(owner_ids), seen=seen)
    for chunk in batched(specs, 2000):
        rows = []
        for spec in chunk:
            values = dict(spec.fields)
            values.pop("tags", None)
            since: dt.date = values["since"]
            created = dt.datetime.combine(since, dt.time(9), tz) + dt.timedelta(seconds=rng.randint(0, 32400))
            values.update(
                phone_norm=normalize_phone(values["phone"]) if values.get("phone") else "",
                phone2_norm=normalize_phone(values["phone2"]) if values.get("phone2") else "",
                owner_id=owner_ids[spec.owner],
                created_by_id=owner_ids[spec.owner],
                created_at=created,
                # recent activity: skewed towards now
                updated_at=created + (now - created) * rng.random() ** 2 if created < now else created,
            )
            customer = tuple(
                f.get_db_prep_save(values.get(f.attname, defaults[f.attname]), connection)
                for f in customer_fields
            )
            vehicles = []
            for dv in spec.vehicles:
                at = dt.datetime.combine(dv.fields["delivery_date"], dt.time(10), tz)
                v = {**dv.fields, "created_at": at, "updated_at": at}
                vehicles.append(
                    tuple(
                        f.get_db_prep_save(v.get(f.attname, defaults[f.attname]), connection)
                        for f in vehicle_fields
                    )
                )
            kind = "C" if values["kind"] == CustomerKind.COMPANY else "P"
            rows.append((kind, since.year, customer, vehicles))
        out.put(rows)
    out.put(None)


def insert_rows(model: type, columns: list[str], rows: list[tuple]) -> None:
    """Plain multi-row insert: executemany on SQLite, COPY on PostgreSQL."""
    from django.db import connection

    qn = connection.ops.quote_name
    table, names = qn(model._meta.db_table), ", ".join(qn(c) for c in columns)
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            with cur.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            cur.executemany(
                f"INSERT INTO {table} ({names}) VALUES ({', '.join('%s' for _ in columns)})", rows
            )


def bulk_load_settings() -> None:
    """SQLite, for this connection (the load and the index build; measuring uses new connections):
    a 2 GB page cache, index sorts in memory, no fsync (a crash loses only the bench database)."""
    from django.db import connection

    if connection.vendor == "sqlite":
        with connection.cursor() as cur:
            cur.execute("PRAGMA cache_size = -2000000")
            cur.execute("PRAGMA temp_store = MEMORY")
            cur.execute("PRAGMA synchronous = OFF")


def populate(n: int, seed: int) -> tuple[int, int]:
    """n customers with their vehicles, bulk-inserted; returns (customers, vehicles).

    GENERATORS child processes run demo.py's generators (they are the slow part) on their share;
    the parent takes their chunks in turn, gives the customers ids and archive numbers (one
    sequence per kind and year, as archive_no_next would), keeps VINs and plates unique across
    the children, and inserts. Not the per-row services: no history rows, no timeline records."""
    import multiprocessing

    from django.conf import settings
    from django.core.management.color import no_style
    from django.db import connection, transaction

    from kedang.customers import demo
    from kedang.customers.models import ArchiveSequence, Customer, Vehicle

    users = ensure_users()
    owner_ids = {f"am{i}": users[f"am{i}"].pk for i in range(1, AM_COUNT + 1)}
    pattern: str = settings.KEDANG_ARCHIVE_NO_PATTERN
    customer_columns = ["id", "archive_no"] + [f.column for f in _columns(Customer, ("id", "archive_no"))]
    vehicle_fields = _columns(Vehicle, ("id", "customer_id"))
    vehicle_columns = ["customer_id"] + [f.column for f in vehicle_fields]
    vin_at = [f.attname for f in vehicle_fields].index("vin")
    plate_at = [f.attname for f in vehicle_fields].index("plate")

    connection.close()  # the children must not share the parent's connection
    ctx = multiprocessing.get_context("fork")
    shares = [n // GENERATORS + (1 if k < n % GENERATORS else 0) for k in range(GENERATORS)]
    queues = [ctx.Queue(maxsize=6) for _ in shares]
    children = [
        ctx.Process(target=generate, args=(queue, share, seed + 1000 * k, owner_ids), daemon=True)
        for k, (queue, share) in enumerate(zip(queues, shares, strict=True))
    ]
    for child in children:
        child.start()
    bulk_load_settings()
    rng = random.Random(seed + 2)
    vins: set[str] = set()
    plates: set[str] = set()
    sequences: Counter[tuple[str, int]] = Counter()
    next_id = 1
    n_customers = n_vehicles = 0
    started = time.perf_counter()
    waited = inserting = 0.0
    live = list(queues)
    # few, large transactions: a commit writes every page it touched to the WAL, and random
    # inserts into the customers' indexes touch most of their pages
    transaction.set_autocommit(False)
    while live:
        for queue in list(live):
            t = time.perf_counter()
            rows = queue.get()
            waited += time.perf_counter() - t
            if rows is None:
                live.remove(queue)
                continue
            customers, vehicles = [], []
            for kind, year, customer, vrows in rows:
                sequences[(kind, year)] += 1
                customers.append(
                    (next_id, pattern.format(kind=kind, year=year, seq=sequences[(kind, year)]), *customer)
                )
                for vrow in vrows:
                    v = list(vrow)
                    while v[vin_at] in vins:  # another child made the same one
                        v[vin_at] = demo.valid_vin(rng, wmi=v[vin_at][:3])
                    while v[plate_at] and v[plate_at] in plates:
                        p = v[plate_at]
                        v[plate_at] = demo.plate(rng, p[0], letter=p[1], new_energy=len(p) == 8)
                    vins.add(v[vin_at])
                    plates.add(v[plate_at])
                    vehicles.append((next_id, *v))
                next_id += 1
            t = time.perf_counter()
            insert_rows(Customer, customer_columns, customers)
            insert_rows(Vehicle, vehicle_columns, vehicles)
            if (n_customers + len(customers)) // COMMIT_EVERY > n_customers // COMMIT_EVERY:
                transaction.commit()
            inserting += time.perf_counter() - t
            previous = n_customers
            n_customers += len(customers)
            n_vehicles += len(vehicles)
            if n_customers // 100_000 > previous // 100_000 or n_customers == n:
                rate = n_customers / (time.perf_counter() - started)
                print(
                    f"  {n_customers:>9,} customers, {n_vehicles:>9,} vehicles  ({rate:,.0f} customers/s;"
                    f" waited {waited:.0f} s for the generators, inserted {inserting:.0f} s)",
                    flush=True,
                )
    transaction.commit()
    transaction.set_autocommit(True)
    for child in children:
        child.join()
    with connection.cursor() as cur:  # PostgreSQL: the id sequences continue after the ids given
        for sql in connection.ops.sequence_reset_sql(no_style(), [Customer, Vehicle]):
            cur.execute(sql)
    for (kind, year), last in sequences.items():
        key = pattern.split("{seq")[0].format(kind=kind, year=year)
        ArchiveSequence.objects.update_or_create(key=key, defaults={"last": last})
    return n_customers, n_vehicles


# ---------------------------------------------------------------- queries drawn from the data


def draw_queries(per_kind: int, seed: int) -> dict[str, list[tuple[str, int]]]:
    """per_kind (query, the customer it was drawn from) for each kind."""
    from django.db.models import Max

    from kedang.customers.models import Customer, CustomerKind
    from kedang.search.pinyin import pinyin_keys

    rng = random.Random(seed + 2)
    top = Customer.objects.aggregate(m=Max("pk"))["m"] or 0
    pool: list = []

    def customers() -> Iterator:
        while True:
            if not pool:
                ids = [rng.randint(1, top) for _ in range(5000)]
                pool.extend(
                    Customer.objects.filter(pk__in=ids, deleted_at__isnull=True).prefetch_related("vehicles")
                )
                rng.shuffle(pool)
            yield pool.pop()

    def spell_phone(p: str) -> str:
        if len(p) == 11 and p.startswith("1"):
            return rng.choice((p, f"{p[:3]} {p[3:7]} {p[7:]}", f"+86 {p}", f"{p[:3]}-{p[3:7]}-{p[7:]}"))
        return p  # landlines as entered: 0755-86123456

    def spell_plate(p: str) -> str:
        return rng.choice((p, f"{p[:2]}·{p[2:]}", p.lower(), f"{p[:2]} {p[2:]}"))

    def substring(text: str, lo: int, hi: int) -> str:
        n = min(len(text), rng.randint(lo, hi))
        i = rng.randint(0, len(text) - n)
        return text[i : i + n]

    person = CustomerKind.PERSON

    def make(kind: str, c) -> str | None:
        plates = [v.plate for v in c.vehicles.all() if v.plate]
        vins = [v.vin for v in c.vehicles.all()]
        if kind == "phone":
            return spell_phone(c.phone) if c.phone else None
        if kind == "plate":
            return spell_plate(rng.choice(plates)) if plates else None
        if kind == "vin_suffix":
            return rng.choice(vins)[-rng.randint(6, 8) :] if vins else None
        if kind == "id_suffix":
            return c.id_number[-rng.randint(4, 6) :] if c.id_number else None
        if kind == "name_2char":
            return c.name if c.kind == person and len(c.name) == 2 else None
        if kind == "name_fragment":
            return substring(c.name, 3, 4) if len(c.name) >= 3 else None
        if kind == "pinyin_initials":
            return pinyin_keys(c.name)[1][0] if c.kind == person else None
        if kind == "pinyin_full":
            if c.kind != person:
                return None
            full = pinyin_keys(c.name)[0][0]
            return full if rng.random() < 0.5 else full[: rng.randint(min(5, len(full)), len(full))]
        if kind == "address":
            return substring(c.address, 4, 7) if c.address else None
        raise ValueError(kind)

    out: dict[str, list[tuple[str, int]]] = {}
    for kind in KINDS:
        queries: list[tuple[str, int]] = []
        for c in customers():
            k = rng.choice(KINDS[:-1]) if kind == "mixed" else kind
            q = make(k, c)
            if q:
                queries.append((q, c.pk))
            if len(queries) == per_kind:
                break
        out[kind] = queries
    return out


# ---------------------------------------------------------------- measuring


def pct(values: list[float], p: float) -> float:
    """The p-th percentile, nearest rank."""
    s = sorted(values)
    return s[max(0, math.ceil(p / 100 * len(s)) - 1)]


def summary(ms: list[float]) -> tuple[float, float]:
    return statistics.median(ms), pct(ms, 95)


def time_service(user, queries: list[tuple[str, int]]) -> tuple[list[float], int, int]:
    """Milliseconds per query; how many found the customer they were drawn from; rows not visible."""
    from kedang.search.selectors import search_customers

    times, found, leaks = [], 0, 0
    scope_self = user.role == "account_manager"
    for q, cid in queries:
        t = time.perf_counter()
        hits = search_customers(user, q)
        times.append((time.perf_counter() - t) * 1000)
        found += any(h.customer.pk == cid for h in hits)
        if scope_self:
            leaks += sum(h.customer.owner_id != user.pk for h in hits)
    return times, found, leaks


def naive_search(user, q: str) -> list:
    """What search would be without an index: icontains over the same fields, newest first (not the ID
    number: it is encrypted at rest, so no LIKE can look into it)."""
    from django.db.models import Q

    from kedang.archive.visibility import customers_visible_to

    cond = (
        Q(name__icontains=q)
        | Q(address__icontains=q)
        | Q(phone_norm__icontains=q)
        | Q(vehicles__plate__icontains=q)
        | Q(vehicles__vin__icontains=q)
        | Q(archive_no__icontains=q)
    )
    qs = (
        customers_visible_to(user)
        .filter(cond)
        .distinct()
        .select_related("owner")
        .prefetch_related("vehicles")
    )
    return list(qs[:20])


def time_naive(user, queries: list[tuple[str, int]]) -> list[float]:
    times = []
    for q, _ in queries:
        t = time.perf_counter()
        naive_search(user, q)
        times.append((time.perf_counter() - t) * 1000)
    return times


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def gunicorn(workers: int = 2) -> Iterator[int]:
    """The app under gunicorn on 127.0.0.1 (a free port); yields the port, stops it afterwards."""
    port = free_port()
    log = open(Path(os.environ["KEDANG_VAR_DIR"]) / "gunicorn.log", "ab")
    env = dict(os.environ, DEBUG="0", PYTHONPATH=str(ROOT))
    # with DEBUG off the application refuses to start without collectstatic's manifest (deploy/start.sh)
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"], cwd=ROOT, env=env, check=True
    )
    proc = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "kedang.wsgi:application", "--workers", str(workers)]
        + ["--bind", f"127.0.0.1:{port}", "--timeout", "120"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=log,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"gunicorn did not start; see {log.name}") from None
                time.sleep(0.2)
        yield port
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


def request(
    port: int, method: str, path: str, body: dict | None = None, token: str = ""
) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    headers = {"Content-Type": "application/json"} if body is not None else {}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    conn.request(method, path, body=json.dumps(body) if body is not None else None, headers=headers)
    resp = conn.getresponse()
    data = resp.read()
    conn.close()
    return resp.status, data


def token(port: int, username: str) -> str:
    from kedang.customers.demo import DEMO_PASSWORD

    status, data = request(
        port, "POST", "/api/v1/auth/token", {"username": username, "password": DEMO_PASSWORD}
    )
    if status != 200:
        raise RuntimeError(f"token for {username}: {status} {data[:200]!r}")
    return str(json.loads(data)["token"])


def time_http(port: int, bearer: str, queries: list[tuple[str, int]]) -> list[float]:
    times = []
    for q, _ in queries:
        t = time.perf_counter()
        status, data = request(port, "GET", "/api/v1/search?q=" + quote(q), token=bearer)
        times.append((time.perf_counter() - t) * 1000)
        if status != 200:
            raise RuntimeError(f"GET /api/v1/search?q={q}: {status} {data[:200]!r}")
    return times


# ---------------------------------------------------------------- main


def main() -> None:
    args = parse_args()
    cleanup = prepare_database(args)
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kedang.settings")
    import django

    django.setup()
    try:
        run(args)
    finally:
        cleanup()
    print(f"\nreproduce: {reproduce(args)}")


def run(args: argparse.Namespace) -> None:
    from django.core.management import call_command
    from django.db import connection

    from kedang.accounts.models import User
    from kedang.customers.models import Customer, Vehicle
    from kedang.search.index import rebuild
    from kedang.search.models import SearchDoc, SearchKey

    print(f"reproduce: {reproduce(args)}")
    print(f"machine: {os.cpu_count()} cores, Python {sys.version.split()[0]}, {connection.vendor}", end="")
    if connection.vendor == "sqlite":
        import sqlite3

        print(f" {sqlite3.sqlite_version}")
    else:
        with connection.cursor() as cur:
            cur.execute("SHOW server_version")
            print(f" {cur.fetchone()[0]}")
    call_command("migrate", verbosity=0, interactive=False)
    existing = Customer.objects.count()
    if args.reuse and existing:
        print(f"reusing {existing:,} customers")
        if existing != args.customers:
            print(f"  (note: --customers {args.customers:,} asked; measuring the {existing:,} there)")
    if not (args.reuse and existing):
        if existing:
            sys.exit("the database already has customers")
        print(f"generating {args.customers:,} customers …")
        t0 = time.perf_counter()
        n_customers, n_vehicles = populate(args.customers, args.seed)
        t_gen = time.perf_counter() - t0
        print(f"generated {n_customers:,} customers and {n_vehicles:,} vehicles in {t_gen:.0f} s")
        t1 = time.perf_counter()
        rebuild(
            progress=lambda done, total: (
                print(f"  indexed {done:,}/{total:,}") if done % 200_000 == 0 else None
            )
        )
        t_index = time.perf_counter() - t1
        print(f"indexed in {t_index:.0f} s; generation + indexing {t_gen + t_index:.0f} s")
    elif args.reindex or not SearchDoc.objects.exists():
        bulk_load_settings()
        t1 = time.perf_counter()
        rebuild()
        print(f"indexed in {time.perf_counter() - t1:.0f} s")
    connection.close()  # measure on a connection with default settings

    n_customers = Customer.objects.count()
    n_vehicles = Vehicle.objects.count()
    n_keys = SearchKey.objects.count()
    print(f"archive: {n_customers:,} customers, {n_vehicles:,} vehicles, {n_keys:,} search keys", end="")
    if connection.vendor == "sqlite":
        size = sum(
            p.stat().st_size for p in Path(connection.settings_dict["NAME"]).parent.glob("bench.sqlite3*")
        )
        print(f", database {size / 2**30:.1f} GiB")
    else:
        with connection.cursor() as cur:
            cur.execute("SELECT pg_database_size(current_database())")
            print(f", database {cur.fetchone()[0] / 2**30:.1f} GiB")

    queries = draw_queries(args.queries, args.seed)
    cs = User.objects.get(username="cs1")
    am = User.objects.get(username="am1")
    print(
        f"\nqueries per kind: {args.queries} (naive: {args.naive}); users cs1 (客服专员, sees all), am1 (客户经理, own)"
    )
    for kind in KINDS:
        print(f"  {kind:<16} {KIND_HELP[kind]}; e.g. {', '.join(q for q, _ in queries[kind][:4])}")

    # every query kind is measured across the whole run, in one shuffled order, so that what
    # else the machine is doing at a moment spreads over all kinds alike
    plan = [(kind, q, cid) for kind in KINDS for q, cid in queries[kind]]
    random.Random(args.seed + 3).shuffle(plan)
    results: dict[str, dict[str, object]] = {kind: {"cs": [], "am": [], "found": 0} for kind in KINDS}
    for _, q, _ in plan[:100]:  # warm up
        time_service(cs, [(q, 0)])
    load_before = os.getloadavg()[0]
    for kind, q, cid in plan:
        (t_cs,), found, _ = time_service(cs, [(q, cid)])
        (t_am,), _, leaks = time_service(am, [(q, cid)])
        if leaks:
            raise AssertionError(f"{kind} {q!r}: am1 was shown {leaks} customers of other owners")
        results[kind]["cs"].append(t_cs)
        results[kind]["am"].append(t_am)
        results[kind]["found"] += found / len(queries[kind])
    if not args.no_http:
        with gunicorn(2) as port:
            bearer_cs, bearer_am = token(port, "cs1"), token(port, "am1")
            for _, q, _ in plan[:40]:  # warm up both workers
                time_http(port, bearer_cs, [(q, 0)])
            for kind in KINDS:
                results[kind]["http_cs"], results[kind]["http_am"] = [], []
            for kind, q, cid in plan:
                results[kind]["http_cs"] += time_http(port, bearer_cs, [(q, cid)])
                results[kind]["http_am"] += time_http(port, bearer_am, [(q, cid)])
    if args.naive:
        print(f"\nnaive icontains, {args.naive} queries per kind …", flush=True)
        for kind in KINDS:
            results[kind]["naive"] = time_naive(cs, queries[kind][: args.naive])
            print(f"  {kind:<16} p95 {pct(results[kind]['naive'], 95):8.0f} ms", flush=True)
    loads = (load_before, os.getloadavg()[0])
    report(args, results, connection.vendor)
    print(
        f"load average (1 min) when measuring began / ended: {loads[0]:.1f} / {loads[1]:.1f}"
        " (2 cores: above ~1 other processes were competing)"
    )


def report(args: argparse.Namespace, results: dict[str, dict[str, object]], vendor: str) -> None:
    targets = TARGETS.get(vendor, {})
    head = [
        "kind",
        "service cs1",
        "service am1",
        "HTTP cs1",
        "HTTP am1",
        "naive p95",
        "naive/indexed",
        "found",
    ]
    rows = []
    missed: list[str] = []
    for kind in KINDS:
        r = results[kind]
        row = [kind]
        for key in ("cs", "am", "http_cs", "http_am"):
            if key in r:
                med, p95 = summary(r[key])
                row.append(f"{med:.1f} / {p95:.1f}")
                limit = targets.get("http" if key.startswith("http") else "service")
                if limit and p95 > limit:
                    missed.append(f"{kind} {key} p95 {p95:.1f} ms > {limit:.0f} ms")
            else:
                row.append("–")
        if "naive" in r:
            naive_p95 = pct(r["naive"], 95)
            ratio = naive_p95 / pct(r["cs"], 95)
            row += [f"{naive_p95:,.0f}", f"{ratio:,.0f}×"]
            if targets.get("ratio") and ratio < targets["ratio"]:
                missed.append(f"{kind} naive/indexed {ratio:.0f}× < {targets['ratio']:.0f}×")
        else:
            row += ["–", "–"]
        row.append(f"{r['found']:.0%}")
        rows.append(row)
    print(
        f"\n{args.customers:,} customers, {vendor}: milliseconds, median / p95 ({args.queries} queries per kind)\n"
    )
    print("| " + " | ".join(head) + " |")
    print("|" + "|".join("---" for _ in head) + "|")
    for row in rows:
        print("| " + " | ".join(row) + " |")
    print(
        "\nfound: share of queries whose source customer is among cs1's 20 results (namesakes and "
        "common fragments have more than 20 matches)."
    )
    if targets:
        t = ", ".join(f"{k} {v:g}" for k, v in targets.items())
        print(f"targets ({t}): " + ("all met" if not missed else "MISSED: " + "; ".join(missed)))


if __name__ == "__main__":
    main()
