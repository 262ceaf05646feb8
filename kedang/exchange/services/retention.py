"""What an import leaves behind holds personal data (R-G7, #13): the uploaded file has every row's phones and
ID numbers in clear, the rejected rows keep their cells (encrypted) for the error workbook.

The file is deleted when its import is over (done or failed); the daily job deletes what is left after
KEDANG_IMPORT_FILE_DAYS days; a data subject's erasure deletes the rejected rows that carry her keys."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from kedang.customers import validators as v
from kedang.customers.models import Customer, Vehicle

from ..models import ImportJob, ImportRejection, ImportStatus


def uploads_dir() -> Path:
    """Where uploaded import files wait for their import (MEDIA_ROOT/imports/)."""
    return Path(settings.MEDIA_ROOT) / "imports"


def _is_upload(path: Path) -> bool:
    """A file this app stored from an upload (a file named on the command line is the operator's own)."""
    try:
        return path.resolve().is_relative_to(uploads_dir().resolve())
    except OSError:
        return False


def import_upload_discard(job: ImportJob) -> bool:
    """Delete the uploaded file of a job whose import is over (done or failed): it holds every row's
    phones and ID numbers in clear (R-G7, #13). The rejected rows keep their cells, encrypted, for the error
    workbook. Returns whether a file was deleted."""
    path = Path(job.path)
    if not job.path or not _is_upload(path) or not path.exists():
        return False
    path.unlink(missing_ok=True)
    return True


def import_uploads_sweep(*, now: dt.datetime | None = None) -> int:
    """The retention of uploaded import files: those of jobs that are over go now, and anything left in
    MEDIA_ROOT/imports/ (a check never run, an abandoned job, an upload cut off) after
    KEDANG_IMPORT_FILE_DAYS days. Returns how many files were deleted."""
    now = now or timezone.now()
    deleted = 0
    over = ImportJob.objects.filter(status__in=(ImportStatus.DONE, ImportStatus.FAILED)).only("path")
    for job in over.iterator():
        deleted += import_upload_discard(job)
    root = uploads_dir()
    if not root.is_dir():
        return deleted
    cutoff = (now - dt.timedelta(days=settings.KEDANG_IMPORT_FILE_DAYS)).timestamp()
    for path in root.rglob("*"):
        try:
            if path.is_file() and path.stat().st_mtime < cutoff:
                path.unlink()
                deleted += 1
        except FileNotFoundError:
            continue  # deleted meanwhile
    return deleted


# field code of an import column → how its cell is normalised to compare with the subject's keys
_KEYS = {
    "customer.id_number": v.normalize_id_number,
    "customer.uscc": v.normalize_uscc,
    "customer.phone": v.normalize_phone,
    "customer.phone2": v.normalize_phone,
    "vehicle.vin": v.normalize_vin,
}


def import_rejections_erase(customer: Customer) -> int:
    """Delete every rejected import row that carries one of the customer's keys (ID number, USCC, phones,
    her vehicles' VINs), whoever imported it; part of the data subject's erasure (kedang.privacy).
    A rejected row is an error report: one that shares a phone with her goes too. Returns how many."""
    keys = {customer.id_number, customer.uscc, customer.phone_norm, customer.phone2_norm}
    keys |= set(Vehicle.objects.filter(customer=customer).values_list("vin", flat=True))
    keys.discard("")
    if not keys:
        return 0
    doomed: list[int] = []
    jobs = {
        job.pk: [(int(i), _KEYS[code]) for i, code in job.mapping.items() if code in _KEYS]
        for job in ImportJob.objects.filter(rejections__isnull=False).distinct().only("pk", "mapping")
    }
    for rej in ImportRejection.objects.only("pk", "job_id", "values").iterator(chunk_size=500):
        for i, normalise in jobs.get(rej.job_id, ()):
            cell = rej.values[i] if i < len(rej.values) else ""
            if cell and normalise(str(cell)) in keys:
                doomed.append(rej.pk)
                break
    for start in range(0, len(doomed), 500):
        ImportRejection.objects.filter(pk__in=doomed[start : start + 500]).delete()
    return len(doomed)
