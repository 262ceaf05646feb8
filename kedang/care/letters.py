"""Letters mail-merged into one printable PDF (R-C4): one A4 page per letter, then one envelope/address
page (DL, 220 × 110 mm) per letter in the same order. reportlab with the Chinese CID font of
kedang/exchange/pdf.py (no font file needed)."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterable

from django.utils import timezone

from kedang.exchange.pdf import cjk_font

from .models import Message
from .templating import cn_date, company_name

ENVELOPE = (220, 110)  # mm


def wrap(text: str, font: str, size: float, width: float) -> list[str]:
    """Lines of `text` no wider than `width` points, broken at any character (Chinese has no spaces)."""
    from reportlab.pdfbase.pdfmetrics import stringWidth

    lines: list[str] = []
    for para in text.split("\n"):
        line = ""
        for ch in para:
            if stringWidth(line + ch, font, size) > width:
                lines.append(line)
                line = ch
            else:
                line += ch
        lines.append(line)
    return lines


def letters_pdf(
    messages: Iterable[Message], *, today: dt.date | None = None, envelopes: bool = True
) -> bytes:
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.units import mm
    from reportlab.pdfgen.canvas import Canvas

    font = cjk_font()
    today = today or timezone.localdate()
    letters = list(messages)
    buf = io.BytesIO()
    pdf = Canvas(buf, pagesize=A4)
    pdf.setTitle("信函")
    width, height = A4
    company = company_name()
    for msg in letters:
        pdf.setPageSize(A4)
        pdf.setFont(font, 16)
        pdf.drawCentredString(width / 2, height - 30 * mm, msg.subject or "致客户的信")
        pdf.setFont(font, 11.5)
        y = height - 48 * mm
        for line in wrap(msg.body, font, 11.5, width - 50 * mm):
            if y < 40 * mm:
                break  # a letter is one page; the template keeps it short
            pdf.drawString(25 * mm, y, line)
            y -= 7.5 * mm
        pdf.drawRightString(width - 25 * mm, 45 * mm, company)
        pdf.drawRightString(width - 25 * mm, 38 * mm, cn_date(today))
        pdf.setFont(font, 7.5)
        pdf.drawString(25 * mm, 15 * mm, f"信函编号 {msg.pk}    档号 {msg.customer.archive_no}")
        pdf.showPage()
    if envelopes:
        ew, eh = ENVELOPE[0] * mm, ENVELOPE[1] * mm
        for msg in letters:
            pdf.setPageSize((ew, eh))
            pdf.setFont(font, 9)
            pdf.drawString(12 * mm, eh - 14 * mm, company)
            pdf.setFont(font, 12)
            y = eh - 45 * mm
            for line in wrap(msg.recipient or "（无地址）", font, 12, 110 * mm):
                pdf.drawString(95 * mm, y, line)
                y -= 7 * mm
            pdf.setFont(font, 15)
            pdf.drawString(95 * mm, y - 5 * mm, f"{msg.customer.name}  收")
            pdf.setFont(font, 7)
            pdf.drawString(12 * mm, 8 * mm, f"信函编号 {msg.pk}")
            pdf.showPage()
    pdf.save()
    return buf.getvalue()
