"""《客户投诉处理表》 as PDF (R-P1, R-I3): every field of the complaint, the compensations and the whole
history, with the signature lines. Built on the shared helpers of kedang.exchange.pdf (the Chinese CID
font, date format)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.utils import timezone, translation

from kedang.exchange.pdf import (
    WIDE_LIMIT,
    WIDE_LINES,
    cjk_font,
    date_text,
    form_meta,
    form_pdf,
    form_section,
    form_signatures,
    pdf_text,
)

from .models import Complaint, State

ACTION_LABELS = {
    "receive": "受理",
    "confirm": "确认投诉",
    "assign": "分派处理",
    "resolve": "记录处理结果",
    "feedback": "回访客户意见",
    "close": "结案",
    "reject": "不予受理",
    "reopen": "重新处理",
    "escalate": "逾期上报",
    "compensation_request": "申请补偿/折让",
    "compensation_decide": "审批补偿/折让",
}


def complaint_form(complaint: Complaint, *, printed_by: str, today: dt.date | None = None) -> bytes:
    from reportlab.lib import colors
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, Spacer, Table, TableStyle

    from kedang.web.templatetags.kedang import mask_phone

    font = cjk_font()
    today = today or timezone.localdate()
    title = ParagraphStyle("title", fontName=font, fontSize=16, leading=22, alignment=1)
    cell = ParagraphStyle("cell", fontName=font, fontSize=9.5, leading=13)
    small = ParagraphStyle("small", fontName=font, fontSize=8.5, leading=11)

    def p(text: Any, *, wide: bool = False) -> Paragraph:
        if wide:
            return Paragraph(pdf_text(text, limit=WIDE_LIMIT, lines=WIDE_LINES), cell)
        return Paragraph(pdf_text(text), cell)

    c = complaint
    customer = c.customer
    v = c.vehicle
    with translation.override(settings.LANGUAGE_CODE):
        state = str(State(c.state).label)
        channel = str(c.get_channel_display())
        comps = [
            f"{x.get_kind_display()} ¥{x.amount:,.2f}（{x.get_status_display()}"
            + (f"，{x.decided_by} 批准" if x.decided_by and x.status == "approved" else "")
            + f"）：{x.description}"
            for x in c.compensations.select_related("decided_by").order_by("id")
        ]
    vehicle = " ".join(s for s in (v.plate, v.model, v.vin) if s) if v else ""
    rows = [
        ["客户名称", p(customer.name), "档号", p(customer.archive_no)],
        ["联系电话", p(mask_phone(customer.phone_norm)), "车辆", p(vehicle)],
        ["受理日期", p(date_text(c.received_on)), "投诉渠道", p(channel)],
        ["投诉类别", p(c.category or ""), "受理人", p(c.created_by)],
        ["投诉内容", p(c.summary, wide=True), "", ""],
        ["责任部门", p(c.department or ""), "处理人", p(c.handler or "")],
        ["处理结果", p(c.resolution, wide=True), "", ""],
        ["客户意见", p(c.opinion), "满意度", p(f"{c.satisfaction}/5" if c.satisfaction else "")],
        ["补偿/折让", p("\n".join(comps), wide=True), "", ""],
        ["状态", p(state), "结案日期", p(date_text(c.closed_on))],
    ]
    if c.reject_reason:
        rows.insert(-1, ["不予受理原因", p(c.reject_reason, wide=True), "", ""])
    if c.call_id:
        rows.insert(5, ["来源", p(f"回访电话（{date_text(c.call.called_on) if c.call else ''}）"), "", ""])
    grid = TableStyle(
        [
            ("FONT", (0, 0), (-1, -1), font, 9.5),
            ("GRID", (0, 0), (-1, -1), 0.6, colors.black),
            ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ("BACKGROUND", (0, 0), (0, -1), colors.HexColor("#f0f2f5")),
            ("BACKGROUND", (2, 0), (2, -1), colors.HexColor("#f0f2f5")),
        ]
    )
    body = [[p(r[0]), r[1], p(r[2]) if r[2] else "", r[3]] for r in rows]
    for i, r in enumerate(body):
        if r[2] == "":
            grid.add("SPAN", (1, i), (3, i))
            grid.add("BACKGROUND", (2, i), (2, i), colors.white)
    main = Table(body, colWidths=[26 * mm, 64 * mm, 26 * mm, 64 * mm], style=grid)

    history: list[list[Any]] = [["时间", "操作", "状态", "操作人", "说明"]]
    with translation.override(settings.LANGUAGE_CODE):
        for t in c.transitions.select_related("actor").order_by("at", "id"):
            history.append(
                [
                    timezone.localtime(t.at).strftime("%Y-%m-%d %H:%M"),
                    p(ACTION_LABELS.get(t.action, t.action)),
                    p(str(State(t.to_state).label) if t.to_state in State.values else t.to_state),
                    p(t.actor or "系统"),
                    p(t.note),
                ]
            )
    history_table = Table(
        history,
        colWidths=[30 * mm, 26 * mm, 22 * mm, 22 * mm, 80 * mm],
        repeatRows=1,
        style=TableStyle(
            [
                ("FONT", (0, 0), (-1, -1), font, 9),
                ("GRID", (0, 0), (-1, -1), 0.6, colors.black),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#f0f2f5")),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ]
        ),
    )
    meta = form_meta(f"投诉单号：{c.number}", today=today, printed_by=printed_by)
    sign = form_signatures(["受理人：", "处理人：", "客服经理："], [16, 16, 20])
    story = [
        Paragraph("客户投诉处理表", title),
        Spacer(1, 4 * mm),
        meta,
        Spacer(1, 2 * mm),
        main,
        form_section("处理经过"),
        history_table,
        Spacer(1, 12 * mm),
        sign,
        Spacer(1, 4 * mm),
        Paragraph("说明：本表随客户档案第 4 类（投诉与折让）归档保存；电话按权限遮挡。", small),
    ]
    return form_pdf(story, title=f"客户投诉处理表 {c.number}", reference=f"投诉单号 {c.number}", today=today)
