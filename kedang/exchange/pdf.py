"""The seed's printed forms as PDF (R-I3), with reportlab's built-in Chinese CID font STSong-Light (no
font file needed: the reader supplies the glyphs). Every form carries the archive number and the
print date.

Here: 《客户档案基本资料表》 and the frame every form shares (`form_meta`, `form_section`,
`form_signatures`, `form_pdf`). The call record (跟踪服务电话记录表) is in pdf_call.py, the complaint form in
kedang/complaints/pdf.py, the call and letter registers in kedang/care/registers.py.
"""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

from django.utils import timezone

from kedang.customers.models import Customer

FONT = "STSong-Light"


def cjk_font() -> str:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont

    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    return FONT


CELL_LIMIT = 400
"""Characters of free text a table cell prints (a table row cannot break across pages: a longer text would
not fit on one and the whole document would fail); the rest is named, not printed."""
CELL_LINES = 15
WIDE_LIMIT = 1500
"""The same for a cell spanning the whole table width (notes, complaint text)."""
WIDE_LINES = 40
_CONTROL = dict.fromkeys(c for c in range(32) if c not in (9, 10))  # reportlab's parser refuses them


def pdf_text(value: Any, *, limit: int = CELL_LIMIT, lines: int = CELL_LINES) -> str:
    """User text as reportlab Paragraph markup: `<`, `>` and `&` escaped (a customer named
    `<a href=…>` or `<img src=…>` prints as written: no link, no image, no error), control characters
    dropped, line breaks kept, cut at `limit` characters or `lines` lines with "…（余下 N 字见系统）".
    Every Paragraph fed with user text goes through here."""
    from xml.sax.saxutils import escape

    text = str(value if value is not None else "").replace("\r\n", "\n").translate(_CONTROL)
    kept = text[:limit]
    if kept.count("\n") >= lines:
        kept = "\n".join(kept.split("\n")[:lines])
    rest = len(text) - len(kept)
    markup = escape(kept).replace("\n", "<br/>")
    return markup + (f"…（余下 {rest} 字见系统）" if rest else "")


def date_text(value: dt.date | None) -> str:
    return value.strftime("%Y-%m-%d") if value else ""


# The frame every printed form shares (this form, the call record, the complaint form): the reference line
# under the title, the section headings, the signature line, the page footer and the A4 document.


def form_meta(reference: str, *, today: dt.date, printed_by: str) -> Any:
    """The line under the title: the reference (档号：… / 投诉单号：…), the print date, who printed it."""
    from reportlab.lib.units import mm
    from reportlab.platypus import Table, TableStyle

    style = [("FONT", (0, 0), (-1, -1), cjk_font(), 10), ("ALIGN", (1, 0), (1, 0), "CENTER")]
    return Table(
        [[reference, f"打印日期：{today:%Y-%m-%d}", f"打印人：{printed_by}"]],
        colWidths=[70 * mm, 55 * mm, 55 * mm],
        style=TableStyle([*style, ("ALIGN", (2, 0), (2, 0), "RIGHT")]),
    )


def form_section(text: str) -> Any:
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.platypus import Paragraph

    return Paragraph(
        pdf_text(text),
        ParagraphStyle("h", fontName=cjk_font(), fontSize=11, leading=16, spaceBefore=8, spaceAfter=3),
    )


def form_signatures(labels: list[str], label_widths_mm: list[float]) -> Any:
    """Signature lines: each label followed by a line to sign on."""
    from reportlab.lib import colors
    from reportlab.lib.units import mm
    from reportlab.platypus import Table, TableStyle

    cells = [x for label in labels for x in (label, "")]
    widths = [w for lw in label_widths_mm for w in (lw * mm, (180 - sum(label_widths_mm)) / len(labels) * mm)]
    lines = [("LINEBELOW", (i, 0), (i, 0), 0.6, colors.black) for i in range(1, len(cells), 2)]
    return Table(
        [cells], colWidths=widths, style=TableStyle([("FONT", (0, 0), (-1, -1), cjk_font(), 10), *lines])
    )


def form_pdf(story: list[Any], *, title: str, reference: str, today: dt.date) -> bytes:
    """The story on A4 with the footer on every page (客档 Kedang, the reference, page number, print date)."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.units import mm
    from reportlab.platypus import SimpleDocTemplate

    font = cjk_font()

    def footer(canvas: Any, doc: Any) -> None:
        canvas.saveState()
        canvas.setFont(font, 8)
        canvas.drawString(15 * mm, 10 * mm, f"客档 Kedang    {reference}    第 {doc.page} 页")
        canvas.drawRightString(195 * mm, 10 * mm, f"打印日期 {today:%Y-%m-%d}")
        canvas.restoreState()

    out = io.BytesIO()
    doc = SimpleDocTemplate(
        out,
        pagesize=A4,
        leftMargin=15 * mm,
        rightMargin=15 * mm,
        topMargin=15 * mm,
        bottomMargin=18 * mm,
        title=title,
        author="客档 Kedang",
    )
    doc.build(story, onFirstPage=footer, onLaterPages=footer)
    return out.getvalue()


def customer_basic_form(customer: Customer, *, printed_by: str, today: dt.date | None = None) -> bytes:
    """《客户档案基本资料表》: the customer's basic data (the seed's 客户最基本的原始资料), her vehicles,
    contacts and the signatures of the handler and the supervisor. Phone and ID numbers are masked as on
    the archive page."""
    from reportlab.lib import colors
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, Spacer, Table, TableStyle

    from kedang.web.templatetags.kedang import mask_id, mask_phone

    font = cjk_font()
    today = today or timezone.localdate()
    title = ParagraphStyle("title", fontName=font, fontSize=16, leading=22, alignment=1)
    small = ParagraphStyle("small", fontName=font, fontSize=8.5, leading=11)
    cell = ParagraphStyle("cell", fontName=font, fontSize=9.5, leading=13)

    def p(text: Any, *, wide: bool = False) -> Paragraph:
        if wide:
            return Paragraph(pdf_text(text, limit=WIDE_LIMIT, lines=WIDE_LINES), cell)
        return Paragraph(pdf_text(text), cell)

    person = customer.kind == "person"
    vehicles = list(customer.vehicles(manager="live").all().order_by("delivery_date", "id"))
    contacts = list(customer.contacts.all())
    tags = "、".join(t.name for t in customer.tags.all())
    owner = customer.owner
    owner_text = f"{owner}（{owner.department}）" if owner.department else str(owner)

    basic = [
        ["客户名称", p(customer.name), "类型", p(customer.get_kind_display())],
        (
            [
                "性别",
                p(customer.get_gender_display() if customer.gender else ""),
                "出生日期",
                p(date_text(customer.birthday) + ("（过农历生日）" if customer.birthday_is_lunar else "")),
            ]
            if person
            else ["法定代表人", p(customer.legal_representative), "统一社会信用代码", p(customer.uscc)]
        ),
        [
            "身份证号" if person else "市场区域",
            p(mask_id(customer.id_number) if person else customer.market_area),
            "等级",
            p(customer.tier),
        ],
        ["电话", p(mask_phone(customer.phone_norm)), "备用电话", p(mask_phone(customer.phone2_norm))],
        ["地址", p(customer.address, wide=True), "", ""],
        ["电子邮箱", p(customer.email), "来源", p(customer.source)],
        ["客户经理", p(owner_text), "建立关系日期", p(date_text(customer.since))],
        ["标签", p(tags), "建档日期", p(date_text(timezone.localtime(customer.created_at).date()))],
    ]
    if not person:
        basic.append(["经营范围", p(customer.business_scope, wide=True), "", ""])
        basic.append(["规模/产能", p(customer.capacity), "信用等级", p(customer.credit_rating)])
    basic.append(["备注（兴趣、性格、家庭、背景）", p(customer.notes, wide=True), "", ""])

    grid = TableStyle(
        [
            ("FONT", (0, 0), (-1, -1), font, 9.5),
            ("GRID", (0, 0), (-1, -1), 0.6, colors.black),
            ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ("BACKGROUND", (0, 0), (0, -1), colors.HexColor("#f0f2f5")),
            ("BACKGROUND", (2, 0), (2, -1), colors.HexColor("#f0f2f5")),
            ("TOPPADDING", (0, 0), (-1, -1), 4),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
        ]
    )
    basic = [[p(r[0]), r[1], p(r[2]) if r[2] else "", r[3]] for r in basic]
    for i, r in enumerate(basic):
        if r[2] == "":
            grid.add("SPAN", (1, i), (3, i))
            grid.add("BACKGROUND", (2, i), (2, i), colors.white)
    basic_table = Table(basic, colWidths=[30 * mm, 60 * mm, 30 * mm, 60 * mm], style=grid)

    head_style = TableStyle(
        [
            ("FONT", (0, 0), (-1, -1), font, 9),
            ("GRID", (0, 0), (-1, -1), 0.6, colors.black),
            ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#f0f2f5")),
            ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ]
    )
    vehicle_rows: list[list[Any]] = [
        ["车牌号", "车架号", "车型", "提车日期", "保养周期", "下次保养", "保险到期"]
    ]
    for v in vehicles:
        vehicle_rows.append(
            [
                v.plate,
                v.vin,
                p(v.model),
                date_text(v.delivery_date),
                f"{v.maintenance_cycle_months}个月" if v.maintenance_cycle_months else "",
                date_text(v.maintenance_due),
                date_text(v.insurance_expiry),
            ]
        )
    if not vehicles:
        vehicle_rows.append(["无", "", "", "", "", "", ""])
    vehicle_table = Table(
        vehicle_rows,
        colWidths=[22 * mm, 38 * mm, 34 * mm, 22 * mm, 18 * mm, 23 * mm, 23 * mm],
        style=head_style,
        repeatRows=1,
    )
    contact_rows: list[list[Any]] = [["联系人", "职务/关系", "电话", "授权签字人"]]
    contact_rows += [
        [
            p(c.name),
            p(c.title),
            mask_phone("".join(ch for ch in c.phone if ch.isdigit())),
            "是" if c.is_authorised_signer else "",
        ]
        for c in contacts
    ] or [["无", "", "", ""]]
    contact_table = Table(contact_rows, colWidths=[45 * mm, 45 * mm, 45 * mm, 45 * mm], style=head_style)

    sign = form_signatures(["经办人：", "主管审核：", "日期："], [18, 22, 14])
    meta = form_meta(f"档号：{customer.archive_no}", today=today, printed_by=printed_by)
    section = form_section
    story = [
        Paragraph("客户档案基本资料表", title),
        Spacer(1, 4 * mm),
        meta,
        Spacer(1, 2 * mm),
        basic_table,
        section("车辆"),
        vehicle_table,
        section("联系人"),
        contact_table,
        Spacer(1, 12 * mm),
        sign,
        Spacer(1, 4 * mm),
        Paragraph(
            "说明：本表由业务部在客户建档后二日内填写，随档案袋归档保存；电话、证件号按权限遮挡。", small
        ),
    ]
    return form_pdf(
        story,
        title=f"客户档案基本资料表 {customer.archive_no}",
        reference=f"档号 {customer.archive_no}",
        today=today,
    )
