"""Recording a follow-up call over HTTP (SPEC §14 POST /tasks/{id}/complete)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema, Status
from pydantic import ConfigDict, Field

from kedang.accounts.models import User
from kedang.agenda.api import TaskOut, task_out
from kedang.customers.api import ERRORS, Message

from .services import TaskClosed, task_complete

router = Router(tags=["follow-ups"])


class CompleteIn(Schema):
    model_config = ConfigDict(extra="forbid")

    outcome: str = Field(description="reached | unreachable")
    answers: dict[str, Any] | None = Field(None, description="调查项目 id → 得分（在该项目的量表内）")
    remarks: str | None = None
    issue: str | None = Field(None, description="客户反映的问题")
    open_complaint: bool = Field(False, description="将反映的问题转为投诉")


class CallOut(Schema):
    id: int
    attempt: int
    outcome: str
    called_on: dt.date
    answers: dict[str, int]
    record_id: int | None
    complaint_requested: bool
    complaint_ref: str = Field(description="转投诉时生成的投诉单号")


class CompleteOut(Schema):
    task: TaskOut
    call: CallOut
    follow_on: list[TaskOut]


def _actor(request: HttpRequest) -> User:
    user = request.auth  # type: ignore[attr-defined]
    assert isinstance(user, User)
    return user


@router.post("/tasks/{id}/complete", response={200: CompleteOut, 409: Message, **ERRORS})
def tasks_complete(request: HttpRequest, id: int, payload: CompleteIn) -> Status[dict[str, Any]]:
    """Record one call: reached (with the questionnaire's scores) or unreachable (retried later, closed
    after the rule's last attempt). A closed task answers 409."""
    try:
        result = task_complete(
            actor=_actor(request),
            task_id=id,
            outcome=payload.outcome,
            answers=payload.answers,
            remarks=payload.remarks or "",
            issue=payload.issue or "",
            open_complaint=payload.open_complaint,
        )
    except TaskClosed as exc:
        return Status(409, {"detail": str(exc)})
    call = result.call
    return Status(
        200,
        {
            "task": task_out(result.task),
            "call": {
                "id": call.pk,
                "attempt": call.attempt,
                "outcome": call.outcome,
                "called_on": call.called_on,
                "answers": {str(a.item_id): a.score for a in call.answers.all()},
                "record_id": call.record_id,
                "complaint_requested": call.complaint_requested,
                "complaint_ref": call.complaint_ref,
            },
            "follow_on": [task_out(t) for t in result.follow_on],
        },
    )
