"""The daily job (SPEC §14 run_daily): creates what event triggers did not, once — run twice or after
skipped days — closes expired windows, escalates overdue calls; and the huey task calls the same service."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command

from kedang.accounts.models import User
from kedang.accounts.services import user_upsert
from kedang.agenda.daily import daily_run
from kedang.agenda.models import DailyRun, EventSource, Rule, ServiceEvent, Task, TaskStatus
from kedang.agenda.services import event_record

pytestmark = pytest.mark.django_db

D = dt.date


def codes(**filters: Any) -> list[tuple[str, dt.date]]:
    return sorted(Task.objects.filter(**filters).values_list("rule__code", "due_date"))


def test_deliveries_entered_on_the_vehicle_get_their_tasks_once(
    make_customer: Callable[..., Any], make_legacy_vehicle: Callable[..., Any]
) -> None:
    customer = make_customer()
    make_legacy_vehicle(customer, delivery_date=D(2026, 1, 31))
    make_legacy_vehicle(customer, delivery_date=D(2026, 1, 29))

    result = daily_run(D(2026, 2, 7))
    # the delivery of Jan 31 is due its 7DC call: it becomes an event; Jan 29's is not needed yet
    assert result.events_from_vehicles == 1
    assert result.created["7DC"] == 1
    assert codes() == [("7DC", D(2026, 2, 7))]
    assert ServiceEvent.objects.filter(source=EventSource.VEHICLE).count() == 1

    again = daily_run(D(2026, 2, 7))
    assert again.created_total == 0 and again.events_from_vehicles == 0
    assert Task.objects.count() == 1

    # both deliveries (Jan 29 and Jan 31) have their first-month call on the last day of February
    assert daily_run(D(2026, 2, 28)).events_from_vehicles == 1
    assert codes(rule__code="MONTHLY") == [("MONTHLY", D(2026, 2, 28))] * 2
    assert ServiceEvent.objects.filter(source=EventSource.VEHICLE).count() == 2


def test_catch_up_over_skipped_days_creates_each_task_once(
    make_customer: Callable[..., Any], make_legacy_vehicle: Callable[..., Any]
) -> None:
    customer = make_customer()
    for day in (1, 2, 3, 4, 5, 6):
        make_legacy_vehicle(customer, delivery_date=D(2026, 3, day))
    daily_run(D(2026, 3, 8))  # 7DC of Mar 1
    assert codes() == [("7DC", D(2026, 3, 8))]
    # the job did not run Mar 9 and 10; Mar 11 catches up three days
    result = daily_run(D(2026, 3, 11))
    assert result.dates == [D(2026, 3, 9), D(2026, 3, 10), D(2026, 3, 11)]
    assert codes() == [("7DC", D(2026, 3, d)) for d in (8, 9, 10, 11)]
    daily_run(D(2026, 3, 11))
    daily_run(D(2026, 3, 10), catch_up=False)
    assert Task.objects.count() == 4
    assert list(DailyRun.objects.order_by("date").values_list("date", flat=True)) == [
        D(2026, 3, 8),
        D(2026, 3, 10),
        D(2026, 3, 11),
    ]


def test_tasks_made_by_the_event_service_are_not_made_again(
    users: dict[str, User], make_customer: Callable[..., Any], make_vehicle: Callable[..., Any]
) -> None:
    customer = make_customer()
    vehicle = make_vehicle(customer)
    event_record(
        actor=users["cs_agent"],
        customer_id=customer.pk,
        kind="delivery",
        date=D(2026, 3, 1),
        vehicle_id=vehicle.pk,
        today=D(2026, 3, 1),
    )
    before = Task.objects.count()
    for day in (D(2026, 3, 8), D(2026, 4, 1), D(2026, 6, 1)):
        assert daily_run(day).created_total == 0
    assert Task.objects.count() == before


def test_secondary_dealer_and_round_robin_in_sql(
    users: dict[str, User], make_customer: Callable[..., Any], make_legacy_vehicle: Callable[..., Any]
) -> None:
    user_upsert(username="cs2", role="cs_agent", password="x", department="客服部", check_password=False)
    customer = make_customer()
    make_legacy_vehicle(
        customer, delivery_date=D(2026, 4, 13), invoice_date=D(2026, 4, 10), via_secondary_dealer=True
    )
    make_legacy_vehicle(
        customer, delivery_date=D(2026, 4, 20), invoice_date=D(2026, 4, 10), via_secondary_dealer=False
    )
    make_legacy_vehicle(
        customer, delivery_date=D(2026, 4, 20), via_secondary_dealer=True
    )  # no invoice: delivery + 10
    make_legacy_vehicle(customer, delivery_date=D(2026, 4, 20))
    result = daily_run(D(2026, 4, 20))  # invoice Apr 10 + 10
    assert result.created["7DC"] == 1
    daily_run(D(2026, 4, 27))  # the two direct sales of Apr 20
    daily_run(D(2026, 4, 30))  # the secondary-dealer sale without invoice date
    tasks = list(Task.objects.filter(rule__code="7DC").order_by("due_date", "id"))
    assert [t.due_date for t in tasks] == [D(2026, 4, 20), D(2026, 4, 27), D(2026, 4, 27), D(2026, 4, 30)]
    assert tasks[0].anchor_date == D(2026, 4, 10)
    assignees = [t.assignee.username for t in tasks if t.assignee]
    assert sorted(assignees) == ["cs2", "cs2", "cs_agent", "cs_agent"]  # in turn, continuing across runs


def test_windows_close_and_overdue_calls_escalate(
    users: dict[str, User], make_customer: Callable[..., Any], make_vehicle: Callable[..., Any]
) -> None:
    customer = make_customer()
    vehicle = make_vehicle(customer)
    today = D(2026, 3, 2)
    event_record(
        actor=users["cs_agent"],
        customer_id=customer.pk,
        kind="repair",
        date=today,
        vehicle_id=vehicle.pk,
        today=today,
    )
    event_record(
        actor=users["cs_agent"],
        customer_id=customer.pk,
        kind="delivery",
        date=today,
        vehicle_id=vehicle.pk,
        today=today,
    )
    daily_run(D(2026, 3, 7))  # 3DC window Mar 5 … 7 still open
    assert Task.objects.get(rule__code="3DC").status == TaskStatus.OPEN
    result = daily_run(D(2026, 3, 8))
    assert result.expired == 1
    assert Task.objects.get(rule__code="3DC").status == TaskStatus.EXPIRED
    assert result.escalated == 0  # 7DC is due today, not overdue
    result = daily_run(D(2026, 3, 10))
    assert result.escalated == 1
    assert Task.objects.get(rule__code="7DC").escalated_on == D(2026, 3, 10)
    assert daily_run(D(2026, 3, 11)).escalated == 0


def test_follow_on_rule_from_done_tasks(users: dict[str, User], make_customer: Callable[..., Any]) -> None:
    customer = make_customer()
    event_record(
        actor=users["cs_agent"],
        customer_id=customer.pk,
        kind="service",
        date=D(2026, 3, 2),
        today=D(2026, 3, 2),
    )
    first = Task.objects.get(rule__code="SERVICE_1")
    # done outside the service (e.g. imported): the job still creates the second call
    Task.objects.filter(pk=first.pk).update(status=TaskStatus.DONE, closed_on=D(2026, 3, 6))
    result = daily_run(D(2026, 3, 13))
    assert result.created["SERVICE_2"] == 1
    second = Task.objects.get(rule__code="SERVICE_2")
    assert (second.parent_id, second.due_date, second.window_end) == (
        first.pk,
        D(2026, 3, 13),
        D(2026, 3, 20),
    )
    assert daily_run(D(2026, 3, 13)).created_total == 0


def test_inactive_rules_and_deleted_customers_make_nothing(
    users: dict[str, User], make_customer: Callable[..., Any], make_legacy_vehicle: Callable[..., Any]
) -> None:
    kept, gone = make_customer(), make_customer()
    make_legacy_vehicle(kept, delivery_date=D(2026, 3, 1))
    make_legacy_vehicle(gone, delivery_date=D(2026, 3, 1))
    gone.deleted_at = dt.datetime(2026, 3, 2, tzinfo=dt.UTC)
    gone.save(update_fields=["deleted_at"])
    Rule.objects.filter(code="7DC").update(active=False)
    assert daily_run(D(2026, 3, 8)).created_total == 0
    Rule.objects.filter(code="7DC").update(active=True)
    daily_run(D(2026, 3, 8))
    assert list(Task.objects.values_list("customer_id", flat=True)) == [kept.pk]


def test_command_prints_counts_and_huey_calls_the_same_service(
    make_customer: Callable[..., Any], make_legacy_vehicle: Callable[..., Any]
) -> None:
    make_legacy_vehicle(make_customer(), delivery_date=D(2026, 3, 1))
    out = StringIO()
    call_command("run_daily", "--date", "2026-03-08", stdout=out)
    text = out.getvalue()
    assert "2026-03-08" in text and "7DC" in text and "1" in text
    call_command("run_daily", "--date", "2026-03-08", stdout=out)
    assert Task.objects.count() == 1

    from kedang.agenda.tasks import run_daily_task

    result = run_daily_task.call_local()
    assert result["date"]
