"""The REST API (SPEC §14, R-I4): one NinjaAPI, routers from the apps, bearer-token auth.

Errors follow SPEC §14: invalid input 422 with `{"detail": [...], "errors": {field: [{code, message}]}}`,
401 not logged in, 403 not allowed, 404 not visible, 409 conflicts.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DataError
from django.http import Http404, HttpRequest, HttpResponse
from django.http.request import RawPostDataException
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.security import HttpBearer

from kedang.accounts.services import token_user
from kedang.errors import ApprovalPending, Conflict
from kedang.protocol import out_of_range


class BearerAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Any:
        user = token_user(token)
        if user is not None:
            request.user = user
        return user


api = NinjaAPI(
    title="Kedang 客档 API",
    version="1",
    description="客户档案管理系统接口。先 POST /auth/token 取令牌，然后 Authorization: Bearer <token>。",
    auth=BearerAuth(),
    urls_namespace="api",
)


def error_body(errors: dict[str, list[ValidationError]] | dict[str, Any]) -> dict[str, Any]:
    """SPEC §14 error body: each bad field with a Chinese message and a machine-readable code."""
    fields: dict[str, list[dict[str, str]]] = {}
    for name, errs in errors.items():
        for e in errs:
            for msg in e.messages:
                fields.setdefault(name, []).append({"code": e.code or "invalid", "message": msg})
    detail = [
        {"loc": [name], "msg": item["message"], "type": item["code"]}
        for name, items in fields.items()
        for item in items
    ]
    return {"detail": detail, "errors": fields}


@api.exception_handler(ValidationError)
def on_validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    errors = exc.error_dict if hasattr(exc, "error_dict") else {"__all__": exc.error_list}
    return api.create_response(request, error_body(errors), status=422)


@api.exception_handler(NinjaValidationError)
def on_schema_error(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
    fields: dict[str, list[dict[str, str]]] = {}
    for err in exc.errors:
        loc = [str(p) for p in err.get("loc", []) if p not in ("body", "query", "path", "payload", "form")]
        name = loc[0] if loc else "__all__"
        fields.setdefault(name, []).append(
            {"code": str(err.get("type", "invalid")), "message": str(err.get("msg", ""))}
        )
    return api.create_response(request, {"detail": exc.errors, "errors": fields}, status=422)


@api.exception_handler(Http404)
def on_not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return api.create_response(request, {"detail": str(exc) or "不存在"}, status=404)


@api.exception_handler(PermissionDenied)
def on_forbidden(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
    return api.create_response(request, {"detail": str(exc) or "没有权限"}, status=403)


@api.exception_handler(Conflict)
def on_conflict(request: HttpRequest, exc: Conflict) -> HttpResponse:
    return api.create_response(request, {"detail": exc.message, "diff": exc.diff}, status=409)


@api.exception_handler(ApprovalPending)
def on_approval_pending(request: HttpRequest, exc: ApprovalPending) -> HttpResponse:
    return api.create_response(
        request, {"detail": exc.message, "change_request_id": exc.request_id}, status=202
    )


@api.exception_handler(AuthenticationError)
def on_unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return api.create_response(request, {"detail": "未登录或令牌无效"}, status=401)


BODY_NOT_JSON = "请求体无法解析：此接口接受 JSON（Content-Type: application/json）"


@api.exception_handler(HttpError)
def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    detail = str(exc)
    if exc.status_code == 400 and detail.startswith("Cannot parse request body"):
        detail = BODY_NOT_JSON
    return api.create_response(request, {"detail": detail}, status=exc.status_code)


@api.exception_handler(RawPostDataException)
def on_body_already_read(request: HttpRequest, exc: RawPostDataException) -> HttpResponse:
    """A large form body sent to a JSON operation: the protocol guard read it as a form already."""
    return api.create_response(request, {"detail": BODY_NOT_JSON}, status=400)


@api.exception_handler(OverflowError)
@api.exception_handler(DataError)
def on_out_of_range(request: HttpRequest, exc: Exception) -> HttpResponse:
    """A number kedang.protocol did not know as an integer overflowed the database after all: 422."""
    return out_of_range(request, exc)


def _register_routers() -> None:
    from kedang.accounts.api import router as accounts_router
    from kedang.agenda.api import router as agenda_router
    from kedang.care.api import router as care_router
    from kedang.complaints.api import router as complaints_router
    from kedang.customers.api import router as customers_router
    from kedang.exchange.api import router as exchange_router
    from kedang.followups.api import router as followups_router
    from kedang.governance.api import router as governance_router
    from kedang.privacy.api import router as privacy_router
    from kedang.receivables.api import router as receivables_router
    from kedang.search.api import router as search_router

    api.add_router("", accounts_router)
    api.add_router("", customers_router)
    api.add_router("", agenda_router)
    api.add_router("", followups_router)
    api.add_router("", search_router)
    api.add_router("", exchange_router)
    api.add_router("", governance_router)
    api.add_router("", privacy_router)
    api.add_router("", complaints_router)
    api.add_router("", care_router)
    api.add_router("", receivables_router)


_register_routers()
