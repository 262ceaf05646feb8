"""Robust import: `import_customers` killed with SIGKILL mid-way, then run again, ends with exactly the
data of one clean run — no partial rows, no duplicates, the same archive numbers and history."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.db import connection, transaction

from kedang.accounts.models import User
from kedang.customers.models import Customer, Record, Vehicle
from kedang.exchange import reading, samples, services
from kedang.exchange.models import ImportJob, ImportStatus
from kedang.search.models import SearchKey

pytestmark = pytest.mark.django_db(transaction=True)

BATCH = 10


def snapshot() -> dict[str, Any]:
    """Everything an import writes, without ids and timestamps."""
    archive = dict(Customer.objects.values_list("pk", "archive_no"))
    return {
        "customers": sorted(
            Customer.objects.values_list(
                "archive_no",
                "name",
                "kind",
                "phone",
                "id_number",
                "uscc",
                "owner__username",
                "tier",
                "birthday",
            )
        ),
        "vehicles": sorted(
            (archive[c], vin, plate, model, d)
            for c, vin, plate, model, d in Vehicle.objects.values_list(
                "customer_id", "vin", "plate", "model", "delivery_date"
            )
        ),
        "records": sorted(
            (archive[c], k, t) for c, k, t in Record.objects.values_list("customer_id", "kind", "title")
        ),
        "history": sorted(
            Customer.history.values_list("archive_no", "history_type", "history_change_reason")
        ),
        "vehicle_history": Vehicle.history.count(),
        "search": sorted(
            (archive[c], k, key) for c, k, key in SearchKey.objects.values_list("customer_id", "kind", "key")
        ),
    }


def database_url() -> str:
    s = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{s['NAME']}"
    return f"postgres://{s['USER']}@{s['HOST']}:{s['PORT']}/{s['NAME']}"


def command(path: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "DATABASE_URL": database_url()}
    return subprocess.Popen(
        [
            sys.executable,
            str(Path(settings.BASE_DIR) / "manage.py"),
            "import_customers",
            str(path),
            "--user",
            "admin",
            "--batch-size",
            str(BATCH),
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def test_killed_import_resumes_to_the_same_result_as_a_clean_run(
    users: dict[str, User], tmp_path: Path
) -> None:
    rows = list(samples.sample_rows(70, seed=11, owners=["account_manager"]))
    path = samples.write_xlsx(tmp_path / "客户.xlsx", rows)
    admin = users["admin"]

    # the clean run, rolled back once it has been looked at
    with transaction.atomic():
        job = services.import_job_create(actor=admin, path=path, original_name=path.name)
        job = services.import_job_run(actor=admin, job=job, batch_size=BATCH)
        clean = snapshot()
        clean_counts = (job.created, job.updated, job.unchanged, job.rejected)
        transaction.set_rollback(True)
    assert not Customer.objects.exists()
    assert clean_counts[0] == 70 and clean_counts[3] == 0

    proc = command(path)
    sha = reading.file_sha256(path)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        done = ImportJob.objects.filter(sha256=sha).values_list("done_rows", flat=True).first()
        if done is not None and done >= 3 * BATCH:
            break
        time.sleep(0.01)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL

    job = ImportJob.objects.get(sha256=sha)
    assert job.status == ImportStatus.RUNNING and 0 < job.done_rows < len(rows)
    assert job.done_rows % BATCH == 0  # nothing of the batch in progress was kept
    assert Customer.objects.count() == job.created
    assert Vehicle.objects.count() == len([r for r in rows[: job.done_rows] if r[8]])

    proc = command(path)
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err.decode()
    assert "继续上次中断的导入" in out.decode()
    job.refresh_from_db()
    assert job.status == ImportStatus.DONE
    assert (job.created, job.updated, job.unchanged, job.rejected) == clean_counts
    assert snapshot() == clean
    assert ImportJob.objects.count() == 1
