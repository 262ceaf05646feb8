"""SPEC §14 complaint endpoints: create, read with state and history, every transition over HTTP
(409 with a message when not allowed from the state, 403 for the wrong person, 422 naming the field,
404 for a complaint the caller may not see), and compensations that need a manager (R-P5)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from conftest import PASSWORD
from kedang.accounts.models import User
from kedang.accounts.services import token_issue
from kedang.customers.models import Record

from .factories import STEP_DATA, add_handler

pytestmark = pytest.mark.django_db
Call = Callable[..., Any]


@pytest.fixture
def api(client: Client, users: dict[str, User]) -> Call:
    add_handler(users)
    tokens: dict[str, str] = {}

    def call(who: str, method: str, path: str, body: Any = None) -> Any:
        if who not in tokens:
            token = token_issue(username=users[who].username, password=PASSWORD)
            assert token
            tokens[who] = token
        kwargs: dict[str, Any] = {"headers": {"Authorization": f"Bearer {tokens[who]}"}}
        if body is not None:
            kwargs.update(data=json.dumps(body), content_type="application/json")
        return getattr(client, method)(f"/api/v1{path}", **kwargs)

    return call


def test_walk_to_closed_over_http_with_409_and_403_on_the_way(
    api: Call, make_customer: Callable[..., Any]
) -> None:
    customer = make_customer()
    r = api(
        "cs_agent",
        "post",
        "/complaints",
        {"customer_id": customer.pk, "channel": "visit", "summary": "洗车不干净"},
    )
    assert r.status_code == 201, r.content
    body = r.json()
    cid = body["id"]
    assert body["state"] == "received" and body["number"].startswith("TS-")
    assert [h["action"] for h in body["history"]] == ["receive"]

    r = api("cs_manager", "post", f"/complaints/{cid}/transition", {"action": "close"})
    assert r.status_code == 409 and "不能结案" in r.json()["detail"]
    r = api("cs_agent", "post", f"/complaints/{cid}/transition", {"action": "confirm"})
    assert r.status_code == 403
    steps = [
        ("confirm", "cs_manager"),
        ("assign", "cs_manager"),
        ("resolve", "handler"),
        ("feedback", "cs_agent"),
        ("close", "cs_manager"),
    ]
    for action, who in steps:
        r = api(who, "post", f"/complaints/{cid}/transition", {"action": action, **STEP_DATA[action]})
        assert r.status_code == 200, (action, r.content)
    body = api("auditor", "get", f"/complaints/{cid}").json()
    assert body["state"] == "closed" and body["satisfaction"] == 5 and body["handler"] == "handler"
    assert [(h["action"], h["actor"]) for h in body["history"]] == [("receive", "cs_agent")] + [
        (a, w) for a, w in steps
    ]
    r = api("auditor", "post", f"/complaints/{cid}/transition", {"action": "reopen", "reason": "x"})
    assert r.status_code == 403
    r = api(
        "cs_manager", "post", f"/complaints/{cid}/transition", {"action": "reopen", "reason": "客户再次投诉"}
    )
    assert r.json()["state"] == "assigned"


def test_bad_input_names_the_field(api: Call, make_customer: Callable[..., Any]) -> None:
    customer = make_customer()
    r = api("cs_agent", "post", "/complaints", {"customer_id": customer.pk, "channel": "fax", "summary": ""})
    assert r.status_code == 422 and set(r.json()["errors"]) == {"channel", "summary"}
    cid = api(
        "cs_agent", "post", "/complaints", {"customer_id": customer.pk, "channel": "phone", "summary": "x"}
    ).json()["id"]
    r = api("cs_manager", "post", f"/complaints/{cid}/transition", {"action": "fly"})
    assert r.status_code == 422 and list(r.json()["errors"]) == ["action"]
    r = api("cs_manager", "post", f"/complaints/{cid}/transition", {"action": "reject"})
    assert r.status_code == 422 and list(r.json()["errors"]) == ["reason"]
    r = api("cs_manager", "post", f"/complaints/{cid}/transition", {"action": "confirm", "version": 7})
    assert r.status_code == 409


def test_a_complaint_of_a_customer_one_may_not_see_is_404(
    api: Call, make_customer: Callable[..., Any], users: dict[str, User]
) -> None:
    customer = make_customer(owner=users["account_manager"])
    cid = api(
        "cs_agent", "post", "/complaints", {"customer_id": customer.pk, "channel": "phone", "summary": "x"}
    ).json()["id"]
    assert api("am2", "get", f"/complaints/{cid}").status_code == 404
    assert api("am2", "post", f"/complaints/{cid}/transition", {"action": "confirm"}).status_code == 404
    assert api("am2", "get", "/complaints").json()["count"] == 0
    assert api("account_manager", "get", "/complaints").json()["count"] == 1
    r = api("am2", "post", "/complaints", {"customer_id": customer.pk, "channel": "phone", "summary": "x"})
    assert r.status_code == 404


def test_compensation_needs_a_manager_and_lands_in_category_4(
    api: Call, make_customer: Callable[..., Any]
) -> None:
    customer = make_customer()
    cid = api(
        "cs_agent",
        "post",
        "/complaints",
        {"customer_id": customer.pk, "channel": "phone", "summary": "漆面划伤"},
    ).json()["id"]
    r = api(
        "cs_agent",
        "post",
        f"/complaints/{cid}/compensations",
        {"kind": "discount", "amount": "-5", "description": ""},
    )
    assert r.status_code == 422 and set(r.json()["errors"]) == {"amount", "description"}
    r = api(
        "cs_agent",
        "post",
        f"/complaints/{cid}/compensations",
        {"kind": "discount", "amount": "300.50", "description": "下次保养工时八折"},
    )
    assert r.status_code == 201 and r.json()["status"] == "pending"
    comp = r.json()["id"]
    assert api("cs_agent", "post", f"/compensations/{comp}/approve", {}).status_code == 403
    r = api("cs_manager", "post", f"/compensations/{comp}/approve", {"note": "同意"})
    assert r.status_code == 200 and r.json()["status"] == "approved"
    record = Record.objects.get(pk=r.json()["record_id"])
    assert record.file is not None and record.file.file_type.code == "C4"
    assert record.customer_id == customer.pk and "折让 ¥300.50（已批准）" in record.title
    assert api("general_manager", "post", f"/compensations/{comp}/refuse", {}).status_code == 409


def test_categories_and_the_follow_up_channel_spelling(api: Call, make_customer: Callable[..., Any]) -> None:
    cats = api("cs_agent", "get", "/complaint-categories").json()
    rework = next(c for c in cats if c["name"] == "返修")
    parent = next(c for c in cats if c["id"] == rework["parent_id"])
    assert parent["name"] == "维修质量" and (parent["depth"], rework["depth"]) == (0, 1)
    r = api(
        "cs_agent",
        "post",
        "/complaints",
        {
            "customer_id": make_customer().pk,
            "channel": "follow-up",
            "summary": "回访中客户反映",
            "category_id": rework["id"],
        },
    )
    assert (
        r.status_code == 201
        and r.json()["channel"] == "followup"
        and r.json()["category"] == "维修质量 / 返修"
    )


def test_a_follow_up_call_over_http_opens_the_complaint(
    api: Call, users: dict[str, User], make_customer: Callable[..., Any], make_vehicle: Callable[..., Any]
) -> None:
    import datetime as dt

    from kedang.agenda.models import Task
    from kedang.agenda.services import event_record
    from kedang.followups.services import questionnaire_items

    customer = make_customer()
    vehicle = make_vehicle(customer)
    event_record(
        actor=users["cs_agent"],
        customer_id=customer.pk,
        kind="repair",
        vehicle_id=vehicle.pk,
        date=dt.date.today() - dt.timedelta(days=3),
    )
    task = Task.objects.get(rule__code="3DC")
    answers = {str(i.pk): i.scale_max for i in questionnaire_items(task)}
    r = api(
        "cs_manager",
        "post",
        f"/tasks/{task.pk}/complete",
        {"outcome": "reached", "answers": answers, "issue": "洗车不干净", "open_complaint": True},
    )
    assert r.status_code == 200, r.content
    number = r.json()["call"]["complaint_ref"]
    [item] = api("cs_manager", "get", f"/complaints?customer_id={customer.pk}").json()["items"]
    assert item["number"] == number and item["channel"] == "followup" and item["vehicle_id"] == vehicle.pk
    assert item["call_id"] == r.json()["call"]["id"] and item["summary"] == "洗车不干净"
