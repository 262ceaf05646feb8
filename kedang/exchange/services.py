"""Importing customers, vehicles and service events from spreadsheets (R-I1).

`import_job_create` looks at a file (what it really is, its header row, a guessed column mapping, how
many rows); `import_job_set_mapping` corrects the mapping; `import_job_run` imports it (or dry-runs it)
batch by batch. Every write goes through the customers services (`customer_create`, `customer_update`,
`vehicle_create`, `vehicle_update`) and the agenda's `event_record`, so permission, validation, history,
timeline and the search index are exactly what the page and the API produce.

Each batch is one transaction: its rows, the job's counters and its rejected rows commit together. A
row is a savepoint of its own, so a bad row is rolled back alone and reported with its row number,
column and reason. A job killed mid-way resumes after its last committed batch; rows already imported
match their natural keys (ID number, USCC, VIN, plate, phone + name) and are not created twice.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.http import Http404
from django.utils import timezone

from kedang.accounts.models import User
from kedang.accounts.selectors import can_write
from kedang.customers.models import Customer, CustomerKind, Vehicle
from kedang.customers.selectors import visible_customers
from kedang.customers.services import customer_create, customer_update, vehicle_create, vehicle_update
from kedang.errors import ApprovalPending

from . import reading
from .mapping import ERROR_COLUMN, FIELDS_BY_CODE, guess_mapping, parse_cell
from .models import ImportJob, ImportRejection, ImportStatus

BATCH_SIZE = 500
CUSTOMER_KEYS = ("id_number", "uscc")


# ---------------------------------------------------------------- creating a job


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
    header_row, headers = reading.read_header(path, info)
    total = reading.count_rows(path, info, header_row)
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
    dest = Path(settings.MEDIA_ROOT) / "imports" / f"{uuid.uuid4().hex}{suffix}"
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


# ---------------------------------------------------------------- rows


@dataclass
class RowError:
    field: str  # field code (customer.phone) or "" for the whole row
    column: str  # the header of the column, as the user wrote it
    code: str
    message: str

    def as_dict(self) -> dict[str, str]:
        return {"field": self.field, "column": self.column, "code": self.code, "message": self.message}


@dataclass
class Row:
    number: int
    values: list[Any]
    customer: dict[str, Any] = field(default_factory=dict)
    vehicle: dict[str, Any] = field(default_factory=dict)
    event: dict[str, Any] = field(default_factory=dict)
    errors: list[RowError] = field(default_factory=list)

    def keys(self) -> list[tuple[str, str]]:
        """The natural keys of the row, strongest first."""
        out = [(k, self.customer[k]) for k in CUSTOMER_KEYS if self.customer.get(k)]
        if self.vehicle.get("vin"):
            out.append(("vin", self.vehicle["vin"]))
        if self.vehicle.get("plate"):
            out.append(("plate", self.vehicle["plate"]))
        if self.customer.get("phone"):
            out.append(("phone", self.customer["phone"]))
        return out


class Columns:
    """The job's mapping, both ways, with the header text of each column for messages."""

    def __init__(self, job: ImportJob) -> None:
        self.by_index = {int(i): code for i, code in job.mapping.items()}
        self.by_code = {code: i for i, code in self.by_index.items()}
        self.headers: list[str] = list(job.headers)

    def header(self, code: str) -> str:
        i = self.by_code.get(code)
        if i is None:
            return ""
        return self.headers[i] if i < len(self.headers) and self.headers[i] else _column_letter(i)


def _column_letter(i: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(i + 1)


def parse_row(number: int, values: list[Any], columns: Columns) -> Row:
    """Cells → field values of the customer, vehicle and event parts; bad cells become row errors."""
    row = Row(number, values)
    for i, code in columns.by_index.items():
        value = values[i] if i < len(values) else None
        if reading.is_blank(value):
            continue
        spec = FIELDS_BY_CODE[code]
        try:
            parsed = parse_cell(spec, value)
        except ValidationError as exc:
            for e in exc.error_list:
                row.errors.append(RowError(code, columns.header(code), e.code or "invalid", str(e.message)))
            continue
        getattr(row, spec.target)[spec.name] = parsed
    return row


# ---------------------------------------------------------------- matching existing customers


@dataclass
class Index:
    """Natural keys → existing customers and vehicles, loaded for a batch with one query per key kind,
    and kept up to date as the batch creates customers and vehicles."""

    by_key: dict[tuple[str, str], set[int]] = field(default_factory=dict)
    customers: dict[int, Customer] = field(default_factory=dict)
    vehicles: dict[str, Vehicle] = field(default_factory=dict)  # by VIN
    visible: set[int] = field(default_factory=set)

    def add(self, kind: str, key: str, customer_id: int) -> None:
        self.by_key.setdefault((kind, key), set()).add(customer_id)

    def add_customer(self, c: Customer) -> None:
        self.customers[c.pk] = c
        self.visible.add(c.pk)
        for kind in CUSTOMER_KEYS:
            if getattr(c, kind):
                self.add(kind, getattr(c, kind), c.pk)
        for p in (c.phone_norm, c.phone2_norm):
            if p:
                self.add("phone", p, c.pk)

    def add_vehicle(self, vh: Vehicle) -> None:
        self.vehicles[vh.vin] = vh
        self.add("vin", vh.vin, vh.customer_id)
        if vh.plate:
            self.add("plate", vh.plate, vh.customer_id)


def load_index(actor: User, rows: list[Row]) -> Index:
    index = Index()
    wanted: dict[str, set[str]] = {}
    for row in rows:
        for kind, key in row.keys():
            wanted.setdefault(kind, set()).add(key)
    vehicles = Vehicle.objects.filter(deleted_at__isnull=True).filter(
        Q(vin__in=wanted.get("vin", ())) | Q(plate__in=wanted.get("plate", ()))
    )
    for vh in vehicles:
        index.add_vehicle(vh)
    cond = Q(id_number__in=wanted.get("id_number", ())) | Q(uscc__in=wanted.get("uscc", ()))
    phones = wanted.get("phone", set())
    cond |= Q(phone_norm__in=phones) | Q(phone2_norm__in=phones)
    cond |= Q(pk__in={vh.customer_id for vh in index.vehicles.values()})
    found = list(Customer.objects.filter(deleted_at__isnull=True).filter(cond).select_related("owner"))
    for c in found:
        index.add_customer(c)
    index.visible = set(
        visible_customers(actor).filter(pk__in=[c.pk for c in found]).values_list("pk", flat=True)
    )
    return index


KEY_LABELS = {
    "id_number": "身份证号",
    "uscc": "统一社会信用代码",
    "vin": "车架号",
    "plate": "车牌号",
    "phone": "电话",
}
KEY_FIELDS = {
    "id_number": "customer.id_number",
    "uscc": "customer.uscc",
    "vin": "vehicle.vin",
    "plate": "vehicle.plate",
    "phone": "customer.phone",
}


class RowRejected(Exception):
    def __init__(self, errors: list[RowError]) -> None:
        super().__init__(errors)
        self.errors = errors


def match_customer(row: Row, index: Index, columns: Columns) -> Customer | None:
    """The existing customer this row is about, or None for a new one.

    An ID number or USCC identifies a customer on its own (two customers for one row is a conflict).
    Without one, a VIN, then a plate, then a phone number identifies the customer it belongs to, but
    only if the names agree and that customer's own ID number or USCC does not contradict the row's:
    families share phones, cars change hands."""

    def reject(kind: str, message: str, code: str) -> RowRejected:
        return RowRejected([RowError(KEY_FIELDS[kind], columns.header(KEY_FIELDS[kind]), code, message)])

    keys = row.keys()
    found: dict[int, str] = {}
    for kind, key in keys:
        if kind in CUSTOMER_KEYS:
            for cid in index.by_key.get((kind, key), ()):
                found.setdefault(cid, kind)
    if len(found) > 1:
        (a, ka), (b, kb) = list(found.items())[:2]
        nos = "、".join(index.customers[c].archive_no for c in (a, b))
        raise reject(
            kb, f"{KEY_LABELS[ka]}和{KEY_LABELS[kb]}分别属于两个已有客户（{nos}），请核对", "key_conflict"
        )
    candidates = list(found)
    if not candidates:
        name = row.customer.get("name", "")
        for kind, key in keys:
            for cid in sorted(index.by_key.get((kind, key), ())):
                c = index.customers.get(cid)
                if c is None or (name and c.name != name):
                    continue
                if any(
                    row.customer.get(k) and getattr(c, k) and getattr(c, k) != row.customer[k]
                    for k in CUSTOMER_KEYS
                ):
                    continue
                candidates.append(cid)
                found[cid] = kind
            if candidates:
                break
    if not candidates:
        return None
    cid = candidates[0]
    if cid not in index.visible:
        kind = found[cid]
        raise reject(kind, f"已有{KEY_LABELS[kind]}相同的客户，但不在您的权限范围内，不能修改", "not_visible")
    return index.customers[cid]


# ---------------------------------------------------------------- writing one row


def _split_tags(text: str) -> list[str]:
    return [t for t in (x.strip() for x in text.replace("，", ",").replace("、", ",").split(",")) if t]


def customer_changes(c: Customer, data: dict[str, Any]) -> dict[str, Any]:
    """The fields of `data` that differ from the customer's. Imports add tags, they never remove one."""
    changes: dict[str, Any] = {}
    for k, value in data.items():
        if k == "tags":
            have = [t.name for t in c.tags.all()]
            new = [t for t in _split_tags(value) if t not in have]
            if new:
                changes["tags"] = have + new
        elif k == "owner":
            if value != c.owner.username:
                changes["owner"] = value
        elif getattr(c, k) != value:
            changes[k] = value
    return changes


def vehicle_changes(vh: Vehicle, data: dict[str, Any]) -> dict[str, Any]:
    return {k: value for k, value in data.items() if getattr(vh, k) != value}


class Outcome:
    CREATED = "created"
    UPDATED = "updated"
    UNCHANGED = "unchanged"
    REJECTED = "rejected"
    PENDING = "pending"  # a filed archive: proposed for approval instead of changed (counted as rejected)
    BLANK = "blank"


@dataclass
class Run:
    """What one run of a job needs across its batches."""

    job: ImportJob
    actor: User
    columns: Columns
    dry_run: bool
    owners: dict[str, str] = field(default_factory=dict)
    # dry run only: natural keys of rows that the (rolled-back) earlier batches would have created
    pending: set[tuple[str, str]] = field(default_factory=set)

    @property
    def reason(self) -> str:
        return f"导入：{self.job.original_name}"

    def owner(self, text: str) -> str:
        """A username for the owner cell, which may hold a username or a display name."""
        if text not in self.owners:
            user = User.objects.filter(username=text).first() or (
                User.objects.filter(display_name=text, is_active=True).first()
                if User.objects.filter(display_name=text, is_active=True).count() == 1
                else None
            )
            self.owners[text] = user.username if user else text
        return self.owners[text]


def _service_errors(exc: ValidationError, target: str, columns: Columns) -> list[RowError]:
    errors: list[RowError] = []
    items = exc.error_dict.items() if hasattr(exc, "error_dict") else [("__all__", exc.error_list)]
    for name, errs in items:
        code = f"{target}.{name}"
        if name == "vehicle_id":
            code = "vehicle.vin"
        if code not in FIELDS_BY_CODE:
            code = ""
        for e in errs:
            for message in e.messages:
                errors.append(
                    RowError(code, columns.header(code) if code else "", e.code or "invalid", message)
                )
    return errors


def import_row(run: Run, row: Row, index: Index) -> tuple[str, list[Customer | Vehicle], list[RowError]]:
    """Write one parsed row through the services, inside the caller's savepoint. Returns the outcome,
    what it wrote (for the caller to add to the index once the savepoint holds) and, for a change that
    awaits approval, why it is not applied; raises RowRejected with every reason when the row cannot
    be imported."""
    if row.errors:
        raise RowRejected(row.errors)
    columns = run.columns
    if not row.keys():
        raise RowRejected(
            [
                RowError(
                    "customer.phone",
                    columns.header("customer.phone"),
                    "no_key",
                    "缺少识别信息：请至少填写身份证号、统一社会信用代码、电话、车架号或车牌号之一，"
                    "以免重复导入时重复建档",
                )
            ]
        )
    data = dict(row.customer)
    if "owner" in data:
        data["owner"] = run.owner(data["owner"])
    customer = match_customer(row, index, columns)
    outcome = Outcome.UNCHANGED
    try:
        if customer is None:
            if "kind" not in data and data.get("uscc"):
                data["kind"] = CustomerKind.COMPANY
            customer = customer_create(actor=run.actor, **data)
            pending = run.dry_run and any(k in run.pending for k in row.keys())
            outcome = Outcome.UPDATED if pending else Outcome.CREATED
        else:
            changes = customer_changes(customer, data)
            if changes:
                try:
                    customer = customer_update(
                        actor=run.actor, customer_id=customer.pk, reason=run.reason, **changes
                    )
                except ApprovalPending as exc:
                    # a filed archive: the change became a proposal for the sales manager, which this
                    # row's savepoint keeps; the row's data is not applied (yet)
                    error = RowError(
                        "", "", "approval_pending", f"{exc.message}（变更申请 {exc.request_id}）"
                    )
                    return Outcome.PENDING, [], [error]
                outcome = Outcome.UPDATED
    except ValidationError as exc:
        raise RowRejected(_service_errors(exc, "customer", columns)) from None
    written: list[Customer | Vehicle] = [customer]
    vehicle: Vehicle | None = None
    if row.vehicle:
        vehicle, changed = _import_vehicle(run, row, index, customer)
        written.append(vehicle)
        if changed and outcome == Outcome.UNCHANGED:
            outcome = Outcome.UPDATED
    if row.event:
        if _import_event(run, row, customer, vehicle) and outcome == Outcome.UNCHANGED:
            outcome = Outcome.UPDATED
    return outcome, written, []


def _import_vehicle(run: Run, row: Row, index: Index, customer: Customer) -> tuple[Vehicle, bool]:
    columns = run.columns
    data = dict(row.vehicle)
    vin, plate = data.get("vin"), data.get("plate")
    existing = None
    if vin:
        existing = index.vehicles.get(vin)
        if existing is not None and existing.customer_id != customer.pk:
            owner = index.customers.get(existing.customer_id)
            raise RowRejected(
                [
                    RowError(
                        "vehicle.vin",
                        columns.header("vehicle.vin"),
                        "duplicate",
                        f"该车架号已登记在其他客户名下（{owner.archive_no if owner else '无权查看'}）",
                    )
                ]
            )
    elif plate:
        existing = next(
            (vh for vh in index.vehicles.values() if vh.plate == plate and vh.customer_id == customer.pk),
            None,
        )
    try:
        if existing is None:
            if not vin:
                raise RowRejected(
                    [RowError("vehicle.vin", columns.header("vehicle.vin"), "required", "登记车辆需要车架号")]
                )
            return vehicle_create(actor=run.actor, customer_id=customer.pk, **data), True
        changes = vehicle_changes(existing, data)
        if not changes:
            return existing, False
        return vehicle_update(actor=run.actor, vehicle_id=existing.pk, reason=run.reason, **changes), True
    except ApprovalPending as exc:
        raise RowRejected(
            [RowError("", "", "approval_pending", f"{exc.message}（变更申请 {exc.request_id}）")]
        ) from None
    except ValidationError as exc:
        raise RowRejected(_service_errors(exc, "vehicle", columns)) from None


def _import_event(run: Run, row: Row, customer: Customer, vehicle: Vehicle | None) -> bool:
    """Record the row's service event through the agenda, once: an event of the same kind, date,
    customer and vehicle already recorded is not recorded again."""
    from kedang.agenda.models import EventSource, ServiceEvent
    from kedang.agenda.services import event_record

    columns = run.columns
    data = row.event
    missing = [c for c in ("event.kind", "event.date") if c.split(".")[1] not in data]
    if missing:
        raise RowRejected(
            [RowError(c, columns.header(c), "required", f"请填写{FIELDS_BY_CODE[c].label}") for c in missing]
        )
    if ServiceEvent.objects.filter(
        customer=customer, vehicle=vehicle, kind=data["kind"], date=data["date"]
    ).exists():
        return False
    try:
        event_record(
            actor=run.actor,
            customer_id=customer.pk,
            kind=data["kind"],
            date=data["date"],
            vehicle_id=vehicle.pk if vehicle else None,
            amount=data.get("amount"),
            accident=bool(data.get("accident")),
            notes=data.get("notes", ""),
            source=EventSource.IMPORT,
        )
    except ValidationError as exc:
        raise RowRejected(_service_errors(exc, "event", columns)) from None
    return True


# ---------------------------------------------------------------- batches and runs


@dataclass
class BatchResult:
    rows: int = 0  # rows consumed, blank ones included
    counts: dict[str, int] = field(default_factory=dict)
    rejections: list[ImportRejection] = field(default_factory=list)
    created_keys: set[tuple[str, str]] = field(default_factory=set)


class _DryRunRollback(Exception):
    pass


def _process(run: Run, batch: list[tuple[int, list[Any]]]) -> BatchResult:
    result = BatchResult(rows=len(batch))
    rows: list[Row] = []
    for number, values in batch:
        if all(reading.is_blank(x) for x in values):
            result.counts[Outcome.BLANK] = result.counts.get(Outcome.BLANK, 0) + 1
            continue
        rows.append(parse_row(number, values, run.columns))
    index = load_index(run.actor, rows)
    for row in rows:
        try:
            with transaction.atomic():
                outcome, written, notes = import_row(run, row, index)
            if outcome == Outcome.PENDING:
                outcome = Outcome.REJECTED
                result.rejections.append(_rejection(run, row, notes))
            for obj in written:
                if isinstance(obj, Customer):
                    index.add_customer(obj)
                else:
                    index.add_vehicle(obj)
        except RowRejected as exc:
            outcome = Outcome.REJECTED
            result.rejections.append(_rejection(run, row, exc.errors))
        except (Http404, PermissionDenied) as exc:
            outcome = Outcome.REJECTED
            result.rejections.append(_rejection(run, row, [RowError("", "", "forbidden", str(exc))]))
        except IntegrityError as exc:
            outcome = Outcome.REJECTED
            result.rejections.append(
                _rejection(run, row, [RowError("", "", "integrity", f"数据库拒绝：{exc}")])
            )
        if outcome == Outcome.CREATED:
            result.created_keys.update(row.keys())
        result.counts[outcome] = result.counts.get(outcome, 0) + 1
    return result


def _rejection(run: Run, row: Row, errors: list[RowError]) -> ImportRejection:
    values = [reading.cell_text(x) for x in row.values]
    return ImportRejection(
        job=run.job, dry_run=run.dry_run, row=row.number, values=values, errors=[e.as_dict() for e in errors]
    )


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
            result = _process(run, batch)
            _save_progress(job, result)
            return result
    # dry run: the batch's writes are rolled back, then its counters and rejections are kept
    holder: list[BatchResult] = []
    try:
        with transaction.atomic():
            holder.append(_process(run, batch))
            raise _DryRunRollback
    except _DryRunRollback:
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
    run = Run(job, actor, Columns(job), dry_run=job.dry_run)
    rows = _rows_after(job)
    done = job.done_rows
    try:
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
        return job
    finally:
        if hasattr(rows, "close"):
            rows.close()
    job.refresh_from_db()
    if job.done_rows >= job.total_rows:
        _finish(job)
    return job


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


# ---------------------------------------------------------------- the error workbook


def error_workbook(job: ImportJob, *, dry_run: bool, out: Any) -> int:
    """The rejected rows as an .xlsx: the original columns, the bad cells in red, and a last column
    with every reason. Fixed and uploaded again, it imports (the reason column is ignored).
    Writes to the binary file object `out`; returns the number of rows written."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font, PatternFill

    from .exports import safe_cell

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("错误行")
    columns = Columns(job)
    bold = Font(bold=True)
    red = PatternFill("solid", fgColor="FFC7CE")
    header = []
    for text in [*job.headers, ERROR_COLUMN]:
        cell = WriteOnlyCell(ws, value=safe_cell(text))
        cell.font = bold
        header.append(cell)
    ws.append(header)
    n = 0
    for rej in ImportRejection.objects.filter(job=job, dry_run=dry_run).order_by("row").iterator():
        bad = {columns.by_code[e["field"]] for e in rej.errors if e["field"] in columns.by_code}
        cells = []
        for i in range(len(job.headers)):
            value = rej.values[i] if i < len(rej.values) else ""
            cell = WriteOnlyCell(ws, value=safe_cell(value))
            if i in bad:
                cell.fill = red
            cells.append(cell)
        reasons = "；".join(
            f"第{rej.row}行 {e['column']}：{e['message']}"
            if e["column"]
            else f"第{rej.row}行：{e['message']}"
            for e in rej.errors
        )
        cells.append(WriteOnlyCell(ws, value=safe_cell(reasons)))
        ws.append(cells)
        n += 1
    wb.save(out)
    return n


def rejected_list(job: ImportJob, *, dry_run: bool) -> list[dict[str, Any]]:
    """Every reason of every rejected row: [{row, field, column, code, message}], by row."""
    out = []
    for rej in ImportRejection.objects.filter(job=job, dry_run=dry_run).order_by("row"):
        for e in rej.errors:
            name = e["field"].split(".", 1)[1] if "." in e["field"] else (e["field"] or "__all__")
            out.append(
                {
                    "row": rej.row,
                    "field": name,
                    "column": e["column"],
                    "code": e["code"],
                    "message": e["message"],
                }
            )
    return out


def summary(job: ImportJob) -> dict[str, Any]:
    """{imported, updated, unchanged, rejected: [...]} of the job's current run (SPEC §14 /imports)."""
    return {
        "job": job.pk,
        "status": job.status,
        "dry_run": job.dry_run,
        "rows": job.total_rows,
        "imported": job.created,
        "updated": job.updated,
        "unchanged": job.unchanged,
        "rejected": rejected_list(job, dry_run=job.dry_run),
    }


# ---------------------------------------------------------------- exports (R-I2)

EXPORT_FILTERS = ("q", "owner", "tier", "tag", "kind")


EXPORT_VALUES = (
    "pk archive_no name kind phone_norm phone2_norm id_number uscc gender birthday address owner__username "
    "owner__display_name tier source since created_at notes"
).split()


def _customer_export_rows(qs: Any, chunk: int = 2000) -> Iterator[list[Any]]:
    """Rows of the customer export: plain values, tags and plates fetched per chunk of customers
    (three queries per 2,000 customers, no model instances)."""
    from kedang.customers.models import CustomerKind, Gender
    from kedang.web.templatetags.kedang import mask_id, mask_phone

    kinds = {k: str(label) for k, label in CustomerKind.choices}
    genders = {k: str(label) for k, label in Gender.choices if k}
    values = qs.values_list(*EXPORT_VALUES).iterator(chunk_size=chunk)
    while batch := list(islice(values, chunk)):
        ids = [r[0] for r in batch]
        tags: dict[int, list[str]] = {}
        for cid, tag in Customer.tags.through.objects.filter(customer_id__in=ids).values_list(
            "customer_id", "tag__name"
        ):
            tags.setdefault(cid, []).append(tag)
        plates: dict[int, list[str]] = {}
        for cid, plate in (
            Vehicle.objects.filter(customer_id__in=ids, deleted_at__isnull=True)
            .exclude(plate="")
            .order_by("id")
            .values_list("customer_id", "plate")
        ):
            plates.setdefault(cid, []).append(plate)
        for (
            pk,
            no,
            name,
            kind,
            phone,
            phone2,
            idn,
            uscc,
            gender,
            birthday,
            address,
            username,
            display,
            tier,
            source,
            since,
            created,
            notes,
        ) in batch:
            yield [
                no,
                name,
                kinds.get(kind, kind),
                mask_phone(phone),
                mask_phone(phone2),
                mask_id(idn) if idn else uscc,
                genders.get(gender, ""),
                birthday,
                address,
                display or username,
                tier,
                "，".join(sorted(tags.get(pk, []))),
                source,
                since,
                " ".join(plates.get(pk, [])),
                timezone.localtime(created).date(),
                notes,
            ]


def export_customers(*, actor: User, filters: dict[str, str], file_format: str, out: Any) -> int:
    """The customer list as the user sees it — her visibility, the page's filters, phone and ID numbers
    masked as on the page — written to `out` as .xlsx or CSV (UTF-8 with BOM). Logged. Returns the
    number of customers written."""
    from kedang.customers.selectors import customer_list

    from .exports import Column, write_csv, write_xlsx
    from .models import ExportLog

    if file_format not in ("xlsx", "csv"):
        raise ValidationError({"format": ValidationError("格式应为 xlsx 或 csv", code="invalid_choice")})
    clean = {k: str(filters.get(k) or "") for k in EXPORT_FILTERS}
    qs = customer_list(actor, **clean)
    columns = [
        Column("档号", 18),
        Column("名称", 24),
        Column("类型", 6),
        Column("电话", 14),
        Column("备用电话", 14),
        Column("身份证号/统一社会信用代码", 22),
        Column("性别", 5),
        Column("出生日期", 11),
        Column("地址", 36),
        Column("客户经理", 10),
        Column("等级", 5),
        Column("标签", 16),
        Column("来源", 10),
        Column("建立关系日期", 12),
        Column("车辆", 20),
        Column("建档日期", 11),
        Column("备注", 30),
    ]
    rows = _customer_export_rows(qs)
    if file_format == "xlsx":
        n = write_xlsx(out, sheet="客户档案", columns=columns, rows=rows)
    else:
        n = write_csv(out, columns=columns, rows=rows)
    ExportLog.objects.create(
        user=actor,
        what="customers",
        file_format=file_format,
        filters={k: v for k, v in clean.items() if v},
        rows=n,
    )
    return n


def customer_form_pdf(*, actor: User, customer_id: int) -> tuple[Customer, bytes]:
    """《客户档案基本资料表》 of a visible customer (404 otherwise), as PDF; the print is logged."""
    from kedang.customers.selectors import get_customer_for_user

    from .models import ExportLog
    from .pdf import customer_basic_form

    customer = get_customer_for_user(actor, customer_id)
    content = customer_basic_form(customer, printed_by=str(actor))
    ExportLog.objects.create(
        user=actor, what="customer_basic_form", file_format="pdf", rows=1, customer=customer
    )
    return customer, content
