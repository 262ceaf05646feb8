"""Bad input at the protocol level (issue #20 item 6): one middleware answers 400/422 with a clear
message, instead of letting it reach a view or the database, for

- a body that cannot be parsed: multipart/form-data without a boundary, a broken multipart body, JSON
  that is not JSON (or has NaN/Infinity), a body or a form with too many fields;
- control characters (NUL, ESC, …; tab, CR and LF are text) and lone surrogates in query strings, form
  fields, file names, JSON strings and keys, and headers — PostgreSQL refuses NUL in text and SQLite's
  full-text query syntax breaks on it;
- integers beyond ±2**53 (what JavaScript, JSON clients and every id column hold): any number in a JSON
  body, an all-digit path segment, and the integer parameters of the query string and forms — those
  named `page`, `page_size`, `limit`, `offset`, `id`, `pk`, `*_id`, `*_ids`, or one of INT_FIELDS.
  A text parameter may hold a long digit string (an ID number has 18), so integers are recognised by
  name; kedang/ops/tests/test_protocol.py checks that every integer parameter of the OpenAPI document is covered.

As a last line, an integer that still overflows the database (OverflowError from SQLite, a data
exception from PostgreSQL) is answered 422, not 500.

Answers: under /api/ the SPEC §14 error body — 422 `{"detail": [...], "errors": {field: [...]}}` for a
bad field, 400 `{"detail": "..."}` for a body that cannot be read; a page gets a short 400 page in Chinese.
"""

from __future__ import annotations

import json
import logging
import math
import re
from collections.abc import Callable, Iterator
from typing import Any

from django.conf import settings
from django.core.exceptions import BadRequest, RequestDataTooBig, SuspiciousOperation
from django.db import DataError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.http.multipartparser import MultiPartParserError
from django.utils.html import format_html

log = logging.getLogger(__name__)

INT_LIMIT = 2**53
# integer form fields and query parameters whose names do not say so (agenda, care, complaints, customers,
# governance forms and views)
INT_FIELDS = frozenset(
    {
        "customer",
        "vehicle",
        "category",
        "department",
        "version",
        "checklist_item",
        "template",
        "letter_template",
        "invitation",
        "days",
        "task",
        "maintenance_cycle_months",
    }
)
_INT_NAMES = frozenset({"page", "page_size", "limit", "offset", "id", "pk"})
_INT_SUFFIXES = ("_id", "_ids", "_pk")
# C0 controls but tab, LF and CR; DEL; lone surrogates (from JSON "\ud800")
_BAD_CHARS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")
# an integer as Django's IntegerField and pydantic read it: sign, digits (any script), "_", a ".0" tail
_INTEGER = re.compile(r"\s*[+-]?([\d_]+)(?:\.0*)?\s*")
_JSON = re.compile(r"^application/(?:[\w.+-]+\+)?json$")


def is_int_name(name: str) -> bool:
    """Whether a query or form parameter of this name holds an integer (bounded to ±2**53)."""
    return name in _INT_NAMES or name in INT_FIELDS or name.endswith(_INT_SUFFIXES)


def too_big(value: str) -> bool:
    """An integer literal beyond ±2**53 (without converting a 5,000-digit string)."""
    m = _INTEGER.fullmatch(value)
    if m is None:
        return False
    digits = m.group(1).replace("_", "").lstrip("0")
    if len(digits) > 16:
        return True
    try:
        return bool(digits) and int(digits) > INT_LIMIT
    except ValueError:  # "²" is a digit to \d but not to int(): not an integer, the view refuses it
        return False


class Problem(Exception):
    """One bad piece of the request: where (loc), a machine code and a Chinese message."""

    def __init__(self, loc: list[str | int], code: str, message: str, *, status: int = 422) -> None:
        super().__init__(message)
        self.loc = loc
        self.code = code
        self.message = message
        self.status = status


def _control(loc: list[str | int]) -> Problem:
    where = "".join(f"[{p}]" if isinstance(p, int) else f" {p}" for p in loc[1:]).strip() or str(loc[0])
    return Problem(loc, "control_character", f"{where} 含有控制字符（如 NUL），请删除后重试")


def _range(loc: list[str | int]) -> Problem:
    where = "".join(f"[{p}]" if isinstance(p, int) else f" {p}" for p in loc[1:]).strip() or str(loc[0])
    return Problem(loc, "out_of_range", f"{where} 超出范围：整数须在 ±2^53（9007199254740992）以内")


def _check_pairs(where: str, pairs: Iterator[tuple[str, str]]) -> None:
    for name, value in pairs:
        if _BAD_CHARS.search(name) or _BAD_CHARS.search(value):
            raise _control([where, name])
        if is_int_name(name) and too_big(value):
            raise _range([where, name])


def _check_path(path: str) -> None:
    if _BAD_CHARS.search(path):
        raise _control(["path", "path"])
    for segment in path.split("/"):
        if segment.isdigit() and too_big(segment):
            raise _range(["path", segment[:20] + ("…" if len(segment) > 20 else "")])


def _check_json(value: Any, loc: list[str | int]) -> None:
    if isinstance(value, str):
        if _BAD_CHARS.search(value):
            raise _control(loc)
    elif isinstance(value, bool) or value is None:
        return
    elif isinstance(value, int):
        if abs(value) > INT_LIMIT:
            raise _range(loc)
    elif isinstance(value, float):
        if not math.isfinite(value) or abs(value) > INT_LIMIT:
            raise _range(loc)
    elif isinstance(value, list):
        for i, item in enumerate(value):
            _check_json(item, [*loc, i])
    elif isinstance(value, dict):
        for key, item in value.items():
            if _BAD_CHARS.search(key):
                raise _control([*loc, key])
            _check_json(item, [*loc, key])


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} 不是 JSON 数值")


def _content_length(request: HttpRequest) -> int:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 0


def _check_body(request: HttpRequest) -> None:
    if request.method in ("GET", "HEAD", "OPTIONS", "TRACE"):
        return
    content_type = (request.content_type or "").lower()
    if content_type == "multipart/form-data" or content_type == "application/x-www-form-urlencoded":
        try:
            if _content_length(request) <= settings.DATA_UPLOAD_MAX_MEMORY_SIZE:
                request.body  # noqa: B018 — kept, so that a JSON endpoint can still read (and refuse) it
            post, files = request.POST, request.FILES
        except MultiPartParserError as e:
            detail = str(e)
            if "boundary" in detail.lower():
                message = "请求体无法解析：multipart/form-data 缺少有效的 boundary 参数"
            else:
                message = "请求体无法解析：multipart/form-data 格式错误"
            raise Problem(["body"], "malformed_body", message, status=400) from e
        except RequestDataTooBig as e:
            raise Problem(["body"], "body_too_large", "请求体过大", status=400) from e
        except (SuspiciousOperation, BadRequest, UnicodeDecodeError, ValueError) as e:
            raise Problem(["body"], "malformed_body", "请求体无法解析", status=400) from e
        _check_pairs("form", ((k, v) for k, vs in post.lists() for v in vs))
        for name, uploads in files.lists():
            for upload in uploads:
                if _BAD_CHARS.search(name) or _BAD_CHARS.search(upload.name or ""):
                    raise _control(["form", name])
    elif _JSON.match(content_type):
        try:
            body = request.body
        except RequestDataTooBig as e:
            raise Problem(["body"], "body_too_large", "请求体过大", status=400) from e
        if not body.strip():
            return
        try:
            data = json.loads(body, parse_constant=_refuse_constant)
        except (ValueError, RecursionError) as e:  # UnicodeDecodeError and JSONDecodeError are ValueErrors
            raise Problem(["body"], "malformed_body", "请求体不是有效的 JSON", status=400) from e
        try:
            _check_json(data, ["body"])
        except RecursionError as e:  # nested nearly as deep as json.loads allows
            raise Problem(["body"], "malformed_body", "请求体 JSON 嵌套过深", status=400) from e


def out_of_range(request: HttpRequest, exc: Exception) -> HttpResponse:
    """The answer to a number that overflowed the database after all (the middleware's and the API's
    last line)."""
    log.warning("value out of range reached the database: %s %s: %s", request.method, request.path, exc)
    return _answer(request, Problem(["__all__"], "out_of_range", "输入的数值超出范围或格式不符"))


def _answer(request: HttpRequest, problem: Problem) -> HttpResponse:
    if request.path_info.startswith("/api/"):
        if problem.status == 400:
            return JsonResponse({"detail": problem.message}, status=400)
        name = str(problem.loc[-1]) if len(problem.loc) > 1 else "__all__"
        return JsonResponse(
            {
                "detail": [{"loc": problem.loc, "msg": problem.message, "type": problem.code}],
                "errors": {name: [{"code": problem.code, "message": problem.message}]},
            },
            status=problem.status,
        )
    page = format_html(
        '<!doctype html><html lang="zh-hans"><head><meta charset="utf-8"><title>请求有误 · 客档 Kedang</title>'
        '</head><body><h1>请求有误（400）</h1><p>{}</p><p><a href="/">返回工作台</a></p></body></html>',
        problem.message,
    )
    return HttpResponse(page, status=400, content_type="text/html; charset=utf-8")


class ProtocolGuardMiddleware:
    """Refuses malformed requests before any view or query sees them (see the module's docstring)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            _check_path(request.path_info)
            _check_pairs("query", ((k, v) for k, vs in request.GET.lists() for v in vs))
            for key, value in request.META.items():
                if key.startswith("HTTP_") and isinstance(value, str) and _BAD_CHARS.search(value):
                    raise Problem(
                        ["header", key[5:].replace("_", "-").title()],
                        "control_character",
                        f"请求头 {key[5:].replace('_', '-').title()} 含有控制字符",
                        status=400,
                    )
            _check_body(request)
        except Problem as problem:
            return _answer(request, problem)
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exc: Exception) -> HttpResponse | None:
        """The last line: a number the checks above did not know as an integer still overflows the
        database (SQLite: OverflowError; PostgreSQL: a data exception, SQLSTATE 22…)."""
        if isinstance(exc, OverflowError | DataError):
            return out_of_range(request, exc)
        return None
