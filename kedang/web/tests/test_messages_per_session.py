"""A flash message belongs to the session that caused it: after another user logs in on the same browser,
she does not read the previous user's "已建档：<name>" (messages are session-stored, not a cookie)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from kedang.accounts.models import User

pytestmark = pytest.mark.django_db


def test_a_pending_message_does_not_follow_the_browser_to_the_next_user(
    client: Client, users: dict[str, User], make_customer: Callable[..., Any]
) -> None:
    client.force_login(users["account_manager"])
    created = client.post(
        reverse("customer_create"), {"kind": "person", "name": "秘密客户丙", "owner": "account_manager"}
    )
    assert created.status_code == 302  # the message "已建档：秘密客户丙" waits for the next page
    client.force_login(users["am2"])
    page = client.get(reverse("home")).content.decode()
    assert "秘密客户丙" not in page
    client.force_login(users["account_manager"])
    client.post(
        reverse("customer_create"), {"kind": "person", "name": "公开客户丁", "owner": "account_manager"}
    )
    assert "公开客户丁" in client.get(reverse("home")).content.decode()  # her own next page shows it
