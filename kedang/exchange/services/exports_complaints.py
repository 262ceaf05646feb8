"""The complaint list as Excel or CSV (R-I2, R-P1): the page's filters and order, the user's complaint
visibility (`visible_complaints`: her customers' complaints and those she handles). Logged."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

from django.utils import timezone

from kedang.accounts.models import User

from .exports_common import check_format, write_logged

COMPLAINT_FILTERS = ("q", "state", "channel", "category", "department", "handler", "overdue", "start", "end")


def _complaint_rows(qs: Any, today: dt.date, chunk: int = 2000) -> Iterator[list[Any]]:
    from kedang.complaints.models import OPEN_STATES

    for c in qs.iterator(chunk_size=chunk):
        vehicle = c.vehicle
        overdue = c.state in OPEN_STATES and c.due_on is not None and c.due_on < today
        yield [
            c.number,
            c.customer.name,
            (vehicle.plate or vehicle.vin) if vehicle else "",
            c.get_channel_display(),
            str(c.category) if c.category else "",
            c.summary,
            c.get_state_display(),
            c.due_on,
            "逾期" if overdue else "",
            c.department.name if c.department else "",
            str(c.handler) if c.handler else "",
            c.received_on,
            c.closed_on,
            c.satisfaction,
        ]


def export_complaints(
    *,
    actor: User,
    filters: dict[str, str],
    file_format: str,
    out: Any,
    today: dt.date | None = None,
) -> int:
    """The complaint list as the page shows it (every page), written to `out`; the rows written."""
    from kedang.complaints.forms import FilterForm
    from kedang.complaints.selectors import complaint_search

    from ..exports import Column

    check_format(file_format)
    today = today or timezone.localdate()
    query = {k: str(filters.get(k) or "") for k in COMPLAINT_FILTERS}
    form = FilterForm(query)
    form.is_valid()
    f = getattr(form, "cleaned_data", {})
    qs = complaint_search(
        actor,
        today=today,
        q=f.get("q") or "",
        state=f.get("state") or "",
        channel=f.get("channel") or "",
        category=f.get("category"),
        department=f.get("department"),
        handler=f.get("handler") or "",
        overdue=bool(f.get("overdue")),
        start=f.get("start"),
        end=f.get("end"),
    )
    columns = [
        Column("投诉单号", 18),
        Column("客户", 20),
        Column("车辆", 18),
        Column("渠道", 8),
        Column("类别", 16),
        Column("投诉内容", 40),
        Column("状态", 8),
        Column("本环节时限", 11),
        Column("逾期", 6),
        Column("责任部门", 12),
        Column("处理人", 10),
        Column("受理日期", 11),
        Column("结案日期", 11),
        Column("满意度", 7),
    ]
    return write_logged(
        actor=actor,
        what="complaints",
        sheet="投诉",
        columns=columns,
        rows=_complaint_rows(qs, today),
        file_format=file_format,
        out=out,
        filters=query,
    )
