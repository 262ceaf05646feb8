"""#13, R-G7: what an import leaves behind. The uploaded file (every row's phones and ID numbers in clear) is
deleted when the import is over, the daily job sweeps what is left; rejected rows keep their cells encrypted;
a data subject's erasure deletes the rejected rows that carry her keys."""

from __future__ import annotations

import datetime as dt
import importlib
import io
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.apps import apps
from django.conf import settings as django_settings
from django.core.exceptions import FieldError
from django.core.management import call_command
from django.db import connection
from django.utils import timezone
from openpyxl import load_workbook

from kedang.accounts.models import User
from kedang.agenda.daily import DAILY_PARTS
from kedang.exchange import services
from kedang.exchange.models import ImportJob, ImportRejection, ImportStatus
from kedang.privacy.crypto import JSON_PREFIX
from kedang.privacy.services import subject_erase

from .conftest import IDS

pytestmark = pytest.mark.django_db

HEADERS = ["客户名称", "手机", "身份证号", "电子邮箱"]
GOOD = ["李导入", "13655556666", IDS[0], ""]
BAD = ["赵拒绝", "13733334444", IDS[1], "坏邮箱"]  # a bad e-mail address: rejected, its cells kept


@pytest.fixture(autouse=True)
def media(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return Path(settings.MEDIA_ROOT)


def _csv(*rows: list[str]) -> bytes:
    return ("\n".join(",".join(r) for r in [HEADERS, *rows]) + "\n").encode("utf-8-sig")


def _upload(actor: User, *rows: list[str]) -> ImportJob:
    return services.import_upload_store(actor=actor, chunks=[_csv(*rows)], original_name="客户.csv")


def _raw_values(pk: int) -> str:
    with connection.cursor() as cur:
        cur.execute(
            f"SELECT {connection.ops.quote_name('values')} FROM exchange_importrejection WHERE id = %s", [pk]
        )
        return str(cur.fetchone()[0])


def test_the_uploaded_file_is_deleted_when_the_import_is_done(users: dict[str, User]) -> None:
    am = users["account_manager"]
    job = _upload(am, GOOD, BAD)
    path = Path(job.path)
    assert path.exists()
    job = services.import_job_run(actor=am, job=job, dry_run=True)
    assert job.status == ImportStatus.CHECKED and path.exists()  # the real run still needs it
    job = services.import_job_run(actor=am, job=job)
    assert (job.status, job.created, job.rejected) == (ImportStatus.DONE, 1, 1)
    assert not path.exists()
    # the error workbook is built from the rejected rows, which keep their cells — encrypted
    rejection = job.rejections.get(dry_run=False)
    assert rejection.values == BAD
    raw = _raw_values(rejection.pk)
    assert JSON_PREFIX in raw and BAD[1] not in raw and BAD[2] not in raw and "赵拒绝" not in raw
    out = io.BytesIO()
    assert services.error_workbook(job, dry_run=False, out=out) == 1
    assert BAD[1] in [c.value for c in load_workbook(out).active["B"]]


def test_the_uploaded_file_is_deleted_when_the_import_fails(users: dict[str, User]) -> None:
    am = users["account_manager"]
    job = _upload(am, GOOD)
    path = Path(job.path)
    path.write_bytes(_csv(BAD))  # changed under the job's feet: the run fails
    job = services.import_job_run(actor=am, job=job)
    assert job.status == ImportStatus.FAILED and not path.exists()


def test_a_file_named_on_the_command_line_is_left_alone(users: dict[str, User], tmp_path: Path) -> None:
    am = users["account_manager"]
    own = tmp_path / "mine.csv"
    own.write_bytes(_csv(GOOD))
    job = services.import_job_create(actor=am, path=own, original_name=own.name)
    assert services.import_job_run(actor=am, job=job).status == ImportStatus.DONE
    assert own.exists()
    assert services.import_uploads_sweep(now=timezone.now() + dt.timedelta(days=30)) == 0 and own.exists()


def test_the_daily_job_deletes_what_is_left_after_seven_days(users: dict[str, User], media: Path) -> None:
    am = users["account_manager"]
    assert "导入文件到期删除" in [label for label, _part, _atomic in DAILY_PARTS]
    waiting = Path(_upload(am, GOOD).path)  # never imported
    fresh = Path(_upload(am, GOOD).path)
    stray = media / "imports" / "cut-off.part"  # an upload cut off half-way
    stray.write_bytes(b"13655556666")
    week_ago = time.time() - 7 * 86400 - 60
    for old in (waiting, stray):
        os.utime(old, (week_ago, week_ago))
    out = io.StringIO()
    call_command("run_daily", "--date", str(timezone.localdate()), "--no-catch-up", stdout=out)
    assert "导入文件到期删除：2" in out.getvalue()
    assert not waiting.exists() and not stray.exists() and fresh.exists()
    assert django_settings.KEDANG_IMPORT_FILE_DAYS == 7


def test_a_job_that_ended_before_this_change_loses_its_file_at_the_next_sweep(users: dict[str, User]) -> None:
    am = users["account_manager"]
    job = services.import_job_run(actor=am, job=_upload(am, GOOD))
    path = Path(job.path)
    path.write_bytes(_csv(GOOD))  # as a file kept by the old code
    assert services.import_uploads_sweep() == 1 and not path.exists()


def test_nothing_can_be_looked_up_in_the_encrypted_cells() -> None:
    with pytest.raises(FieldError, match="encrypted"):
        ImportRejection.objects.filter(**{"values__contains": [IDS[1]]}).exists()
    with pytest.raises(FieldError, match="encrypted"):
        ImportRejection.objects.filter(**{"values__0": "赵拒绝"}).exists()


def test_the_migration_encrypts_rejected_rows_written_before_it_and_back(users: dict[str, User]) -> None:
    am = users["account_manager"]
    job = services.import_job_run(actor=am, job=_upload(am, BAD))
    pk = job.rejections.get().pk
    table = connection.ops.quote_name("values")
    with connection.cursor() as cur:  # as the column was before the migration
        cur.execute(
            f"UPDATE exchange_importrejection SET {table} = %s WHERE id = %s",
            ['["赵拒绝", "13733334444"]', pk],
        )
    assert ImportRejection.objects.get(pk=pk).values == ["赵拒绝", "13733334444"]  # clear JSON still reads
    migration = importlib.import_module("kedang.exchange.migrations.0002_importrejection_encrypted")
    migration.encrypt_existing(apps, None)
    assert JSON_PREFIX in _raw_values(pk) and "13733334444" not in _raw_values(pk)
    assert ImportRejection.objects.get(pk=pk).values == ["赵拒绝", "13733334444"]
    migration.decrypt_existing(apps, None)  # backwards: clear JSON again
    assert "13733334444" in _raw_values(pk) and JSON_PREFIX not in _raw_values(pk)


def test_erasure_deletes_the_rejected_rows_that_carry_her_keys(
    users: dict[str, User], make_customer: Callable[..., Any], settings: Any, tmp_path: Path
) -> None:
    settings.KEDANG_ERASURE_LEDGER = tmp_path / "ledger.jsonl"
    am = users["account_manager"]
    her = make_customer(name="赵女士", phone="137 3333 4444", id_number=IDS[3])
    other = ["钱别人", "13500001111", IDS[2], "坏邮箱"]
    by_id = ["赵某", "", IDS[3], "坏邮箱"]
    job = services.import_job_run(actor=am, job=_upload(am, BAD, other, by_id))
    assert job.rejected == 3
    subject_erase(actor=users["cs_manager"], customer_id=her.pk, reason="客户书面要求删除")
    assert [r.values for r in ImportRejection.objects.all()] == [other]
