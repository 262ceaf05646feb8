"""Import and export pages. Thin: forms in, services do.

The import runs from the page without a worker: the progress bar polls (htmx) and each poll runs the
next batches for about a second and a half, each batch one transaction. Closing the page pauses the
job at a batch boundary; opening it again (or `manage.py import_customers` on the same file) goes on.
"""

from __future__ import annotations

import io
import time
from itertools import islice
from pathlib import Path
from typing import Any
from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kedang.accounts.models import User
from kedang.accounts.selectors import can_write

from . import reading, services
from .mapping import FIELDS
from .models import ImportStatus
from .selectors import get_import_job_for_user, recent_import_jobs

WEB_BATCH = 50
WEB_SECONDS = 1.5
PREVIEW_ROWS = 3


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


def _download(content: bytes, filename: str, content_type: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    response["X-Content-Type-Options"] = "nosniff"
    return response


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@login_required
def import_home(request: HttpRequest) -> HttpResponse:
    """Upload a file; the user's recent imports below."""
    user = _user(request)
    if not can_write(user):
        raise PermissionDenied(_("当前角色只读，不能导入"))
    error = ""
    if request.method == "POST":
        upload = request.FILES.get("file")
        if upload is None:
            error = _("请选择要导入的文件")
        else:
            try:
                job = services.import_upload_store(
                    actor=user, chunks=upload.chunks(), original_name=upload.name or "import"
                )
            except ValidationError as exc:
                error = "；".join(exc.messages)
            else:
                return redirect("import_job", job.pk)
    return render(
        request,
        "exchange/import.html",
        {"jobs": recent_import_jobs(user), "error": error, "max_mb": reading.MAX_BYTES // (1024 * 1024)},
    )


def _preview(job: Any) -> list[list[str]]:
    """The first data rows, as text, for the mapping table."""
    info = reading.FileInfo(job.file_format, job.encoding, job.delimiter)
    rows = (
        [reading.cell_text(v) for v in values]
        for number, values in reading.iter_rows(Path(job.path), info)
        if number > job.header_row and not all(reading.is_blank(v) for v in values)
    )
    try:
        return list(islice(rows, PREVIEW_ROWS))
    except (ValidationError, OSError):
        return []


def _job_context(request: HttpRequest, job: Any) -> dict[str, Any]:
    preview = _preview(job) if job.status in (ImportStatus.READY, ImportStatus.CHECKED) else []
    columns = [
        {
            "index": i,
            "header": header or reading.cell_text(i + 1),
            "field": job.mapping.get(str(i), ""),
            "samples": [row[i] for row in preview if i < len(row) and row[i]],
        }
        for i, header in enumerate(job.headers)
    ]
    dry = job.status == ImportStatus.CHECKED or (job.dry_run and job.status == ImportStatus.DRY_RUNNING)
    rejected = services.rejected_list(job, dry_run=job.dry_run)
    return {
        "job": job,
        "columns": columns,
        "fields": [(f.code, f.label, f.target) for f in FIELDS],
        "rejected": rejected[:200],
        "rejected_more": max(len(rejected) - 200, 0),
        "dry": dry,
        "editable": job.status in (ImportStatus.READY, ImportStatus.CHECKED),
        "running": job.status in (ImportStatus.RUNNING, ImportStatus.DRY_RUNNING),
    }


@login_required
def import_job(request: HttpRequest, job_id: int) -> HttpResponse:
    job = get_import_job_for_user(_user(request), job_id)
    return render(request, "exchange/job.html", _job_context(request, job))


@login_required
@require_POST
def import_mapping(request: HttpRequest, job_id: int) -> HttpResponse:
    user = _user(request)
    job = get_import_job_for_user(user, job_id)
    mapping = {
        i: request.POST[f"col_{i}"]
        for i in range(len(job.headers))
        if request.POST.get(f"col_{i}", "").strip()
    }
    try:
        services.import_job_set_mapping(actor=user, job=job, mapping=mapping)
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    else:
        messages.success(request, _("已保存列对应关系"))
    return redirect("import_job", job.pk)


@login_required
@require_POST
def import_start(request: HttpRequest, job_id: int) -> HttpResponse:
    user = _user(request)
    job = get_import_job_for_user(user, job_id)
    dry_run = request.POST.get("dry_run") == "1"
    try:
        services.import_job_start(actor=user, job=job, dry_run=dry_run)
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    return redirect("import_job", job.pk)


@login_required
def import_progress(request: HttpRequest, job_id: int) -> HttpResponse:
    """The progress bar (htmx). A POST also runs the next batches for up to WEB_SECONDS."""
    user = _user(request)
    job = get_import_job_for_user(user, job_id)
    if request.method == "POST" and job.status in (ImportStatus.RUNNING, ImportStatus.DRY_RUNNING):
        job = services.import_job_step(
            actor=user, job=job, batch_size=WEB_BATCH, until=time.monotonic() + WEB_SECONDS
        )
    response = render(request, "exchange/_progress.html", {"job": job})
    if job.status not in (ImportStatus.RUNNING, ImportStatus.DRY_RUNNING):
        response["HX-Refresh"] = "true"  # finished: show the report
    return response


@login_required
def import_errors(request: HttpRequest, job_id: int) -> HttpResponse:
    """The rejected rows as an Excel workbook with a reason column, to fix and import again."""
    job = get_import_job_for_user(_user(request), job_id)
    out = io.BytesIO()
    services.error_workbook(job, dry_run=job.dry_run, out=out)
    stem = Path(job.original_name).stem
    return _download(out.getvalue(), f"{stem}-错误行.xlsx", XLSX)


@login_required
def import_template(request: HttpRequest) -> HttpResponse:
    """An empty workbook with every column the import understands and one example row."""
    from .exports import Column, write_xlsx

    example = {
        "customer.name": "张三",
        "customer.kind": "个人",
        "customer.phone": "13812345678",
        "customer.id_number": "11010519491231002X",
        "customer.gender": "女",
        "customer.address": "北京市朝阳区建国路88号",
        "customer.tier": "A",
        "vehicle.vin": "LSVAU2180N2183294",
        "vehicle.plate": "京A12345",
        "vehicle.model": "大众帕萨特",
        "vehicle.delivery_date": "2026-03-01",
        "event.kind": "保养",
        "event.date": "2026-03-01",
        "event.amount": "680.00",
    }
    out = io.BytesIO()
    write_xlsx(
        out,
        sheet="客户导入模板",
        columns=[Column(str(f.label), 14) for f in FIELDS],
        rows=[[example.get(f.code, "") for f in FIELDS]],
    )
    return _download(out.getvalue(), "客户导入模板.xlsx", XLSX)


@login_required
def customers_export(request: HttpRequest) -> HttpResponse:
    """The customer list with the page's filters, as .xlsx or CSV (UTF-8 with BOM)."""
    return _list_export(request, services.export_customers, "客户档案")


@login_required
def tasks_export(request: HttpRequest) -> HttpResponse:
    """The follow-up task list with the page's filters, as .xlsx or CSV (UTF-8 with BOM)."""
    return _list_export(request, services.export_tasks, "回访任务")


def _list_export(request: HttpRequest, export: Any, stem: str) -> HttpResponse:
    """A list export (R-I2): the page's querystring as filters, ?format=xlsx (default) or csv."""
    file_format = request.GET.get("format", "xlsx")
    if file_format not in ("xlsx", "csv"):
        file_format = "xlsx"
    out = io.BytesIO()
    export(actor=_user(request), filters=request.GET.dict(), file_format=file_format, out=out)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    content_type = XLSX if file_format == "xlsx" else "text/csv; charset=utf-8"
    return _download(out.getvalue(), f"{stem}-{stamp}.{file_format}", content_type)


@login_required
def complaints_export(request: HttpRequest) -> HttpResponse:
    """The complaint list with the page's filters, as .xlsx or CSV (UTF-8 with BOM)."""
    return _list_export(request, services.export_complaints, "投诉")


@login_required
def outbox_export(request: HttpRequest) -> HttpResponse:
    """The care outbox with the page's filters, as .xlsx or CSV (UTF-8 with BOM)."""
    return _list_export(request, services.export_outbox, "发件箱")


@login_required
def samples_export(request: HttpRequest) -> HttpResponse:
    """The level-2/3 follow-up sample of the page's period, as .xlsx or CSV (UTF-8 with BOM)."""
    return _list_export(request, services.export_samples, "回访抽样")


@login_required
def access_requests_export(request: HttpRequest) -> HttpResponse:
    """The access requests of the governance overview (?list=pending or mine), as .xlsx or CSV."""
    return _list_export(request, services.export_access_requests, "查阅申请")


@login_required
def recycle_bin_export(request: HttpRequest) -> HttpResponse:
    """The recycle bin of the governance overview, as .xlsx or CSV (UTF-8 with BOM)."""
    return _list_export(request, services.export_recycle_bin, "回收站")


@login_required
def customer_form(request: HttpRequest, customer_id: int) -> HttpResponse:
    """《客户档案基本资料表》 as PDF, shown in the browser for printing."""
    customer, content = services.customer_form_pdf(actor=_user(request), customer_id=customer_id)
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = (
        f"inline; filename*=UTF-8''{quote(f'客户档案基本资料表-{customer.archive_no}.pdf')}"
    )
    return response


@login_required
def call_form(request: HttpRequest, call_id: int) -> HttpResponse:
    """《跟踪服务电话记录表》 of one call as PDF, shown in the browser for printing."""
    call, content = services.call_form_pdf(actor=_user(request), call_id=call_id)
    response = HttpResponse(content, content_type="application/pdf")
    name = f"跟踪服务电话记录表-{call.customer.archive_no}-{call.task_id}-{call.attempt}.pdf"
    response["Content-Disposition"] = f"inline; filename*=UTF-8''{quote(name)}"
    return response
