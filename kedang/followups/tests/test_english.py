"""The follow-up pages are complete in English: with the language switch on English, what stays Chinese is
data (rules, scripts, questionnaires, names), as kedang/web/tests/test_i18n.py checks for the archive."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.db import models
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from kedang.accounts.models import User
from kedang.agenda.models import CalendarDay, Rule, ServiceEvent, Task
from kedang.agenda.services import event_record
from kedang.followups.models import Call, QuestionItem, Questionnaire
from kedang.followups.services import questionnaire_items, task_complete
from kedang.web.tests import test_i18n as base

MODELS: list[type[models.Model]] = [Rule, ServiceEvent, Call, Questionnaire, QuestionItem, CalendarDay]


def untranslated(html: str) -> list[str]:
    html = base.NOT_SHOWN.sub("", html)
    values: set[str] = set(base.data_strings())
    for model in MODELS:
        names = [
            f.attname
            for f in model._meta.concrete_fields
            if isinstance(f, models.CharField | models.TextField)
        ]
        for row in model._base_manager.values_list(*names):
            values.update(v for v in row if v and base.CJK.search(v))
    for task in Task.objects.select_related("rule", "customer", "vehicle"):
        from kedang.agenda.rules import script_for

        values.add(script_for(task, User.objects.get(username="cs_agent")))
    for value in sorted(values, key=len, reverse=True):
        html = html.replace(escape(value), "").replace(value, "")
    for value in base.LANGUAGE_ENDONYMS:
        html = html.replace(value, "")
    return [html[max(m.start() - 60, 0) : m.end() + 60].strip() for m in base.CJK.finditer(html)]


@pytest.fixture
def english(login: Callable[[str], Client]) -> Callable[[str], Client]:
    def as_user(name: str) -> Client:
        client = login(name)
        client.post(reverse("set_language"), {"language": "en", "next": "/"})
        return client

    return as_user


def test_follow_up_pages_are_english(
    english: Callable[[str], Client],
    users: dict[str, User],
    make_customer: Callable[..., Any],
    make_vehicle: Callable[..., Any],
) -> None:
    today = timezone.localdate()
    customer = make_customer(name="王建国")
    vehicle = make_vehicle(customer, plate="京A12345", model="帕萨特")
    event_record(
        actor=users["cs_agent"],
        customer_id=customer.pk,
        kind="delivery",
        date=today - dt.timedelta(days=9),
        vehicle_id=vehicle.pk,
        today=today,
    )
    event_record(
        actor=users["cs_agent"],
        customer_id=customer.pk,
        kind="repair",
        date=today - dt.timedelta(days=3),
        vehicle_id=vehicle.pk,
        amount="880",
        today=today,
    )
    done = Task.objects.get(rule__code="3DC")
    task_complete(
        actor=users["cs_agent"],
        task_id=done.pk,
        outcome="reached",
        answers={str(i.pk): 4 for i in questionnaire_items(done)},
        issue="等待时间长",
        today=today,
    )
    open_task = Task.objects.get(rule__code="7DC")
    agent = english("cs_agent")
    pages = [
        reverse("home"),
        reverse("task_list"),
        reverse("call_record", args=[open_task.pk]),
        reverse("customer_detail", args=[customer.pk]) + "?tab=followups",
        reverse("followup_reports") + "?kind=daily",
    ]
    for url in pages:
        response = agent.get(url)
        assert response.status_code == 200, url
        assert untranslated(response.content.decode()) == [], url
    manager = english("cs_manager")
    for url in [
        reverse("home"),
        reverse("followup_reports") + "?kind=monthly",
        reverse("followup_samples") + "?level=3",
        reverse("handover"),
    ]:
        response = manager.get(url)
        assert response.status_code == 200, url
        assert untranslated(response.content.decode()) == [], url
    assert "Today's call list" in agent.get(reverse("home")).content.decode()
