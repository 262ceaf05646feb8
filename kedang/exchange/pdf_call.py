"""《跟踪服务电话记录表》 (R-I3): one follow-up call as the seed's paper record — who was called about
what, when and by whom, the questionnaire's scores, what the customer raised and how it is handled,
with the archive number and the print date. The phone number is masked as on the archive page."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from kedang.followups.models import Call

from .pdf import cjk_font, date_text, form_meta, form_pdf, form_section, form_signatures, pdf_text


def call_record_form(call: Call, *, printed_by: str, today: dt.date | None = None) -> bytes:
    from reportlab.lib import colors
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, Spacer, Table, TableStyle

    from kedang.web.templatetags.kedang import mask_phone

    font = cjk_font()
    today = today or timezone.localdate()
    customer, task = call.customer, call.task
    title = ParagraphStyle("title", fontName=font, fontSize=16, leading=22, alignment=1)
    cell = ParagraphStyle("cell", fontName=font, fontSize=9.5, leading=13)
    small = ParagraphStyle("small", fontName=font, fontSize=8.5, leading=11)

    def p(text: Any) -> Paragraph:
        return Paragraph(pdf_text(text), cell)

    vehicle = task.vehicle
    car = f"{vehicle.plate or vehicle.vin} {vehicle.model}".strip() if vehicle else ""
    event = task.event
    cause = f"{event.get_kind_display()} {date_text(event.date)}" if event else ""
    called_at = timezone.localtime(call.called_at)
    rule = (
        task.rule.name if task.rule.name.startswith(task.rule.code) else f"{task.rule.code} {task.rule.name}"
    )
    rows = [
        ["客户名称", p(customer.name), "档号", p(customer.archive_no)],
        ["联系电话", p(mask_phone(customer.phone_norm)), "车辆", p(car)],
        ["回访项目", p(rule), "起因", p(cause)],
        ["应回访日", p(date_text(task.due_date)), "第几次拨打", p(f"第{call.attempt}次")],
        ["通话时间", p(f"{date_text(call.called_on)} {called_at:%H:%M}"), "经办人", p(str(call.called_by))],
        ["通话结果", p(call.get_outcome_display()), "转投诉", p("是" if call.complaint_requested else "否")],
        ["客户反映的问题", p(call.issue), "", ""],
        ["备注", p(call.remarks), "", ""],
        ["处理意见", "", "", ""],
    ]
    grid = TableStyle(
        [
            ("FONT", (0, 0), (-1, -1), font, 9.5),
            ("GRID", (0, 0), (-1, -1), 0.6, colors.black),
            ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ("BACKGROUND", (0, 0), (0, -1), colors.HexColor("#f0f2f5")),
            ("BACKGROUND", (2, 0), (2, 5), colors.HexColor("#f0f2f5")),
            ("TOPPADDING", (0, 0), (-1, -1), 4),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
        ]
    )
    for i in range(6, len(rows)):
        grid.add("SPAN", (1, i), (3, i))
    table = Table(
        [[p(r[0]), r[1], p(r[2]) if r[2] else "", r[3]] for r in rows],
        colWidths=[30 * mm, 60 * mm, 30 * mm, 60 * mm],
        rowHeights=[None] * 6 + [22 * mm, 16 * mm, 22 * mm],
        style=grid,
    )

    answers = list(call.answers.select_related("item").order_by("item__order", "item__id"))
    score_rows: list[list[Any]] = [["调查项目", "得分", "满分"]]
    score_rows += [[p(a.item.text), str(a.score), str(a.item.scale_max)] for a in answers] or [
        ["（未接通或无调查表）", "", ""]
    ]
    scores = Table(
        score_rows,
        colWidths=[130 * mm, 25 * mm, 25 * mm],
        repeatRows=1,
        style=TableStyle(
            [
                ("FONT", (0, 0), (-1, -1), font, 9),
                ("GRID", (0, 0), (-1, -1), 0.6, colors.black),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#f0f2f5")),
                ("ALIGN", (1, 0), (-1, -1), "CENTER"),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ]
        ),
    )
    meta = form_meta(f"档号：{customer.archive_no}", today=today, printed_by=printed_by)
    sign = form_signatures(["经办人：", "业务主管：", "日期："], [18, 22, 14])
    section = form_section
    return form_pdf(
        [
            Paragraph("跟踪服务电话记录表", title),
            Spacer(1, 4 * mm),
            meta,
            Spacer(1, 2 * mm),
            table,
            section("满意度调查"),
            scores,
            Spacer(1, 12 * mm),
            sign,
            Spacer(1, 4 * mm),
            Paragraph(
                "说明：每一次跟踪服务电话都要做好记录；能当时答复的当时答复，不能答复的两日内报告业务主管，"
                "得到解决办法当日告知客户。本表存于客户档案。",
                small,
            ),
        ],
        title=f"跟踪服务电话记录表 {customer.archive_no}",
        reference=f"档号 {customer.archive_no}",
        today=today,
    )
