"""R-G5 filing sign-off and R-G3 approval of changes to filed archives."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from kedang.accounts.models import User
from kedang.customers import services as customers
from kedang.customers.models import Customer, Record
from kedang.errors import ApprovalPending, Conflict
from kedang.governance import filing
from kedang.governance.models import ChangeRequest, RecycleBinEntry

PNG = "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAQAAAAECAIAAAAmkwkpAAAAFElEQVR4nGP8//8/AwwwMSAB3BwAlm4DBfIlvvkAAAAASUVORK5CYII="  # a real 4×4 PNG: uploads are checked by decoding


@pytest.fixture
def filed(users: dict[str, User], make_customer: Callable[..., Any]) -> Customer:
    c = make_customer(owner=users["account_manager"], address="甲地", phone="13300000000")
    filing.filing_submit(actor=users["account_manager"], customer_id=c.pk, drawn=PNG)
    filing.filing_approve(actor=users["sales_manager"], customer_id=c.pk)
    c.refresh_from_db()
    return c


def test_filing_needs_signature_and_a_supervisor_other_than_the_handler(
    users: dict[str, User], make_customer: Callable[..., Any]
) -> None:
    am, csm = users["account_manager"], users["cs_manager"]
    c = make_customer(owner=am)
    with pytest.raises(ValidationError) as exc:
        filing.filing_submit(actor=am, customer_id=c.pk)
    assert "signature" in exc.value.message_dict
    with pytest.raises(Conflict):
        filing.filing_approve(actor=csm, customer_id=c.pk)  # not submitted yet
    scan = SimpleUploadedFile("签字.pdf", b"%PDF-1.4\nsigned\n%%EOF\n")
    filing.filing_submit(actor=csm, customer_id=c.pk, scan=scan)
    with pytest.raises(PermissionDenied):
        filing.filing_approve(actor=csm, customer_id=c.pk)  # her own submission
    with pytest.raises(PermissionDenied):
        filing.filing_approve(actor=users["cs_agent"], customer_id=c.pk)  # not a supervisor
    filing.filing_approve(actor=users["general_manager"], customer_id=c.pk)
    c.refresh_from_db()
    assert c.filed_at and c.filing_handler == csm and c.filed_approved_by == users["general_manager"]
    assert Record.objects.filter(customer=c, title="客户签字确认", attachments__isnull=False).exists()


def test_change_to_filed_archive_waits_for_the_sales_manager(users: dict[str, User], filed: Customer) -> None:
    am, sm = users["account_manager"], users["sales_manager"]
    with pytest.raises(ValidationError):
        customers.customer_update(actor=am, customer_id=filed.pk, address="乙地")  # a reason is required
    with pytest.raises(ApprovalPending) as pending:
        customers.customer_update(actor=am, customer_id=filed.pk, address="乙地", reason="客户搬家")
    filed.refresh_from_db()
    assert filed.address == "甲地", "nothing applied before approval"
    req = ChangeRequest.objects.get(pk=pending.value.request_id)
    assert req.changes == {"address": "乙地"} and req.before == {"address": "甲地"}
    with pytest.raises(PermissionDenied):
        filing.change_decide(actor=users["cs_manager"], request_id=req.pk, approve=True)
    filing.change_decide(actor=sm, request_id=req.pk, approve=True)
    filed.refresh_from_db()
    assert filed.address == "乙地"
    latest = filed.history.order_by("-history_date").first()
    assert latest.history_user == sm and "客户搬家" in latest.history_change_reason
    assert "account_manager" in latest.history_change_reason
    with pytest.raises(Conflict):
        filing.change_decide(actor=sm, request_id=req.pk, approve=True)


def test_refused_change_changes_nothing(users: dict[str, User], filed: Customer) -> None:
    with pytest.raises(ApprovalPending) as pending:
        customers.customer_update(
            actor=users["cs_agent"], customer_id=filed.pk, phone="13399999999", reason="x"
        )
    filing.change_decide(actor=users["general_manager"], request_id=pending.value.request_id, approve=False)
    filed.refresh_from_db()
    assert filed.phone == "13300000000"


def test_the_sales_managers_own_change_applies_at_once_with_a_reason(
    users: dict[str, User], filed: Customer
) -> None:
    customers.customer_update(
        actor=users["sales_manager"], customer_id=filed.pk, address="丙地", reason="核实"
    )
    filed.refresh_from_db()
    assert filed.address == "丙地"


def test_deleting_a_filed_archive_needs_approval(users: dict[str, User], filed: Customer) -> None:
    with pytest.raises(ApprovalPending) as pending:
        customers.customer_delete(actor=users["cs_manager"], customer_id=filed.pk, reason="重复建档")
    assert not RecycleBinEntry.objects.exists()
    filing.change_decide(actor=users["sales_manager"], request_id=pending.value.request_id, approve=True)
    filed.refresh_from_db()
    assert filed.deleted_at is not None and RecycleBinEntry.objects.filter(customer_id=filed.pk).exists()


def test_api_patch_on_filed_archive_answers_202_then_approval_applies(
    users: dict[str, User], filed: Customer, client: Client
) -> None:
    from conftest import PASSWORD
    from kedang.accounts.services import token_issue

    def call(who: str, method: str, url: str, body: dict[str, Any] | None = None) -> Any:
        token = token_issue(username=who, password=PASSWORD)
        return getattr(client, method)(
            "/api/v1" + url, body or {}, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {token}"
        )

    r = call("account_manager", "patch", f"/customers/{filed.pk}", {"address": "丁地", "reason": "更正"})
    assert r.status_code == 202
    req_id = r.json()["change_request_id"]
    assert call("account_manager", "get", f"/customers/{filed.pk}").json()["address"] == "甲地"
    listed = call("sales_manager", "get", "/change-requests").json()["items"]
    assert [i["id"] for i in listed] == [req_id]
    assert call("sales_manager", "post", f"/change-requests/{req_id}/approve").status_code == 200
    assert call("account_manager", "get", f"/customers/{filed.pk}").json()["address"] == "丁地"


def test_filing_through_the_pages(
    users: dict[str, User], make_customer: Callable[..., Any], client: Client
) -> None:
    c = make_customer(owner=users["account_manager"])
    client.force_login(users["account_manager"])
    assert client.post(reverse("filing_submit", args=[c.pk]), {"drawn": PNG}).status_code == 302
    client.force_login(users["sales_manager"])
    page = client.get(reverse("governance")).content.decode()
    assert c.name in page and "待审批归档" in page
    assert client.post(reverse("filing_approve", args=[c.pk])).status_code == 302
    c.refresh_from_db()
    assert c.filed_at is not None
    client.force_login(users["account_manager"])
    response = client.get(reverse("customer_detail", args=[c.pk]))
    assert "已归档" in response.content.decode()


def test_proposing_the_same_change_twice_adds_one_request(users: dict[str, User], filed: Customer) -> None:
    ids = set()
    for _ in range(2):
        with pytest.raises(ApprovalPending) as pending:
            customers.customer_update(
                actor=users["cs_agent"], customer_id=filed.pk, address="乙地", reason="核对"
            )
        ids.add(pending.value.request_id)
    assert len(ids) == 1 and ChangeRequest.objects.count() == 1
