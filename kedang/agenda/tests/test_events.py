"""Recording a service event (SPEC §4, §14 POST /events): timeline, the rules' tasks, assignment,
validation (nothing saved on error), visibility."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from kedang.accounts.models import Department, User
from kedang.accounts.services import user_upsert
from kedang.agenda.models import AssignMode, EventSource, Rule, ServiceEvent, Task
from kedang.agenda.services import delivery_sync, event_record
from kedang.customers.models import Record, RecordKind, Vehicle

pytestmark = pytest.mark.django_db

D = dt.date
TODAY = D(2026, 3, 2)


def tasks_by_rule(**filters: Any) -> dict[str, tuple[dt.date, dt.date | None]]:
    return {
        t.rule.code: (t.due_date, t.window_end) for t in Task.objects.filter(**filters).select_related("rule")
    }


def test_delivery_lands_on_timeline_and_creates_its_follow_ups(
    users: dict[str, User], make_customer: Callable[..., Any], make_vehicle: Callable[..., Any]
) -> None:
    customer = make_customer()
    vehicle = make_vehicle(customer, plate="京A12345", model="大众帕萨特")
    event = event_record(
        actor=users["cs_agent"],
        customer_id=customer.pk,
        kind="delivery",
        date=D(2026, 1, 31),
        vehicle_id=vehicle.pk,
        today=TODAY,
    )
    assert tasks_by_rule(event=event) == {
        "7DC": (D(2026, 2, 7), None),
        "MONTHLY": (D(2026, 2, 28), None),
        "QUARTERLY": (D(2026, 4, 30), None),
        "YEARLY": (D(2027, 1, 31), None),
    }
    record = Record.objects.get(pk=event.record_id or 0)
    assert (record.kind, record.title, record.occurred_on) == (
        RecordKind.EVENT,
        "提车 京A12345 大众帕萨特",
        D(2026, 1, 31),
    )
    vehicle.refresh_from_db()
    assert vehicle.delivery_date == D(2026, 1, 31)  # set through the vehicle service, with its history
    assert vehicle.history.first().history_change_reason == "登记提车"
    # customer service agents are the default assignees, in turn
    assert set(Task.objects.values_list("assignee__username", flat=True)) == {"cs_agent"}


def test_secondary_dealer_vehicle_gets_7dc_from_its_invoice(
    users: dict[str, User], make_customer: Callable[..., Any], make_legacy_vehicle: Callable[..., Any]
) -> None:
    customer = make_customer()
    vehicle = make_legacy_vehicle(
        customer, delivery_date=D(2026, 2, 20), invoice_date=D(2026, 2, 14), via_secondary_dealer=True
    )
    event_record(
        actor=users["cs_agent"],
        customer_id=customer.pk,
        kind="delivery",
        date=D(2026, 2, 20),
        vehicle_id=vehicle.pk,
        today=TODAY,
    )
    assert tasks_by_rule(rule__code="7DC") == {"7DC": (D(2026, 2, 24), None)}


def test_repair_creates_3dc_window_and_keeps_money_exact(
    users: dict[str, User], make_customer: Callable[..., Any], make_vehicle: Callable[..., Any]
) -> None:
    customer = make_customer()
    vehicle = make_vehicle(customer, plate="沪B54321")
    event = event_record(
        actor=users["cs_agent"],
        customer_id=customer.pk,
        kind="repair",
        date=D(2026, 2, 27),
        vehicle_id=vehicle.pk,
        amount="23,456.70",
        accident=True,
        notes="右前翼子板钣金",
        today=TODAY,
    )
    assert event.amount == Decimal("23456.70")
    assert tasks_by_rule(event=event) == {"3DC": (D(2026, 3, 2), D(2026, 3, 4))}
    assert Record.objects.get(pk=event.record_id or 0).title == "维修 沪B54321 ¥23,456.70（事故车）"


def test_a_late_recorded_event_creates_only_the_calls_still_worth_making(
    users: dict[str, User], make_customer: Callable[..., Any], make_vehicle: Callable[..., Any]
) -> None:
    customer = make_customer()
    vehicle = make_vehicle(customer)
    event_record(
        actor=users["cs_agent"],
        customer_id=customer.pk,
        kind="delivery",
        date=TODAY - dt.timedelta(days=100),
        vehicle_id=vehicle.pk,
        today=TODAY,
    )
    # 7DC (93 days ago) and MONTHLY (~69 days ago) are gone; QUARTERLY (~8 days ago) and YEARLY remain
    assert set(tasks_by_rule()) == {"QUARTERLY", "YEARLY"}


@pytest.mark.parametrize(
    ("fields", "bad"),
    [
        ({"kind": "wash"}, {"kind"}),
        ({"date": TODAY + dt.timedelta(days=1)}, {"date"}),
        ({"date": None}, {"date"}),
        ({"amount": "-5"}, {"amount"}),
        ({"amount": "1.005"}, {"amount"}),
        ({"amount": "abc", "kind": "delivery", "vehicle_id": None}, {"amount", "vehicle_id"}),
    ],
)
def test_bad_input_names_each_field_and_saves_nothing(
    users: dict[str, User], make_customer: Callable[..., Any], fields: dict[str, Any], bad: set[str]
) -> None:
    customer = make_customer()
    records = Record.objects.count()
    data: dict[str, Any] = {"kind": "repair", "date": TODAY, **fields}
    with pytest.raises(ValidationError) as exc:
        event_record(actor=users["cs_agent"], customer_id=customer.pk, today=TODAY, **data)
    assert set(exc.value.message_dict) == bad
    assert ServiceEvent.objects.count() == 0 and Task.objects.count() == 0
    assert Record.objects.count() == records


def test_another_customers_vehicle_and_a_second_delivery_are_refused(
    users: dict[str, User], make_customer: Callable[..., Any], make_legacy_vehicle: Callable[..., Any]
) -> None:
    a, b = make_customer(), make_customer()
    vb = make_legacy_vehicle(b, delivery_date=D(2026, 2, 1))
    with pytest.raises(ValidationError) as exc:
        event_record(
            actor=users["cs_agent"],
            customer_id=a.pk,
            kind="repair",
            date=TODAY,
            vehicle_id=vb.pk,
            today=TODAY,
        )
    assert exc.value.error_dict["vehicle_id"][0].code == "invalid_choice"
    with pytest.raises(ValidationError) as exc:  # disagrees with the vehicle's delivery date
        event_record(
            actor=users["cs_agent"],
            customer_id=b.pk,
            kind="delivery",
            date=D(2026, 2, 2),
            vehicle_id=vb.pk,
            today=TODAY,
        )
    assert exc.value.error_dict["date"][0].code == "mismatch"
    event_record(
        actor=users["cs_agent"],
        customer_id=b.pk,
        kind="delivery",
        date=D(2026, 2, 1),
        vehicle_id=vb.pk,
        today=TODAY,
    )
    with pytest.raises(ValidationError) as exc:
        event_record(
            actor=users["cs_agent"],
            customer_id=b.pk,
            kind="delivery",
            date=D(2026, 2, 1),
            vehicle_id=vb.pk,
            today=TODAY,
        )
    assert exc.value.error_dict["vehicle_id"][0].code == "duplicate"
    assert ServiceEvent.objects.count() == 1


def test_visibility_and_read_only_roles(users: dict[str, User], make_customer: Callable[..., Any]) -> None:
    theirs = make_customer(owner=users["am2"])
    with pytest.raises(Http404):
        event_record(
            actor=users["account_manager"], customer_id=theirs.pk, kind="service", date=TODAY, today=TODAY
        )
    with pytest.raises(PermissionDenied):
        event_record(actor=users["auditor"], customer_id=theirs.pk, kind="service", date=TODAY, today=TODAY)
    event_record(actor=users["am2"], customer_id=theirs.pk, kind="service", date=TODAY, today=TODAY)
    assert set(tasks_by_rule()) == {"SERVICE_1"}


def test_round_robin_among_agents_then_by_owner_then_department_pool(
    users: dict[str, User], make_customer: Callable[..., Any]
) -> None:
    cs2, _ = user_upsert(
        username="cs2", role="cs_agent", password="x", department="客服部", check_password=False
    )
    customers = [make_customer() for _ in range(4)]
    for c in customers:
        event_record(actor=users["cs_manager"], customer_id=c.pk, kind="service", date=TODAY, today=TODAY)
    turns = list(Task.objects.order_by("id").values_list("assignee__username", flat=True))
    assert sorted(turns) == ["cs2", "cs2", "cs_agent", "cs_agent"]
    assert turns[0] != turns[1]

    rule = Rule.objects.get(code="3DC")
    rule.assign_mode = AssignMode.OWNER
    rule.save()
    event_record(
        actor=users["cs_manager"], customer_id=customers[0].pk, kind="repair", date=TODAY, today=TODAY
    )
    assert Task.objects.get(rule=rule).assignee == customers[0].owner

    rule.assign_mode, rule.assign_department = AssignMode.DEPARTMENT, Department.objects.get(name="客服部")
    rule.save()
    event_record(
        actor=users["cs_manager"], customer_id=customers[1].pk, kind="maintenance", date=TODAY, today=TODAY
    )
    pooled = Task.objects.get(rule=rule, customer=customers[1])
    assert pooled.assignee is None and pooled.department == rule.assign_department
    assert cs2.pk  # cs2 took turns above


def test_delivery_sync_is_the_vehicle_services_hook(
    users: dict[str, User], make_customer: Callable[..., Any], make_vehicle: Callable[..., Any]
) -> None:
    customer = make_customer()
    vehicle = make_vehicle(customer, delivery_date=D(2026, 2, 20))
    event = delivery_sync(actor=customer.owner, vehicle_id=vehicle.pk, today=TODAY)
    assert event is not None and event.source == EventSource.VEHICLE
    assert delivery_sync(actor=customer.owner, vehicle_id=vehicle.pk, today=TODAY) == event  # idempotent
    assert tasks_by_rule()["7DC"] == (D(2026, 2, 27), None)
    # the delivery date is corrected: the event and the untouched tasks move with it
    Vehicle.objects.filter(pk=vehicle.pk).update(delivery_date=D(2026, 2, 21))
    delivery_sync(actor=customer.owner, vehicle_id=vehicle.pk, today=TODAY)
    assert tasks_by_rule()["7DC"] == (D(2026, 2, 28), None)
    assert ServiceEvent.objects.count() == 1 and Task.objects.filter(rule__code="7DC").count() == 1


def test_delivery_sync_follows_a_switch_to_secondary_dealer(
    users: dict[str, User], make_customer: Callable[..., Any], make_vehicle: Callable[..., Any]
) -> None:
    customer = make_customer()
    vehicle = make_vehicle(customer, delivery_date=D(2026, 2, 20), invoice_date=D(2026, 2, 16))
    delivery_sync(actor=customer.owner, vehicle_id=vehicle.pk, today=TODAY)
    assert tasks_by_rule()["7DC"] == (D(2026, 2, 27), None)
    Vehicle.objects.filter(pk=vehicle.pk).update(via_secondary_dealer=True)
    delivery_sync(actor=customer.owner, vehicle_id=vehicle.pk, today=TODAY)
    assert tasks_by_rule()["7DC"] == (D(2026, 2, 26), None)  # invoice + 10


def test_the_proposed_vehicle_hook_and_the_event_service_make_each_task_once(
    users: dict[str, User],
    make_customer: Callable[..., Any],
    make_vehicle: Callable[..., Any],
    monkeypatch: Any,
) -> None:
    """With the hook customers.services.vehicle_update would call (delivery_sync after a delivery date is
    saved), recording a delivery still creates each task once."""
    from kedang.customers import services as customer_services

    original = customer_services.vehicle_update

    def vehicle_update_with_hook(**kwargs: Any) -> Any:
        vehicle = original(**kwargs)
        delivery_sync(actor=kwargs["actor"], vehicle_id=vehicle.pk, today=TODAY)
        return vehicle

    monkeypatch.setattr(customer_services, "vehicle_update", vehicle_update_with_hook)
    customer = make_customer()
    vehicle = make_vehicle(customer)
    event_record(
        actor=users["cs_agent"],
        customer_id=customer.pk,
        kind="delivery",
        date=D(2026, 2, 20),
        vehicle_id=vehicle.pk,
        today=TODAY,
    )
    assert sorted(Task.objects.values_list("rule__code", flat=True)) == [
        "7DC",
        "MONTHLY",
        "QUARTERLY",
        "YEARLY",
    ]
    assert ServiceEvent.objects.count() == 1
