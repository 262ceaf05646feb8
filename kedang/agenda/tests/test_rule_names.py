"""Internal rule codes (YEARLY, SERVICE_2, MAINTENANCE_DUE …) stay in the configuration: the task lists, the
care list and the archive's 回访 tab name each rule in Chinese once, never "3DC 3DC 维修回访" (#21 item 4)."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from kedang.agenda.models import Rule, Task

pytestmark = pytest.mark.django_db


def _text(html: str) -> str:
    return re.sub(
        r"\s+", " ", re.sub(r"<[^>]+>", " ", re.sub(r"<(script|style).*?</\1>", "", html, flags=re.S))
    )


def test_every_list_names_its_rules_in_chinese_once(
    login: Callable[[str], Any], make_customer: Callable[..., Any]
) -> None:
    customer = make_customer()
    today = timezone.localdate()
    rules = list(Rule.objects.filter(active=True))
    assert {"YEARLY", "3DC"} <= {r.code for r in rules}
    for rule in rules:
        Task.objects.create(
            rule=rule, customer=customer, anchor_date=today, due_date=today, next_attempt_on=today
        )
    client = login("general_manager")
    pages = {
        "tasks": reverse("task_list") + "?status=",
        "care": reverse("care_tasks"),
        "archive tab": reverse("customer_detail", args=[customer.pk]) + "?tab=followups",
    }
    for where, url in pages.items():
        response = client.get(url)
        assert response.status_code == 200, where
        text = _text(response.content.decode())
        shown = [r for r in rules if r.name in text]
        assert shown, where
        for rule in shown:
            assert f"{rule.code} {rule.name}" not in text, (where, rule.code)
            if rule.code not in rule.name:
                assert not re.search(rf"(?<![A-Z0-9_]){rule.code}(?![A-Z0-9_])", text), (where, rule.code)
