"""Complaints over HTTP (SPEC §14): POST /complaints, GET /complaints, GET /complaints/{id} (with `state`
and `history`), POST /complaints/{id}/transition, and the compensations of R-P5. Thin: parse, call, shape.
A transition that does not exist from the current state answers 409 with a message; the wrong person 403."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Schema, Status
from pydantic import ConfigDict, Field

from kedang.accounts.models import User
from kedang.customers.api import ERRORS, DateIn
from kedang.privacy.access_log import log_access
from kedang.privacy.models import AccessAction
from kedang.web.paging import CURSOR_HELP, PAGE_MAX, PageOut, api_page

from .models import Channel, Compensation, Complaint
from .selectors import get_complaint_for_user, visible_complaints
from .services import compensation_decide, compensation_request, complaint_create, complaint_transition
from .workflow import ACTIONS

router = Router(tags=["complaints"])

PAGE_SIZE = 50
API_ORDER = ("-received_on", "-id")  # newest first: the keyset of GET /complaints


class ComplaintIn(Schema):
    model_config = ConfigDict(extra="forbid")

    customer_id: int
    channel: str = Field(description=" | ".join(Channel.values) + "（follow-up 亦可）")
    summary: str
    vehicle_id: int | None = None
    category_id: int | None = Field(None, description="投诉类别 id（可配置的类别树）")


class TransitionIn(Schema):
    model_config = ConfigDict(extra="forbid")

    action: str = Field(description=" | ".join(ACTIONS))
    department: str | None = Field(None, description="assign：责任部门名称")
    handler: str | None = Field(None, description="assign：处理人用户名")
    resolution: str | None = Field(None, description="resolve：处理结果")
    opinion: str | None = Field(None, description="feedback：客户意见")
    satisfaction: int | str | None = Field(None, description="feedback：满意度 1–5")
    reason: str | None = Field(None, description="reject / reopen：原因")
    version: int | None = Field(None, description="读取时的版本；已被他人更新则 409")


class HistoryOut(Schema):
    action: str
    from_state: str
    to_state: str
    actor: str | None
    at: dt.datetime
    note: str


class CompensationOut(Schema):
    id: int
    kind: str
    amount: Decimal
    description: str
    status: str
    requested_by: str
    decided_by: str | None
    record_id: int | None


class ComplaintOut(Schema):
    id: int
    number: str
    customer_id: int
    vehicle_id: int | None
    channel: str
    category: str | None
    summary: str
    state: str
    version: int
    received_on: dt.date
    due_on: dt.date | None
    overdue: bool
    escalated_to: str | None
    department: str | None
    handler: str | None
    resolution: str
    opinion: str
    satisfaction: int | None
    reject_reason: str
    closed_on: dt.date | None
    call_id: int | None


class ComplaintDetailOut(ComplaintOut):
    history: list[HistoryOut]
    compensations: list[CompensationOut]


class ComplaintListOut(PageOut):
    items: list[ComplaintOut]


class CompensationIn(Schema):
    model_config = ConfigDict(extra="forbid")

    kind: str = Field(description="compensation | discount")
    amount: Decimal | str
    description: str


class DecisionIn(Schema):
    model_config = ConfigDict(extra="forbid")

    note: str | None = None


def _actor(request: HttpRequest) -> User:
    user = request.auth  # type: ignore[attr-defined]
    assert isinstance(user, User)
    return user


def _name(user: User | None) -> str | None:
    return user.username if user else None


def complaint_out(c: Complaint, today: dt.date | None = None) -> dict[str, Any]:
    from django.utils import timezone

    today = today or timezone.localdate()
    return {
        "id": c.pk,
        "number": c.number,
        "customer_id": c.customer_id,
        "vehicle_id": c.vehicle_id,
        "channel": c.channel,
        "category": str(c.category) if c.category else None,
        "summary": c.summary,
        "state": c.state,
        "version": c.version,
        "received_on": c.received_on,
        "due_on": c.due_on,
        "overdue": bool(c.is_open and c.due_on and c.due_on < today),
        "escalated_to": _name(c.escalated_to),
        "department": c.department.name if c.department else None,
        "handler": _name(c.handler),
        "resolution": c.resolution,
        "opinion": c.opinion,
        "satisfaction": c.satisfaction,
        "reject_reason": c.reject_reason,
        "closed_on": c.closed_on,
        "call_id": c.call_id,
    }


def _compensation_out(comp: Compensation) -> dict[str, Any]:
    return {
        "id": comp.pk,
        "kind": comp.kind,
        "amount": comp.amount,
        "description": comp.description,
        "status": comp.status,
        "requested_by": comp.requested_by.username,
        "decided_by": _name(comp.decided_by),
        "record_id": comp.record_id,
    }


def _detail(actor: User, complaint_id: int) -> dict[str, Any]:
    c = get_complaint_for_user(actor, complaint_id)
    history = [
        {
            "action": t.action,
            "from_state": t.from_state,
            "to_state": t.to_state,
            "actor": _name(t.actor),
            "at": t.at,
            "note": t.note,
        }
        for t in c.transitions.select_related("actor").order_by("at", "id")
    ]
    comps = [
        _compensation_out(x)
        for x in c.compensations.select_related("requested_by", "decided_by").order_by("id")
    ]
    return {**complaint_out(c), "history": history, "compensations": comps}


class CategoryOut(Schema):
    id: int
    name: str
    parent_id: int | None
    depth: int


@router.get("/complaint-categories", response={200: list[CategoryOut], **ERRORS})
def categories_list(request: HttpRequest) -> Status[list[dict[str, Any]]]:
    """The active complaint categories (a tree, depth-first) for `category_id`."""
    from .models import Category
    from .selectors import category_options

    parents = dict(Category.objects.values_list("pk", "parent_id"))
    return Status(
        200,
        [
            {"id": o.id, "name": o.label, "parent_id": parents.get(o.id), "depth": o.depth}
            for o in category_options()
        ],
    )


@router.post("/complaints", response={201: ComplaintDetailOut, **ERRORS})
def complaints_create(request: HttpRequest, payload: ComplaintIn) -> Status[dict[str, Any]]:
    """Record a complaint (R-P1); it starts as `received` with its confirmation deadline."""
    actor = _actor(request)
    c = complaint_create(
        actor=actor,
        customer_id=payload.customer_id,
        channel=payload.channel,
        summary=payload.summary,
        vehicle_id=payload.vehicle_id,
        category_id=payload.category_id,
    )
    return Status(201, _detail(actor, c.pk))


@router.get("/complaints", response={200: ComplaintListOut, **ERRORS})
def complaints_list(
    request: HttpRequest,
    state: str = "",
    customer_id: int | None = None,
    handler: str = "",
    overdue: bool = False,
    received_from: DateIn = Query(None),  # noqa: B008
    received_to: DateIn = Query(None),  # noqa: B008
    page: int = Query(1, ge=1, le=PAGE_MAX),
    cursor: str = Query("", max_length=500, description=CURSOR_HELP),
) -> Status[dict[str, Any]]:
    """The complaints the caller may see, newest first; filters: state, customer, handler, overdue, dates."""
    from django.utils import timezone

    today = timezone.localdate()
    qs = visible_complaints(_actor(request)).select_related(
        "category", "category__parent", "department", "handler", "escalated_to"
    )
    if state:
        qs = qs.filter(state=state)
    if customer_id:
        qs = qs.filter(customer_id=customer_id)
    if handler:
        qs = qs.filter(handler__username=handler)
    if overdue:
        from .models import OPEN_STATES

        qs = qs.filter(state__in=OPEN_STATES, due_on__lt=today)
    if received_from:
        qs = qs.filter(received_on__gte=received_from)
    if received_to:
        qs = qs.filter(received_on__lte=received_to)
    result = api_page(qs, API_ORDER, page=page, page_size=PAGE_SIZE, cursor=cursor)
    items = [complaint_out(c, today) for c in result]
    # a bulk read of customers' complaints: one access-log row (R-G6)
    filters = {"state": state, "customer_id": customer_id or "", "handler": handler, "overdue": overdue or ""}
    shown = " ".join(f"{k}={v}" for k, v in filters.items() if v)
    log_access(_actor(request), AccessAction.LIST, what=f"API 投诉列表 {shown} page={page}", rows=len(items))
    return Status(200, {"items": items, **result.api_fields()})


@router.get("/complaints/{id}", response={200: ComplaintDetailOut, **ERRORS})
def complaints_get(request: HttpRequest, id: int) -> Status[dict[str, Any]]:
    """One complaint with its `state` and `history` (every transition: who, when, from, to, note)."""
    return Status(200, _detail(_actor(request), id))


@router.post("/complaints/{id}/transition", response={200: ComplaintDetailOut, **ERRORS})
def complaints_transition(request: HttpRequest, id: int, payload: TransitionIn) -> Status[dict[str, Any]]:
    """Take a step of the workflow: `confirm assign resolve feedback close reject reopen`, with
    `assign {department, handler}`, `resolve {resolution}`, `feedback {opinion, satisfaction}`,
    `reject {reason}`, `reopen {reason}`. Not allowed from the current state: 409; not yours to take: 403."""
    actor = _actor(request)
    data = payload.dict(exclude={"action", "version"}, exclude_none=True)
    complaint_transition(
        actor=actor, complaint_id=id, action=payload.action, expected_version=payload.version, **data
    )
    return Status(200, _detail(actor, id))


@router.post("/complaints/{id}/compensations", response={201: CompensationOut, **ERRORS})
def compensations_create(request: HttpRequest, id: int, payload: CompensationIn) -> Status[dict[str, Any]]:
    """Propose compensation or a discount for the complaint (R-P5); it waits for a manager's approval."""
    comp = compensation_request(
        actor=_actor(request),
        complaint_id=id,
        kind=payload.kind,
        amount=payload.amount,
        description=payload.description,
    )
    return Status(201, _compensation_out(comp))


def _decide(request: HttpRequest, id: int, payload: DecisionIn, approve: bool) -> Status[dict[str, Any]]:
    comp = compensation_decide(
        actor=_actor(request), compensation_id=id, approve=approve, note=payload.note or ""
    )
    return Status(200, _compensation_out(comp))


@router.post("/compensations/{id}/approve", response={200: CompensationOut, **ERRORS})
def compensations_approve(request: HttpRequest, id: int, payload: DecisionIn) -> Status[dict[str, Any]]:
    """A manager approves: the compensation is filed in category 4 of the customer's archive."""
    return _decide(request, id, payload, True)


@router.post("/compensations/{id}/refuse", response={200: CompensationOut, **ERRORS})
def compensations_refuse(request: HttpRequest, id: int, payload: DecisionIn) -> Status[dict[str, Any]]:
    return _decide(request, id, payload, False)
