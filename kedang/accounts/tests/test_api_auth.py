"""The API's bearer-token authentication and its OpenAPI document (SPEC §14)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from conftest import PASSWORD
from kedang.accounts.models import ApiToken, User
from kedang.accounts.services import token_issue

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fast_passwords(settings: Any) -> None:
    """Argon2 makes every `users` fixture slow; what matters here is right or wrong, not the hash."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def _token(client: Client, username: str, password: str) -> Any:
    return client.post(
        "/api/v1/auth/token", {"username": username, "password": password}, content_type="application/json"
    )


def test_token_then_customers(client: Client, users: dict[str, User]) -> None:
    resp = _token(client, "cs_agent", PASSWORD)
    assert resp.status_code == 200
    token = resp.json()["token"]
    assert token and ApiToken.objects.filter(user=users["cs_agent"]).count() == 1

    resp = client.get("/api/v1/customers", headers={"Authorization": f"Bearer {token}"})
    assert resp.status_code == 200
    # SPEC §14 extended, never renamed: the cursor fields beside items and count (#20)
    assert resp.json() == {"items": [], "count": 0, "count_exact": True, "next": None, "prev": None}


@pytest.mark.parametrize(
    ("username", "password"),
    [("cs_agent", "wrong-password"), ("cs_agent", ""), ("nobody", PASSWORD)],
)
def test_token_bad_credentials_401(
    client: Client, users: dict[str, User], username: str, password: str
) -> None:
    resp = _token(client, username, password)
    assert resp.status_code == 401
    assert "token" not in resp.json()
    assert resp.json()["detail"]
    assert not ApiToken.objects.exists()


def test_token_inactive_user_401(client: Client, users: dict[str, User]) -> None:
    User.objects.filter(pk=users["cs_agent"].pk).update(is_active=False)
    assert _token(client, "cs_agent", PASSWORD).status_code == 401


def test_token_missing_field_422(client: Client, users: dict[str, User]) -> None:
    resp = client.post("/api/v1/auth/token", {"username": "cs_agent"}, content_type="application/json")
    assert resp.status_code == 422
    assert set(resp.json()["errors"]) == {"password"}


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer not-a-real-token"},
        {"Authorization": "Bearer "},
        {"Authorization": "Token whatever"},
        {"Authorization": PASSWORD},
    ],
)
@pytest.mark.parametrize("path", ["/api/v1/customers", "/api/v1/customers/1", "/api/v1/vehicles/1"])
def test_no_or_invalid_token_401(
    client: Client, users: dict[str, User], headers: dict[str, str], path: str
) -> None:
    resp = client.get(path, headers=headers)
    assert resp.status_code == 401
    assert resp.json() == {"detail": "未登录或令牌无效"}


def test_session_login_is_not_api_auth(client: Client, users: dict[str, User]) -> None:
    """The API takes bearer tokens only: a browser session cookie is not enough (no CSRF surface)."""
    client.force_login(users["cs_agent"])
    assert client.get("/api/v1/customers").status_code == 401


def test_expired_token_401(client: Client, users: dict[str, User]) -> None:
    token = token_issue(username="cs_agent", password=PASSWORD)
    assert token
    auth = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v1/customers", headers=auth).status_code == 200
    ApiToken.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    assert client.get("/api/v1/customers", headers=auth).status_code == 401


def test_token_of_deactivated_user_401(client: Client, users: dict[str, User]) -> None:
    token = token_issue(username="cs_agent", password=PASSWORD)
    User.objects.filter(pk=users["cs_agent"].pk).update(is_active=False)
    assert client.get("/api/v1/customers", headers={"Authorization": f"Bearer {token}"}).status_code == 401


def test_openapi_document(client: Client) -> None:
    resp = client.get("/api/v1/openapi.json")
    assert resp.status_code == 200
    doc = resp.json()
    paths = doc["paths"]
    for path in (
        "/api/v1/auth/token",
        "/api/v1/customers",
        "/api/v1/customers/{id}",
        "/api/v1/customers/{id}/vehicles",
        "/api/v1/vehicles/{id}",
    ):
        assert path in paths, path
    assert {"get", "post"} <= set(paths["/api/v1/customers"])
    assert {"get", "patch", "delete"} <= set(paths["/api/v1/customers/{id}"])
    assert {"get", "post"} <= set(paths["/api/v1/customers/{id}/vehicles"])
    assert {"get", "patch"} <= set(paths["/api/v1/vehicles/{id}"])
    # the customer fields of SPEC §14 are documented
    out = doc["components"]["schemas"]["CustomerOut"]["properties"]
    for name in (
        "id kind name phone id_number uscc gender birthday birthday_is_lunar address owner tier tags archive_no"
    ).split():
        assert name in out, name
    assert "archive_no" not in doc["components"]["schemas"]["CustomerIn"]["properties"]
