"""Login lockout (django-axes): per account and per address, X-Forwarded-For ignored unless configured,
and the real user gets back in once the window has passed."""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client

from conftest import PASSWORD
from kedang.accounts.models import User

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _lockout(settings: Any) -> None:
    settings.AXES_FAILURE_LIMIT = 3
    settings.AXES_COOLOFF_TIME = timedelta(seconds=2)


def _post(client: Client, username: str, password: str, ip: str = "10.0.0.1", **headers: str) -> Any:
    return client.post(
        "/login/", {"username": username, "password": password}, REMOTE_ADDR=ip, headers=headers
    )


def test_right_password_logs_in(client: Client, users: dict[str, User]) -> None:
    resp = _post(client, "cs_agent", PASSWORD)
    assert resp.status_code == 302
    assert client.get("/").status_code == 200


def test_account_locked_after_n_failures_then_back_in_after_window(
    client: Client, users: dict[str, User]
) -> None:
    for _ in range(3):
        resp = _post(client, "cs_agent", "wrong-password")
    assert resp.status_code == 429
    assert "已被暂时锁定" in resp.content.decode()
    # the right password is refused too while locked, from another address as well (per account)
    resp = _post(client, "cs_agent", PASSWORD, ip="10.0.0.99")
    assert resp.status_code == 429
    assert "请 1 分钟后再试" in resp.content.decode()
    assert "_auth_user_id" not in client.session
    # another account from a fresh address is not affected
    assert _post(Client(), "account_manager", PASSWORD, ip="10.0.0.50").status_code == 302
    time.sleep(2.2)
    resp = _post(client, "cs_agent", PASSWORD)
    assert resp.status_code == 302
    assert client.get("/").status_code == 200


def test_address_locked_after_n_failures_on_different_accounts(
    client: Client, users: dict[str, User]
) -> None:
    for name in ("nobody1", "nobody2", "nobody3"):
        _post(client, name, "guess", ip="10.0.0.7")
    resp = _post(client, "cs_agent", PASSWORD, ip="10.0.0.7")
    assert resp.status_code == 429
    # the same account from another address gets in: only the address is locked
    assert _post(Client(), "cs_agent", PASSWORD, ip="10.0.0.8").status_code == 302


def test_forwarded_for_ignored_by_default(client: Client, users: dict[str, User]) -> None:
    """A client cannot dodge the address lockout by inventing X-Forwarded-For headers."""
    for i in range(3):
        _post(client, f"nobody{i}", "guess", ip="10.0.0.9", **{"X-Forwarded-For": f"192.0.2.{i}"})
    resp = _post(client, "account_manager", PASSWORD, ip="10.0.0.9", **{"X-Forwarded-For": "192.0.2.77"})
    assert resp.status_code == 429


def test_forwarded_for_trusted_when_configured(client: Client, users: dict[str, User], settings: Any) -> None:
    """Behind one reverse proxy the client's address is the last X-Forwarded-For entry."""
    settings.KEDANG_TRUSTED_PROXIES = 1
    for i in range(3):
        _post(client, f"nobody{i}", "guess", ip="10.0.0.1", **{"X-Forwarded-For": "1.2.3.4, 192.0.2.1"})
    locked = _post(client, "cs_agent", PASSWORD, ip="10.0.0.1", **{"X-Forwarded-For": "192.0.2.1"})
    assert locked.status_code == 429
    other = _post(Client(), "cs_agent", PASSWORD, ip="10.0.0.1", **{"X-Forwarded-For": "192.0.2.2"})
    assert other.status_code == 302


def test_api_token_lockout(client: Client, users: dict[str, User]) -> None:
    def token(password: str) -> Any:
        return client.post(
            "/api/v1/auth/token",
            {"username": "cs_agent", "password": password},
            content_type="application/json",
            REMOTE_ADDR="10.0.0.3",
        )

    assert [token("bad").status_code for _ in range(3)] == [401, 401, 429]
    resp = token(PASSWORD)
    assert resp.status_code == 429
    assert "锁定" in resp.json()["detail"]
    time.sleep(2.2)
    assert token(PASSWORD).status_code == 200


def test_locked_message_in_english(client: Client, users: dict[str, User]) -> None:
    client.post("/i18n/setlang/", {"language": "en", "next": "/login/"})
    for _ in range(3):
        resp = _post(client, "cs_agent", "wrong-password")
    assert resp.status_code == 429
    assert "Too many failed logins" in resp.content.decode()
