"""The care pages in English: every interface string translated (data stays as entered)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.db import models
from django.test import Client
from django.utils import timezone
from django.utils.html import escape

from kedang.accounts.models import User
from kedang.agenda.models import Rule, Task
from kedang.care.daily import care_tasks_for
from kedang.care.models import CareEvent, DoNotContact, Holiday, Invitation, Message, MessageTemplate
from kedang.care.sending import send_batch
from kedang.care.services import messages_queue
from kedang.customers.models import Customer, Vehicle
from kedang.web.tests import test_i18n as base

pytestmark = pytest.mark.django_db
MODELS: list[type[models.Model]] = [
    Rule,
    Holiday,
    MessageTemplate,
    Message,
    CareEvent,
    DoNotContact,
    Customer,
    Vehicle,
    Task,
    Invitation,
]


def untranslated(html: str, extra: tuple[str, ...] = ()) -> list[str]:
    html = base.NOT_SHOWN.sub("", html)
    values: set[str] = set(base.data_strings()) | set(extra)
    for model in MODELS:
        names = [
            f.attname
            for f in model._meta.concrete_fields
            if isinstance(f, models.CharField | models.TextField)
        ]
        for row in model._base_manager.values_list(*names):
            values.update(v for v in row if v and base.CJK.search(v))
            values.update(line for v in row if v for line in v.split("\n") if base.CJK.search(line))
    for value in sorted(values, key=len, reverse=True):
        html = html.replace(escape(value), "").replace(value, "")
    for value in base.LANGUAGE_ENDONYMS:
        html = html.replace(value, "")
    return [html[max(m.start() - 60, 0) : m.end() + 60].strip() for m in base.CJK.finditer(html)]


def test_care_pages_are_english(
    login: Callable[[str], Client],
    users: dict[str, User],
    make_customer: Callable[..., Any],
    settings: Any,
    tmp_path: Any,
) -> None:
    settings.KEDANG_SMS_DIR = tmp_path / "sms"
    settings.KEDANG_QUIET_HOURS = {"sms": ""}
    today = timezone.localdate()
    c = make_customer(
        name="王建国", birthday=(today + dt.timedelta(days=4)).replace(year=1980), address="北京市东城区1号"
    )
    care_tasks_for(today)
    am = users["account_manager"]
    batch, _ = messages_queue(
        am, template_id=MessageTemplate.objects.get(name="生日祝福短信").pk, customer_ids=[c.pk]
    )
    send_batch(batch)
    event = CareEvent.objects.create(
        title="新车讲座", date=today + dt.timedelta(days=20), place="展厅", created_by=am
    )
    Invitation.objects.create(event=event, customer=c)
    client = login("account_manager")
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    pages = [
        "/care/",
        "/care/outbox/",
        "/care/events/",
        f"/care/events/{event.pk}/",
        "/care/registers/",
        "/care/registers/?kind=letters",
        f"/care/customers/{c.pk}/contact/",
        "/care/calendar/",
    ]
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        assert untranslated(response.content.decode()) == [], url
    task = Task.objects.get(rule__code="BIRTHDAY")
    response = client.post(
        "/care/preview/", {"template": MessageTemplate.objects.get(name="生日祝福短信").pk, "task": [task.pk]}
    )
    assert response.status_code == 200
    from kedang.care.services import drafts

    rendered = tuple(
        d.body
        for d in drafts(am, template=MessageTemplate.objects.get(name="生日祝福短信"), task_ids=[task.pk])
    )
    assert untranslated(response.content.decode(), rendered) == []
