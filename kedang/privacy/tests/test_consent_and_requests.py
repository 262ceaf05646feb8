"""Consent (R-G10) and data-subject requests: a portable export, and an erasure that survives a restore."""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Callable
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from kedang.accounts.models import User
from kedang.customers import services as customer_services
from kedang.customers.models import Attachment, Customer
from kedang.privacy import services
from kedang.privacy.models import AccessLog, Erasure
from kedang.search.models import SearchKey
from kedang.search.selectors import search_customers

from .conftest import ID

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def test_marketing_needs_consent_and_withdrawal_stops_it_at_once(
    person: Any, users: dict[str, User], login: Callable[[str], Client]
) -> None:
    assert services.consent_block_reason(person.pk, "marketing", "sms") == "客户未同意接收营销信息"
    assert services.consent_block_reason(person.pk, "care", "sms") is None
    client = login("cs_agent")
    response = client.post(
        reverse("consent_grant", args=[person.pk]),
        {"purpose": "marketing", "channel": "sms", "notice_version": "2026-01"},
    )
    assert response.status_code == 302
    assert services.consent_block_reason(person.pk, "marketing", "sms") is None
    assert services.consent_block_reason(person.pk, "marketing", "email") == "客户未同意接收营销信息"
    consent = person.consents.get()
    assert (consent.recorded_by, consent.notice_version) == (users["cs_agent"], "2026-01")
    client.post(reverse("consent_withdraw", args=[consent.pk]))
    assert services.consent_block_reason(person.pk, "marketing", "sms") == "客户已撤回此用途的授权同意"
    timeline = " ".join(person.records.values_list("title", flat=True))
    assert "登记授权同意" in timeline and "撤回授权同意" in timeline


def test_consent_api_validates_each_field(person: Any, api: Any) -> None:
    bad = api("cs_agent", "post", f"/customers/{person.pk}/consents", {"purpose": "x", "notice_version": ""})
    assert bad.status_code == 422 and set(bad.json()["errors"]) == {"purpose", "notice_version"}
    ok = api(
        "cs_agent", "post", f"/customers/{person.pk}/consents", {"purpose": "care", "notice_version": "v2"}
    )
    assert ok.status_code == 201
    listed = api("cs_agent", "get", f"/customers/{person.pk}/consents").json()
    assert [c["purpose"] for c in listed] == ["care"]
    assert api("cs_agent", "post", f"/consents/{listed[0]['id']}/withdraw").json()["withdrawn_at"]


def test_the_personal_data_export_is_a_zip_of_json_and_excel(person: Any, api: Any) -> None:
    assert api("cs_agent", "get", f"/customers/{person.pk}/personal-data").status_code == 403
    response = api("cs_manager", "get", f"/customers/{person.pk}/personal-data")
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    with zipfile.ZipFile(io.BytesIO(response.content)) as z:
        data = json.loads(z.read("data.json"))
        book = load_workbook(io.BytesIO(z.read("data.xlsx")))
    assert data["customer"]["id_number"] == ID and data["customer"]["name"] == "王建国"
    assert book["customer"]["A1"].value and "王建国" in [c.value for c in book["customer"][2]]
    assert AccessLog.objects.filter(action="subject_export", customer_id=person.pk).exists()


def test_erasure_removes_everything_and_survives_a_restore(
    person: Any, users: dict[str, User], login: Callable[[str], Client], settings: Any, tmp_path: Any
) -> None:
    settings.KEDANG_ERASURE_LEDGER = tmp_path / "ledger.jsonl"
    am = users["account_manager"]
    doc = customer_services.document_add(
        actor=am,
        customer_id=person.pk,
        file_type_code="C1",
        title="身份证复印件",
        upload=SimpleUploadedFile("身份证.pdf", PDF, content_type="application/pdf"),
    )
    path = Attachment.objects.get(record=doc).file.path
    pk, archive_no = person.pk, person.archive_no
    client = login("cs_manager")
    refused = client.post(reverse("subject_erase", args=[pk]), {"reason": ""})
    assert refused.status_code == 302 and Customer.objects.filter(pk=pk).exists()
    assert client.post(reverse("subject_erase", args=[pk]), {"reason": "客户书面要求删除"}).status_code == 302
    assert not Customer.objects.filter(pk=pk).exists()
    assert not Customer.history.filter(id=pk).exists()
    assert not SearchKey.objects.filter(customer_id=pk).exists()
    assert search_customers(users["cs_manager"], "王建国") == []
    import os

    assert not os.path.exists(path)
    assert Erasure.objects.get(customer_id=pk).archive_no == archive_no
    assert archive_no in settings.KEDANG_ERASURE_LEDGER.read_text(encoding="utf-8")

    # an older backup is restored: the customer and no erasure row are back
    with connection.cursor() as cur:
        cur.execute(f"DELETE FROM {Erasure._meta.db_table}")
    Customer.objects.bulk_create(
        [Customer(pk=pk, archive_no=archive_no, name="王建国", owner=am, id_number=ID)]
    )
    assert services.reapply_erasures() == 1
    assert not Customer.objects.filter(pk=pk).exists() and Erasure.objects.filter(customer_id=pk).exists()
    assert services.reapply_erasures() == 0


def test_a_restore_erases_again_through_the_ledger(
    person: Any, users: dict[str, User], settings: Any, tmp_path: Any
) -> None:
    """manage.py restore sends `restored`; the ledger's erasures are applied again at once."""
    from kedang.ops.backup import restored

    settings.KEDANG_ERASURE_LEDGER = tmp_path / "ledger.jsonl"
    pk, archive_no = person.pk, person.archive_no
    services.subject_erase(actor=users["cs_manager"], customer_id=pk, reason="客户要求")
    Customer.objects.bulk_create(
        [Customer(pk=pk, archive_no=archive_no, name="王建国", owner=users["account_manager"])]
    )
    restored.send(sender=None, manifest={})
    assert not Customer.objects.filter(pk=pk).exists()
