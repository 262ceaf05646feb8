"""The English UI is complete (the UI is Chinese-first: msgids are Chinese).

With the language switch on English, the page chrome of the main pages holds no Chinese. Chinese that
stays is data: whatever the database holds (customer names and archive data, record titles, file types
and checklist items from the seed, user and department names), and the name of the other language on
the switch itself ("中文"). The tests strip those values from the HTML and look for any CJK character.
"""

from __future__ import annotations

import gettext
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import models
from django.test import Client
from django.urls import reverse
from django.utils.html import escape

from kedang.accounts.models import Department, User
from kedang.customers import services
from kedang.customers.models import (
    Attachment,
    ChecklistItem,
    ContactPerson,
    Customer,
    FileType,
    Record,
    Tag,
    Vehicle,
)

CJK = re.compile(r"[\u4e00-\u9fff]")
NOT_SHOWN = re.compile(r"<(script|style)\b.*?</\1>", re.S | re.I)
# the switch back names the language in that language
LANGUAGE_ENDONYMS = ["中文"]
DATA_MODELS: list[type[models.Model]] = [
    Customer,
    ContactPerson,
    Tag,
    Vehicle,
    FileType,
    ChecklistItem,
    Record,
    Attachment,
    User,
    Department,
]
PO = Path(settings.LOCALE_PATHS[0]) / "en" / "LC_MESSAGES" / "django.po"
VIN = "1M8GDM9AXKP042788"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def data_strings() -> list[str]:
    """Every text value in the database that holds Chinese, longest first (so that a value that
    contains another is removed whole)."""
    values: set[str] = set()
    for model in DATA_MODELS:
        names = [
            f.attname
            for f in model._meta.concrete_fields
            if isinstance(f, models.CharField | models.TextField)
        ]
        for row in model._base_manager.values_list(*names):
            values.update(v for v in row if v and CJK.search(v))
    return sorted(values, key=len, reverse=True)


def untranslated(html: str) -> list[str]:
    """The Chinese left in the page once scripts, styles and data are taken out, with some context."""
    html = NOT_SHOWN.sub("", html)
    for value in [*data_strings(), *LANGUAGE_ENDONYMS]:
        html = html.replace(escape(value), "").replace(value, "")
    return [html[max(m.start() - 60, 0) : m.end() + 60].strip() for m in CJK.finditer(html)]


@pytest.fixture
def archive(users: dict[str, User], make_customer: Callable[..., Any]) -> dict[str, Any]:
    """A person and a company with Chinese data in every part of the archive page."""
    am = users["account_manager"]
    person = make_customer(
        name="王建国",
        id_number="11010519491231002X",
        address="北京市朝阳区建国路88号",
        source="老客户介绍",
        tags="老客户,钓鱼爱好者",
        notes="喜欢钓鱼，周末不接电话",
        tier="A",
    )
    company = make_customer(
        kind="company",
        name="华北物流有限公司",
        legal_representative="李四",
        market_area="华北",
        business_scope="普通货运",
        capacity="重卡 40 台",
        credit_rating="良好",
    )
    vehicle = services.vehicle_create(
        actor=am,
        customer_id=person.pk,
        vin=VIN,
        plate="京A12345",
        model="解放 J6P",
        color="白色",
        maintenance_cycle_months=6,
    )
    item = ChecklistItem.objects.filter(file_type__code="SALES", required=True).first()
    assert item is not None
    services.document_add(
        actor=am,
        customer_id=person.pk,
        file_type_code="SALES",
        vehicle_id=vehicle.pk,
        checklist_item_id=item.pk,
        upload=SimpleUploadedFile("合同.pdf", PDF, content_type="application/pdf"),
    )
    services.archive_file_set_location(
        actor=am, customer_id=person.pk, file_type_code="C1", cabinet="3", shelf="2", box="15"
    )
    services.note_add(actor=am, customer_id=person.pk, title="电话回访", body="客户满意")
    return {"person": person, "company": company, "vehicle": vehicle}


@pytest.fixture
def english(login: Callable[[str], Client]) -> Client:
    client = login("cs_agent")
    response = client.post(reverse("set_language"), {"language": "en", "next": reverse("home")})
    assert response.status_code == 302
    return client


def get_english(client: Client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    assert response["Content-Language"] == "en"
    return response.content.decode()


def test_home_and_customer_list_are_english(english: Client, archive: dict[str, Any]) -> None:
    home = get_english(english, reverse("home"))
    assert untranslated(home) == []
    assert "Dashboard" in home and "Archive no." in home and "Sign out" in home

    customers = get_english(english, reverse("customer_list"))
    assert untranslated(customers) == []
    assert "All account managers" in customers and "2 customers" in customers


@pytest.mark.parametrize("tab", ["profile", "vehicles", "files", "timeline"])
@pytest.mark.parametrize("who", ["person", "company"])
def test_archive_page_tabs_are_english(english: Client, archive: dict[str, Any], tab: str, who: str) -> None:
    html = get_english(english, reverse("customer_detail", args=[archive[who].pk]) + f"?tab={tab}")
    assert untranslated(html) == []
    assert "Customer file" in html and "Account manager" in html


def test_archive_page_details_read_naturally(english: Client, archive: dict[str, Any]) -> None:
    url = reverse("customer_detail", args=[archive["person"].pk])
    files = get_english(english, url + "?tab=files")
    assert "Paper location: Cabinet 3 · Shelf 2 · Box 15" in files
    assert "required documents missing" in files
    vehicles = get_english(english, url + "?tab=vehicles")
    assert "(every 6 months)" in vehicles and "1 vehicle<" in vehicles


def test_forms_are_english(english: Client, archive: dict[str, Any]) -> None:
    person, vehicle = archive["person"], archive["vehicle"]
    for url in [
        reverse("customer_create"),
        reverse("customer_edit", args=[person.pk]),
        reverse("vehicle_create", args=[person.pk]),
        reverse("vehicle_edit", args=[vehicle.pk]),
    ]:
        html = get_english(english, url)
        # the plate help text shows real plates, whose province characters are Chinese
        html = html.replace("京A12345", "").replace("粤BD12345", "")
        assert untranslated(html) == [], url
    assert "New customer" in get_english(english, reverse("customer_create"))


def test_chinese_without_the_cookie(login: Callable[[str], Client], archive: dict[str, Any]) -> None:
    client = login("cs_agent")
    for url in [reverse("home"), reverse("customer_detail", args=[archive["person"].pk]) + "?tab=files"]:
        response = client.get(url, HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
        html = response.content.decode()
        assert response["Content-Language"] == "zh-hans"
        assert "工作台" in html and "档号" in html
        assert "Dashboard" not in html and "Archive no." not in html


def _po_entries() -> list[tuple[str | None, str, str | None, list[str], bool]]:
    """(msgctxt, msgid, msgid_plural, msgstrs, fuzzy) of each entry of the English catalogue."""

    def text(lines: list[str]) -> str:
        return "".join(eval(line[line.index('"') :]) for line in lines)  # PO strings are C strings

    entries = []
    for block in PO.read_text(encoding="utf-8").strip().split("\n\n"):
        lines = block.splitlines()
        if all(line.startswith("#") for line in lines):
            continue
        fields: dict[str, list[str]] = {}
        key = ""
        for line in lines:
            if line.startswith("#"):
                continue
            if not line.startswith('"'):
                key = line.split(" ", 1)[0]
            fields.setdefault(key, []).append(line)
        msgstrs = [text(v) for k, v in sorted(fields.items()) if k.startswith("msgstr")]
        entries.append(
            (
                text(fields["msgctxt"]) if "msgctxt" in fields else None,
                text(fields["msgid"]),
                text(fields["msgid_plural"]) if "msgid_plural" in fields else None,
                msgstrs,
                any(line.startswith("#,") and "fuzzy" in line for line in lines),
            )
        )
    return entries


def test_catalogue_is_translated_and_compiled() -> None:
    """Every entry has English, none is fuzzy, and the .mo holds what the .po says (compilemessages ran)."""
    entries = [e for e in _po_entries() if e[1]]
    assert len(entries) > 100
    assert [e[1] for e in entries if e[4] or not all(e[3])] == []
    with open(PO.with_suffix(".mo"), "rb") as fh:
        catalog = gettext.GNUTranslations(fh)
    for ctxt, msgid, plural, msgstrs, _ in entries:
        if plural is None:
            got = catalog.pgettext(ctxt, msgid) if ctxt else catalog.gettext(msgid)
            assert got == msgstrs[0], msgid
        else:
            assert [catalog.ngettext(msgid, plural, n) for n in (1, 2)] == msgstrs, msgid
