"""schemathesis against the OpenAPI document of the API (issue #20 item 6): requests that fit the schema
and requests that break it, to every operation, authenticated, through the real WSGI application and
the test database; none may answer 5xx. A small, fixed budget (derandomized: the same cases every run),
so that a new endpoint that can 500 fails `make test`."""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.core import signals
from django.core.handlers.wsgi import WSGIHandler
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import PASSWORD
from kedang.accounts.roles import Role
from kedang.accounts.services import token_issue

pytestmark = pytest.mark.django_db

# cases per operation and mode (fits the schema / breaks it): 54 operations × 2 × 3 ≈ 320 requests, ~25 s
EXAMPLES = 3


@pytest.fixture
def wsgi_app() -> Iterator[WSGIHandler]:
    """Django's WSGI application in this process, inside the test's transaction: like the test client,
    it must not close the connection at the end of each request."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield WSGIHandler()
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


def test_no_operation_answers_5xx(
    wsgi_app: WSGIHandler,
    users: dict[str, Any],
    make_customer: Callable[..., Any],
    make_vehicle: Callable[..., Any],
    caplog: pytest.LogCaptureFixture,
) -> None:
    import schemathesis
    from schemathesis import GenerationMode

    for _ in range(2):  # a few rows to find: small ids are what the generator tries first
        make_vehicle(make_customer())
    token = token_issue(username=users[Role.ADMIN].username, password=PASSWORD)
    headers = {"Authorization": f"Bearer {token}"}
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", wsgi_app)
    from schemathesis.core.result import Ok

    results = list(schema.get_all_operations())
    operations = [r.ok() for r in results if isinstance(r, Ok)]
    assert len(operations) == len(results)  # the document is valid: every operation loads
    failures: list[str] = []
    statuses: Counter[int] = Counter()

    @settings(
        max_examples=EXAMPLES,
        derandomize=True,  # the same cases every run
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(data=st.data())
    def run(data: st.DataObject, strategy: st.SearchStrategy[Any]) -> None:
        case = data.draw(strategy)
        with caplog.at_level(logging.ERROR, logger="django.request"):
            response = case.call(headers=headers)
        statuses[response.status_code] += 1
        if response.status_code >= 500:
            failures.append(f"{response.status_code} {case.as_curl_command()}\n{caplog.text[-2000:]}")
        caplog.clear()

    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            run(strategy=operation.as_strategy(mode))
    assert not failures, "\n\n".join(failures[:5])
    assert len(operations) >= 54
    assert statuses[200] + statuses[201] > 20, statuses  # not all refused: some cases go all the way


# --- the edges, every operation, every parameter ----------------------------------------------------
# A random budget this small seldom draws a 26-digit integer or a NUL after a digit; these sweep every
# parameter and top-level body field of every operation with the values that found the 500s of #20.
EDGE_INTS: tuple[Any, ...] = (2**64, -(2**64), 10**30, 2**53 + 1)
EDGE_STRINGS = ("1391\x00", "\x00", "测\x1b试", "\ud800")
EDGE_BODIES = (b"null", b"[]", b'"\\u0000"', b"1e999", b'{"a": NaN}', b"{", b"\xff\xfe")


def _resolve(schema: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        node = schema["components"]["schemas"][node["$ref"].rsplit("/", 1)[1]]
    if "anyOf" in node:
        kinds = [n for n in node["anyOf"] if n.get("type") != "null"]
        node = {**node, **_resolve(schema, kinds[0])} if kinds else node
    return node


def _plain(node: dict[str, Any]) -> Any:
    """A value that fits the parameter, for the parameters not under test."""
    kind = node.get("type")
    if "enum" in node:
        return node["enum"][0]
    if kind == "integer" or kind == "number":
        return max(1, node.get("minimum", 1))
    if kind == "boolean":
        return False
    if kind == "array":
        return []
    if kind == "object":
        return {}
    if node.get("format") == "date" or "date" in str(node.get("title", "")).lower():
        return "2026-01-15"
    return "测试"


def _edges(node: dict[str, Any]) -> tuple[Any, ...]:
    return EDGE_INTS if node.get("type") in ("integer", "number") else EDGE_STRINGS


def test_every_parameter_at_its_edges_answers_below_500(
    client: Any, users: dict[str, Any], make_customer: Callable[..., Any]
) -> None:
    import json
    import re

    from kedang.api import api

    make_customer()
    client.raise_request_exception = False
    token = token_issue(username=users[Role.ADMIN].username, password=PASSWORD)
    auth = {"Authorization": f"Bearer {token}"}
    schema = api.get_openapi_schema()
    failures: list[str] = []
    sent = 0

    def send(method: str, path: str, query: dict[str, Any], body: Any, raw: bytes | None = None) -> None:
        nonlocal sent
        sent += 1
        url = re.sub(r"{(\w+)}", lambda m: str(query.pop(f"path:{m.group(1)}", 1)), path)
        kwargs: dict[str, Any] = {"headers": auth, "QUERY_STRING": _query(query)}
        if method in ("post", "put", "patch", "delete") and (body is not None or raw is not None):
            kwargs["data"] = raw if raw is not None else json.dumps(body)
            kwargs["content_type"] = "application/json"
        r = getattr(client, method)(url, **kwargs)
        if r.status_code >= 500:
            failures.append(
                f"{r.status_code} {method.upper()} {url}?{kwargs['QUERY_STRING']} {kwargs.get('data')!r}"
            )

    for path, ops in schema["paths"].items():
        for method, op in ops.items():
            params = [(p, _resolve(schema, p.get("schema", {}))) for p in op.get("parameters", [])]
            base = {
                (f"path:{p['name']}" if p["in"] == "path" else p["name"]): _plain(s)
                for p, s in params
                if p["in"] in ("path", "query") and (p.get("required") or p["in"] == "path")
            }
            json_body = op.get("requestBody", {}).get("content", {}).get("application/json")
            fields: dict[str, Any] = {}
            body: Any = None
            if json_body:
                node = _resolve(schema, json_body["schema"])
                fields = {k: _resolve(schema, v) for k, v in node.get("properties", {}).items()}
                body = {k: _plain(fields[k]) for k in node.get("required", [])}
            for p, s in params:
                if p["in"] not in ("path", "query"):
                    continue
                key = f"path:{p['name']}" if p["in"] == "path" else p["name"]
                for edge in _edges(s) if p["in"] == "query" else EDGE_INTS[:3]:
                    send(method, path, {**base, key: edge}, body)
            for name, s in fields.items():
                for edge in _edges(s):
                    send(method, path, dict(base), {**body, name: edge})
            if json_body:
                for raw in EDGE_BODIES:
                    send(method, path, dict(base), None, raw)
    assert not failures, "\n".join(failures[:20])
    assert sent > 400


def _query(params: dict[str, Any]) -> str:
    from urllib.parse import urlencode

    return urlencode(
        {k: v for k, v in params.items() if not k.startswith("path:")},
        encoding="utf-8",
        errors="surrogatepass",
    )
