"""#13, R-G7 on R-G3: the history tab, the 409 conflict diff (page and API) and the change-request
diff (page and API) show a phone or an ID number only as the viewer's role may see it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from kedang.accounts.models import RoleSetting, User
from kedang.customers import services
from kedang.customers.models import Customer
from kedang.customers.selectors import history_entries
from kedang.errors import ApprovalPending
from kedang.governance import filing

from .test_filing import PNG

OLD_PHONE, NEW_PHONE = "13811112222", "13933334444"
OLD_ID, NEW_ID = "110105194912310038", "11010519491231002X"
CLEAR = (OLD_PHONE, NEW_PHONE, OLD_ID, NEW_ID)


@pytest.fixture
def edited(users: dict[str, User], make_customer: Callable[..., Any]) -> Customer:
    """A customer whose phones and ID number changed once: the history holds four clear values."""
    c = make_customer(owner=users["account_manager"], phone=OLD_PHONE, phone2=OLD_PHONE, id_number=OLD_ID)
    services.customer_update(
        actor=users["account_manager"], customer_id=c.pk, phone=NEW_PHONE, phone2=NEW_PHONE, id_number=NEW_ID
    )
    c.refresh_from_db()
    return c


def _clear_in(text: str) -> list[str]:
    return [v for v in CLEAR if v in text]


def test_history_tab_masks_phones_and_ids_for_the_auditor(
    edited: Customer, login: Callable[..., Client]
) -> None:
    page = login("auditor").get(reverse("customer_detail", args=[edited.pk]) + "?tab=history")
    body = page.content.decode()
    assert page.status_code == 200 and "138****2222" in body and "110105********0038" in body
    assert _clear_in(body) == []


def test_history_masks_by_kind_for_the_cs_agent(edited: Customer, users: dict[str, User]) -> None:
    """The customer-service agent sees phones in clear but ID numbers masked."""
    changes = {
        label: (old, new) for e in history_entries(edited, users["cs_agent"]) for label, old, new in e.changes
    }
    assert changes["电话"] == (OLD_PHONE, NEW_PHONE)
    assert changes["备用电话"] == (OLD_PHONE, NEW_PHONE)
    assert changes["身份证号"] == ("110105********0038", "110105********002X")
    full = {
        label: (o, n) for e in history_entries(edited, users["general_manager"]) for label, o, n in e.changes
    }
    assert full["身份证号"] == (OLD_ID, NEW_ID)


def test_stale_api_patch_409_masks_the_diff(
    edited: Customer, users: dict[str, User], api: Callable[..., Any]
) -> None:
    """The cs agent loaded version 1; meanwhile the ID changed: the 409 body shows it masked."""
    stale = api("cs_agent", "patch", f"/customers/{edited.pk}", {"address": "新地址", "version": 1})
    assert stale.status_code == 409
    diff = {d["field"]: d for d in stale.json()["diff"]}
    assert diff["id_number"]["before"] == "110105********0038"
    assert diff["id_number"]["after"] == "110105********002X"
    assert diff["phone"]["after"] == NEW_PHONE  # she sees phones
    assert OLD_ID not in stale.content.decode() and NEW_ID not in stale.content.decode()


def test_stale_page_save_409_masks_the_diff(
    edited: Customer, users: dict[str, User], login: Callable[..., Client]
) -> None:
    RoleSetting.objects.filter(group__name="cs_agent").update(sees_phone=False)
    client = login("cs_agent")
    data = {"kind": "person", "name": edited.name, "owner": "account_manager", "version": 1, "address": "乙"}
    response = client.post(reverse("customer_edit", args=[edited.pk]), data)
    assert response.status_code == 409
    body = response.content.decode()
    assert "110105********002X" in body and "139****4444" in body
    assert _clear_in(body) == []


@pytest.fixture
def proposed(users: dict[str, User], make_customer: Callable[..., Any]) -> Customer:
    """A filed archive with a proposed change of phone and ID number, awaiting the sales manager,
    whose role is set to see phones and ID numbers masked."""
    c = make_customer(owner=users["account_manager"], phone=OLD_PHONE, id_number=OLD_ID)
    filing.filing_submit(actor=users["account_manager"], customer_id=c.pk, drawn=PNG)
    filing.filing_approve(actor=users["sales_manager"], customer_id=c.pk)
    with pytest.raises(ApprovalPending):
        services.customer_update(
            actor=users["account_manager"], customer_id=c.pk, phone=NEW_PHONE, id_number=NEW_ID, reason="更正"
        )
    RoleSetting.objects.filter(group__name="sales_manager").update(sees_phone=False, sees_id_number=False)
    return c


def test_change_request_diff_page_masks_for_the_approver(
    proposed: Customer, login: Callable[..., Client]
) -> None:
    body = login("sales_manager").get(reverse("governance")).content.decode()
    assert "更正" in body and "139****4444" in body and "110105********002X" in body
    assert _clear_in(body) == []


def test_change_request_api_masks_for_the_approver(proposed: Customer, api: Callable[..., Any]) -> None:
    response = api("sales_manager", "get", "/change-requests")
    (item,) = response.json()["items"]
    assert item["changes"]["phone"] == "139****4444" and item["before"]["id_number"] == "110105********0038"
    assert _clear_in(response.content.decode()) == []
