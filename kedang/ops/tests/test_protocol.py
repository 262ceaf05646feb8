"""Bad input at the protocol level answers 400/422 with a clear message, never 500 (issue #20 item 6):
the five server errors an OpenAPI fuzzer found, their kin on the HTML pages, and the rules of
kedang.protocol.ProtocolGuardMiddleware."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client, RequestFactory
from hypothesis import given
from hypothesis import strategies as st

from conftest import PASSWORD
from kedang.accounts.roles import Role
from kedang.accounts.services import token_issue
from kedang.protocol import INT_LIMIT, ProtocolGuardMiddleware, is_int_name, too_big

pytestmark = pytest.mark.django_db

HUGE = "1678491318754634207592448"


@pytest.fixture
def raw(client: Client) -> Client:
    """The test client answering 500 instead of raising, as a server would."""
    client.raise_request_exception = False
    return client


def _bearer(users: dict[str, Any], who: str) -> dict[str, str]:
    token = token_issue(username=users[who].username, password=PASSWORD)
    assert token
    return {"Authorization": f"Bearer {token}"}


def _field_error(r: Any, field: str, code: str) -> str:
    assert r.status_code == 422, (r.status_code, r.content[:300])
    body = r.json()
    assert body["errors"][field][0]["code"] == code, body
    return str(body["errors"][field][0]["message"])


# --- the five server errors of the fuzzer --------------------------------------------------------


def test_multipart_without_a_boundary_is_a_400_with_a_message(raw: Client, users: dict[str, Any]) -> None:
    headers = _bearer(users, Role.ADMIN)
    r = raw.post("/api/v1/imports", data=b"--x\r\n", content_type="multipart/form-data", headers=headers)
    assert r.status_code == 400
    assert "boundary" in r.json()["detail"]
    r = raw.post("/api/v1/auth/token", data=b"--x\r\n", content_type="multipart/form-data")
    assert r.status_code == 400
    assert "boundary" in r.json()["detail"]


def test_a_nul_byte_in_the_search_query_is_a_422(
    raw: Client, api: Callable[..., Any], make_customer: Callable[..., Any]
) -> None:
    make_customer(name="测试客户", phone="13912340001")
    for q in ("%00", "%E6%B5%8B%E8%AF%95%00", "1391%00", "a%1Bb"):
        r = api(Role.CS_AGENT, "get", f"/search?q={q}")
        assert "控制字符" in _field_error(r, "q", "control_character")


def test_integers_past_64_bits_in_the_query_are_a_422(api: Callable[..., Any]) -> None:
    r = api(Role.CS_AGENT, "get", f"/complaints?customer_id={HUGE}")
    assert "超出范围" in _field_error(r, "customer_id", "out_of_range")
    r = api(Role.CS_AGENT, "get", "/tasks?page=113776341504932005806080")
    _field_error(r, "page", "out_of_range")
    r = api(Role.CS_AGENT, "get", f"/customers?page={10**30}")
    _field_error(r, "page", "out_of_range")
    r = api(Role.CS_AGENT, "get", f"/customers?page_size=-{2**53 + 1}")
    _field_error(r, "page_size", "out_of_range")
    r = api(Role.CS_AGENT, "get", f"/customers/{10**30}")
    assert r.status_code == 422


# --- HTML pages -----------------------------------------------------------------------------------


def test_html_pages_answer_a_chinese_400(raw: Client, login: Callable[[str], Client]) -> None:
    login(Role.CS_AGENT)
    for url in (
        f"/customers/?page={10**30}",
        "/agenda/tasks/?page=113776341504932005806080",
        "/search/?q=%00",
        f"/customers/{10**30}/",
        f"/complaints/new/?customer={HUGE}",
    ):
        r = raw.get(url)
        assert r.status_code == 400, (url, r.status_code)
        assert "请求有误" in r.content.decode()
    r = raw.post("/customers/new/", {"name": "张三\x00", "phone": "13912340002"})
    assert r.status_code == 400
    assert "name 含有控制字符" in r.content.decode()


# --- JSON bodies ----------------------------------------------------------------------------------


def test_json_bodies(raw: Client, api: Callable[..., Any]) -> None:
    r = api(Role.CS_AGENT, "post", "/customers", {"name": "张三\u0000", "phone": "13912340003"})
    _field_error(r, "name", "control_character")
    r = api(Role.CS_AGENT, "post", "/complaints", {"customer_id": 10**30, "channel": "phone", "summary": "x"})
    _field_error(r, "customer_id", "out_of_range")
    r = api(Role.CS_AGENT, "post", "/complaints", {"customer_id": 1e30, "channel": "phone", "summary": "x"})
    _field_error(r, "customer_id", "out_of_range")
    r = api(Role.CS_AGENT, "post", "/customers", {"name": "\ud800"})  # a lone surrogate
    _field_error(r, "name", "control_character")
    r = raw.post("/api/v1/auth/token", data=b'{"username": NaN}', content_type="application/json")
    assert r.status_code == 400 and "JSON" in r.json()["detail"]
    r = raw.post("/api/v1/auth/token", data=b'{"username": ', content_type="application/json")
    assert r.status_code == 400 and r.json()["detail"] == "请求体不是有效的 JSON"
    import sys

    for depth in (sys.getrecursionlimit() - 60, 100_000):  # just within json.loads' limit, and past it
        deep = b"[" * depth + b"]" * depth
        r = raw.post("/api/v1/auth/token", data=deep, content_type="application/json")
        assert r.status_code == 400, depth
    r = raw.post("/api/v1/auth/token", data={"username": "a", "password": "b"})  # a form, not JSON
    assert r.status_code == 400 and "application/json" in r.json()["detail"]


def test_headers_with_control_characters(raw: Client) -> None:
    r = raw.get("/api/v1/customers", headers={"Authorization": "Bearer \x00abc"})
    assert r.status_code == 400
    assert "Authorization" in r.json()["detail"]


# --- what stays allowed ---------------------------------------------------------------------------


def test_text_with_long_digit_runs_tabs_and_newlines_passes(
    api: Callable[..., Any], make_customer: Callable[..., Any]
) -> None:
    c = make_customer(name="王五", id_number="11010519491231002X", phone="13912340004")
    r = api(Role.CS_AGENT, "get", "/search?q=110105194912310021")  # 18 digits: text, not an integer
    assert r.status_code == 200
    r = api(Role.CS_AGENT, "get", f"/customers?page=1&page_size=20&q={'9' * 30}")
    assert r.status_code == 200
    r = api(Role.ACCOUNT_MANAGER, "patch", f"/customers/{c.pk}", {"address": "北京市\t朝阳区\r\n一号"})
    assert r.status_code == 200, r.content
    r = api(Role.CS_AGENT, "get", f"/tasks?page={2**53}")  # the bound itself passes the guard …
    codes = [e["code"] for e in r.json().get("errors", {}).get("page", [])] if r.status_code == 422 else []
    assert "out_of_range" not in codes  # … (the schema's own cap on pages, 100,000, may still refuse it)
    r = api(Role.CS_AGENT, "get", f"/tasks?page={2**53 + 1}")  # one past it does not
    assert r.status_code == 422 and r.json()["errors"]["page"][0]["code"] == "out_of_range"


# --- the rules ------------------------------------------------------------------------------------


@given(st.integers(min_value=-(10**40), max_value=10**40))
def test_too_big_is_exactly_beyond_2_to_the_53(n: int) -> None:
    expected = abs(n) > INT_LIMIT
    assert too_big(str(n)) is expected
    assert too_big(f" {n} ") is expected
    assert too_big(f"{n}.0") is expected
    if n >= 0:
        assert too_big(f"{n:_}") is expected
        assert too_big(f"+{n:030d}") is expected


def test_too_big_leaves_non_integers_to_the_view() -> None:
    assert not too_big("abc") and not too_big("1e30") and not too_big("") and not too_big("1.5")
    assert not too_big("²" * 30)  # a digit to \\d, not to int(): the view refuses it
    assert too_big("9" * 5000)  # no int() of a 5,000-digit string


def test_every_integer_parameter_of_the_api_is_bounded() -> None:
    """A new API parameter of type integer must have a name the guard knows (or join INT_FIELDS)."""
    from kedang.api import api

    schema = api.get_openapi_schema()
    seen = 0
    for ops in schema["paths"].values():
        for op in ops.values():
            for p in op.get("parameters", []):
                s = p.get("schema", {})
                types = {s.get("type")} | {a.get("type") for a in s.get("anyOf", [])}
                if types & {"integer", "number"} and p["in"] == "query":
                    seen += 1
                    assert is_int_name(p["name"]), (p["name"], "add it to kedang.protocol.INT_FIELDS")
                if types & {"integer", "number"} and p["in"] == "path":
                    seen += 1  # path segments are bounded whatever their name
    assert seen > 20


def test_an_overflow_that_reaches_the_database_is_a_422_not_a_500() -> None:
    guard = ProtocolGuardMiddleware(lambda request: None)  # type: ignore[arg-type, return-value]
    request = RequestFactory().get("/api/v1/customers")
    r = guard.process_exception(request, OverflowError("Python int too large to convert to SQLite INTEGER"))
    assert r is not None and r.status_code == 422
    assert json.loads(r.content)["errors"]["__all__"][0]["code"] == "out_of_range"
    page = guard.process_exception(RequestFactory().get("/customers/"), OverflowError())
    assert page is not None and page.status_code == 400 and "请求有误" in page.content.decode()
    assert guard.process_exception(request, ValueError()) is None
