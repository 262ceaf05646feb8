"""Excel formatter of the follow-up report (R-F4, R-I2): the same figures as the page, one sheet per table.
Text cells that a spreadsheet would run as a formula are written as text (formula injection)."""

from __future__ import annotations

import io
from typing import Any

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from .reports import Counts, Report

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
HEAD = Font(bold=True)
HEAD_FILL = PatternFill("solid", fgColor="E8EEF7")


def safe(value: Any) -> Any:
    """Numbers and dates as they are; text that starts like a formula gets a leading apostrophe."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def _counts_row(c: Counts) -> list[Any]:
    return [c.due, c.done, c.overdue, c.unreachable, c.rate]


def sheet_add(
    wb: Workbook, title: str, header: list[str], rows: list[list[Any]], *, first: bool = False
) -> None:
    ws = wb.active if first else wb.create_sheet()
    assert ws is not None
    ws.title = title
    ws.append([safe(h) for h in header])
    for cell in ws[1]:
        cell.font, cell.fill = HEAD, HEAD_FILL
    for row in rows:
        ws.append([safe(v) for v in row])
    for i, h in enumerate(header, 1):
        width = max([len(str(h)) * 2] + [len(str(r[i - 1])) + 2 for r in rows if i <= len(r)] + [8])
        ws.column_dimensions[get_column_letter(i)].width = min(width, 40)
    ws.freeze_panes = "A2"


def report_workbook(report: Report, *, filters: str = "") -> bytes:
    """The report as an .xlsx file (bytes)."""
    counts = [_("应回访"), _("已回访"), _("逾期"), _("无法联系数"), _("回访率") + " %"]
    wb = Workbook()
    summary = [
        [_("报表类型"), report.title],
        [_("期间"), f"{report.start:%Y-%m-%d} ~ {report.end:%Y-%m-%d}"],
        *([[_("筛选"), filters]] if filters else []),
        *[[name, value] for name, value in zip(counts, _counts_row(report.totals), strict=True)],
        [_("平均分") + " %", report.score],
        [
            _("统计口径"),
            _("应回访、已回访、逾期、无法联系按应回访日落在期间内的任务计；得分按期间内接通的电话计。"),
        ],
    ]
    sheet_add(wb, _("汇总"), [_("项目"), _("汇总")], summary, first=True)
    ws = wb.active
    assert ws is not None
    ws.column_dimensions["B"].width = 60
    for row in ws.iter_rows(min_row=2):
        row[1].alignment = Alignment(wrap_text=True, horizontal="left")
    sheet_add(
        wb,
        _("按人员"),
        [_("人员"), *counts, _("平均分") + " %", _("份数")],
        [[line.name, *_counts_row(line.counts), line.score, line.answers] for line in report.by_agent],
    )
    sheet_add(
        wb,
        _("按部门"),
        [_("部门"), *counts, _("平均分") + " %", _("份数")],
        [[line.name, *_counts_row(line.counts), line.score, line.answers] for line in report.by_department],
    )
    sheet_add(
        wb,
        _("按调查项目"),
        [_("调查表"), _("项目"), _("满分"), _("份数"), _("平均分"), _("满分比") + " %"],
        [[i.questionnaire, i.text, i.scale_max, i.answers, i.average, i.share] for i in report.items],
    )
    sheet_add(
        wb,
        _("趋势"),
        [_("日期段"), *counts, _("平均分") + " %"],
        [[p.label, *_counts_row(p.counts), p.score] for p in report.trend],
    )
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
