"""Complaints brought to any state through the real services, for the tests."""

from __future__ import annotations

import datetime as dt
from typing import Any

from conftest import PASSWORD
from kedang.accounts.models import User
from kedang.accounts.services import user_upsert
from kedang.complaints.models import Complaint, State
from kedang.complaints.services import complaint_create, complaint_transition

HANDLER_DEPARTMENT = "售后服务部"

# valid data for each action
STEP_DATA: dict[str, dict[str, Any]] = {
    "confirm": {},
    "assign": {"department": HANDLER_DEPARTMENT, "handler": "handler"},
    "resolve": {"resolution": "更换刹车片，免收工时费"},
    "feedback": {"opinion": "客户表示满意", "satisfaction": 5},
    "close": {},
    "reject": {"reason": "非本店责任"},
    "reopen": {"reason": "客户仍不满意"},
}

# the path from received to each state: (action, actor key)
PATHS: dict[str, list[tuple[str, str]]] = {
    State.RECEIVED: [],
    State.CONFIRMED: [("confirm", "cs_manager")],
    State.ASSIGNED: [("confirm", "cs_manager"), ("assign", "cs_manager")],
    State.RESOLVED: [("confirm", "cs_manager"), ("assign", "cs_manager"), ("resolve", "handler")],
    State.FEEDBACK: [
        ("confirm", "cs_manager"),
        ("assign", "cs_manager"),
        ("resolve", "handler"),
        ("feedback", "cs_agent"),
    ],
    State.CLOSED: [
        ("confirm", "cs_manager"),
        ("assign", "cs_manager"),
        ("resolve", "handler"),
        ("feedback", "cs_agent"),
        ("close", "cs_manager"),
    ],
    State.REJECTED: [("reject", "cs_manager")],
}


def add_handler(users: dict[str, User]) -> User:
    """`handler`: a customer-service agent of the after-sales department, and her manager `svc_boss`."""
    users["handler"], _ = user_upsert(
        username="handler",
        role="cs_agent",
        password=PASSWORD,
        department=HANDLER_DEPARTMENT,
        check_password=False,
    )
    users["svc_boss"], _ = user_upsert(
        username="svc_boss",
        role="sales_manager",
        password="x",
        department=HANDLER_DEPARTMENT,
        check_password=False,
    )
    return users["handler"]


def complaint_in(
    state: str, users: dict[str, User], customer: Any, *, today: dt.date | None = None, **fields: Any
) -> Complaint:
    fields.setdefault("channel", "phone")
    fields.setdefault("summary", "保养后发动机异响")
    c = complaint_create(actor=users["cs_agent"], customer_id=customer.pk, today=today, **fields)
    for action, who in PATHS[state]:
        c = complaint_transition(
            actor=users[who], complaint_id=c.pk, action=action, today=today, **STEP_DATA[action]
        )
    assert c.state == state
    return c
