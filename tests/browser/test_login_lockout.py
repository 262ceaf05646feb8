"""Login lockout in a real browser: three wrong passwords lock the account with a clear Chinese message;
after the window the right password gets the user in."""

from __future__ import annotations

import os
import time
from datetime import timedelta
from typing import Any

import pytest

from kedang.accounts.services import user_upsert

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "Kd-browser-2026"
SHOTS = os.environ.get("KEDANG_SCREENSHOTS")  # a directory: save screenshots there to look at


def _try(page: Any, base: str, password: str) -> None:
    page.goto(base + "/login/")
    page.fill("#id_username", "agent1")
    page.fill("#id_password", password)
    page.click("button[type=submit]")
    page.wait_for_load_state()


def test_locked_then_back_in(live_server: Any, page: Any, settings: Any) -> None:
    settings.AXES_FAILURE_LIMIT = 3
    settings.AXES_COOLOFF_TIME = timedelta(seconds=3)
    user_upsert(username="agent1", role="cs_agent", password=PASSWORD, department="客服部")
    base = live_server.url

    _try(page, base, "wrong-1")
    assert "用户名或密码不正确" in page.content()
    _try(page, base, "wrong-2")
    _try(page, base, "wrong-3")
    alert = page.locator("[data-kd=locked]")
    assert "已被暂时锁定" in alert.inner_text() and "分钟后再试" in alert.inner_text()
    assert "用户名或密码不正确" not in page.content()
    if SHOTS:
        page.screenshot(path=os.path.join(SHOTS, "login-locked.png"))
    _try(page, base, PASSWORD)  # the right password is refused while locked
    assert page.locator("[data-kd=locked]").count() == 1
    time.sleep(3.2)
    _try(page, base, PASSWORD)
    page.wait_for_url(base + "/")
    assert "工作台" in page.content()
