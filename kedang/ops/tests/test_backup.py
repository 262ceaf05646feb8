"""Backup and restore (R-G9): a backup taken while customers are being written, then wipe, then restore →
the data of the snapshot and the attachment hashes come back identical. Runs on SQLite and, with
DATABASE_URL=postgres://…, on PostgreSQL (pg_dump / pg_restore)."""

from __future__ import annotations

import shutil
import sqlite3
import threading
import time
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection, connections, transaction

from kedang.accounts.models import User
from kedang.customers import services
from kedang.customers.models import Attachment, Customer, Record
from kedang.ops import backup as backup_mod
from kedang.ops.fixity import file_sha256, sweep

from .helpers import pdf_bytes, png_bytes, upload

pytestmark = pytest.mark.django_db(transaction=True)


def _binaries_or_skip() -> None:
    if connection.vendor == "postgresql":
        try:
            backup_mod.pg_binary("pg_dump")
            backup_mod.pg_binary("pg_restore")
        except backup_mod.BackupError as exc:
            pytest.skip(f"PostgreSQL client binaries missing: {exc}")


class Writer(threading.Thread):
    """Keeps creating customers (every third with a scan) until stopped, like users of a running app."""

    def __init__(self, owner: User) -> None:
        super().__init__(daemon=True)
        self.owner = owner
        self.stop = threading.Event()
        self.count = 0
        self.errors: list[BaseException] = []

    def run(self) -> None:
        try:
            while not self.stop.is_set():
                n = self.count + 1
                with transaction.atomic():  # a customer and its scan: one write
                    c = services.customer_create(
                        actor=self.owner, name=f"并发客户{n:05d}", phone=f"1380000{n:04d}"
                    )
                    if n % 3 == 0:
                        data = png_bytes(n) if n % 2 else pdf_bytes(f"scan {n}")
                        services.document_add(
                            actor=self.owner,
                            customer_id=c.pk,
                            file_type_code="C1",
                            title=f"扫描件{n}",
                            upload=upload(f"s{n}.bin", data),
                        )
                self.count = n
        except BaseException as exc:  # reported by the test
            self.errors.append(exc)
        finally:
            connections.close_all()


def _media_hashes() -> dict[str, str]:
    root = Path(settings.MEDIA_ROOT)
    return {p.relative_to(root).as_posix(): file_sha256(p) for p in root.rglob("*") if p.is_file()}


def _snapshot_of_data() -> dict[str, Any]:
    return {
        "customers": sorted(Customer.objects.values_list("pk", "name", "phone", "archive_no")),
        "records": sorted(Record.objects.values_list("pk", "customer_id", "kind", "title")),
        "attachments": sorted(Attachment.objects.values_list("pk", "file", "sha256")),
    }


def test_backup_while_writing_then_wipe_then_restore(users: dict[str, User], tmp_path: Path) -> None:
    _binaries_or_skip()
    writer = Writer(users["account_manager"])
    writer.start()
    while writer.count < 12 and writer.is_alive():
        time.sleep(0.05)
    before = writer.count
    out = StringIO()
    call_command("backup", str(tmp_path / "bk"), stdout=out)
    during = writer.count
    time.sleep(0.3)  # the app keeps serving after the backup
    writer.stop.set()
    writer.join(30)
    assert not writer.errors, writer.errors
    assert writer.count > during >= before  # writes went on during and after the backup
    assert "已备份到" in out.getvalue()

    manifest = backup_mod.read_manifest(tmp_path / "bk")
    assert backup_mod.verify_backup(tmp_path / "bk") == []
    snap_customers = manifest["database"]["tables"]["customers_customer"]["rows"]
    print(
        f"writes: {before} before the backup, {during} when it ended, {writer.count} in all; {snap_customers} in it"
    )
    assert before <= snap_customers <= writer.count

    # what the snapshot holds, read straight from the backup (SQLite) — the expected state after restore
    expected_files = {n: i["sha256"] for n, i in manifest["media"].items()}
    assert all(n.startswith("attachments/") for n in expected_files)

    # wipe: every row and every file
    call_command("flush", interactive=False)
    shutil.rmtree(settings.MEDIA_ROOT)
    assert Customer.objects.count() == 0

    out = StringIO()
    call_command("restore", str(tmp_path / "bk"), interactive=False, stdout=out)
    assert "已恢复并核对" in out.getvalue()

    data = _snapshot_of_data()
    names = [name for _pk, name, _phone, _no in data["customers"]]
    # one consistent moment: customers 1..k, each complete with its timeline and scans
    assert names == [f"并发客户{n:05d}" for n in range(1, snap_customers + 1)]
    for n in range(3, snap_customers + 1, 3):
        assert Record.objects.filter(customer__name=f"并发客户{n:05d}", kind="document").count() == 1
        assert Attachment.objects.filter(record__customer__name=f"并发客户{n:05d}").count() == 1
    assert {a[1]: a[2] for a in data["attachments"]} == expected_files
    assert _media_hashes() == expected_files  # identical attachment hashes, nothing more, nothing less
    assert sweep(save=False).ok
    assert backup_mod.live_checksums() == manifest["database"]["tables"]

    if connection.vendor == "sqlite":  # and row for row what the backup file holds
        conn = sqlite3.connect(tmp_path / "bk" / "db.sqlite3")
        in_backup = sorted(
            conn.execute("SELECT id, name, phone, archive_no FROM customers_customer").fetchall()
        )
        conn.close()
        assert data["customers"] == in_backup


def test_damaged_backup_is_refused_before_anything_changes(
    users: dict[str, User], tmp_path: Path, make_customer: Any
) -> None:
    _binaries_or_skip()
    c = make_customer()
    services.document_add(
        actor=users["account_manager"],
        customer_id=c.pk,
        file_type_code="C1",
        title="x",
        upload=upload("x.pdf", pdf_bytes("x")),
    )
    call_command("backup", str(tmp_path / "bk"), stdout=StringIO())
    make_customer(name="备份之后")
    stored = next(p for p in (tmp_path / "bk" / "media").rglob("*") if p.is_file())
    raw = bytearray(stored.read_bytes())
    raw[0] ^= 0xFF
    stored.write_bytes(bytes(raw))

    err = StringIO()
    with pytest.raises(SystemExit):
        call_command("restore", str(tmp_path / "bk"), "--check-only", stderr=err)
    assert "备份中的文件已改变" in err.getvalue()
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="备份已损坏，未做任何改动"):
        call_command("restore", str(tmp_path / "bk"), interactive=False)
    assert Customer.objects.filter(name="备份之后").exists()  # untouched


def test_backup_refuses_a_non_empty_directory_and_reports_a_broken_store(
    users: dict[str, User], tmp_path: Path, make_customer: Any
) -> None:
    from django.core.management.base import CommandError

    _binaries_or_skip()
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "x").write_text("x")
    with pytest.raises(CommandError, match="不是空的"):
        call_command("backup", str(tmp_path / "full"))

    c = make_customer()
    services.document_add(
        actor=users["account_manager"],
        customer_id=c.pk,
        file_type_code="C1",
        title="x",
        upload=upload("x.pdf", pdf_bytes("y")),
    )
    Path(Attachment.objects.get().file.path).unlink()
    err = StringIO()
    with pytest.raises(SystemExit) as exc:
        call_command("backup", str(tmp_path / "bk"), stdout=StringIO(), stderr=err)
    assert exc.value.code == 1
    assert "附件文件缺失" in err.getvalue()
