"""Imports over HTTP (SPEC §14): `POST /imports` with a multipart `file` and `kind=customers`.

The file is imported to the end before the answer (each batch one transaction, as everywhere), so the
answer is the summary: `{imported, updated, unchanged, rejected: [{row, field, column, code, message}]}`.
A file that is not a spreadsheet, a zip bomb or one with too many rows answers 422 naming `file`.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import File, Form, Router, Schema, Status
from ninja.files import UploadedFile
from pydantic import Field

from kedang.accounts.models import User

from . import services

router = Router(tags=["imports"])


class Rejected(Schema):
    row: int = Field(description="行号（与 Excel 中看到的一致，表头为第 1 行）")
    field: str = Field(description="字段，如 phone、vin；整行问题为 __all__")
    column: str = Field(description="文件中的列名")
    code: str
    message: str


class ImportOut(Schema):
    job: int
    status: str
    dry_run: bool
    rows: int
    imported: int = Field(description="新建的客户")
    updated: int = Field(description="匹配到已有客户的行（含无变化的行）")
    unchanged: int = Field(description="匹配到已有客户且无任何变化的行")
    rejected: list[Rejected]


class Message(Schema):
    detail: str


class FieldError(Schema):
    code: str
    message: str


class ErrorOut(Schema):
    detail: list[dict[str, Any]]
    errors: dict[str, list[FieldError]]


@router.post("/imports", response={200: ImportOut, 401: Message, 403: Message, 422: ErrorOut})
def imports_create(
    request: HttpRequest,
    file: File[UploadedFile],
    kind: Form[str] = "customers",
    dry_run: Form[bool] = False,
) -> Status[dict[str, Any]]:
    """Import customers (with vehicles and service events) from an .xlsx or .csv file.

    Columns are matched by their headers (姓名/客户名称/name, 手机/电话, 身份证号, 车牌号, 车架号/VIN,
    提车日期, …). Existing customers are matched on ID number, USCC, VIN, plate or phone, so a re-run
    updates instead of duplicating. `dry_run=true` checks and counts without writing."""
    actor = request.auth  # type: ignore[attr-defined]
    assert isinstance(actor, User)
    job = services.import_upload_store(
        actor=actor, chunks=file.chunks(), original_name=file.name or "import", kind=kind
    )
    job = services.import_job_run(actor=actor, job=job, dry_run=dry_run)
    return Status(200, services.summary(job))
