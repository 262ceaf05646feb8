"""A crawler per role (R-G7): every page, export, printed form and API read that shows a customer, fetched as
each role; no phone number in clear where the role sees phones masked, no checksum-valid ID number where it
sees IDs masked. The pages come from the access matrix's route table, so new routes are crawled too."""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from kedang.accounts.models import User
from kedang.accounts.roles import DEFAULT_MASKING
from kedang.customers.validators import id_number_check_char
from kedang.customers.views import TABS

from .test_access_matrix import API_OBJECTS, OPEN, ROUTES, _api_operations, _body

PHONE = "13812345678"
ID = "11010519491231002X"
ID_LIKE = re.compile(r"(?<![0-9A-Za-z])\d{17}[\dX](?![0-9A-Za-z])")


def valid_ids(text: str) -> list[str]:
    return [m for m in ID_LIKE.findall(text) if id_number_check_char(m[:17]) == m[17]]


@pytest.fixture
def visible(
    users: dict[str, User], make_customer: Callable[..., Any], make_vehicle: Callable[..., Any]
) -> dict[str, Any]:
    from kedang.agenda.models import Rule, Task

    customer = make_customer(name="王建国", phone=PHONE, id_number=ID)
    vehicle = make_vehicle(customer)
    today = timezone.localdate()
    rule = Rule.objects.order_by("pk").first()
    assert rule is not None
    task = Task.objects.create(
        rule=rule,
        customer=customer,
        anchor_date=today,
        due_date=today,
        next_attempt_on=today,
        assignee=users["cs_agent"],
    )
    from kedang.care.models import Message

    message = Message.objects.create(customer=customer, channel="sms", recipient=PHONE, body="生日快乐")
    return {
        "customer": customer.pk,
        "vehicle": vehicle.pk,
        "task": task.pk,
        "message": message.pk,
        "phone": "phone",
    }


def _pages(visible: dict[str, Any]) -> list[str]:
    urls = []
    for name, entry in ROUTES.items():
        if entry == OPEN:
            urls.append(reverse(name))
        elif isinstance(entry, dict) and all(v in visible for v in entry.values()):
            urls.append(reverse(name, kwargs={k: visible[v] for k, v in entry.items()}))
    detail = reverse("customer_detail", args=[visible["customer"]])
    urls += [f"{detail}?tab={key}" for key, _label, _t in TABS]
    urls += [
        reverse("search") + "?q=5678",
        reverse("search_suggest") + "?q=5678",
        reverse("search") + "?q=002X",
        reverse("customers_export") + "?format=csv",
    ]
    return urls


def _text(response: Any) -> str:
    if response.get("Content-Type", "").startswith("application/pdf"):
        from pypdf import PdfReader

        return "\n".join(p.extract_text() or "" for p in PdfReader(io.BytesIO(response.content)).pages)
    return _body(response)


@pytest.mark.parametrize("role", sorted(DEFAULT_MASKING))
def test_no_unmasked_numbers_where_the_role_sees_them_masked(
    role: str, visible: dict[str, Any], users: dict[str, User], client: Client, api: Callable[..., Any]
) -> None:
    sees_phone, sees_id, _ = DEFAULT_MASKING[role]
    client.force_login(users[role])
    seen: dict[str, int] = {}
    leaks = []
    for url in _pages(visible):
        response = client.get(url)
        if response.status_code != 200:
            continue
        text = _text(response)
        seen[url] = len(text)
        if not sees_phone and PHONE in text:
            leaks.append(("phone", url))
        if not sees_id and valid_ids(text):
            leaks.append(("id", url))
    for path, method, _op in _api_operations():
        if method != "get":
            continue
        if "{" in path:
            key = API_OBJECTS.get(path[: path.index("}") + 1])
            if key not in visible:
                continue
            path = re.sub(r"\{[a-z_]+\}", str(visible[key]), path)
        response = api(
            role, "get", path.removeprefix("/api/v1") + ("?q=5678" if path.endswith("/search") else "")
        )
        if response.status_code != 200:
            continue
        text = _text(response)
        seen[path] = len(text)
        if not sees_phone and PHONE in text:
            leaks.append(("phone", path))
        if not sees_id and valid_ids(text):
            leaks.append(("id", path))
    assert leaks == []
    assert len(seen) > 20  # the crawl reached the pages


def test_the_crawler_would_see_a_leak(visible: dict[str, Any], login: Callable[[str], Client]) -> None:
    """The role that sees everything finds both numbers in clear: the checks above can fail."""
    html = (
        login("general_manager").get(reverse("customer_detail", args=[visible["customer"]])).content.decode()
    )
    assert PHONE in html and valid_ids(html) == [ID]
