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
    handlers = {u.pk: str(u) for u in User.objects.filter(pk__in=qs.values("handler_id"))}
    report.by_handler = _lines(qs, "handler_id", lambda pk: handlers.get(pk, str(NONE_LABEL)))
    channel_labels = {c.value: str(c.label) for c in Channel}
    state_labels = {s.value: str(s.label) for s in State}
    report.by_channel = _lines(qs, "channel", lambda v: channel_labels.get(v, v))

    # time in each stage, from the log: a stage lasts from the step into it to the next step out of it
    spent: dict[str, list[float]] = defaultdict(list)
    close_days: list[float] = []
    log = (
        Transition.objects.filter(complaint__in=qs.values("pk"))
        .exclude(action__in=["escalate", "compensation_request", "compensation_decide"])
        .order_by("complaint_id", "at", "id")
        .values_list("complaint_id", "to_state", "at")
    )
    current: tuple[int, str, dt.datetime] | None = None
    first_at: dict[int, dt.datetime] = {}
    for complaint_id, to_state, at in log:
        first_at.setdefault(complaint_id, at)
        if current is not None and current[0] == complaint_id:
            spent[current[1]].append((at - current[2]).total_seconds() / 86400)
        if to_state == State.CLOSED:
            close_days.append((at - first_at[complaint_id]).total_seconds() / 86400)
        current = (complaint_id, to_state, at)
    report.stages = [
        StageLine(
            s,
            state_labels[s],
            round(sum(spent[s]) / len(spent[s]), 1) if spent[s] else None,
            len(spent[s]),
        )
        for s in OPEN_STATES
    ]
    if close_days:
        report.avg_close_days = round(sum(close_days) / len(close_days), 1)

    repeat = (
        qs.values("customer_id", "customer__name", "customer__archive_no")
        .annotate(n=Count("id"))
        .filter(n__gte=2)
        .order_by("-n", "customer__name")
    )
    report.repeat = [
        Repeat(r["customer_id"], r["customer__name"], r["customer__archive_no"], r["n"]) for r in repeat
    ]

    received: dict[str, int] = defaultdict(int)
    closed: dict[str, int] = defaultdict(int)
    for received_on in qs.values_list("received_on", flat=True):
        received[f"{received_on:%Y-%m}"] += 1
    for closed_on in qs.filter(closed_on__isnull=False).values_list("closed_on", flat=True):
        if closed_on is not None:
            closed[f"{closed_on:%Y-%m}"] += 1
    report.monthly = [MonthLine(m, received[m], closed[m]) for m in _months(start, end)]
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
