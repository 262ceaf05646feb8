"""The 403 page is in the product's frame (menu kept), in Chinese, with the reason the view gave
(#13 item 4); the API keeps its JSON errors. The menu shows each role exactly what it can open: every shown
link answers 200, every hidden one 403/404 (the Django admin: a redirect to its own login)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from kedang.accounts.models import User
from kedang.accounts.roles import Role
from kedang.web.context import MENU

pytestmark = pytest.mark.django_db

ENTRIES = [name for _, items in MENU for _, _, name in items if name]


def test_403_page_keeps_the_frame_and_says_why(login: Callable[[str], Client]) -> None:
    r = login(Role.AUDITOR).get(reverse("customer_create"))
    assert r.status_code == 403
    html = r.content.decode()
    assert "当前角色只读" in html  # the view's PermissionDenied message
    assert "无权访问" in html and "kd-sidebar" in html and "返回工作台" in html
    assert reverse("customer_list") in html  # the menu is there
    assert [t.name for t in r.templates][:2] == ["403.html", "web/base.html"]


def test_403_of_another_view_says_its_reason(login: Callable[[str], Client]) -> None:
    r = login(Role.CS_AGENT).get(reverse("access_log"))
    assert r.status_code == 403 and "kd-sidebar" in r.content.decode()
    assert "只有审计员可以查看访问日志" in r.content.decode()


def test_403_without_a_message_says_no_access(users: dict[str, User]) -> None:
    from django.core.exceptions import PermissionDenied
    from django.test import RequestFactory

    from kedang.web.views import permission_denied

    request = RequestFactory().get("/customers/new/")
    request.user = users[Role.AUDITOR]
    r = permission_denied(request, PermissionDenied())
    assert r.status_code == 403 and "无权访问此页面" in r.content.decode()


def test_the_api_keeps_json(api: Callable[..., Any], make_customer: Callable[..., Any]) -> None:
    r = api(Role.AUDITOR, "post", "/customers", {"name": "x", "phone": "13912345678"})
    assert r.status_code == 403 and r["Content-Type"].startswith("application/json")
    assert "当前角色只读" in r.json()["detail"]


@pytest.mark.parametrize("role", Role.values)
def test_menu_shows_exactly_what_the_role_can_open(role: str, users: dict[str, User], client: Client) -> None:
    client.force_login(users[role])
    menu = client.get(reverse("home")).context["menu"]
    shown = {i["url"] for g in menu for i in g["items"] if i["url"]}
    for name in ENTRIES:
        url = reverse(name)
        status = client.get(url).status_code
        if url in shown:
            assert status == 200, (role, name, status)
        elif name == "admin:index":
            assert status == 302, (role, name, status)
        else:
            assert status in (403, 404), (role, name, status)
    if role == Role.AUDITOR:
        labels = {i["label"] for g in menu for i in g["items"]}
        assert not labels & {"新建档案", "导入客户", "登记投诉"}
