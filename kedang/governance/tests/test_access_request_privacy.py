"""#13, R-G2: an access request never confirms that a hidden customer exists — no name, archive number
or owner to the requester (page, API, export) until granted, and a customer id or archive number that
does not exist answers exactly as a hidden one does, so ids cannot be enumerated."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from kedang.accounts.models import User
from kedang.accounts.services import user_upsert
from kedang.customers.models import Customer
from kedang.errors import Conflict
from kedang.governance import services
from kedang.governance.models import AccessRequest

NAME, OWNER = "隐秘的客户甲", "赵经理甲"


@pytest.fixture
def hidden(users: dict[str, User], make_customer: Callable[..., Any]) -> Customer:
    owner, _ = user_upsert(
        username="zhao", role="account_manager", password="x", display_name=OWNER, check_password=False
    )
    return make_customer(owner=owner, name=NAME)


def _leaks(text: str, c: Customer) -> list[str]:
    return [v for v in (NAME, c.archive_no, OWNER, "zhao") if v in text]


def _same(body: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in body.items() if k not in ("id", "customer_id")}


def test_api_answers_a_hidden_and_a_missing_id_alike(hidden: Customer, api: Callable[..., Any]) -> None:
    missing = Customer.objects.order_by("-pk").values_list("pk", flat=True)[0] + 1000
    a = api("am2", "post", "/access-requests", {"customer_id": hidden.pk, "reason": "续保", "days": 2})
    b = api("am2", "post", "/access-requests", {"customer_id": missing, "reason": "续保", "days": 2})
    assert (a.status_code, b.status_code) == (201, 201)
    assert _same(a.json()) == _same(b.json())
    assert (a.json()["customer_id"], b.json()["customer_id"]) == (hidden.pk, missing)  # what she asked
    assert a.json()["name"] == "" and a.json()["archive_no"] == ""
    assert _leaks(a.content.decode(), hidden) == []
    again_a = api("am2", "post", "/access-requests", {"customer_id": hidden.pk, "reason": "x", "days": 2})
    again_b = api("am2", "post", "/access-requests", {"customer_id": missing, "reason": "x", "days": 2})
    assert (again_a.status_code, again_a.json()) == (again_b.status_code, again_b.json())
    listed = api("am2", "get", "/access-requests")
    assert len(listed.json()["items"]) == 2 and _leaks(listed.content.decode(), hidden) == []


def test_by_archive_number_the_same(hidden: Customer, api: Callable[..., Any]) -> None:
    a = api("am2", "post", "/access-requests", {"archive_no": hidden.archive_no, "reason": "续保", "days": 2})
    b = api("am2", "post", "/access-requests", {"archive_no": "KDP-1999-999999", "reason": "续保", "days": 2})
    assert (a.status_code, b.status_code) == (201, 201)
    assert a.json()["customer_id"] is None and b.json()["customer_id"] is None
    assert a.json()["name"] == "" and OWNER not in a.content.decode()


def test_page_answers_a_hidden_and_a_missing_archive_number_alike(
    hidden: Customer, login: Callable[..., Client]
) -> None:
    client = login("am2")
    said = []
    for archive_no in (hidden.archive_no, "KDP-1999-999999"):
        r = client.post(
            reverse("access_request_create"), {"archive_no": archive_no, "reason": "续保", "days": 3}
        )
        assert r.status_code == 302
        page = client.get(reverse("governance"))
        said.append([str(m).replace(archive_no, "…") for m in page.context["messages"]])
    assert said[0] == said[1] and "已提交查阅申请" in said[0][0]
    body = client.get(reverse("governance")).content.decode()
    assert NAME not in body and OWNER not in body


def test_my_requests_export_reveals_nothing_until_granted(
    hidden: Customer, users: dict[str, User], login: Callable[..., Client]
) -> None:
    req = services.access_request_create(actor=users["am2"], customer_id=hidden.pk, reason="续保", days=3)
    client = login("am2")
    for fmt in ("xlsx", "csv"):
        r = client.get(reverse("access_requests_export") + f"?list=mine&format={fmt}")
        text = r.content.decode("utf-8-sig") if fmt == "csv" else _xlsx_text(r.content)
        assert f"客户编号 {hidden.pk}" in text and _leaks(text, hidden) == []
    services.access_request_decide(actor=users["sales_manager"], request_id=req.pk, approve=True)
    r = client.get(reverse("access_requests_export") + "?list=mine&format=csv")
    row = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))[1]
    assert row[2:5] == [hidden.archive_no, NAME, OWNER]  # granted: she may see it now
    assert NAME in client.get(reverse("governance")).content.decode()


def _xlsx_text(content: bytes) -> str:
    ws = load_workbook(io.BytesIO(content)).active
    assert ws is not None
    return str([list(row) for row in ws.iter_rows(values_only=True)])


def test_the_approver_sees_a_request_for_nothing_and_can_only_refuse(
    hidden: Customer, users: dict[str, User], login: Callable[..., Client]
) -> None:
    req = services.access_request_create(actor=users["am2"], archive_no="kdp-1999-000001", reason="x", days=3)
    assert req.customer is None and req.asked_archive_no == "KDP-1999-000001"
    page = login("sales_manager").get(reverse("governance")).content.decode()
    assert "没有对应的档案" in page and "KDP-1999-000001" in page
    with pytest.raises(Conflict):
        services.access_request_decide(actor=users["sales_manager"], request_id=req.pk, approve=True)
    services.access_request_decide(
        actor=users["sales_manager"], request_id=req.pk, approve=False, note="无此档案"
    )
    assert AccessRequest.objects.get(pk=req.pk).status == "refused"


def test_a_visible_customer_needs_no_request_and_one_key_is_required(
    hidden: Customer, users: dict[str, User]
) -> None:
    with pytest.raises(ValidationError) as exc:
        services.access_request_create(
            actor=users["general_manager"], customer_id=hidden.pk, reason="x", days=1
        )
    assert exc.value.messages == ["您已可以查看该客户，无需申请"]
    with pytest.raises(ValidationError) as exc:
        services.access_request_create(actor=users["am2"], reason="x", days=1)
    assert "customer_id" in exc.value.message_dict
