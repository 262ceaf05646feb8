"""Care over HTTP (SPEC §14 naming): care tasks, the outbox (preview, queue, list, retry, delivery reports),
templates, do-not-contact flags, customer events and attendance. Thin: parse, call, shape."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Schema, Status
from pydantic import ConfigDict, Field

from kedang.accounts.models import User
from kedang.agenda.api import TaskListOut, task_out
from kedang.archive import masking
from kedang.customers.api import ERRORS, DateIn
from kedang.privacy.access_log import log_access
from kedang.privacy.models import AccessAction
from kedang.web.paging import CURSOR_HELP, PAGE_MAX, PageOut, api_page

from . import events as ev
from . import selectors, services
from .models import Channel, Message, MessageTemplate

router = Router(tags=["care"])


def _actor(request: HttpRequest) -> User:
    user = request.auth  # type: ignore[attr-defined]
    assert isinstance(user, User)
    return user


class MessageOut(Schema):
    id: int
    customer_id: int
    task_id: int | None
    channel: str
    recipient: str
    subject: str
    body: str
    status: str = Field(description="queued sending sent failed delivered")
    reason: str
    batch: str
    created_at: dt.datetime
    sent_at: dt.datetime | None
    delivered_at: dt.datetime | None


class MessageListOut(PageOut):
    items: list[MessageOut]


class QueueIn(Schema):
    model_config = ConfigDict(extra="forbid")

    template_id: int
    task_ids: list[int] | None = Field(None, description="关怀任务 id")
    customer_ids: list[int] | None = Field(None, description="或客户 id")


class QueueOut(Schema):
    batch: str
    queued: int


class DraftOut(Schema):
    customer_id: int
    task_id: int | None
    recipient: str
    subject: str
    body: str
    blocked: str | None = Field(description="不能发送的原因；null 表示可以发送")


class PreviewOut(Schema):
    items: list[DraftOut]


class DeliveryIn(Schema):
    provider_id: str
    delivered_at: dt.datetime | None = None


class TemplateIn(Schema):
    model_config = ConfigDict(extra="forbid")

    name: str
    channel: str = Field(description=" | ".join(Channel.values))
    subject: str = ""
    body: str


class TemplateOut(Schema):
    id: int
    name: str
    channel: str
    subject: str
    body: str
    active: bool


class ContactIn(Schema):
    model_config = ConfigDict(extra="forbid")

    channel: str = Field(description=" | ".join(Channel.values))
    blocked: bool
    reason: str = ""


class CareEventIn(Schema):
    model_config = ConfigDict(extra="forbid")

    title: str
    date: DateIn = None
    kind: str = ""
    place: str = ""
    description: str = ""
    letter_template_id: int | None = None


class CareEventOut(Schema):
    id: int
    title: str
    date: dt.date
    kind: str
    place: str
    invitations: int


class InviteIn(Schema):
    model_config = ConfigDict(extra="forbid")

    q: str = ""
    owner: str = ""
    tier: str = ""
    tag: str = ""
    kind: str = ""


class AttendanceIn(Schema):
    status: str = Field(description="invited accepted declined attended absent")


def _message_out(m: Message, user: User) -> dict[str, Any]:
    out = {
        f: getattr(m, f)
        for f in (
            "id customer_id task_id channel recipient subject body status reason batch created_at sent_at "
            "delivered_at"
        ).split()
    }
    out["recipient"] = masking.shown_contact(user, m.recipient)  # R-G7
    return out


@router.get("/care/tasks", response={200: TaskListOut, **ERRORS})
def care_tasks(
    request: HttpRequest,
    rule: str = Query(
        "", description="BIRTHDAY HOLIDAY MAINTENANCE_DUE INSPECTION_DUE INSURANCE_DUE VEHICLE_TAX_DUE"
    ),
    status: str = Query("open", description="open done unreachable expired cancelled；空为全部"),
    due_from: DateIn = None,
    due_to: DateIn = None,
    page: int = Query(1, ge=1, le=PAGE_MAX),
    page_size: int = Query(50, ge=1, le=500),
    cursor: str = Query("", max_length=500, description=CURSOR_HELP),
) -> dict[str, Any]:
    """Care tasks of the caller (a supervisor: her team's), soonest first."""
    qs = selectors.care_tasks(_actor(request), rule=rule, status=status, due_from=due_from, due_to=due_to)
    qs = qs.select_related("department")
    result = api_page(qs, selectors.CARE_TASK_ORDER, page=page, page_size=page_size, cursor=cursor)
    return {"items": [task_out(t) for t in result], **result.api_fields()}


@router.get("/messages", response={200: MessageListOut, **ERRORS})
def messages_list(
    request: HttpRequest,
    channel: str = "",
    status: str = "",
    batch: str = "",
    customer_id: int | None = None,
    page: int = Query(1, ge=1, le=PAGE_MAX),
    page_size: int = Query(50, ge=1, le=500),
    cursor: str = Query("", max_length=500, description=CURSOR_HELP),
) -> dict[str, Any]:
    """The outbox, newest first."""
    qs = selectors.outbox(_actor(request), channel=channel, status=status, batch=batch)
    if customer_id is not None:
        qs = qs.filter(customer_id=customer_id)
    actor = _actor(request)
    result = api_page(qs, selectors.OUTBOX_ORDER, page=page, page_size=page_size, cursor=cursor)
    items = [_message_out(m, actor) for m in result]
    # a bulk read of recipients and texts: one access-log row (R-G6)
    filters = {"channel": channel, "status": status, "batch": batch, "customer_id": customer_id or ""}
    shown = " ".join(f"{k}={v}" for k, v in filters.items() if v)
    log_access(actor, AccessAction.LIST, what=f"API 发件箱 {shown} page={page}".strip(), rows=len(items))
    return {"items": items, **result.api_fields()}


@router.post("/messages/preview", response={200: PreviewOut, **ERRORS})
def messages_preview(request: HttpRequest, payload: QueueIn) -> dict[str, Any]:
    """Every message the template makes for the tasks or customers, and why any would not be sent."""
    template = MessageTemplate.objects.filter(pk=payload.template_id, active=True).first()
    if template is None:
        from django.core.exceptions import ValidationError

        raise ValidationError({"template_id": "模板不存在"})
    rows = services.drafts(
        _actor(request), template=template, task_ids=payload.task_ids, customer_ids=payload.customer_ids
    )
    return {
        "items": [
            {
                "customer_id": r.customer.pk,
                "task_id": r.task.pk if r.task else None,
                "recipient": masking.shown_contact(request.user, r.recipient),
                "subject": r.subject,
                "body": r.body,
                "blocked": r.blocked,
            }
            for r in rows
        ]
    }


@router.post("/messages", response={202: QueueOut, **ERRORS})
def messages_queue(request: HttpRequest, payload: QueueIn) -> Status[dict[str, Any]]:
    """Queue the messages; the worker sends them (202: accepted, see GET /messages?batch=)."""
    batch, n = services.messages_queue(
        _actor(request),
        template_id=payload.template_id,
        task_ids=payload.task_ids,
        customer_ids=payload.customer_ids,
    )
    return Status(202, {"batch": batch, "queued": n})


@router.post("/messages/delivery-report", response={200: dict[str, int], **ERRORS})
def delivery_report(request: HttpRequest, payload: DeliveryIn) -> dict[str, int]:
    """A gateway's delivery report (called by the SMS adapter's callback): the message becomes delivered."""
    _actor(request)
    return {"marked": services.mark_delivered(payload.provider_id, at=payload.delivered_at)}


@router.get("/messages/{message_id}", response={200: MessageOut, **ERRORS})
def message_get(request: HttpRequest, message_id: int) -> dict[str, Any]:
    actor = _actor(request)
    return _message_out(services.message_for_user(actor, message_id), actor)


@router.post("/messages/{message_id}/retry", response={200: MessageOut, **ERRORS})
def message_retry(request: HttpRequest, message_id: int) -> dict[str, Any]:
    actor = _actor(request)
    return _message_out(services.message_retry(actor, message_id), actor)


@router.get("/message-templates", response={200: list[TemplateOut], **ERRORS})
def templates_list(request: HttpRequest) -> list[MessageTemplate]:
    return list(MessageTemplate.objects.all())


@router.post("/message-templates", response={201: TemplateOut, **ERRORS})
def templates_create(request: HttpRequest, payload: TemplateIn) -> Status[MessageTemplate]:
    return Status(201, services.template_save(_actor(request), **payload.dict()))


@router.post("/customers/{customer_id}/do-not-contact", response={204: None, **ERRORS})
def do_not_contact(request: HttpRequest, customer_id: int, payload: ContactIn) -> Status[None]:
    services.dnc_set(
        _actor(request),
        customer_id=customer_id,
        channel=payload.channel,
        blocked=payload.blocked,
        reason=payload.reason,
    )
    return Status(204, None)


def _event_out(e: Any) -> dict[str, Any]:
    return {
        "id": e.pk,
        "title": e.title,
        "date": e.date,
        "kind": e.kind,
        "place": e.place,
        "invitations": e.invitations.count(),
    }


@router.post("/care-events", response={201: CareEventOut, **ERRORS})
def care_event_create(request: HttpRequest, payload: CareEventIn) -> Status[dict[str, Any]]:
    return Status(201, _event_out(ev.event_create(_actor(request), **payload.dict())))


@router.post("/care-events/{event_id}/invitations", response={200: dict[str, int], **ERRORS})
def care_event_invite(request: HttpRequest, event_id: int, payload: InviteIn) -> dict[str, int]:
    """Invite the customers the filter finds (the caller's visible ones)."""
    return {"invited": ev.invite(_actor(request), event_id, **payload.dict())}


@router.post("/invitations/{invitation_id}/attendance", response={204: None, **ERRORS})
def attendance(request: HttpRequest, invitation_id: int, payload: AttendanceIn) -> Status[None]:
    ev.attendance_set(_actor(request), invitation_id, payload.status)
    return Status(204, None)
