"""R-G4: deletion goes to the recycle bin; restore brings everything back; the purge after 30 days
leaves no trace in the database, the search index or the attachment folder."""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.utils import timezone

from kedang.accounts.models import User
from kedang.customers import services as customers
from kedang.customers.models import Attachment, ContactPerson, Customer, Record, Vehicle
from kedang.governance import services
from kedang.governance.models import RecycleBinEntry
from kedang.search.models import SearchDoc, SearchKey
from kedang.search.selectors import find

PDF = b"%PDF-1.4\nunique scan for purge test\n%%EOF\n"


@pytest.fixture
def full_customer(users: dict[str, User], make_customer: Callable[..., Any]) -> Any:
    am = users["account_manager"]
    c = make_customer(owner=am, name="待删客户", phone="13600001111")
    v = customers.vehicle_create(actor=am, customer_id=c.pk, vin="1M8GDM9AXKP042788", plate="粤B12345")
    customers.document_add(
        actor=am,
        customer_id=c.pk,
        file_type_code="SALES",
        vehicle_id=v.pk,
        title="购车合同",
        upload=SimpleUploadedFile("合同.pdf", PDF),
    )
    customers.contact_add(actor=am, customer_id=c.pk, name="家属", phone="13600002222")
    customers.customer_update(actor=am, customer_id=c.pk, address="广州市天河区")
    return c


def _snapshot(c: Customer) -> dict[str, Any]:
    return {
        "vehicles": list(Vehicle.objects.filter(customer=c).values_list("vin", "deleted_at")),
        "records": Record.objects.filter(customer=c).count(),
        "attachments": Attachment.objects.filter(record__customer=c).count(),
        "contacts": ContactPerson.objects.filter(customer=c).count(),
        "history": c.history.count(),
    }


def test_delete_then_restore_brings_everything_back(users: dict[str, User], full_customer: Any) -> None:
    gm, cs = users["general_manager"], users["cs_agent"]
    before = _snapshot(full_customer)
    customers.customer_delete(actor=gm, customer_id=full_customer.pk, reason="重复建档")
    assert find(cs, "13600001111") == [] and find(cs, "粤B12345") == []
    entry = RecycleBinEntry.objects.get()
    with pytest.raises(PermissionDenied):
        services.recycle_bin_restore(actor=users["account_manager"], entry_id=entry.pk)
    services.recycle_bin_restore(actor=gm, entry_id=entry.pk)
    full_customer.refresh_from_db()
    assert full_customer.deleted_at is None
    after = _snapshot(full_customer)
    assert after["vehicles"] == before["vehicles"]
    assert after["attachments"] == before["attachments"] and after["contacts"] == before["contacts"]
    assert (
        after["records"] > before["records"] and after["history"] > before["history"]
    )  # delete + restore logged
    assert find(cs, "13600001111")[0].customer_id == full_customer.pk
    assert find(cs, "粤B12345")[0].customer_id == full_customer.pk


def test_purge_after_30_days_leaves_no_trace(users: dict[str, User], full_customer: Any) -> None:
    gm = users["general_manager"]
    cid = full_customer.pk
    vid = full_customer.vehicles.get().pk
    path = Attachment.objects.get(record__customer_id=cid).file.path
    assert os.path.exists(path)
    customers.customer_delete(actor=gm, customer_id=cid, reason="客户要求")
    assert services.recycle_bin_purge(now=timezone.now() + timedelta(days=29)) == 0
    assert Customer.objects.filter(pk=cid).exists()
    assert services.recycle_bin_purge(now=timezone.now() + timedelta(days=31)) == 1
    assert services.recycle_bin_purge(now=timezone.now() + timedelta(days=31)) == 0  # idempotent

    assert not Customer.objects.filter(pk=cid).exists()
    assert not Customer.history.filter(id=cid).exists()
    assert not Vehicle.objects.filter(pk=vid).exists() and not Vehicle.history.filter(id=vid).exists()
    assert not Record.objects.filter(customer_id=cid).exists()
    assert not ContactPerson.objects.filter(customer_id=cid).exists()
    assert not SearchKey.objects.filter(customer_id=cid).exists()
    assert not SearchDoc.objects.filter(customer_id=cid).exists()
    assert not RecycleBinEntry.objects.filter(customer_id=cid).exists()
    assert not os.path.exists(path)
    if connection.vendor == "sqlite":
        with connection.cursor() as cur:
            cur.execute("SELECT count(*) FROM search_fts WHERE text MATCH %s", ['"13600001111"'])
            assert cur.fetchone()[0] == 0


def test_shared_attachment_file_survives_the_purge_of_one_owner(
    users: dict[str, User], make_customer: Callable[..., Any]
) -> None:
    am, gm = users["account_manager"], users["general_manager"]
    a, b = make_customer(owner=am), make_customer(owner=am)
    for c in (a, b):
        customers.document_add(
            actor=am,
            customer_id=c.pk,
            file_type_code="C1",
            title="同一扫描件",
            upload=SimpleUploadedFile("s.pdf", PDF),
        )
    path = Attachment.objects.filter(record__customer=b).get().file.path
    customers.customer_delete(actor=gm, customer_id=a.pk, reason="测试")
    services.recycle_bin_purge(now=timezone.now() + timedelta(days=31))
    assert os.path.exists(path)


def test_vehicle_delete_and_restore(users: dict[str, User], full_customer: Any) -> None:
    am, gm = users["account_manager"], users["general_manager"]
    v = full_customer.vehicles.get()
    customers.vehicle_delete(actor=am, vehicle_id=v.pk, reason="录错")
    assert find(users["cs_agent"], "粤B12345") == []
    entry = RecycleBinEntry.objects.get(kind="vehicle")
    services.recycle_bin_restore(actor=gm, entry_id=entry.pk)
    assert find(users["cs_agent"], "粤B12345")[0].customer_id == full_customer.pk


def test_recycle_bin_api(users: dict[str, User], full_customer: Any, client: Client) -> None:
    from conftest import PASSWORD
    from kedang.accounts.services import token_issue

    def call(who: str, method: str, url: str) -> Any:
        token = token_issue(username=who, password=PASSWORD)
        return getattr(client, method)("/api/v1" + url, HTTP_AUTHORIZATION=f"Bearer {token}")

    assert call("general_manager", "delete", f"/customers/{full_customer.pk}?reason=重复").status_code == 204
    items = call("general_manager", "get", "/recycle-bin").json()["items"]
    assert [(i["kind"], i["object_id"]) for i in items] == [("customer", full_customer.pk)]
    assert call("account_manager", "get", "/recycle-bin").json()["items"] == []
    assert call("general_manager", "post", f"/recycle-bin/{items[0]['id']}/restore").status_code == 200
    assert call("account_manager", "get", f"/customers/{full_customer.pk}").status_code == 200


def test_run_daily_purges_what_has_waited_30_days(users: dict[str, User], full_customer: Any) -> None:
    import datetime as dt
    import io

    from django.core.management import call_command

    customers.customer_delete(actor=users["general_manager"], customer_id=full_customer.pk, reason="测试")
    today = timezone.localdate()
    out = io.StringIO()
    call_command("run_daily", "--date", str(today + dt.timedelta(days=29)), "--no-catch-up", stdout=out)
    assert Customer.objects.filter(pk=full_customer.pk).exists()
    call_command("run_daily", "--date", str(today + dt.timedelta(days=30)), "--no-catch-up", stdout=out)
    assert not Customer.objects.filter(pk=full_customer.pk).exists()
    assert "回收站到期彻底删除：1" in out.getvalue()
