"""The follow-up task list as Excel or CSV (R-I2): the page's filters, the user's task visibility, the
customer's phone masked as on the page. Logged."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.core.exceptions import ValidationError

from kedang.accounts.models import User

TASK_FILTERS = ("due_from", "due_to", "rule", "status", "assignee")


def _task_rows(qs: Any, chunk: int = 2000) -> Iterator[list[Any]]:
    from kedang.archive.masks import mask_phone

    for t in qs.iterator(chunk_size=chunk):
        vehicle = t.vehicle
        yield [
            t.rule.code,
            t.rule.name,
            t.customer.archive_no,
            t.customer.name,
            mask_phone(t.customer.phone_norm),
            (vehicle.plate or vehicle.vin) if vehicle else "",
            t.due_date,
            t.window_end,
            t.get_status_display(),
            str(t.assignee) if t.assignee else "",
            t.attempts,
            t.next_attempt_on,
        ]


def export_tasks(*, actor: User, filters: dict[str, str], file_format: str, out: Any) -> int:
    """The task list as the page shows it (status defaults to open, as on the page), written to `out`."""
    from kedang.agenda import selectors
    from kedang.agenda.forms import TaskFilterForm
    from kedang.agenda.models import TaskStatus
    from kedang.archive.output import output_logged

    from ..exports import Column, write_csv, write_xlsx

    if file_format not in ("xlsx", "csv"):
        raise ValidationError({"format": ValidationError("格式应为 xlsx 或 csv", code="invalid_choice")})
    query = {k: str(filters.get(k) or "") for k in TASK_FILTERS}
    if "status" not in filters:
        query["status"] = TaskStatus.OPEN
    form = TaskFilterForm(query)
    form.is_valid()
    data = getattr(form, "cleaned_data", {})
    qs = selectors.task_search(
        actor,
        due_from=data.get("due_from"),
        due_to=data.get("due_to"),
        rule=data.get("rule") or "",
        status=data.get("status") or "",
        assignee=data.get("assignee") or "",
    )
    columns = [
        Column("规则", 8),
        Column("回访项目", 18),
        Column("档号", 18),
        Column("客户", 20),
        Column("电话", 14),
        Column("车辆", 18),
        Column("应回访日", 11),
        Column("最迟回访日", 11),
        Column("状态", 8),
        Column("负责人", 10),
        Column("已拨打", 7),
        Column("下次拨打", 11),
    ]
    rows = _task_rows(qs)
    if file_format == "xlsx":
        n = write_xlsx(out, sheet="回访任务", columns=columns, rows=rows)
    else:
        n = write_csv(out, columns=columns, rows=rows)
    output_logged(
        actor=actor,
        what="tasks",
        file_format=file_format,
        filters={k: v for k, v in query.items() if v},
        rows=n,
    )
    return n
