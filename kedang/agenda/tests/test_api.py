"""POST /events, GET /tasks, POST /tasks/{id}/complete (SPEC §14): round trip, errors per field,
visibility, conflicts, pinned query count."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from conftest import PASSWORD
from kedang.accounts.models import User
from kedang.accounts.services import token_issue, user_upsert
from kedang.agenda.models import Task
from kedang.followups.services import questionnaire_items

pytestmark = pytest.mark.django_db
Call = Callable[..., Any]


@pytest.fixture
def api(client: Client, users: dict[str, User]) -> Call:
    tokens: dict[str, str] = {}

    def call(who: str, method: str, path: str, body: Any = None) -> Any:
        if who not in tokens:
            user = users.get(who) or User.objects.get(username=who)
            token = token_issue(username=user.username, password=PASSWORD)
            assert token
            tokens[who] = token
        kwargs: dict[str, Any] = {"headers": {"Authorization": f"Bearer {tokens[who]}"}}
        if body is not None:
            kwargs.update(data=json.dumps(body), content_type="application/json")
        return getattr(client, method)(f"/api/v1{path}", **kwargs)

    return call


def test_post_event_creates_follow_ups(
    api: Call, make_customer: Callable[..., Any], make_vehicle: Callable[..., Any]
) -> None:
    customer = make_customer()
    vehicle = make_vehicle(customer)
    today = timezone.localdate()
    r = api(
        "cs_agent",
        "post",
        "/events",
        {"customer_id": customer.pk, "vehicle_id": vehicle.pk, "kind": "delivery", "date": today.isoformat()},
    )
    assert r.status_code == 201, r.content
    body = r.json()
    assert body["kind"] == "delivery" and body["record_id"]
    rules = {t["rule"]: t for t in body["tasks"]}
    assert set(rules) == {"7DC", "MONTHLY", "QUARTERLY", "YEARLY"}
    assert rules["7DC"]["due_date"] == (today + dt.timedelta(days=7)).isoformat()
    assert rules["7DC"]["assignee"] == "cs_agent" and rules["7DC"]["status"] == "open"

    r = api(
        "cs_agent",
        "post",
        "/events",
        {"customer_id": customer.pk, "kind": "repair", "date": today.isoformat(), "amount": 1234.5},
    )
    assert r.status_code == 201
    assert r.json()["amount"] == "1234.50"


def test_post_event_errors_name_each_field(
    api: Call, users: dict[str, User], make_customer: Callable[..., Any]
) -> None:
    customer = make_customer()
    tomorrow = (timezone.localdate() + dt.timedelta(days=1)).isoformat()
    r = api("cs_agent", "post", "/events", {"customer_id": customer.pk, "kind": "wash", "date": tomorrow})
    assert r.status_code == 422
    errors = r.json()["errors"]
    assert set(errors) == {"kind", "date"}
    assert errors["date"][0] == {"code": "future_date", "message": "日期不能晚于今天"}
    r = api("cs_agent", "post", "/events", {"customer_id": customer.pk, "kind": "repair", "date": "2026/3/1"})
    assert r.status_code == 422 and "date" in r.json()["errors"]
    r = api(
        "cs_agent",
        "post",
        "/events",
        {"customer_id": customer.pk, "kind": "repair", "date": "2026-03-01", "colour": "x"},
    )
    assert r.status_code == 422 and "colour" in r.json()["errors"]
    # a customer the caller may not see is 404, like a missing one
    theirs = make_customer(owner=users["am2"])
    body = {"customer_id": theirs.pk, "kind": "service", "date": "2026-03-01"}
    assert api("account_manager", "post", "/events", body).status_code == 404
    assert api("account_manager", "post", "/events", {**body, "customer_id": 999999}).status_code == 404
    assert api("auditor", "post", "/events", body).status_code == 403
    assert (
        Client().post("/api/v1/events", data=json.dumps(body), content_type="application/json").status_code
        == 401
    )


@pytest.fixture
def tasks(users: dict[str, User], make_customer: Callable[..., Any]) -> list[Task]:
    """Six service follow-ups, alternately assigned to cs_agent and cs2 (round-robin)."""
    from kedang.agenda.services import event_record

    user_upsert(username="cs2", role="cs_agent", password=PASSWORD, department="客服部", check_password=False)
    today = timezone.localdate()
    for n in range(6):
        event_record(
            actor=users["cs_manager"],
            customer_id=make_customer().pk,
            kind="service",
            date=today - dt.timedelta(days=n),
            today=today,
        )
    return list(Task.objects.order_by("id"))


def test_get_tasks_filters_and_shows_an_agent_only_her_tasks(api: Call, tasks: list[Task]) -> None:
    mine = [t for t in tasks if t.assignee and t.assignee.username == "cs_agent"]
    r = api("cs_agent", "get", "/tasks")
    assert r.status_code == 200
    assert r.json()["count"] == len(mine) == 3
    assert {i["assignee"] for i in r.json()["items"]} == {"cs_agent"}
    # the manager sees the team, and filters
    assert api("cs_manager", "get", "/tasks").json()["count"] == 6
    assert api("cs_manager", "get", "/tasks?assignee=cs2").json()["count"] == 3
    due = tasks[0].due_date.isoformat()
    items = api("cs_manager", "get", f"/tasks?due={due}").json()["items"]
    assert [i["id"] for i in items] == [tasks[0].pk]
    window = f"due_from={tasks[2].due_date}&due_to={tasks[0].due_date}"
    assert api("cs_manager", "get", f"/tasks?{window}").json()["count"] == 3
    assert api("cs_manager", "get", "/tasks?rule=SERVICE_1&status=open").json()["count"] == 6
    assert api("cs_manager", "get", "/tasks?rule=7DC").json()["count"] == 0
    assert api("cs_manager", "get", "/tasks?due=yesterday").status_code == 422
    # an account manager sees no one else's work, and nothing on customers outside her scope
    assert api("am2", "get", "/tasks").json()["count"] == 0


def test_task_list_query_count_does_not_grow_with_rows(api: Call, tasks: list[Task]) -> None:
    api("cs_manager", "get", "/tasks")  # token and role caches
    with CaptureQueriesContext(connection) as ctx:
        r = api("cs_manager", "get", "/tasks")
    assert r.json()["count"] == 6
    assert len(ctx.captured_queries) <= 6, [q["sql"] for q in ctx.captured_queries]


def test_complete_round_trip_errors_and_conflict(api: Call, tasks: list[Task]) -> None:
    task = next(t for t in tasks if t.assignee and t.assignee.username == "cs_agent")
    items = questionnaire_items(task)
    answers = {str(i.pk): i.scale_max for i in items}
    bad = {**answers, str(items[0].pk): 9}
    r = api("cs_agent", "post", f"/tasks/{task.pk}/complete", {"outcome": "reached", "answers": bad})
    assert r.status_code == 422
    [error] = r.json()["errors"][f"answers.{items[0].pk}"]
    assert error["code"] == "out_of_scale" and "1–5" in error["message"]

    other = next(t for t in tasks if t.assignee and t.assignee.username == "cs2")
    assert (
        api("cs_agent", "post", f"/tasks/{other.pk}/complete", {"outcome": "unreachable"}).status_code == 403
    )
    assert api("am2", "post", f"/tasks/{task.pk}/complete", {"outcome": "unreachable"}).status_code == 404

    r = api(
        "cs_agent",
        "post",
        f"/tasks/{task.pk}/complete",
        {"outcome": "reached", "answers": answers, "remarks": "满意"},
    )
    assert r.status_code == 200, r.content
    body = r.json()
    assert body["task"]["status"] == "done" and body["call"]["attempt"] == 1
    assert body["call"]["answers"] == {k: v for k, v in answers.items()}
    assert [t["rule"] for t in body["follow_on"]] == ["SERVICE_2"]
    r = api("cs_agent", "post", f"/tasks/{task.pk}/complete", {"outcome": "unreachable"})
    assert r.status_code == 409 and "已回访" in r.json()["detail"]
