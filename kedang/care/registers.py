"""The call register (跟踪服务电话登记表, over the follow-up calls) and the letter register
(跟踪服务信函登记表, over the letters in the outbox) for a date range (R-C4): rows for the page, a
printable PDF and an Excel workbook. Only customers the user may see (R-G2)."""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook

from kedang.accounts.models import User
from kedang.archive.visibility import customers_visible_to
from kedang.exchange.pdf import cjk_font, pdf_text
from kedang.followups.excel import sheet_add
from kedang.followups.models import Call
from kedang.web.templatetags.kedang import mask_phone

from .models import Channel, Message, MessageStatus

MAX_ROWS = 20_000


@dataclass
class Register:
    kind: str
    title: str
    start: dt.date
    end: dt.date
    header: list[str]
    rows: list[list[Any]]


def call_register(user: User, start: dt.date, end: dt.date) -> Register:
    calls = (
        Call.objects.filter(called_on__gte=start, called_on__lte=end, customer__in=customers_visible_to(user))
        .select_related("customer", "task__rule", "task__vehicle", "called_by")
        .order_by("called_on", "called_at", "id")[:MAX_ROWS]
    )
    rows = [
        [
            f"{c.called_on:%Y-%m-%d}",
            c.customer.name,
            c.customer.archive_no,
            mask_phone(c.customer.phone),
            (c.task.vehicle.plate or c.task.vehicle.vin) if c.task.vehicle else "",
            c.task.rule.name,
            c.attempt,
            c.get_outcome_display(),
            c.issue,
            c.remarks,
            str(c.called_by),
        ]
        for c in calls
    ]
    header = [
        _("日期"),
        _("客户"),
        _("档号"),
        _("电话"),
        _("车牌"),
        _("回访类型"),
        _("次数"),
        _("结果"),
        _("客户反映的问题"),
        _("备注"),
        _("回访人"),
    ]
    return Register("calls", _("跟踪服务电话登记表"), start, end, header, rows)


def letter_register(user: User, start: dt.date, end: dt.date) -> Register:
    tz = timezone.get_current_timezone()
    lo = dt.datetime.combine(start, dt.time.min, tzinfo=tz)
    hi = dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
    letters = (
        Message.objects.filter(
            channel=Channel.LETTER,
            created_at__gte=lo,
            created_at__lt=hi,
            customer__in=customers_visible_to(user),
        )
        .select_related("customer", "created_by")
        .order_by("created_at", "id")[:MAX_ROWS]
    )
    rows = [
        [
            f"{timezone.localtime(m.sent_at or m.created_at):%Y-%m-%d}",
            m.customer.name,
            m.customer.archive_no,
            m.recipient,
            m.subject or m.body[:30],
            m.get_status_display()
            + (f"（{m.reason}）" if m.status == MessageStatus.FAILED and m.reason else ""),
            str(m.created_by) if m.created_by else _("系统"),
            m.pk,
        ]
        for m in letters
    ]
    header = [_("日期"), _("客户"), _("档号"), _("地址"), _("信函"), _("状态"), _("经办人"), _("信函编号")]
    return Register("letters", _("跟踪服务信函登记表"), start, end, header, rows)


def register_pdf(register: Register, *, printed_by: str) -> bytes:
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    font = cjk_font()
    today = timezone.localdate()
    cell = ParagraphStyle("cell", fontName=font, fontSize=8, leading=10)
    title = ParagraphStyle("title", fontName=font, fontSize=15, leading=20, alignment=1)
    small = ParagraphStyle("small", fontName=font, fontSize=8.5, leading=11, alignment=1)

    def p(value: Any) -> Paragraph:

        return Paragraph(pdf_text(value), cell)

    data = [[p(h) for h in register.header]] + [[p(v) for v in row] for row in register.rows]
    if not register.rows:
        data.append([p(_("（无记录）"))] + [p("")] * (len(register.header) - 1))
    table = Table(data, repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#E8EEF7")),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ]
        )
    )
    buf = io.BytesIO()

    def footer(canvas: Any, doc: Any) -> None:
        canvas.saveState()
        canvas.setFont(font, 8)
        canvas.drawString(12 * mm, 8 * mm, f"Kedang    {register.title}    {doc.page}")
        canvas.drawRightString(285 * mm, 8 * mm, f"{printed_by}  {today:%Y-%m-%d}")
        canvas.restoreState()

    doc = SimpleDocTemplate(
        buf,
        pagesize=landscape(A4),
        leftMargin=12 * mm,
        rightMargin=12 * mm,
        topMargin=12 * mm,
        bottomMargin=15 * mm,
        title=register.title,
    )
    period = _("%(start)s 至 %(end)s    共 %(n)s 条") % {
        "start": f"{register.start:%Y-%m-%d}",
        "end": f"{register.end:%Y-%m-%d}",
        "n": len(register.rows),
    }
    doc.build(
        [
            Paragraph(pdf_text(register.title), title),
            Paragraph(pdf_text(period), small),
            Spacer(1, 4 * mm),
            table,
        ],
        onFirstPage=footer,
        onLaterPages=footer,
    )
    return buf.getvalue()


def register_workbook(register: Register) -> bytes:
    wb = Workbook()
    sheet_add(wb, register.title[:31], register.header, register.rows, first=True)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
