"""Backup / restore / fixity benchmark (issue 8, R-G9, R-A7), on SQLite or PostgreSQL.

    .venv/bin/python bench/backup_restore.py                          # 2,000 customers, 400 scans × 256 KB
    .venv/bin/python bench/backup_restore.py --customers 20000 --scans 2000
    DATABASE_URL=postgres://postgres@127.0.0.1:55433/kd_bench .venv/bin/python bench/backup_restore.py

It builds its own database and media under a new directory in /tmp (or --var DIR; on PostgreSQL the
database named in DATABASE_URL is dropped and created), migrates, seeds demo customers (`seed_demo`), and
files --scans PDF scans of --scan-kb each through the real service. Then, --runs times each (medians
printed):

- `backup` while a writer thread keeps creating customers as the app would: the backup's duration, how
  many writes committed during it and the slowest write (does the app keep serving?);
- `verify_attachments` over the whole store;
- `restore` of that backup.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--customers", type=int, default=2000)
    ap.add_argument("--scans", type=int, default=400)
    ap.add_argument("--scan-kb", type=int, default=256)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--var", help="working directory (default: a new one under /tmp)")
    args = ap.parse_args()

    var = Path(args.var or tempfile.mkdtemp(prefix="kedang-bench-backup-"))
    var.mkdir(parents=True, exist_ok=True)
    os.environ["KEDANG_VAR_DIR"] = str(var)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kedang.settings")
    sys.path.insert(0, str(ROOT))
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith("postgres"):
        name = url.rsplit("/", 1)[-1]
        base = url.rsplit("/", 1)[0] + "/postgres"
        subprocess.run(["psql", base, "-qc", f'DROP DATABASE IF EXISTS "{name}"'], check=True)
        subprocess.run(["psql", base, "-qc", f'CREATE DATABASE "{name}"'], check=True)

    import django

    django.setup()
    from django.core.management import call_command

    print(f"working directory: {var}  database: {url or 'SQLite'}", flush=True)
    t = time.monotonic()
    call_command("migrate", verbosity=0)
    call_command("seed_demo", customers=args.customers, verbosity=0)
    _file_scans(args.scans, args.scan_kb)
    print(
        f"seeded {args.customers} customers and {args.scans} scans in {time.monotonic() - t:.0f} s",
        flush=True,
    )

    backups: list[float] = []
    during: list[int] = []
    slowest: list[float] = []
    verifies: list[float] = []
    restores: list[float] = []
    for run in range(args.runs):
        dest = var / f"backup-{run}"
        writer = _Writer(run)
        writer.start()
        time.sleep(0.5)
        before = writer.count
        t = time.monotonic()
        call_command("backup", str(dest), stdout=open(os.devnull, "w"))
        backups.append(time.monotonic() - t)
        during.append(writer.count - before)
        writer.stop.set()
        writer.join()
        if writer.errors:
            raise SystemExit(f"writer failed: {writer.errors[0]!r}")
        slowest.append(writer.slowest)

        t = time.monotonic()
        call_command("verify_attachments", "--no-record", stdout=open(os.devnull, "w"))
        verifies.append(time.monotonic() - t)

        t = time.monotonic()
        call_command("restore", str(dest), interactive=False, stdout=open(os.devnull, "w"))
        restores.append(time.monotonic() - t)

    size = sum(p.stat().st_size for p in (var / "backup-0").rglob("*") if p.is_file())
    print()
    print(f"backup size: {size / 1024 / 1024:.1f} MB")
    print(f"backup (writer running):   median {statistics.median(backups):.2f} s  runs {_fmt(backups)}")
    print(f"  writes committed during: median {statistics.median(during):.0f}  runs {during}")
    print(f"  slowest write:           median {statistics.median(slowest) * 1000:.0f} ms")
    print(f"verify_attachments:        median {statistics.median(verifies):.2f} s  runs {_fmt(verifies)}")
    print(f"restore (and verify):      median {statistics.median(restores):.2f} s  runs {_fmt(restores)}")
    print(f"reproduce: {' '.join([sys.executable, *sys.argv])}")


def _fmt(xs: list[float]) -> str:
    return "[" + ", ".join(f"{x:.2f}" for x in xs) + "]"


def _file_scans(n: int, kb: int) -> None:
    import random

    from django.core.files.uploadedfile import SimpleUploadedFile

    from kedang.customers.models import Customer
    from kedang.customers.services import document_add

    rng = random.Random(8)
    customers = list(Customer.objects.select_related("owner").order_by("pk")[: max(1, n)])
    for i in range(n):
        c = customers[i % len(customers)]
        body = "".join(rng.choices("0123456789abcdef", k=kb * 1024)).encode()
        data = b"%PDF-1.4\n%" + body + b"\n%%EOF\n"
        document_add(
            actor=c.owner,
            customer_id=c.pk,
            file_type_code="C1",
            title=f"扫描件{i}",
            upload=SimpleUploadedFile(f"scan{i}.pdf", data),
        )


class _Writer(threading.Thread):
    def __init__(self, run: int) -> None:
        super().__init__(daemon=True)
        self.run_no = run
        self.stop = threading.Event()
        self.count = 0
        self.slowest = 0.0
        self.errors: list[BaseException] = []

    def run(self) -> None:
        from django.db import connections

        from kedang.accounts.models import User
        from kedang.customers.services import customer_create

        try:
            owner: Any = User.objects.filter(groups__name="account_manager").first()
            while not self.stop.is_set():
                t = time.monotonic()
                customer_create(
                    actor=owner,
                    name=f"压测客户{self.run_no}-{self.count}",
                    phone=f"137{self.run_no}{self.count:07d}",
                )
                self.slowest = max(self.slowest, time.monotonic() - t)
                self.count += 1
        except BaseException as exc:
            self.errors.append(exc)
        finally:
            connections.close_all()


if __name__ == "__main__":
    main()
