"""The care part of the daily job (R-C1..R-C3): birthday greetings, holiday greetings and due-date
reminders as agenda tasks, once per date, re-armed when the date moves."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest

from kedang.accounts.models import User
from kedang.agenda.daily import daily_run
from kedang.agenda.models import Task, TaskStatus
from kedang.care.daily import care_tasks_for
from kedang.care.models import Holiday
from kedang.customers.models import Customer, Vehicle

pytestmark = pytest.mark.django_db


def tasks(code: str) -> list[Task]:
    return list(Task.objects.filter(rule__code=code).order_by("id"))


def test_new_year_birthday_is_greeted_in_late_december(make_customer: Callable[..., Any]) -> None:
    c = make_customer(birthday=dt.date(1980, 1, 1))
    assert care_tasks_for(dt.date(2026, 12, 24))["BIRTHDAY"] == 0  # 8 days before: not yet
    assert care_tasks_for(dt.date(2026, 12, 25))["BIRTHDAY"] == 1  # 7 days before
    [t] = tasks("BIRTHDAY")
    assert (t.customer_id, t.anchor_date) == (c.pk, dt.date(2027, 1, 1))
    assert (t.due_date, t.window_end) == (dt.date(2026, 12, 25), dt.date(2026, 12, 30))
    assert t.assignee_id == c.owner_id
    for day in range(26, 31):
        assert care_tasks_for(dt.date(2026, 12, day))["BIRTHDAY"] == 0  # once


def test_a_skipped_day_is_caught_up_within_the_window(make_customer: Callable[..., Any]) -> None:
    make_customer(birthday=dt.date(1975, 3, 20))
    assert care_tasks_for(dt.date(2026, 3, 16))["BIRTHDAY"] == 1  # 4 days before, job missed the 13th
    assert care_tasks_for(dt.date(2026, 3, 19))["BIRTHDAY"] == 0  # 1 day before: nothing new anyway


def test_29_february_birthday_in_a_non_leap_year(make_customer: Callable[..., Any]) -> None:
    make_customer(birthday=dt.date(1992, 2, 29))
    care_tasks_for(dt.date(2027, 2, 21))
    [t] = tasks("BIRTHDAY")
    assert t.anchor_date == dt.date(2027, 2, 28)


def test_lunar_birthday_greeted_before_this_years_solar_date(make_customer: Callable[..., Any]) -> None:
    lunar = make_customer(birthday=dt.date(1990, 9, 3), birthday_is_lunar=True)  # 七月十五
    make_customer(birthday=dt.date(1990, 9, 3))  # the same date, solar: greeted on 3 September
    care_tasks_for(dt.date(2026, 8, 20))  # 2026-08-27 is 七月十五
    [t] = tasks("BIRTHDAY")
    assert (t.customer_id, t.anchor_date) == (lunar.pk, dt.date(2026, 8, 27))


def test_holiday_greetings_for_every_customer_once(make_customer: Callable[..., Any]) -> None:
    customers = [make_customer() for _ in range(9)]
    mid_autumn = dt.date(2026, 9, 25)  # 中秋 2026 (国庆's window begins on the 24th)
    assert care_tasks_for(dt.date(2026, 9, 17))["HOLIDAY"] == 0  # 8 days before: not yet
    assert 0 < care_tasks_for(dt.date(2026, 9, 18))["HOLIDAY"] < 9  # spread over the week before
    for d in range(19, 26):
        care_tasks_for(dt.date(2026, 9, d))
    greetings = [t for t in tasks("HOLIDAY") if t.anchor_date == mid_autumn]
    assert sorted(t.customer_id for t in greetings) == sorted(c.pk for c in customers)  # each once
    assert all(t.window_end == dt.date(2026, 9, 24) for t in greetings)


def test_holiday_greetings_caught_up_after_a_skipped_week(make_customer: Callable[..., Any]) -> None:
    make_customer(), make_customer(), make_customer()
    assert care_tasks_for(dt.date(2026, 9, 24))["HOLIDAY"] == 3  # the last day of the window: everyone


def test_a_configured_holiday(make_customer: Callable[..., Any]) -> None:
    make_customer()
    Holiday.objects.create(name="情人节", calendar="solar", month=2, day=14)
    assert care_tasks_for(dt.date(2027, 2, 13))["HOLIDAY"] == 1
    [t] = tasks("HOLIDAY")
    assert t.anchor_date == dt.date(2027, 2, 14)


@pytest.mark.parametrize(
    ("code", "field"),
    [
        ("INSURANCE_DUE", "insurance_expiry"),
        ("INSPECTION_DUE", "inspection_due"),
        ("MAINTENANCE_DUE", "maintenance_due"),
        ("VEHICLE_TAX_DUE", "vehicle_tax_due"),
    ],
)
def test_reminder_once_rearmed_when_the_date_moves(
    code: str, field: str, make_customer: Callable[..., Any], make_vehicle: Callable[..., Any]
) -> None:
    v: Vehicle = make_vehicle(make_customer(), **{field: dt.date(2026, 12, 10)})
    assert care_tasks_for(dt.date(2026, 12, 2))[code] == 0
    assert care_tasks_for(dt.date(2026, 12, 3))[code] == 1
    assert care_tasks_for(dt.date(2026, 12, 4))[code] == 0
    [t] = tasks(code)
    assert (t.vehicle_id, t.anchor_date, t.due_date, t.window_end) == (
        v.pk,
        dt.date(2026, 12, 10),
        dt.date(2026, 12, 3),
        dt.date(2026, 12, 10),
    )
    Vehicle.objects.filter(pk=v.pk).update(**{field: dt.date(2026, 12, 12)})  # renewed date moved
    assert care_tasks_for(dt.date(2026, 12, 5))[code] == 1
    old, new = tasks(code)
    assert old.status == TaskStatus.CANCELLED and new.status == TaskStatus.OPEN
    assert new.anchor_date == dt.date(2026, 12, 12)


def test_a_past_due_date_creates_no_reminder(
    make_customer: Callable[..., Any], make_vehicle: Callable[..., Any]
) -> None:
    make_vehicle(make_customer(), insurance_expiry=dt.date(2026, 11, 30))
    assert care_tasks_for(dt.date(2026, 12, 1))["INSURANCE_DUE"] == 0
    assert tasks("INSURANCE_DUE") == []


def test_deleted_customers_get_nothing(make_customer: Callable[..., Any]) -> None:
    from django.utils import timezone

    c = make_customer(birthday=dt.date(1980, 5, 10))
    Customer.objects.filter(pk=c.pk).update(deleted_at=timezone.now())
    assert care_tasks_for(dt.date(2026, 5, 3))["BIRTHDAY"] == 0


def test_run_daily_includes_the_care_part(make_customer: Callable[..., Any], users: dict[str, User]) -> None:
    make_customer(birthday=dt.date(1980, 5, 10))
    result = daily_run(dt.date(2026, 5, 3))
    assert result.parts["care"] >= 1
    assert daily_run(dt.date(2026, 5, 3)).parts["care"] == 0  # idempotent


def test_care_rules_are_valid_admin_data() -> None:
    from kedang.agenda.models import Rule

    for code in (
        "BIRTHDAY",
        "HOLIDAY",
        "MAINTENANCE_DUE",
        "INSPECTION_DUE",
        "INSURANCE_DUE",
        "VEHICLE_TAX_DUE",
    ):
        Rule.objects.get(code=code).full_clean()  # the admin can save them
