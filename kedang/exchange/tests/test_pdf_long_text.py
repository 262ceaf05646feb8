"""A 1 MB note no longer breaks the customer PDF (#13: a table row taller than a page made reportlab fail,
500): the cell prints the first WIDE_LIMIT characters (WIDE_LINES lines) and says how many are left."""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from pypdf import PdfReader

from kedang.exchange.pdf import WIDE_LIMIT

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "notes",
    [
        "喜欢钓鱼，周末常去郊区水库。" * (1024 * 1024 // 42 + 1),  # 1 MB of UTF-8, one paragraph
        "家里有两个孩子\n" * (1024 * 1024 // 22 + 1),  # 1 MB of short lines
        "x" * (1024 * 1024),  # 1 MB without a break
    ],
)
def test_a_1mb_note_prints_its_start_and_how_much_is_left(
    login: Callable[[str], Client], make_customer: Any, notes: str
) -> None:
    assert len(notes.encode()) >= 1024 * 1024
    c = make_customer(name="长备注", notes=notes)
    r = login("account_manager").get(reverse("customer_form_pdf", args=[c.pk]))
    assert r.status_code == 200 and r["Content-Type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(r.content))
    assert len(reader.pages) <= 3
    text = "".join("".join(page.extract_text().split()) for page in reader.pages)
    assert notes.split("\n")[0][:7] in text and "长备注" in text
    m = re.search(r"余下(\d+)字见系统", text)
    assert m, text[-400:]
    left = int(m.group(1))
    assert 300 < len(notes) - left <= WIDE_LIMIT
