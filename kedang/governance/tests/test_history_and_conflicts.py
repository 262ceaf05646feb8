"""R-G3: every change in the history with a readable diff; managers revert; a stale edit is refused
with the diff (409), never a silent overwrite — also when two editors really race."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connections
from django.test import Client
from django.urls import reverse

from kedang.accounts.models import User
from kedang.customers import services
from kedang.customers.models import Customer
from kedang.customers.selectors import history_entries
from kedang.errors import Conflict


@pytest.mark.django_db(transaction=True)
def test_two_editors_racing_one_wins_one_gets_the_diff(users: dict[str, User]) -> None:
    c = services.customer_create(
        actor=users["cs_agent"], name="争用客户", phone="13500000000", owner=users["cs_agent"]
    )
    barrier = threading.Barrier(2)
    outcomes: dict[str, Any] = {}

    def edit(who: str, phone: str) -> None:
        try:
            barrier.wait()
            services.customer_update(actor=users[who], customer_id=c.pk, expected_version=1, phone=phone)
            outcomes[who] = "saved"
        except Conflict as exc:
            outcomes[who] = exc
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=edit, args=("cs_agent", "13511111111")),
        threading.Thread(target=edit, args=("cs_manager", "13522222222")),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(type(o).__name__ for o in outcomes.values()) == ["Conflict", "str"]
    winner = next(w for w, o in outcomes.items() if o == "saved")
    loser = next(o for o in outcomes.values() if isinstance(o, Conflict))
    c.refresh_from_db()
    assert c.phone == {"cs_agent": "13511111111", "cs_manager": "13522222222"}[winner]
    assert c.version == 2
    assert [d["field"] for d in loser.diff] == ["phone"] and loser.diff[0]["after"] == c.phone


def test_stale_api_patch_answers_409_with_the_diff(
    users: dict[str, User], make_customer: Callable[..., Any], client: Client
) -> None:
    from conftest import PASSWORD
    from kedang.accounts.services import token_issue

    c = make_customer(owner=users["account_manager"], address="旧地址")
    token = token_issue(username="cs_agent", password=PASSWORD)

    def patch(body: dict[str, Any]) -> Any:
        return client.patch(
            f"/api/v1/customers/{c.pk}",
            body,
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {token}",
        )

    version = client.get(f"/api/v1/customers/{c.pk}", HTTP_AUTHORIZATION=f"Bearer {token}").json()["version"]
    assert patch({"address": "新地址甲", "version": version}).status_code == 200
    stale = patch({"address": "新地址乙", "version": version})
    assert stale.status_code == 409
    body = stale.json()
    assert "他人修改" in body["detail"]
    assert body["diff"] == [{"field": "address", "label": "地址", "before": "旧地址", "after": "新地址甲"}]
    c.refresh_from_db()
    assert c.address == "新地址甲"


def test_stale_page_save_shows_the_diff_and_keeps_her_input(
    users: dict[str, User], make_customer: Callable[..., Any], login: Callable[[str], Client]
) -> None:
    c = make_customer(owner=users["account_manager"], address="旧地址")
    client = login("account_manager")
    form = client.get(reverse("customer_edit", args=[c.pk])).context["form"]
    data = {k: v for k, v in form.initial.items() if v is not None}
    services.customer_update(actor=users["cs_agent"], customer_id=c.pk, address="客服改的地址")
    data.update(address="我改的地址", kind="person", name=c.name, owner="account_manager", version=1)
    response = client.post(reverse("customer_edit", args=[c.pk]), data)
    assert response.status_code == 409
    body = response.content.decode()
    assert "客服改的地址" in body and "我改的地址" in body
    c.refresh_from_db()
    assert c.address == "客服改的地址"
    # saving again (now on the current version) applies her input
    data["version"] = c.version
    assert client.post(reverse("customer_edit", args=[c.pk]), data).status_code == 302
    c.refresh_from_db()
    assert c.address == "我改的地址"


def test_history_shows_who_when_why_and_the_diff(
    users: dict[str, User], make_customer: Callable[..., Any]
) -> None:
    c = make_customer(owner=users["account_manager"], address="甲地")
    services.customer_update(actor=users["cs_agent"], customer_id=c.pk, address="乙地", reason="客户搬家")
    entries = history_entries(c, users["general_manager"])
    latest = entries[0]
    assert latest.user == users["cs_agent"] and latest.reason == "客户搬家"
    assert latest.changes == [("地址", "甲地", "乙地")]
    assert entries[-1].kind == "+"


def test_manager_reverts_and_the_revert_is_itself_a_change(
    users: dict[str, User], make_customer: Callable[..., Any], login: Callable[[str], Client]
) -> None:
    c = make_customer(owner=users["account_manager"], address="甲地", phone="13400000000")
    services.customer_update(actor=users["cs_agent"], customer_id=c.pk, address="乙地", phone="13411111111")
    first = c.history.order_by("history_date").first()
    with pytest.raises(PermissionDenied):
        services.customer_revert(
            actor=users["cs_agent"], customer_id=c.pk, history_id=first.history_id, reason="x"
        )
    client = login("sales_manager")
    response = client.post(reverse("customer_revert", args=[c.pk, first.history_id]), {"reason": "误改"})
    assert response.status_code == 302
    c.refresh_from_db()
    assert (c.address, c.phone) == ("甲地", "13400000000")
    latest = history_entries(c, users["sales_manager"])[0]
    assert latest.user == users["sales_manager"] and "误改" in latest.reason
    assert ("地址", "乙地", "甲地") in latest.changes
    page = client.get(reverse("customer_detail", args=[c.pk]) + "?tab=history").content.decode()
    assert "误改" in page and "乙地" in page


def test_deleted_customer_leaves_the_list_and_page(
    users: dict[str, User], make_customer: Callable[..., Any], login: Callable[[str], Client]
) -> None:
    c = make_customer(owner=users["account_manager"])
    client = login("general_manager")
    response = client.post(reverse("customer_delete", args=[c.pk]), {"reason": "重复"})
    assert response.status_code == 302
    assert client.get(reverse("customer_detail", args=[c.pk])).status_code == 404
    assert c.pk not in [x.pk for x in client.get(reverse("customer_list")).context["page"].object_list]
    assert Customer.objects.filter(pk=c.pk).exists()
    overview = client.get(reverse("governance")).content.decode()
    assert c.name in overview
