"""API (SPEC §14 extended): the access log for auditors, unmasking, consent, data-subject requests."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from ninja import Query, Router, Schema, Status
from pydantic import ConfigDict, Field

from kedang.accounts.models import User
from kedang.archive.visibility import customer_for_read
from kedang.web.paging import CURSOR_HELP, PAGE_MAX, PageOut, api_page

from . import services
from .access_log import shown_rows
from .models import Consent
from .selectors import access_log_search, may_read_access_log

router = Router(tags=["privacy"])


class _Input(Schema):
    model_config = ConfigDict(extra="forbid")


def _actor(request: HttpRequest) -> User:
    user = request.auth  # type: ignore[attr-defined]
    assert isinstance(user, User)
    return user


class AccessLogOut(Schema):
    id: int
    at: dt.datetime
    username: str
    ip: str | None
    action: str
    customer_id: int | None
    archive_no: str
    what: str
    rows: int
    hash: str


class AccessLogList(PageOut):
    items: list[AccessLogOut]


@router.get("/access-log", response=AccessLogList)
def access_log(
    request: HttpRequest,
    user: str = "",
    customer: str = Query("", description="档号或客户 id"),
    action: str = "",
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    page: int = Query(1, ge=1, le=PAGE_MAX),
    page_size: int = Query(50, ge=1, le=500),
    cursor: str = Query("", max_length=500, description=CURSOR_HELP),
) -> dict[str, Any]:
    """The access log (auditors only), newest first."""
    if not may_read_access_log(_actor(request)):
        raise PermissionDenied("只有审计员可以查看访问日志")
    qs = access_log_search(user=user, customer=customer, action=action, date_from=date_from, date_to=date_to)
    result = api_page(qs, ("-id",), page=page, page_size=page_size, cursor=cursor)
    return {"items": shown_rows(list(result)), **result.api_fields()}


class UnmaskIn(_Input):
    field: str = Field(description="phone | phone2 | id_number")
    reason: str


@router.post("/customers/{id}/unmask", response={200: dict[str, str]})
def unmask(request: HttpRequest, id: int, payload: UnmaskIn) -> dict[str, str]:
    """One masked value in clear, with a reason; recorded in the access log."""
    value = services.unmask(actor=_actor(request), customer_id=id, field=payload.field, reason=payload.reason)
    return {"field": payload.field, "value": value}


class ConsentIn(_Input):
    purpose: str = Field(description="service | marketing | care")
    channel: str = Field("all", description="all | sms | email | letter | phone")
    notice_version: str


class ConsentOut(Schema):
    id: int
    purpose: str
    channel: str
    notice_version: str
    granted_at: dt.datetime
    recorded_by: str
    withdrawn_at: dt.datetime | None


def _consent_out(c: Consent) -> dict[str, Any]:
    return {
        "id": c.pk,
        "purpose": c.purpose,
        "channel": c.channel,
        "notice_version": c.notice_version,
        "granted_at": c.granted_at,
        "recorded_by": c.recorded_by.username,
        "withdrawn_at": c.withdrawn_at,
    }


@router.get("/customers/{id}/consents", response=list[ConsentOut])
def consents(request: HttpRequest, id: int) -> list[dict[str, Any]]:
    customer = customer_for_read(_actor(request), id)
    return [_consent_out(c) for c in Consent.objects.filter(customer=customer).select_related("recorded_by")]


@router.post("/customers/{id}/consents", response={201: ConsentOut})
def consent_grant(request: HttpRequest, id: int, payload: ConsentIn) -> Status[dict[str, Any]]:
    consent = services.consent_grant(actor=_actor(request), customer_id=id, **payload.model_dump())
    return Status(201, _consent_out(consent))


@router.post("/consents/{id}/withdraw", response=ConsentOut)
def consent_withdraw(request: HttpRequest, id: int) -> dict[str, Any]:
    return _consent_out(services.consent_withdraw(actor=_actor(request), consent_id=id))


@router.get("/customers/{id}/personal-data")
def personal_data(request: HttpRequest, id: int) -> HttpResponse:
    """The customer's data as a zip of data.json and data.xlsx (managers; logged)."""
    name, content = services.subject_export(actor=_actor(request), customer_id=id)
    response = HttpResponse(content, content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


class EraseIn(_Input):
    reason: str


class ErasureOut(Schema):
    customer_id: int
    archive_no: str
    erased_at: dt.datetime
    erased_by: str


@router.post("/customers/{id}/erase", response=ErasureOut)
def erase(request: HttpRequest, id: int, payload: EraseIn) -> Any:
    """Erase the customer on her request (managers): database, search index, attachments; ledgered."""
    return services.subject_erase(actor=_actor(request), customer_id=id, reason=payload.reason)
