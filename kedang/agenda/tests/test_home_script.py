"""The home page's call list shows the 话术 filled in, as the call dialog does, not its raw placeholders
"您好，{customer}…{agent}…{model}（{plate}）" (#21 item 3)."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from kedang.accounts.models import User
from kedang.agenda.models import Rule, Task

pytestmark = pytest.mark.django_db


def test_the_call_list_script_names_the_customer_the_car_and_the_agent(
    users: dict[str, User],
    login: Callable[[str], Any],
    make_customer: Callable[..., Any],
    make_vehicle: Callable[..., Any],
) -> None:
    rule = Rule.objects.get(code="7DC")
    assert "{customer}" in rule.script
    customer = make_customer(name="王建国")
    vehicle = make_vehicle(customer, plate="京A12345", model="帕萨特")
    today = timezone.localdate()
    Task.objects.create(
        rule=rule,
        customer=customer,
        vehicle=vehicle,
        anchor_date=today,
        due_date=today,
        next_attempt_on=today,
        assignee=users["cs_agent"],
    )
    html = login("cs_agent").get(reverse("home")).content.decode()
    script = re.search(r'class="kd-script[^"]*">(.*?)</div>', html, re.S)
    assert script is not None
    text = script.group(1)
    assert not re.search(r"\{[a-z_]+\}", text), text
    assert "王建国" in text and "帕萨特（京A12345）" in text and str(users["cs_agent"]) in text
