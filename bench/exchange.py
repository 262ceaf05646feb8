"""Import and export benchmark (issue 9): a generated .xlsx of N customers (about 1.6 vehicles each,
one row per vehicle) imported with `manage.py import_customers`, then the customer list exported.

    .venv/bin/python bench/exchange.py --customers 60000            # about 100,000 rows, SQLite under /tmp
    .venv/bin/python bench/exchange.py --customers 60000 --copy-of /tmp/kb1m --skip-rerun --skip-export
    .venv/bin/python bench/exchange.py --export-only --var DIR      # the export again, of a kept database

It makes a fresh SQLite database in a new directory under /tmp (or --var DIR; or a copy of the database
of --copy-of DIR, e.g. the 1M-customer one `bench/search.py --keep` leaves), migrates, adds an
administrator, writes the workbook (kedang/exchange/samples.py), and times:

  (a) `manage.py import_customers FILE --user admin` in a subprocess (wall time, CPU time and peak RSS
      of that process, from wait4): new customers and vehicles through the bulk path;
  (b) the same command again (every row matched: the idempotent re-run);
  (c) the export of every customer to .xlsx and to CSV, as the administrator, after copying customers
      up to --export-customers (100,000) if the import made fewer.
"""

from __future__ import annotations

import argparse
import os
import resource
import shlex
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


def run(cmd: list[str], env: dict[str, str]) -> tuple[float, float, str]:
    """Wall seconds, peak RSS in MB and the last lines of stdout of a subprocess (its CPU seconds are
    printed too: on a machine shared with others the wall time says more about them)."""
    started = time.monotonic()
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, cwd=ROOT)
    assert proc.stdout is not None
    out = proc.stdout.read().decode()
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.monotonic() - started
    print(
        f"  (CPU {usage.ru_utime + usage.ru_stime:.1f} s of {seconds:.1f} s wall; load average {os.getloadavg()[0]:.1f})"
    )
    if status != 0:
        print(out[-3000:])
        raise SystemExit(f"failed: {shlex.join(cmd)}")
    return seconds, usage.ru_maxrss / 1024, "\n".join(out.strip().splitlines()[-3:])


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--customers", type=int, default=60000)
    parser.add_argument("--var", help="directory for the SQLite database (default: a new one under /tmp)")
    parser.add_argument("--skip-rerun", action="store_true")
    parser.add_argument(
        "--copy-of",
        metavar="DIR",
        help="import into a copy of DIR/bench.sqlite3 (e.g. the 1M-customer database bench/search.py --keep made)",
    )
    parser.add_argument("--skip-export", action="store_true")
    parser.add_argument(
        "--export-only", action="store_true", help="only the export, of the database in --var"
    )
    parser.add_argument(
        "--export-customers",
        type=int,
        default=100_000,
        help="before exporting, copy imported customers (new archive numbers) up to this many",
    )
    args = parser.parse_args()
    var = Path(args.var or tempfile.mkdtemp(prefix="kedang-bench-exchange-"))
    if args.copy_of:
        import shutil

        t = time.monotonic()
        shutil.copyfile(Path(args.copy_of) / "bench.sqlite3", var / "bench.sqlite3")
        print(f"copied {args.copy_of}/bench.sqlite3 in {time.monotonic() - t:.0f} s")
    env = {**os.environ, "KEDANG_VAR_DIR": str(var), "DATABASE_URL": f"sqlite:///{var / 'bench.sqlite3'}"}
    py = sys.executable
    manage = [py, str(ROOT / "manage.py")]
    subprocess.run([*manage, "migrate", "-v0"], env=env, check=True, cwd=ROOT)
    subprocess.run(
        [*manage, "add_user", "admin", "--role", "admin", "--password", "Bench-admin-2026"],
        env=env,
        check=False,  # already there in a copied database
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
    )
    subprocess.run(
        [*manage, "add_user", "am1", "--role", "account_manager", "--password", "Bench-admin-2026"],
        env=env,
        check=False,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
    )
    os.environ.update(env)
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kedang.settings")
    import django

    django.setup()
    from kedang.exchange import samples

    if not args.export_only:
        _import(args, var, manage, env, samples)
    _export(args, var)


def _import(
    args: argparse.Namespace, var: Path, manage: list[str], env: dict[str, str], samples: Any
) -> None:
    path = var / "customers.xlsx"
    t = time.monotonic()
    rows = list(samples.sample_rows(args.customers, seed=2026, owners=["am1"]))
    samples.write_xlsx(path, rows)
    print(
        f"workbook: {len(rows):,} rows of {args.customers:,} customers, {path.stat().st_size / 1e6:.1f} MB, "
        f"written in {time.monotonic() - t:.1f} s"
    )
    del rows

    cmd = [*manage, "import_customers", str(path), "--user", "admin"]
    print(f"$ {shlex.join(cmd)}")
    seconds, rss, tail = run(cmd, env)
    print(tail)
    print(f"import: {seconds:.1f} s wall, peak RSS {rss:.0f} MB")
    if not args.skip_rerun:
        seconds, rss, tail = run(cmd, env)
        print(tail)
        print(f"re-run (all rows matched): {seconds:.1f} s wall, peak RSS {rss:.0f} MB")


def _export(args: argparse.Namespace, var: Path) -> None:
    from kedang.accounts.models import User
    from kedang.customers.models import Customer
    from kedang.exchange.services import export_customers

    print(f"customers in the database now: {Customer.objects.count():,}")
    if args.skip_export:
        return

    if args.export_customers > Customer.objects.count():
        _copy_customers(args.export_customers - Customer.objects.count())
        print(f"customers copied (without vehicles) up to {Customer.objects.count():,}")
    user = User.objects.get(username="admin")
    for fmt in ("xlsx", "csv"):
        out = var / f"export.{fmt}"
        t = time.monotonic()
        with out.open("wb") as fh:
            n = export_customers(actor=user, filters={}, file_format=fmt, out=fh)
        print(
            f"export {fmt}: {n:,} customers in {time.monotonic() - t:.1f} s, {out.stat().st_size / 1e6:.1f} MB "
            f"(peak RSS of this process so far {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB)"
        )
    print(f"database kept in {var}")


def _copy_customers(n: int) -> None:
    """n more customers, copies of the first ones with new archive numbers, in one statement."""
    from django.db import connection, transaction

    from kedang.customers.models import Customer

    fields = [f.column for f in Customer._meta.concrete_fields if f.column not in ("id", "archive_no")]
    cols = ", ".join(fields)
    with transaction.atomic(), connection.cursor() as cur:
        cur.execute(
            f"INSERT INTO customers_customer (archive_no, {cols}) "
            f"SELECT archive_no || '-X', {cols} FROM customers_customer ORDER BY id LIMIT %s",
            [n],
        )


if __name__ == "__main__":
    main()
