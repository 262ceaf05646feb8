"""A password change revokes the user's API tokens, whichever way the password is set (#13)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client

from conftest import PASSWORD
from kedang.accounts.models import ApiToken, User
from kedang.accounts.roles import Role
from kedang.accounts.services import token_issue, user_upsert

pytestmark = pytest.mark.django_db

NEW = "Kd-new-pass-2027"


def _works(client: Client, token: str) -> bool:
    return client.get("/api/v1/customers", headers={"Authorization": f"Bearer {token}"}).status_code == 200


def test_the_admins_password_reset_revokes_tokens(
    client: Client, users: dict[str, User], login: Callable[[str], Client]
) -> None:
    token = token_issue(username="cs_agent", password=PASSWORD)
    other = token_issue(username="finance", password=PASSWORD)
    assert token and other and _works(client, token)
    admin = login("admin")
    response = admin.post(
        f"/admin/accounts/user/{users['cs_agent'].pk}/password/",
        {"password1": NEW, "password2": NEW, "usable_password": "true"},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert not ApiToken.objects.filter(user=users["cs_agent"]).exists()
    client.logout()
    assert not _works(client, token)
    assert _works(client, other)  # nobody else's


def test_own_change_add_user_and_changepassword_revoke_tokens(
    users: dict[str, User], monkeypatch: Any
) -> None:
    user = users["cs_agent"]
    token_issue(username="cs_agent", password=PASSWORD)
    user.set_password(NEW)  # what the password-change form does
    user.save()
    assert not ApiToken.objects.filter(user=user).exists()

    token_issue(username="cs_agent", password=NEW)
    user_upsert(username="cs_agent", role=Role.CS_AGENT, password=PASSWORD, check_password=False)
    assert not ApiToken.objects.filter(user=user).exists()

    token_issue(username="cs_agent", password=PASSWORD)
    monkeypatch.setattr("getpass.getpass", lambda *a, **k: NEW)
    call_command("changepassword", "cs_agent")
    assert not ApiToken.objects.filter(user=user).exists()


def test_other_saves_keep_tokens(users: dict[str, User]) -> None:
    user = User.objects.get(username="cs_agent")
    token_issue(username="cs_agent", password=PASSWORD)
    user.display_name = "新名字"
    user.save()
    assert ApiToken.objects.filter(user=user).count() == 1
