"""The daily PLAN_DUE reminders (R-R7): one task per customer and due date, within the notice days, for
the account manager; idempotent; nothing for a draft or void contract."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest

from kedang.accounts.models import User
from kedang.accounts.roles import Role
from kedang.agenda.daily import daily_run
from kedang.agenda.models import Task
from kedang.receivables.services import contract_approve, contract_create

from .helpers import new_number

DAY = dt.date(2026, 3, 2)


@pytest.mark.django_db
def test_plan_due_tasks(users: dict[str, User], make_customer: Callable[..., Any]) -> None:
    am = users[Role.ACCOUNT_MANAGER]
    c = make_customer()
    plan = [
        {"due_date": DAY + dt.timedelta(days=5), "amount": "100", "notice_days": 7},  # within notice: today
        {"due_date": DAY + dt.timedelta(days=20), "amount": "100", "notice_days": 7},  # later
    ]
    contract = contract_create(
        actor=am, customer_id=c.pk, number=new_number("HT"), signed_on=DAY, amount="200", plan=plan
    )
    draft = make_customer()
    contract_create(
        actor=am, customer_id=draft.pk, number=new_number("HT"), signed_on=DAY, amount="100", plan=plan[:1]
    )
    from kedang.receivables.daily import plan_due_tasks

    assert plan_due_tasks(DAY) == 0  # not approved yet
    contract_approve(actor=users[Role.SALES_MANAGER], contract_id=contract.pk)
    assert plan_due_tasks(DAY) == 1
    assert plan_due_tasks(DAY) == 0  # idempotent
    task = Task.objects.get(rule__code="PLAN_DUE")
    assert (task.customer_id, task.anchor_date, task.assignee_id) == (c.pk, DAY + dt.timedelta(days=5), am.pk)
    daily_run(DAY + dt.timedelta(days=13))  # the registered part: the second installment is now within 7 days
    assert Task.objects.filter(rule__code="PLAN_DUE").count() == 2


@pytest.mark.django_db
def test_plan_due_task_shows_in_the_agenda(
    users: dict[str, User], make_customer: Callable[..., Any], login: Callable[[str], Any]
) -> None:
    from django.urls import reverse
    from django.utils import timezone

    from kedang.receivables.daily import plan_due_tasks

    am = users[Role.ACCOUNT_MANAGER]
    c = make_customer()
    today = timezone.localdate()
    contract = contract_create(
        actor=am,
        customer_id=c.pk,
        number=new_number("HT"),
        signed_on=today,
        amount="100",
        plan=[{"due_date": today + dt.timedelta(days=3), "amount": "100"}],
    )
    contract_approve(actor=users[Role.SALES_MANAGER], contract_id=contract.pk)
    assert plan_due_tasks(today) == 1
    task = Task.objects.get(rule__code="PLAN_DUE")
    client = login(Role.ACCOUNT_MANAGER)
    listed = client.get(reverse("task_list"))
    assert listed.status_code == 200 and c.name in listed.content.decode()
    assert client.get(reverse("call_record", kwargs={"task_id": task.pk})).status_code < 500
