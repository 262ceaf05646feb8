"""Import and export benchmark (issue 9): a generated .xlsx of N customers (about 1.6 vehicles each,
one row per vehicle) imported with `manage.py import_customers`, then the customer list exported.

    .venv/bin/python bench/exchange.py --customers 60000            # about 100,000 rows, SQLite under /tmp

It makes a fresh SQLite database in a new directory under /tmp (or --var DIR), migrates, adds an
administrator, writes the workbook (kedang/exchange/samples.py), and times:

  (a) `manage.py import_customers FILE --user admin` in a subprocess (wall time and peak RSS of
      that process, from wait4), every row through the customers services;
  (b) the same command again (every row matched: the idempotent re-run);
  (c) the export of every customer to .xlsx and to CSV, as the general manager.
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

    from kedang.accounts.models import User
    from kedang.customers.models import Customer
    from kedang.exchange.services import export_customers

    print(f"customers in the database now: {Customer.objects.count():,}")
    if args.skip_export:
        return

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


if __name__ == "__main__":
    main()
