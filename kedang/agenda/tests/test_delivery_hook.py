"""A delivery date entered on the vehicle form, through the API or by an import makes its delivery event and
its follow-up tasks at once (#21 item 1): the 7DC call is on the agent's list the same day, without waiting for
the daily job (which `make run` does not even start)."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from kedang.accounts.models import User
from kedang.agenda.models import EventKind, ServiceEvent, Task
from kedang.customers.demo import valid_vin
from kedang.customers.services import vehicle_update

pytestmark = pytest.mark.django_db


def seven_dc(vehicle_id: int) -> list[dt.date]:
    return list(
        Task.objects.filter(vehicle_id=vehicle_id, rule__code="7DC").values_list("due_date", flat=True)
    )


def test_a_vehicle_saved_with_a_delivery_date_has_its_7dc_call_at_once(
    make_customer: Callable[..., Any], make_vehicle: Callable[..., Any]
) -> None:
    delivered = timezone.localdate() - dt.timedelta(days=2)
    vehicle = make_vehicle(make_customer(), delivery_date=delivered)
    event = ServiceEvent.objects.get(vehicle=vehicle, kind=EventKind.DELIVERY)
    assert event.date == delivered
    assert seven_dc(vehicle.pk) == [delivered + dt.timedelta(days=7)]
    assert event.record is not None and (event.record.vehicle_id, event.record.occurred_on) == (
        vehicle.pk,
        delivered,
    )


def test_a_delivery_date_added_or_corrected_later_moves_the_uncalled_tasks(
    users: dict[str, User], make_customer: Callable[..., Any], make_vehicle: Callable[..., Any]
) -> None:
    today = timezone.localdate()
    vehicle = make_vehicle(make_customer())
    assert not Task.objects.filter(vehicle=vehicle).exists()
    vehicle_update(actor=users["account_manager"], vehicle_id=vehicle.pk, delivery_date=today)
    assert seven_dc(vehicle.pk) == [today + dt.timedelta(days=7)]
    earlier = today - dt.timedelta(days=3)
    vehicle_update(
        actor=users["account_manager"], vehicle_id=vehicle.pk, delivery_date=earlier, reason="更正"
    )
    assert seven_dc(vehicle.pk) == [earlier + dt.timedelta(days=7)]
    assert ServiceEvent.objects.filter(vehicle=vehicle).count() == 1


def test_the_vehicle_page_and_the_api_make_the_task_too(
    login: Callable[[str], Any], api: Callable[..., Any], make_customer: Callable[..., Any]
) -> None:
    customer = make_customer()
    today = timezone.localdate()
    client = login("account_manager")
    page = client.post(
        reverse("vehicle_create", args=[customer.pk]),
        {"vin": valid_vin(random.Random(7)), "delivery_date": today.strftime("%Y年%m月%d日")},
    )
    assert page.status_code == 302, page.content.decode()[:500]
    answer = api(
        "account_manager",
        "post",
        f"/customers/{customer.pk}/vehicles",
        {"vin": valid_vin(random.Random(8)), "delivery_date": today.isoformat()},
    )
    assert answer.status_code == 201, answer.content
    due = today + dt.timedelta(days=7)
    assert sorted(
        Task.objects.filter(customer=customer, rule__code="7DC").values_list("due_date", flat=True)
    ) == [
        due,
        due,
    ]
