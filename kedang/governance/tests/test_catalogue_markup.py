"""The sealed-volume catalogue prints customer names and titles as written (#13): reportlab Paragraph markup
in a name made a link (`<a href=…>`) or a 500 (`<img>`). All PDFs escape user text through
kedang.exchange.pdf.pdf_text."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from hypothesis import given, settings
from hypothesis import strategies as st
from pypdf import PdfReader

from kedang.accounts.models import User
from kedang.customers import services as customers
from kedang.exchange.pdf import pdf_text
from kedang.governance import filing
from kedang.governance.models import Volume

from .test_sealing import PNG

LINK = '<a href="https://evil.example/">点我</a>'
VINS = ["1M8GDM9AXKP042788", "1HGCM82633A004352"]
IMAGE = '<img src="/etc/passwd" width="9" height="9"/>'


def test_markup_in_names_is_printed_not_obeyed(
    users: dict[str, User], make_customer: Callable[..., Any], client: Client
) -> None:
    am = users["account_manager"]
    for n, (name, title) in enumerate(((LINK, "<b>合同</b>"), (IMAGE, '<font size="200">保单</font>'))):
        c = make_customer(owner=am, name=name)
        v = customers.vehicle_create(actor=am, customer_id=c.pk, vin=VINS[n])
        customers.document_add(
            actor=am,
            customer_id=c.pk,
            file_type_code="SALES",
            vehicle_id=v.pk,
            title=title,
            occurred_on=dt.date(2025, 3, 1),
            upload=SimpleUploadedFile("a.pdf", b"%PDF-1.4\n1\n%%EOF\n"),
        )
        filing.filing_submit(actor=am, customer_id=c.pk, drawn=PNG)
        filing.filing_approve(actor=users["sales_manager"], customer_id=c.pk)
    call_command("seal_year", "2025", stdout=io.StringIO())
    client.force_login(users["archivist"])
    response = client.get(reverse("volume_catalogue", args=[Volume.objects.get().pk]))
    assert response.status_code == 200
    reader = PdfReader(io.BytesIO(response.content))
    page = reader.pages[0]
    assert "/Annots" not in page  # no link
    text = "".join(p.extract_text() for p in reader.pages)
    flat = "".join(text.split())
    assert "evil.example" in flat and "<img" in flat and "<b>合同</b>" in flat


@settings(deadline=None)
@given(st.text(max_size=600))
def test_pdf_text_is_always_valid_paragraph_markup(text: str) -> None:
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.platypus import Paragraph

    markup = pdf_text(text)
    Paragraph(markup, ParagraphStyle("x"))  # the parser raises on bad markup
    assert "<" not in markup.replace("<br/>", "")
