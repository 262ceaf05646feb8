"""Customers and vehicles over HTTP (SPEC §14). Thin: parse, call a selector or service, shape the answer.

Input schemas accept plain strings and leave the checks to the services, so every error names its field
with the service's Chinese message and code. Dates are typed and must be `YYYY-MM-DD`; unknown fields are
refused (422). A customer or vehicle the caller may not see answers 404 exactly like a missing one.
"""

import datetime as dt
import re
from typing import Annotated, Any

from django.http import HttpRequest
from ninja import Query, Router, Schema, Status
from pydantic import BeforeValidator, ConfigDict, Field
from pydantic_core import PydanticCustomError

from kedang.accounts.models import User
from kedang.archive import masking
from kedang.archive.visibility import customer_for_read, vehicle_for_read
from kedang.privacy.access_log import log_access
from kedang.privacy.models import AccessAction
from kedang.web.paging import CURSOR_HELP, PAGE_MAX, PageOut, api_page

from .models import Customer, Vehicle
from .selectors import CUSTOMER_LIST_ORDER, customer_list
from .services import customer_create, customer_delete, customer_update, vehicle_create, vehicle_update

router = Router(tags=["customers"])

PAGE_SIZE_DEFAULT = 50
PAGE_SIZE_MAX = 200

_DATE_RE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _parse_date(value: Any) -> dt.date | None:
    """Only `YYYY-MM-DD` (or null / empty string for "no date"): no timestamps, no datetimes."""
    if value is None or value == "":
        return None
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    if not isinstance(value, str) or not _DATE_RE.fullmatch(value.strip()):
        raise PydanticCustomError("invalid_date", "日期格式应为 YYYY-MM-DD")
    try:
        return dt.date.fromisoformat(value.strip())
    except ValueError:
        raise PydanticCustomError("invalid_date", "日期无效：{value}", {"value": value}) from None


DateIn = Annotated[dt.date | None, BeforeValidator(_parse_date)]


# ---------------------------------------------------------------- schemas


class Message(Schema):
    detail: str


class FieldError(Schema):
    code: str
    message: str


class ErrorOut(Schema):
    """422: `errors` maps each bad field to its problems."""

    detail: list[dict[str, Any]]
    errors: dict[str, list[FieldError]]


class _Input(Schema):
    model_config = ConfigDict(extra="forbid")


class CustomerIn(_Input):
    """Fields of a customer. Strings are checked by the service; `null` means empty."""

    kind: str | None = Field(None, description="person | company（默认 person）")
    name: str | None = None
    phone: str | None = None
    phone2: str | None = None
    id_number: str | None = Field(None, description="18 位身份证号（个人）")
    uscc: str | None = Field(None, description="统一社会信用代码（单位）")
    gender: str | None = Field(None, description="M | F | 空")
    birthday: DateIn = Field(None, description="YYYY-MM-DD")
    birthday_is_lunar: bool | None = None
    address: str | None = None
    email: str | None = None
    legal_representative: str | None = None
    owner: str | None = Field(None, description="客户经理用户名；建档时默认为当前用户")
    tier: str | None = Field(None, description="VIP | A | B | C | 空")
    tags: list[str] | None = Field(None, description="标签名称")
    source: str | None = None
    since: DateIn = Field(None, description="YYYY-MM-DD")
    notes: str | None = None
    market_area: str | None = None
    business_scope: str | None = None
    capacity: str | None = None
    credit_rating: str | None = None


class CustomerPatch(CustomerIn):
    """Only the fields sent change; `reason` is kept in the history."""

    reason: str | None = Field(None, description="修改原因")
    version: int | None = Field(
        None, description="读取时的 version；若档案其间已被他人修改，答 409 并附差异（不会静默覆盖）"
    )


class CustomerDeleteIn(_Input):
    reason: str = Field("", description="删除原因")


class CustomerOut(Schema):
    id: int
    archive_no: str
    kind: str
    name: str
    phone: str
    phone2: str
    id_number: str
    uscc: str
    gender: str
    birthday: dt.date | None
    birthday_is_lunar: bool
    address: str
    email: str
    legal_representative: str
    owner: str
    tier: str
    tags: list[str]
    source: str
    since: dt.date | None
    notes: str
    market_area: str
    business_scope: str
    capacity: str
    credit_rating: str
    vehicles: list[int] = Field(description="车辆 id")
    created_at: dt.datetime
    updated_at: dt.datetime
    version: int = Field(description="每次修改加一；PATCH 时带上以防覆盖他人的修改")


class CustomerListOut(PageOut):
    items: list[CustomerOut]


class VehicleIn(_Input):
    vin: str | None = Field(None, description="17 位车架号")
    plate: str | None = None
    model: str | None = None
    color: str | None = None
    delivery_date: DateIn = None
    invoice_date: DateIn = None
    via_secondary_dealer: bool | None = None
    insurance_expiry: DateIn = None
    inspection_due: DateIn = None
    maintenance_cycle_months: int | None = None
    maintenance_due: DateIn = None
    vehicle_tax_due: DateIn = None


class VehiclePatch(VehicleIn):
    reason: str | None = Field(None, description="修改原因")


class VehicleOut(Schema):
    id: int
    customer_id: int
    vin: str
    plate: str
    model: str
    color: str
    delivery_date: dt.date | None
    invoice_date: dt.date | None
    via_secondary_dealer: bool
    insurance_expiry: dt.date | None
    inspection_due: dt.date | None
    maintenance_cycle_months: int | None
    maintenance_due: dt.date | None
    vehicle_tax_due: dt.date | None


class VehicleListOut(Schema):
    items: list[VehicleOut]
    count: int


ERRORS: dict[int, Any] = {401: Message, 403: Message, 404: Message, 409: Message, 422: ErrorOut}

# Fields where an explicit null means "empty" rather than "no value".
_NULL_AS_EMPTY: dict[str, Any] = {
    **{
        name: ""
        for name in (
            "kind name phone phone2 id_number uscc gender address email legal_representative owner tier "
            "source notes market_area business_scope capacity credit_rating plate model color vin reason"
        ).split()
    },
    "birthday_is_lunar": False,
    "via_secondary_dealer": False,
    "tags": [],
}


def _fields(payload: Schema) -> dict[str, Any]:
    """The fields the client sent, with null strings, booleans and lists made empty."""
    data = payload.model_dump(exclude_unset=True)
    return {k: (_NULL_AS_EMPTY[k] if val is None and k in _NULL_AS_EMPTY else val) for k, val in data.items()}


def _actor(request: HttpRequest) -> User:
    user = request.auth  # type: ignore[attr-defined]
    assert isinstance(user, User)
    return user


def _customer_out(customer: Customer, user: User, *, vehicle_ids: list[int] | None = None) -> dict[str, Any]:
    """The customer as SPEC §14 names it, phones and ID number masked for roles that don't see them (R-G7).
    Uses prefetched tags and vehicles when the list selector gave them."""
    if vehicle_ids is None:
        vehicle_ids = sorted(v.pk for v in customer.vehicles.all())
    return {
        "id": customer.pk,
        "archive_no": customer.archive_no,
        "kind": customer.kind,
        "name": customer.name,
        "phone": masking.shown(user, "phone", customer.phone),
        "phone2": masking.shown(user, "phone", customer.phone2),
        "id_number": masking.shown(user, "id_number", customer.id_number),
        "uscc": customer.uscc,
        "gender": customer.gender,
        "birthday": customer.birthday,
        "birthday_is_lunar": customer.birthday_is_lunar,
        "address": customer.address,
        "email": customer.email,
        "legal_representative": customer.legal_representative,
        "owner": customer.owner.username,
        "tier": customer.tier,
        "tags": [t.name for t in customer.tags.all()],
        "source": customer.source,
        "since": customer.since,
        "notes": customer.notes,
        "market_area": customer.market_area,
        "business_scope": customer.business_scope,
        "capacity": customer.capacity,
        "credit_rating": customer.credit_rating,
        "vehicles": vehicle_ids,
        "created_at": customer.created_at,
        "updated_at": customer.updated_at,
        "version": customer.version,
    }


def _customer_detail(customer: Customer, user: User) -> dict[str, Any]:
    ids = list(customer.vehicles(manager="live").all().order_by("id").values_list("id", flat=True))
    return _customer_out(customer, user, vehicle_ids=ids)


# ---------------------------------------------------------------- customers


@router.post("/customers", response={201: CustomerOut, **ERRORS})
def customers_create(request: HttpRequest, payload: CustomerIn) -> Status[dict[str, Any]]:
    """Create a customer; the archive number is assigned by the system. `owner` defaults to the caller."""
    fields = _fields(payload)
    if fields.get("owner") == "":
        del fields["owner"]  # null or empty owner: the caller
    actor = _actor(request)
    return Status(201, _customer_detail(customer_create(actor=actor, **fields), actor))


@router.get("/customers", response={200: CustomerListOut, **ERRORS})
def customers_list(
    request: HttpRequest,
    q: str = "",
    owner: str = Query("", description="客户经理用户名"),
    tier: str = "",
    tag: str = Query("", description="标签名称"),
    kind: str = "",
    page: int = Query(
        1, ge=1, le=PAGE_MAX, description="页码，从 1 开始；只在前 1000 条内有效，往后用 cursor"
    ),
    page_size: int = Query(PAGE_SIZE_DEFAULT, ge=1, le=PAGE_SIZE_MAX),
    cursor: str = Query("", max_length=500, description=CURSOR_HELP),
) -> dict[str, Any]:
    """The customers the caller may see, newest first (with `q`: best match first), with the simple filter."""
    actor = _actor(request)
    qs = customer_list(actor, q=q, owner=owner, tier=tier, tag=tag, kind=kind)
    order = None if q.strip() else CUSTOMER_LIST_ORDER
    result = api_page(qs, order, page=page, page_size=page_size, cursor=cursor)
    items = [_customer_out(c, actor) for c in result]
    # a bulk read: one access-log row, the search terms masked (R-G6)
    filters = {"q": masking.mask_terms(q), "owner": owner, "tier": tier, "tag": tag, "kind": kind}
    shown = [f"{k}={v}" for k, v in filters.items() if v]
    shown += [f"page={page}"] if page > 1 else []
    shown += ["cursor"] if cursor else []
    log_access(
        actor,
        AccessAction.LIST,
        what=" ".join(["API 客户列表", *shown, f"page_size={page_size}"]),
        rows=len(items),
    )
    return {"items": items, **result.api_fields()}


@router.get("/customers/{id}", response={200: CustomerOut, **ERRORS})
def customers_get(request: HttpRequest, id: int) -> dict[str, Any]:
    actor = _actor(request)
    customer = customer_for_read(actor, id)
    log_access(actor, "view", customer=customer, what="API", request=request)
    return _customer_detail(customer, actor)


@router.patch("/customers/{id}", response={200: CustomerOut, **ERRORS})
def customers_update(request: HttpRequest, id: int, payload: CustomerPatch) -> dict[str, Any]:
    """Change only the fields sent."""
    fields = _fields(payload)
    reason = fields.pop("reason", "")
    version = fields.pop("version", None)
    actor = _actor(request)
    for name, kind in masking.CUSTOMER_FIELDS.items():  # a masked value sent back unchanged is no change
        if not masking.sees(actor, kind) and "*" in (fields.get(name) or ""):
            del fields[name]
    customer = customer_update(actor=actor, customer_id=id, reason=reason, expected_version=version, **fields)
    return _customer_detail(customer, actor)


@router.delete("/customers/{id}", response={204: None, **ERRORS})
def customers_delete(
    request: HttpRequest,
    id: int,
    reason: str = Query("", description="删除原因（也可放在请求体中）"),
    payload: CustomerDeleteIn | None = None,
) -> Status[None]:
    """Soft-delete (managers only); a reason is required, in the body or the query string."""
    body_reason = payload.reason if payload is not None else ""
    customer_delete(actor=_actor(request), customer_id=id, reason=body_reason or reason)
    return Status(204, None)


# ---------------------------------------------------------------- vehicles


@router.get("/customers/{id}/vehicles", response={200: VehicleListOut, **ERRORS})
def customer_vehicles(request: HttpRequest, id: int) -> dict[str, Any]:
    customer = customer_for_read(_actor(request), id)
    items = list(customer.vehicles(manager="live").all().order_by("id"))
    return {"items": items, "count": len(items)}


@router.post("/customers/{id}/vehicles", response={201: VehicleOut, **ERRORS})
def vehicles_create(request: HttpRequest, id: int, payload: VehicleIn) -> Status[Vehicle]:
    return Status(201, vehicle_create(actor=_actor(request), customer_id=id, **_fields(payload)))


@router.get("/vehicles/{id}", response={200: VehicleOut, **ERRORS})
def vehicles_get(request: HttpRequest, id: int) -> Vehicle:
    return vehicle_for_read(_actor(request), id)


@router.patch("/vehicles/{id}", response={200: VehicleOut, **ERRORS})
def vehicles_update(request: HttpRequest, id: int, payload: VehiclePatch) -> Vehicle:
    fields = _fields(payload)
    reason = fields.pop("reason", "")
    return vehicle_update(actor=_actor(request), vehicle_id=id, reason=reason, **fields)
