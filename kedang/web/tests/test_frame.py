from collections.abc import Callable

from django.test import Client
from django.urls import reverse


def test_chinese_by_default_even_for_english_browsers(login: Callable[[str], Client]) -> None:
    client = login("cs_agent")
    response = client.get(reverse("home"), HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert response["Content-Language"] == "zh-hans"
    assert "退出" in response.content.decode()


def test_language_switch_to_english_sticks(login: Callable[[str], Client]) -> None:
    client = login("cs_agent")
    response = client.post(reverse("set_language"), {"language": "en", "next": reverse("home")})
    assert response.status_code == 302
    response = client.get(reverse("home"))
    assert response["Content-Language"] == "en"


def test_menu_marks_the_current_page(login: Callable[[str], Client]) -> None:
    response = login("cs_agent").get(reverse("customer_list"))
    menu = response.context["menu"]
    active = [i["label"] for g in menu for i in g["items"] if i["active"]]
    assert active == ["客户档案"]
    # the admin entry shows only to staff
    assert all(i["label"] != "系统设置" for g in menu for i in g["items"])
