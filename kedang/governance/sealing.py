"""Annual sealing (R-A9): each category's filed records of a year are bound into fixed volumes with
a numbered catalogue (卷内目录). Sealed records are read-only for everyone: the services refuse,
and signals.py refuses any save or delete of a sealed record or its attachments (admin included)."""

from __future__ import annotations

import io

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from kedang.accounts.models import User
from kedang.customers.models import FileType, Record, RecordKind

from .models import Volume

PER_VOLUME = 500


def sealable(year: int, file_type: FileType) -> list[Record]:
    """Documents of that year and category, in filed (and not deleted) archives, not yet sealed."""
    return list(
        Record.objects.filter(
            kind=RecordKind.DOCUMENT,
            file__file_type=file_type,
            occurred_on__year=year,
            volume__isnull=True,
            customer__filed_at__isnull=False,
            customer__deleted_at__isnull=True,
        )
        .select_related("customer")
        .order_by("customer__archive_no", "occurred_on", "id")
    )


@transaction.atomic
def seal_year(*, year: int, actor: User | None = None, per_volume: int = PER_VOLUME) -> list[Volume]:
    """Bind the year's filed records into volumes, category by category; a second run binds only
    what was filed since (into a further volume)."""
    volumes: list[Volume] = []
    now = timezone.now()
    for file_type in FileType.objects.order_by("order", "code"):
        records = sealable(year, file_type)
        if not records:
            continue
        last = Volume.objects.filter(year=year, file_type=file_type).aggregate(n=Max("number"))["n"] or 0
        for start in range(0, len(records), per_volume):
            last += 1
            volume = Volume.objects.create(
                code=f"{year}-{file_type.code}-{last:03d}",
                year=year,
                file_type=file_type,
                number=last,
                sealed_at=now,
                sealed_by=actor,
            )
            chunk = records[start : start + per_volume]
            for seq, record in enumerate(chunk, start=1):
                record.volume, record.volume_seq = volume, seq
            Record.objects.bulk_update(chunk, ["volume", "volume_seq"])  # the seal itself: no save signals
            volumes.append(volume)
    return volumes


def catalogue_pdf(volume: Volume) -> bytes:
    """The volume's catalogue (卷内目录) as a printable A4 PDF, Chinese CID font."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    from kedang.exchange.pdf import pdf_text

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    title = ParagraphStyle("t", fontName="STSong-Light", fontSize=18, alignment=1, spaceAfter=6)
    small = ParagraphStyle("s", fontName="STSong-Light", fontSize=9, leading=12)
    cell = ParagraphStyle("c", fontName="STSong-Light", fontSize=9, leading=11)
    records = volume.records.select_related("customer", "created_by").order_by("volume_seq")
    rows = [["序号", "档号", "客户", "资料名称", "日期", "经办人"]]
    for r in records:
        rows.append(
            [
                str(r.volume_seq),
                r.customer.archive_no,
                Paragraph(pdf_text(r.customer.name), cell),
                Paragraph(pdf_text(r.title), cell),
                r.occurred_on.strftime("%Y-%m-%d"),
                str(r.created_by or ""),
            ]
        )
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=15 * mm,
        rightMargin=15 * mm,
        topMargin=15 * mm,
        bottomMargin=15 * mm,
        title=f"卷内目录 {volume.code}",
    )
    table = Table(rows, colWidths=[12 * mm, 38 * mm, 38 * mm, 52 * mm, 22 * mm, 18 * mm], repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, -1), "STSong-Light"),
                ("FONTSIZE", (0, 0), (-1, -1), 9),
                ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eeeeee")),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ]
        )
    )
    sealed = timezone.localtime(volume.sealed_at).strftime("%Y-%m-%d")
    header = (
        f"卷号：{volume.code}　　年度：{volume.year}　　类别：{volume.file_type.name}　　"
        f"件数：{len(rows) - 1}　　封卷日期：{sealed}"
    )
    doc.build([Paragraph("卷内目录", title), Paragraph(pdf_text(header), small), Spacer(1, 4 * mm), table])
    return buffer.getvalue()
