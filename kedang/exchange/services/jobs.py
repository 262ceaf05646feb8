"""Import jobs: creating them from a stored file, correcting the mapping, running them batch by batch."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from itertools import islice
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.http import Http404
from django.utils import timezone

from kedang.accounts.models import User
from kedang.accounts.selectors import can_write

from .. import reading
from ..mapping import FIELDS_BY_CODE, guess_mapping
from ..models import ImportJob, ImportRejection, ImportStatus
from . import sqlite_tuning
from .batch import BatchResult, DryRunRollback, process
from .retention import import_upload_discard, uploads_dir
from .row_import import Outcome, Run
from .rows import BATCH_SIZE, Columns


def _require_import(actor: User) -> None:
    if not can_write(actor):
        raise PermissionDenied("当前角色只读，不能导入")


def import_job_create(
    *, actor: User, path: Path, original_name: str, sha256: str = "", kind: str = "customers"
) -> ImportJob:
    """Look at a stored file and make it a job: its real format and encoding, the header row, the
    guessed mapping and the number of data rows. Refuses files that are not spreadsheets, zip bombs and
    files with too many rows (ValidationError on `file`), reading them with bounded memory."""
    _require_import(actor)
    if kind != "customers":
        raise ValidationError(
            {"kind": ValidationError("目前只能导入客户（kind=customers）", code="invalid_choice")}
        )
    info = reading.sniff(path)
    header_row, headers, total = reading.header_and_count(path, info)
    if total == 0:
        raise reading.refuse("文件中只有表头，没有数据行", "file_empty")
    mapping = guess_mapping(headers)
    return ImportJob.objects.create(
        kind=kind,
        created_by=actor,
        path=str(path.resolve()),
        original_name=original_name[:255],
        sha256=sha256 or reading.file_sha256(path),
        size=path.stat().st_size,
        file_format=info.file_format,
        encoding=info.encoding,
        delimiter=info.delimiter,
        header_row=header_row,
        headers=headers,
        mapping={str(i): code for i, code in mapping.items()},
        total_rows=total,
    )


def import_upload_store(
    *, actor: User, chunks: Iterable[bytes], original_name: str, kind: str = "customers"
) -> ImportJob:
    """Store an uploaded file under MEDIA_ROOT/imports/ and make it a job (see `import_job_create`)."""
    _require_import(actor)
    suffix = Path(original_name).suffix.lower()[:10]
    dest = uploads_dir() / f"{uuid.uuid4().hex}{suffix}"
    sha, _size = reading.save_upload(iter(chunks), dest)
    try:
        return import_job_create(actor=actor, path=dest, original_name=original_name, sha256=sha, kind=kind)
    except ValidationError:
        dest.unlink(missing_ok=True)
        raise


def import_job_set_mapping(*, actor: User, job: ImportJob, mapping: dict[int, str]) -> ImportJob:
    """Correct the column mapping (column index → field code) before a run starts."""
    if job.created_by_id != actor.pk:
        raise Http404("导入任务不存在")
    if job.status in (ImportStatus.RUNNING, ImportStatus.DONE):
        raise ValidationError({"mapping": ValidationError("导入已开始，不能再修改对应关系", code="locked")})
    errors = []
    seen: dict[str, int] = {}
    for col, code in mapping.items():
        if code not in FIELDS_BY_CODE:
            errors.append(ValidationError(f"未知字段 {code}", code="unknown_field"))
        elif not 0 <= col < len(job.headers):
            errors.append(ValidationError(f"没有第 {col + 1} 列", code="invalid_column"))
        elif code in seen:
            label = FIELDS_BY_CODE[code].label
            errors.append(ValidationError(f"“{label}”对应了两列，请只保留一列", code="duplicate"))
        seen[code] = col
    if errors:
        raise ValidationError({"mapping": errors})
    job.mapping = {str(col): code for col, code in sorted(mapping.items())}
    job.status = ImportStatus.READY
    job.dry_report = {}
    job.save(update_fields=["mapping", "status", "dry_report"])
    return job


def _save_progress(job: ImportJob, result: BatchResult) -> None:
    c = result.counts
    ImportJob.objects.filter(pk=job.pk).update(
        done_rows=F("done_rows") + result.rows,
        created=F("created") + c.get(Outcome.CREATED, 0),
        updated=F("updated") + c.get(Outcome.UPDATED, 0) + c.get(Outcome.UNCHANGED, 0),
        unchanged=F("unchanged") + c.get(Outcome.UNCHANGED, 0),
        rejected=F("rejected") + c.get(Outcome.REJECTED, 0),
        skipped=F("skipped") + c.get(Outcome.BLANK, 0),
    )
    ImportRejection.objects.bulk_create(result.rejections)


class JobBusy(Exception):
    """Another process advanced the job under this one's feet."""


def run_batch(run: Run, batch: list[tuple[int, list[Any]]], expected_done: int) -> BatchResult:
    """One batch in one transaction, with the job row locked: rows, counters and rejections commit
    together (a dry run rolls the rows back and keeps only the counters and rejections)."""
    job = run.job
    with transaction.atomic():
        locked = ImportJob.objects.select_for_update().get(pk=job.pk)
        if locked.done_rows != expected_done or locked.dry_run != run.dry_run:
            raise JobBusy
        if not run.dry_run:
            result = process(run, batch)
            _save_progress(job, result)
            return result
    # dry run: the batch's writes are rolled back, then its counters and rejections are kept
    holder: list[BatchResult] = []
    try:
        with transaction.atomic():
            holder.append(process(run, batch))
            raise DryRunRollback
    except DryRunRollback:
        pass
    result = holder[0]
    run.pending |= result.created_keys
    with transaction.atomic():
        _save_progress(job, result)
    return result


def import_job_start(*, actor: User, job: ImportJob, dry_run: bool) -> ImportJob:
    """Begin a run from the first row (counters reset), or leave a real run that was interrupted to be
    resumed. Returns the job as it is now."""
    if job.created_by_id != actor.pk:
        raise Http404("导入任务不存在")
    _require_import(actor)
    if not dry_run and job.status == ImportStatus.RUNNING:
        return job  # resume
    if job.status == ImportStatus.DONE:
        raise ValidationError(
            {"job": ValidationError("该文件已导入完成；如需再次导入请重新上传", code="done")}
        )
    if not any(code.startswith("customer.") for code in job.mapping.values()):
        raise ValidationError({"mapping": ValidationError("请至少为客户名称或电话指定一列", code="required")})
    with transaction.atomic():
        ImportRejection.objects.filter(job=job, dry_run=dry_run).delete()
        job.status = ImportStatus.DRY_RUNNING if dry_run else ImportStatus.RUNNING
        job.dry_run = dry_run
        job.done_rows = job.created = job.updated = job.unchanged = job.rejected = job.skipped = 0
        job.started_at = timezone.now()
        job.finished_at = None
        job.message = ""
        job.save()
    return job


def _rows_after(job: ImportJob) -> Iterator[tuple[int, list[Any]]]:
    info = reading.FileInfo(job.file_format, job.encoding, job.delimiter)
    path = Path(job.path)
    if not path.exists():
        raise ValidationError({"file": ValidationError("导入文件已不存在，请重新上传", code="file_missing")})
    if reading.file_sha256(path) != job.sha256:
        raise ValidationError(
            {"file": ValidationError("导入文件在导入过程中被修改了，请重新上传", code="file_changed")}
        )
    start = job.header_row + job.done_rows
    last = job.header_row + job.total_rows
    for number, values in reading.iter_rows(path, info):
        if number > last:
            return
        if number > start:
            yield number, values


def import_job_step(
    *,
    actor: User,
    job: ImportJob,
    batch_size: int = BATCH_SIZE,
    progress: Callable[[ImportJob], None] | None = None,
    until: float | None = None,
) -> ImportJob:
    """Run the job's next batches (all of them, or until the monotonic clock passes `until`), then
    finish it when no row is left. Safe to call again after a kill: it continues after the last
    committed batch."""
    if job.created_by_id != actor.pk:
        raise Http404("导入任务不存在")
    if job.status not in (ImportStatus.RUNNING, ImportStatus.DRY_RUNNING):
        return job
    bulk = bool(getattr(settings, "KEDANG_IMPORT_BULK", True))
    run = Run(job, actor, Columns(job), dry_run=job.dry_run, bulk=bulk)
    rows = _rows_after(job)
    done = job.done_rows
    try:
        with sqlite_tuning.bulk_settings():
            _run_batches(run, rows, done, batch_size, progress, until)
    except JobBusy:
        job.refresh_from_db()
        return job
    except ValidationError as exc:
        job.status, job.message, job.finished_at = (
            ImportStatus.FAILED,
            "；".join(exc.messages),
            timezone.now(),
        )
        job.save(update_fields=["status", "message", "finished_at"])
        import_upload_discard(job)
        return job
    finally:
        if hasattr(rows, "close"):
            rows.close()
    job.refresh_from_db()
    if job.done_rows >= job.total_rows:
        _finish(job)
    return job


def _run_batches(
    run: Run,
    rows: Iterator[tuple[int, list[Any]]],
    done: int,
    batch_size: int,
    progress: Callable[[ImportJob], None] | None,
    until: float | None,
) -> None:
    job = run.job
    while until is None or time.monotonic() < until:
        batch = list(islice(rows, batch_size))
        if not batch:
            break
        # rows are numbered; blank rows after the last data row are not counted in total_rows
        result = run_batch(run, batch, done)
        done += result.rows
        job.refresh_from_db()
        if progress is not None:
            progress(job)


def _finish(job: ImportJob) -> None:
    job.finished_at = timezone.now()
    if job.dry_run:
        job.status = ImportStatus.CHECKED
        job.dry_report = {
            "created": job.created,
            "updated": job.updated,
            "unchanged": job.unchanged,
            "rejected": job.rejected,
            "rows": job.total_rows,
        }
        job.save(update_fields=["status", "dry_report", "finished_at"])
    else:
        job.status = ImportStatus.DONE
        job.save(update_fields=["status", "finished_at"])
        import_upload_discard(job)  # the rows are in the archive now; the error workbook is built from
        # the rejected rows, not from the file


def import_job_run(
    *,
    actor: User,
    job: ImportJob,
    dry_run: bool = False,
    batch_size: int = BATCH_SIZE,
    progress: Callable[[ImportJob], None] | None = None,
) -> ImportJob:
    """Start (or resume) a run and take it to the end."""
    job = import_job_start(actor=actor, job=job, dry_run=dry_run)
    return import_job_step(actor=actor, job=job, batch_size=batch_size, progress=progress)


def resumable_job(*, actor: User, sha256: str, kind: str = "customers") -> ImportJob | None:
    """The interrupted real run of this same file by this user, if there is one."""
    return (
        ImportJob.objects.filter(created_by=actor, sha256=sha256, kind=kind, status=ImportStatus.RUNNING)
        .order_by("-id")
        .first()
    )
