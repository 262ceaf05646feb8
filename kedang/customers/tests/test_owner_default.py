"""The 客户经理 of a new archive (#21 item 7): an account manager files her own customers; a customer-service
agent is not an account manager, so the field starts empty and she must choose (it is not silently her)."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from django.urls import reverse

from kedang.customers.models import Customer

pytestmark = pytest.mark.django_db


def selected_owner(html: str) -> str:
    select = re.search(r'<select name="owner".*?</select>', html, re.S)
    assert select is not None
    chosen = re.search(r'<option value="([^"]*)"[^>]*selected', select.group(0))
    return chosen.group(1) if chosen else ""


def test_an_agent_chooses_the_owner_and_an_account_manager_is_her_own(login: Callable[[str], Any]) -> None:
    agent = login("cs_agent")
    assert selected_owner(agent.get(reverse("customer_create")).content.decode()) == ""
    refused = agent.post(reverse("customer_create"), {"kind": "person", "name": "钱多多", "owner": ""})
    assert refused.status_code == 200 and "请选择客户经理" in refused.content.decode()
    assert not Customer.objects.filter(name="钱多多").exists()
    done = agent.post(
        reverse("customer_create"), {"kind": "person", "name": "钱多多", "owner": "account_manager"}
    )
    assert done.status_code == 302
    assert Customer.objects.get(name="钱多多").owner.username == "account_manager"
    manager = login("account_manager")
    assert selected_owner(manager.get(reverse("customer_create")).content.decode()) == "account_manager"
