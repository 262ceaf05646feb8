"""Idle session expiry, and deactivation ending every session and API token of the user."""

from __future__ import annotations

import time
from typing import Any

import pytest
from django.contrib.sessions.models import Session
from django.core.management import call_command
from django.test import Client

from conftest import PASSWORD
from kedang.accounts.models import ApiToken, User
from kedang.accounts.services import token_issue
from kedang.ops.models import LoginSession
from kedang.ops.sessions import SEEN_KEY, user_deactivate

pytestmark = pytest.mark.django_db


def _login(username: str, ip: str = "10.1.0.1") -> Client:
    c = Client()
    resp = c.post("/login/", {"username": username, "password": PASSWORD}, REMOTE_ADDR=ip)
    assert resp.status_code == 302
    return c


def _age_session(c: Client, seconds: float) -> None:
    session = c.session
    session[SEEN_KEY] = time.time() - seconds
    session.save()


def test_idle_session_expires(users: dict[str, User], settings: Any) -> None:
    settings.KEDANG_SESSION_IDLE_MINUTES = 30
    c = _login("cs_agent")
    assert c.get("/").status_code == 200
    _age_session(c, 29 * 60)  # active within the window: still in, and the clock restarts
    assert c.get("/").status_code == 200
    assert time.time() - c.session[SEEN_KEY] < 5
    _age_session(c, 31 * 60)
    resp = c.get("/")
    assert resp.status_code == 302 and "/login/" in resp["Location"]
    assert c.get("/api/v1/customers").status_code == 401  # the session no longer authenticates the API


def test_session_max_life(users: dict[str, User], settings: Any) -> None:
    settings.KEDANG_SESSION_MAX_HOURS = 1
    c = _login("cs_agent")
    session = c.session
    session["kd_start"] = time.time() - 3601
    session.save()
    assert c.get("/").status_code == 302


def test_session_cookie_expires_with_idle_window(settings: Any) -> None:
    assert settings.SESSION_COOKIE_AGE <= settings.KEDANG_SESSION_IDLE_MINUTES * 60 + 60


def test_deactivation_ends_all_sessions_and_tokens(users: dict[str, User]) -> None:
    browsers = [_login("cs_agent", ip=f"10.1.0.{i}") for i in range(1, 4)]
    other = _login("account_manager")
    token = token_issue(username="cs_agent", password=PASSWORD)
    auth = {"Authorization": f"Bearer {token}"}
    assert Client().get("/api/v1/customers", headers=auth).status_code == 200
    assert LoginSession.objects.filter(user=users["cs_agent"]).count() == 3

    user_deactivate(username="cs_agent")

    for c in browsers:
        assert c.get("/").status_code == 302
    assert not Session.objects.filter(session_key__in=[c.session.session_key for c in browsers]).exists()
    assert Client().get("/api/v1/customers", headers=auth).status_code == 401
    assert not ApiToken.objects.filter(user=users["cs_agent"]).exists()
    assert other.get("/").status_code == 200  # someone else's session is untouched
    # and the deactivated user cannot log in again
    resp = Client().post("/login/", {"username": "cs_agent", "password": PASSWORD}, REMOTE_ADDR="10.1.0.9")
    assert resp.status_code == 200 and "_auth_user_id" not in Client().session


def test_admin_untick_active_ends_sessions(users: dict[str, User]) -> None:
    """The same through a plain save() (the admin's path), and through the command."""
    c = _login("cs_agent")
    user = User.objects.get(username="cs_agent")
    user.is_active = False
    user.save()
    assert c.get("/").status_code == 302

    c2 = _login("account_manager")
    call_command("deactivate_user", "account_manager")
    assert c2.get("/").status_code == 302
    assert not User.objects.get(username="account_manager").is_active


def test_logout_forgets_session(users: dict[str, User]) -> None:
    c = _login("cs_agent")
    assert LoginSession.objects.count() == 1
    c.post("/logout/")
    assert LoginSession.objects.count() == 0


def test_daily_housekeeping_forgets_gone_sessions_and_old_login_records(users: dict[str, User]) -> None:
    import datetime as dt

    from axes.models import AccessLog
    from django.utils import timezone

    from kedang.agenda.daily import DAILY_PARTS
    from kedang.ops.housekeeping import housekeeping

    assert "ops: sessions and login records" in [part[0] for part in DAILY_PARTS]
    kept = _login("cs_agent")
    gone = _login("account_manager")
    Session.objects.filter(session_key=gone.session.session_key).delete()
    AccessLog.objects.create(username="old", ip_address="10.0.0.1", user_agent="x")
    AccessLog.objects.filter(username="old").update(attempt_time=timezone.now() - dt.timedelta(days=400))
    assert housekeeping(timezone.localdate()) == 2
    assert list(LoginSession.objects.values_list("session_key", flat=True)) == [kept.session.session_key]
    assert not AccessLog.objects.filter(username="old").exists()
    assert AccessLog.objects.count() == 2  # this year's logins stay
    assert housekeeping(timezone.localdate()) == 0  # idempotent
