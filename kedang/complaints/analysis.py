"""Complaint analysis (R-P4): counts by category, department, vehicle model, handler and channel; the time
complaints spend in each stage and until closed; repeat complainers; the monthly trend. One report object,
computed from visible complaints received in a period; the page, its charts and the Excel export show
the same figures."""

from __future__ import annotations

import datetime as dt
import io
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db import connection
from django.db.models import Avg, Count, Q, QuerySet
from django.utils.translation import gettext_lazy

from kedang.accounts.models import User
from kedang.exchange.exports import safe_cell

from .models import OPEN_STATES, Category, Channel, Complaint, State, Transition
from .selectors import visible_complaints

# labels are in the reader's language: the page and the Excel file follow the language switch
NONE_LABEL = gettext_lazy("（未填）")


@dataclass
class Line:
    label: str
    count: int


@dataclass
class StageLine:
    state: str
    label: str
    days: float | None  # average days spent in the state (stages that were left)
    count: int


@dataclass
class MonthLine:
    month: str  # YYYY-MM
    received: int
    closed: int


@dataclass
class Repeat:
    customer_id: int
    name: str
    archive_no: str
    count: int


@dataclass
class Analysis:
    start: dt.date
    end: dt.date
    total: int = 0
    open: int = 0
    overdue: int = 0
    closed: int = 0
    rejected: int = 0
    avg_close_days: float | None = None
    avg_satisfaction: float | None = None
    by_category: list[Line] = field(default_factory=list)
    by_department: list[Line] = field(default_factory=list)
    by_model: list[Line] = field(default_factory=list)
    by_handler: list[Line] = field(default_factory=list)
    by_channel: list[Line] = field(default_factory=list)
    stages: list[StageLine] = field(default_factory=list)
    repeat: list[Repeat] = field(default_factory=list)
    monthly: list[MonthLine] = field(default_factory=list)


def _lines(qs: QuerySet[Complaint], key: str, label: Any = None) -> list[Line]:
    rows = qs.values(key).annotate(n=Count("id")).order_by("-n", key)
    return [Line(label(r[key]) if label else (r[key] or str(NONE_LABEL)), r["n"]) for r in rows]


def _months(start: dt.date, end: dt.date) -> list[str]:
    out, y, m = [], start.year, start.month
    while (y, m) <= (end.year, end.month):
        out.append(f"{y:04d}-{m:02d}")
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


NOT_STAGES = ("escalate", "compensation_request", "compensation_decide")


def _days(column: str) -> str:
    """SQL for a timestamp column as (fractional) days, on the database in use."""
    if connection.vendor == "postgresql":
        return f"(EXTRACT(EPOCH FROM {column}) / 86400.0)"
    return f"julianday({column})"


def _stage_and_close_days(
    qs: QuerySet[Complaint],
) -> tuple[dict[str, tuple[float | None, int]], float | None]:
    """Average days spent in each state (a stage lasts from the step into it to the next step; stages not
    left yet do not count), and the average days from receipt to the last close of closed complaints."""
    ids_sql, ids_params = qs.values("pk").query.sql_with_params()
    t = Transition._meta.db_table
    skip = ", ".join(["%s"] * len(NOT_STAGES))
    stage_sql = f"""
        SELECT to_state, AVG(nxt - cur), COUNT(*) FROM (
            SELECT t.to_state, {_days("t.at")} AS cur,
                   LEAD({_days("t.at")}) OVER (PARTITION BY t.complaint_id ORDER BY t.at, t.id) AS nxt
            FROM {t} t WHERE t.complaint_id IN ({ids_sql}) AND t.action NOT IN ({skip})
        ) s WHERE nxt IS NOT NULL GROUP BY to_state
    """
    close_sql = f"""
        SELECT AVG(closed_at - received_at) FROM (
            SELECT MIN({_days("t.at")}) AS received_at,
                   MAX(CASE WHEN t.action = %s THEN {_days("t.at")} END) AS closed_at
            FROM {t} t WHERE t.complaint_id IN ({ids_sql}) GROUP BY t.complaint_id
        ) s WHERE closed_at IS NOT NULL
    """
    closed_ids_sql, closed_params = qs.filter(state=State.CLOSED).values("pk").query.sql_with_params()
    close_sql = close_sql.replace(f"IN ({ids_sql})", f"IN ({closed_ids_sql})")
    with connection.cursor() as cur:
        cur.execute(stage_sql, [*ids_params, *NOT_STAGES])
        stages = {
            state: (round(float(avg) + 1e-9, 1) if avg is not None else None, n)
            for state, avg, n in cur.fetchall()
        }
        cur.execute(close_sql, ["close", *closed_params])
        (avg_close,) = cur.fetchone()
    return stages, (round(float(avg_close) + 1e-9, 1) if avg_close is not None else None)


def complaint_analysis(
    user: User, *, start: dt.date, end: dt.date, today: dt.date, department_id: int | None = None
) -> Analysis:
    qs = visible_complaints(user).filter(received_on__gte=start, received_on__lte=end)
    if department_id:
        qs = qs.filter(department_id=department_id)
    report = Analysis(start=start, end=end)
    totals = qs.aggregate(
        total=Count("id"),
        open=Count("id", filter=Q(state__in=OPEN_STATES)),
        overdue=Count("id", filter=Q(state__in=OPEN_STATES, due_on__lt=today)),
        closed=Count("id", filter=Q(state=State.CLOSED)),
        rejected=Count("id", filter=Q(state=State.REJECTED)),
        satisfaction=Avg("satisfaction"),
    )
    report.total, report.open, report.overdue = totals["total"], totals["open"], totals["overdue"]
    report.closed, report.rejected = totals["closed"], totals["rejected"]
    if totals["satisfaction"] is not None:
        report.avg_satisfaction = round(float(totals["satisfaction"]), 2)

    # categories are counted under their top-level category
    cats = {c.pk: c for c in Category.objects.all()}

    def root_name(pk: int | None) -> str:
        node = cats.get(pk) if pk else None
        while node is not None and node.parent_id:
            node = cats.get(node.parent_id)
        return node.name if node else str(NONE_LABEL)

    by_root: dict[str, int] = defaultdict(int)
    for line in _lines(qs, "category_id", root_name):
        by_root[line.label] += line.count
    report.by_category = sorted((Line(k, v) for k, v in by_root.items()), key=lambda x: (-x.count, x.label))
    report.by_department = _lines(qs, "department__name")
    report.by_model = _lines(qs, "vehicle__model")
    by_handler = list(qs.values("handler_id").annotate(n=Count("id")).order_by("-n", "handler_id"))
    handlers = {
        u.pk: str(u)
        for u in User.objects.filter(pk__in=[r["handler_id"] for r in by_handler if r["handler_id"]])
    }
    report.by_handler = [Line(handlers.get(r["handler_id"], str(NONE_LABEL)), r["n"]) for r in by_handler]
    channel_labels = {c.value: str(c.label) for c in Channel}
    state_labels = {s.value: str(s.label) for s in State}
    report.by_channel = _lines(qs, "channel", lambda v: channel_labels.get(v, v))

    # time in each stage and to close, from the log's times (in SQL: one row per stage, not per step)
    stage_days, report.avg_close_days = _stage_and_close_days(qs)
    report.stages = [StageLine(s, state_labels[s], *stage_days.get(s, (None, 0))) for s in OPEN_STATES]

    repeat = (
        qs.values("customer_id", "customer__name", "customer__archive_no")
        .annotate(n=Count("id"))
        .filter(n__gte=2)
        .order_by("-n", "customer__name")
    )
    report.repeat = [
        Repeat(r["customer_id"], r["customer__name"], r["customer__archive_no"], r["n"]) for r in repeat
    ]

    # by day in SQL (a few hundred rows), folded into months here: portable and fast on every database
    received: dict[str, int] = defaultdict(int)
    closed: dict[str, int] = defaultdict(int)
    for r in qs.values("received_on").annotate(n=Count("id")).order_by():
        received[f"{r['received_on']:%Y-%m}"] += r["n"]
    for r in qs.filter(closed_on__isnull=False).values("closed_on").annotate(n=Count("id")).order_by():
        closed[f"{r['closed_on']:%Y-%m}"] += r["n"]
    report.monthly = [MonthLine(m, received.get(m, 0), closed.get(m, 0)) for m in _months(start, end)]
    return report


def analysis_workbook(report: Analysis, *, filters: str = "") -> bytes:
    """The analysis as .xlsx, one sheet per table; text cells cannot run as formulas (safe_cell)."""
    from django.utils.translation import gettext as _
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    bold = Font(bold=True)

    def sheet(title: str, header: list[str], rows: list[list[Any]], *, first: bool = False) -> None:
        ws = wb.active if first else wb.create_sheet()
        assert ws is not None
        ws.title = title[:31]
        ws.append([safe_cell(h) for h in header])
        for cell in ws[1]:
            cell.font = bold
        for row in rows:
            ws.append([safe_cell(v) for v in row])
        for i, letter in enumerate("ABCDEFGH"[: len(header)]):
            ws.column_dimensions[letter].width = 24 if i == 0 else 14
        ws.freeze_panes = "A2"

    sheet(
        _("汇总"),
        [_("项目"), _("数值")],
        [
            [_("期间"), f"{report.start:%Y-%m-%d} ~ {report.end:%Y-%m-%d}"],
            *([[_("筛选"), filters]] if filters else []),
            [_("投诉总数"), report.total],
            [_("处理中"), report.open],
            [_("逾期"), report.overdue],
            [_("已结案"), report.closed],
            [_("不予受理"), report.rejected],
            [_("平均结案天数"), report.avg_close_days],
            [_("平均满意度（1–5）"), report.avg_satisfaction],
        ],
        first=True,
    )
    for title, lines in (
        (_("按类别"), report.by_category),
        (_("按部门"), report.by_department),
        (_("按车型"), report.by_model),
        (_("按处理人"), report.by_handler),
        (_("按渠道"), report.by_channel),
    ):
        sheet(title, [title[1:], _("投诉数")], [[line.label, line.count] for line in lines])
    sheet(
        _("环节用时"),
        [_("环节"), _("平均天数"), _("件数")],
        [[s.label, s.days, s.count] for s in report.stages],
    )
    sheet(
        _("重复投诉客户"),
        [_("档号"), _("客户"), _("投诉次数")],
        [[r.archive_no, r.name, r.count] for r in report.repeat],
    )
    sheet(
        _("月度趋势"),
        [_("月份"), _("受理"), _("结案")],
        [[m.month, m.received, m.closed] for m in report.monthly],
    )
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
