"""The iCalendar feed follows visibility (#13, R-G2): a task of a customer its owner can no longer see
(handed to another account manager, moved to the recycle bin) drops out of the feed at once."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone
from icalendar import Calendar

from kedang.accounts.models import User
from kedang.accounts.roles import Role
from kedang.agenda.models import Task, TaskStatus
from kedang.care.daily import care_tasks_for
from kedang.care.ical import feed_for
from kedang.customers.services import customer_delete, customer_update

pytestmark = pytest.mark.django_db


def _summaries(client: Client, token: str) -> list[str]:
    r = client.get(f"/care/ical/{token}.ics")
    assert r.status_code == 200
    return [str(e["summary"]) for e in Calendar.from_ical(r.content).walk("VEVENT")]


def test_feed_drops_tasks_of_customers_no_longer_visible(
    client: Client,
    users: dict[str, User],
    make_customer: Callable[..., Any],
    make_vehicle: Callable[..., Any],
) -> None:
    today = timezone.localdate()
    am = users[Role.ACCOUNT_MANAGER]
    moved, binned, kept = (make_customer(name=n) for n in ("调走客户", "删除客户", "留下客户"))
    for c in (moved, binned, kept):
        make_vehicle(c, inspection_due=today + dt.timedelta(days=5))
    care_tasks_for(today)
    token = feed_for(am).token
    assert sorted(s.split("：")[1] for s in _summaries(client, token)) == ["删除客户", "留下客户", "调走客户"]

    customer_update(actor=users[Role.SALES_MANAGER], customer_id=moved.pk, owner=users["am2"])
    customer_delete(actor=users[Role.SALES_MANAGER], customer_id=binned.pk, reason="重复建档")
    # the tasks themselves stay hers (the feed may not rely on anything closing them)
    assert Task.objects.filter(assignee=am, status=TaskStatus.OPEN, customer__in=[moved, binned]).count() == 2
    assert [s.split("：")[1] for s in _summaries(client, token)] == ["留下客户"]
