"""The complaint pages are complete in English: what stays Chinese is data (names, the complaint's text,
categories, departments, the log's notes), as kedang/web/tests/test_i18n.py checks for the archive."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.db import models
from django.test import Client
from django.urls import reverse
from django.utils.html import escape

from kedang.accounts.models import User
from kedang.complaints.models import Category, Compensation, Complaint, State, Transition
from kedang.complaints.services import compensation_request
from kedang.web.tests import test_i18n as base

from .factories import add_handler, complaint_in

pytestmark = pytest.mark.django_db
MODELS: list[type[models.Model]] = [Complaint, Transition, Category, Compensation]


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
    values.update(str(c) for c in Category.objects.select_related("parent"))
    for value in sorted(values, key=len, reverse=True):
        html = html.replace(escape(value), "").replace(value, "")
    for value in base.LANGUAGE_ENDONYMS:
        html = html.replace(value, "")
    return [html[max(m.start() - 60, 0) : m.end() + 60].strip() for m in base.CJK.finditer(html)]


def test_complaint_pages_are_english(
    login: Callable[[str], Client],
    users: dict[str, User],
    make_customer: Callable[..., Any],
    make_vehicle: Callable[..., Any],
) -> None:
    add_handler(users)
    customer = make_customer(name="王建国")
    vehicle = make_vehicle(customer, plate="京A12345", model="帕萨特")
    closed = complaint_in(
        State.CLOSED, users, customer, vehicle_id=vehicle.pk, category_id=Category.objects.get(name="返修").pk
    )
    fresh = complaint_in(State.RECEIVED, users, customer)
    compensation_request(
        actor=users["cs_agent"], complaint_id=fresh.pk, kind="discount", amount="100", description="工时八折"
    )
    client = login("cs_manager")
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    for url in [
        reverse("home"),
        reverse("complaint_list"),
        reverse("complaint_create") + f"?customer={customer.pk}",
        reverse("complaint_detail", args=[closed.pk]),
        reverse("complaint_detail", args=[fresh.pk]),
        reverse("complaint_analysis"),
    ]:
        response = client.get(url)
        assert response.status_code == 200, url
        assert untranslated(response.content.decode()) == [], url
    assert "Record a complaint" in client.get(reverse("complaint_list")).content.decode()
