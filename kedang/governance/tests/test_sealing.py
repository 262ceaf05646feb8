"""R-A9: seal_year binds each category's filed records of the year into numbered volumes; sealed
records refuse changes through every path (service, page, API, admin/ORM)."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import transaction
from django.test import Client
from django.urls import reverse

from kedang.accounts.models import User
from kedang.customers import services as customers
from kedang.customers.models import Attachment, Record
from kedang.errors import Conflict
from kedang.governance import filing
from kedang.governance.models import Volume

PNG = "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAQAAAAECAIAAAAmkwkpAAAAFElEQVR4nGP8//8/AwwwMSAB3BwAlm4DBfIlvvkAAAAASUVORK5CYII="  # a real 4×4 PNG: uploads are checked by decoding


@pytest.fixture
def filed_with_docs(users: dict[str, User], make_customer: Callable[..., Any]) -> Any:
    am = users["account_manager"]
    c = make_customer(owner=am, name="封卷客户")
    v = customers.vehicle_create(actor=am, customer_id=c.pk, vin="1M8GDM9AXKP042788", plate="京A12345")
    for day, title in (
        (dt.date(2025, 3, 1), "购车合同"),
        (dt.date(2025, 3, 2), "保险单"),
        (dt.date(2026, 1, 5), "保单发票"),
    ):
        customers.document_add(
            actor=am,
            customer_id=c.pk,
            file_type_code="SALES",
            vehicle_id=v.pk,
            title=title,
            occurred_on=day,
            upload=SimpleUploadedFile(f"{title}.pdf", b"%PDF-1.4\n" + title.encode() + b"\n%%EOF\n"),
        )
    draft = make_customer(owner=am, name="草稿客户")
    customers.document_add(
        actor=am, customer_id=draft.pk, file_type_code="C1", title="登记表", occurred_on=dt.date(2025, 5, 1)
    )
    filing.filing_submit(actor=am, customer_id=c.pk, drawn=PNG)
    filing.filing_approve(actor=users["sales_manager"], customer_id=c.pk)
    return c


def test_seal_year_binds_filed_records_of_that_year_by_category(filed_with_docs: Any) -> None:
    out = io.StringIO()
    call_command("seal_year", "2025", stdout=out)
    volumes = list(Volume.objects.order_by("code"))
    assert [v.code for v in volumes] == ["2025-SALES-001"]
    sealed = list(
        Record.objects.filter(volume=volumes[0]).order_by("volume_seq").values_list("title", "volume_seq")
    )
    assert sealed == [("购车合同", 1), ("保险单", 2)]
    assert not Record.objects.filter(title__in=["保单发票", "登记表"], volume__isnull=False).exists()
    assert "2025-SALES-001" in out.getvalue()
    call_command("seal_year", "2025", stdout=io.StringIO())
    assert Volume.objects.count() == 1, "a second run binds nothing new"


def test_sealed_records_refuse_every_path(
    users: dict[str, User], filed_with_docs: Any, client: Client
) -> None:
    call_command("seal_year", "2025", stdout=io.StringIO())
    record = Record.objects.get(title="购车合同")
    record.title = "改名"
    # each attempt in its own savepoint, as a request would be
    with pytest.raises(PermissionDenied), transaction.atomic():
        record.save()  # the ORM, as the admin would
    with pytest.raises(PermissionDenied), transaction.atomic():
        Record.objects.get(pk=record.pk).delete()
    with pytest.raises(PermissionDenied), transaction.atomic():
        Attachment.objects.filter(record=record).get().delete()
    with pytest.raises(Conflict):  # the services
        customers.customer_delete(actor=users["general_manager"], customer_id=filed_with_docs.pk, reason="x")
    with pytest.raises(Conflict):
        customers.vehicle_delete(
            actor=users["general_manager"], vehicle_id=filed_with_docs.vehicles.get().pk, reason="x"
        )
    client.force_login(users["general_manager"])  # the page
    client.post(reverse("customer_delete", args=[filed_with_docs.pk]), {"reason": "x"})
    filed_with_docs.refresh_from_db()
    assert filed_with_docs.deleted_at is None

    from conftest import PASSWORD
    from kedang.accounts.services import token_issue

    token = token_issue(username="general_manager", password=PASSWORD)  # the API
    r = client.delete(
        f"/api/v1/customers/{filed_with_docs.pk}?reason=x", HTTP_AUTHORIZATION=f"Bearer {token}"
    )
    assert r.status_code == 409
    assert Record.objects.get(pk=record.pk).title == "购车合同"


def test_catalogue_pdf_lists_the_volume(users: dict[str, User], filed_with_docs: Any, client: Client) -> None:
    from pypdf import PdfReader

    call_command("seal_year", "2025", stdout=io.StringIO())
    volume = Volume.objects.get()
    client.force_login(users["account_manager"])
    assert client.get(reverse("volume_catalogue", args=[volume.pk])).status_code == 403
    client.force_login(users["archivist"])
    response = client.get(reverse("volume_catalogue", args=[volume.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = PdfReader(io.BytesIO(response.content)).pages[0].extract_text()
    assert "2025-SALES-001" in text and filed_with_docs.archive_no in text and "购车合同" in text
