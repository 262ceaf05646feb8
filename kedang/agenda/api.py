"""Service events and tasks over HTTP (SPEC §14 POST /events, GET /tasks). Thin: parse, call, shape."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Schema, Status
from pydantic import ConfigDict, Field

from kedang.accounts.models import User
from kedang.customers.api import ERRORS, DateIn
from kedang.web.paging import CURSOR_HELP, PAGE_MAX, PageOut, api_page

from .models import EventKind, EventSource, ServiceEvent, Task
from .selectors import TASK_LIST_ORDER, task_search
from .services import event_record

router = Router(tags=["follow-ups"])

PAGE_SIZE_DEFAULT = 50
PAGE_SIZE_MAX = 500


class EventIn(Schema):
    model_config = ConfigDict(extra="forbid")

    customer_id: int
    vehicle_id: int | None = None
    kind: str = Field(description=" | ".join(EventKind.values))
    date: DateIn = Field(None, description="YYYY-MM-DD，不晚于今天")
    amount: Decimal | None = Field(None, description="金额（元，两位小数）")
    accident: bool = False
    notes: str | None = None


class TaskOut(Schema):
    id: int
    rule: str
    customer_id: int
    vehicle_id: int | None
    due_date: dt.date
    window_end: dt.date | None
    status: str
    assignee: str | None = Field(description="负责人用户名；部门公共池为 null")
    department: str | None
    attempts: int
    next_attempt_on: dt.date


class TaskListOut(PageOut):
    items: list[TaskOut]


class EventOut(Schema):
    id: int
    customer_id: int
    vehicle_id: int | None
    kind: str
    date: dt.date
    amount: Decimal | None
    accident: bool
    notes: str
    record_id: int | None
    tasks: list[TaskOut]


def _actor(request: HttpRequest) -> User:
    user = request.auth  # type: ignore[attr-defined]
    assert isinstance(user, User)
    return user


def task_out(task: Task) -> dict[str, Any]:
    return {
        "id": task.pk,
        "rule": task.rule.code,
        "customer_id": task.customer_id,
        "vehicle_id": task.vehicle_id,
        "due_date": task.due_date,
        "window_end": task.window_end,
        "status": task.status,
        "assignee": task.assignee.username if task.assignee else None,
        "department": task.department.name if task.department else None,
        "attempts": task.attempts,
        "next_attempt_on": task.next_attempt_on,
    }


def _event_out(event: ServiceEvent) -> dict[str, Any]:
    tasks = event.tasks.select_related("rule", "assignee", "department").order_by("due_date", "id")
    return {
        "id": event.pk,
        "customer_id": event.customer_id,
        "vehicle_id": event.vehicle_id,
        "kind": event.kind,
        "date": event.date,
        "amount": event.amount,
        "accident": event.accident,
        "notes": event.notes,
        "record_id": event.record_id,
        "tasks": [task_out(t) for t in tasks],
    }


@router.post("/events", response={201: EventOut, **ERRORS})
def events_create(request: HttpRequest, payload: EventIn) -> Status[dict[str, Any]]:
    """Record a service event on a customer's timeline; the follow-up rules create its tasks (answered)."""
    event = event_record(
        actor=_actor(request),
        customer_id=payload.customer_id,
        vehicle_id=payload.vehicle_id,
        kind=payload.kind,
        date=payload.date,
        amount=payload.amount,
        accident=payload.accident,
        notes=payload.notes or "",
        source=EventSource.API,
    )
    return Status(201, _event_out(event))


DUE_QUERY = Query(None, description="应回访日 YYYY-MM-DD")
DUE_FROM_QUERY = Query(None, description="应回访日从 YYYY-MM-DD")
DUE_TO_QUERY = Query(None, description="应回访日至 YYYY-MM-DD")


@router.get("/tasks", response={200: TaskListOut, **ERRORS})
def tasks_list(
    request: HttpRequest,
    due: DateIn = DUE_QUERY,
    due_from: DateIn = DUE_FROM_QUERY,
    due_to: DateIn = DUE_TO_QUERY,
    rule: str = Query("", description="规则代码，如 7DC"),
    assignee: str = Query("", description="负责人用户名；- 为部门公共池"),
    status: str = Query("", description="open done unreachable expired cancelled"),
    customer_id: int | None = None,
    page: int = Query(1, ge=1, le=PAGE_MAX),
    page_size: int = Query(PAGE_SIZE_DEFAULT, ge=1, le=PAGE_SIZE_MAX),
    cursor: str = Query("", max_length=500, description=CURSOR_HELP),
) -> dict[str, Any]:
    """Tasks by due date: a supervisor's team within her data scope, anyone else's own (and her pool)."""
    qs = task_search(
        _actor(request),
        due=due,
        due_from=due_from,
        due_to=due_to,
        rule=rule,
        assignee=assignee,
        status=status,
        customer_id=customer_id,
    ).select_related("department")
    result = api_page(qs, TASK_LIST_ORDER, page=page, page_size=page_size, cursor=cursor)
    return {"items": [task_out(t) for t in result], **result.api_fields()}
