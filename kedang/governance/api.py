from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema, Status
from pydantic import ConfigDict, Field

from kedang.accounts.models import User
from kedang.archive.visibility import customer_for_read

from . import filing, selectors, services
from .models import AccessRequest, ChangeRequest, RecycleBinEntry

router = Router(tags=["governance"])


class _Input(Schema):
    model_config = ConfigDict(extra="forbid")


class AccessRequestIn(_Input):
    customer_id: int | None = Field(None, description="客户编号；或填 archive_no")
    archive_no: str = Field("", description="档号（纸质表单上印有）；或填 customer_id")
    reason: str
    days: int = Field(description="1–90 天")


class DecisionIn(_Input):
    note: str = ""


class AccessRequestOut(Schema):
    """To the requester, `customer_id` and `archive_no` are what she asked for, and `name` is empty,
    until her grant runs: the answer is the same whether that archive exists or not (#13)."""

    id: int
    customer_id: int | None
    archive_no: str
    name: str
    requester: str
    reason: str
    days: int
    status: str
    expires_at: dt.datetime | None
    decided_by: str | None


class AccessRequestList(Schema):
    items: list[AccessRequestOut]
    count: int


class BinEntryOut(Schema):
    id: int
    kind: str
    object_id: int
    customer_id: int
    label: str
    reason: str
    deleted_by: str
    deleted_at: dt.datetime
    purge_after: dt.datetime


class BinList(Schema):
    items: list[BinEntryOut]
    count: int


def _actor(request: HttpRequest) -> User:
    user = request.auth  # type: ignore[attr-defined]
    assert isinstance(user, User)
    return user


def _request_out(r: AccessRequest, viewer: User) -> dict[str, Any]:
    subject = selectors.request_subject(r, viewer)
    return {
        "id": r.pk,
        "customer_id": subject.customer_id,
        "archive_no": subject.archive_no,
        "name": subject.name,
        "requester": r.requester.username,
        "reason": r.reason,
        "days": r.days,
        "status": r.status,
        "expires_at": r.expires_at,
        "decided_by": r.decided_by.username if r.decided_by else None,
    }


@router.post("/access-requests", response={201: AccessRequestOut})
def access_request_create(request: HttpRequest, payload: AccessRequestIn) -> Status[dict[str, Any]]:
    """Ask for access to a customer outside one's scope (R-G2), by `customer_id` or `archive_no`; the
    sales or general manager decides. 201 whether that archive exists or not: nothing is revealed."""
    user = _actor(request)
    req = services.access_request_create(actor=user, **payload.model_dump())
    return Status(201, _request_out(req, user))


@router.get("/access-requests", response=AccessRequestList)
def access_request_list(request: HttpRequest, pending: bool = False) -> dict[str, Any]:
    """One's own requests, or (`pending=true`, approvers) those awaiting a decision."""
    user = _actor(request)
    qs = selectors.pending_access_requests(user) if pending else selectors.my_access_requests(user)
    items = [_request_out(r, user) for r in qs]
    return {"items": items, "count": len(items)}


@router.post("/access-requests/{id}/approve", response=AccessRequestOut)
def access_request_approve(
    request: HttpRequest, id: int, payload: DecisionIn | None = None
) -> dict[str, Any]:
    note = payload.note if payload else ""
    user = _actor(request)
    return _request_out(
        services.access_request_decide(actor=user, request_id=id, approve=True, note=note), user
    )


@router.post("/access-requests/{id}/refuse", response=AccessRequestOut)
def access_request_refuse(request: HttpRequest, id: int, payload: DecisionIn | None = None) -> dict[str, Any]:
    note = payload.note if payload else ""
    user = _actor(request)
    return _request_out(
        services.access_request_decide(actor=user, request_id=id, approve=False, note=note), user
    )


def _bin_out(e: RecycleBinEntry) -> dict[str, Any]:
    return {
        "id": e.pk,
        "kind": e.kind,
        "object_id": e.object_id,
        "customer_id": e.customer_id,
        "label": e.label,
        "reason": e.reason,
        "deleted_by": e.deleted_by.username,
        "deleted_at": e.deleted_at,
        "purge_after": e.purge_after,
    }


@router.get("/recycle-bin", response=BinList)
def recycle_bin_list(request: HttpRequest) -> dict[str, Any]:
    """Deleted customers and vehicles awaiting their purge (managers)."""
    items = [_bin_out(e) for e in selectors.recycle_bin(_actor(request))]
    return {"items": items, "count": len(items)}


@router.post("/recycle-bin/{id}/restore", response=BinEntryOut)
def recycle_bin_restore(request: HttpRequest, id: int) -> dict[str, Any]:
    """Restore with everything attached: vehicles, records, attachments, history."""
    return _bin_out(services.recycle_bin_restore(actor=_actor(request), entry_id=id))


class ChangeRequestOut(Schema):
    id: int
    customer_id: int
    kind: str
    changes: dict[str, Any]
    before: dict[str, Any]
    reason: str
    requester: str
    status: str


class ChangeRequestList(Schema):
    items: list[ChangeRequestOut]
    count: int


class FilingIn(_Input):
    signature_png: str = Field(description="客户在屏幕上的签字：data:image/png;base64,…")


class FilingOut(Schema):
    customer_id: int
    filing_submitted_at: dt.datetime | None
    filed_at: dt.datetime | None
    handler: str | None
    approved_by: str | None


def _change_out(r: ChangeRequest, viewer: User) -> dict[str, Any]:
    return {
        "id": r.pk,
        "customer_id": r.customer_id,
        "kind": r.kind,
        "changes": selectors.change_shown(r.changes, viewer),
        "before": selectors.change_shown(r.before, viewer),
        "reason": r.reason,
        "requester": r.requester.username,
        "status": r.status,
    }


def _filing_out(c: Any) -> dict[str, Any]:
    return {
        "customer_id": c.pk,
        "filing_submitted_at": c.filing_submitted_at,
        "filed_at": c.filed_at,
        "handler": c.filing_handler.username if c.filing_handler else None,
        "approved_by": c.filed_approved_by.username if c.filed_approved_by else None,
    }


@router.get("/change-requests", response=ChangeRequestList)
def change_request_list(request: HttpRequest) -> dict[str, Any]:
    """Proposed changes to filed archives awaiting the caller's approval (sales / general manager)."""
    user = _actor(request)
    items = [_change_out(r, user) for r in selectors.pending_changes(user)]
    return {"items": items, "count": len(items)}


@router.post("/change-requests/{id}/approve", response=ChangeRequestOut)
def change_request_approve(
    request: HttpRequest, id: int, payload: DecisionIn | None = None
) -> dict[str, Any]:
    note = payload.note if payload else ""
    user = _actor(request)
    return _change_out(filing.change_decide(actor=user, request_id=id, approve=True, note=note), user)


@router.post("/change-requests/{id}/refuse", response=ChangeRequestOut)
def change_request_refuse(request: HttpRequest, id: int, payload: DecisionIn | None = None) -> dict[str, Any]:
    note = payload.note if payload else ""
    user = _actor(request)
    return _change_out(filing.change_decide(actor=user, request_id=id, approve=False, note=note), user)


@router.post("/customers/{id}/filing", response=FilingOut)
def filing_submit(request: HttpRequest, id: int, payload: FilingIn) -> dict[str, Any]:
    """Submit the archive for filing with the customer's signature drawn on screen (R-G5)."""
    user = _actor(request)
    customer_for_read(user, id)
    return _filing_out(filing.filing_submit(actor=user, customer_id=id, drawn=payload.signature_png))


@router.post("/customers/{id}/filing/approve", response=FilingOut)
def filing_approve(request: HttpRequest, id: int) -> dict[str, Any]:
    """A supervisor other than the handler files the archive."""
    user = _actor(request)
    customer_for_read(user, id)
    return _filing_out(filing.filing_approve(actor=user, customer_id=id))
