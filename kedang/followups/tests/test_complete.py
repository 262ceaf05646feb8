"""Recording a follow-up call (R-F2): scores checked against the questionnaire (nothing saved on error),
retries on later working days, unreachable after the last attempt, follow-on calls, the complaint it opens."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from kedang.accounts.models import User
from kedang.accounts.services import user_upsert
from kedang.agenda.models import Task, TaskStatus
from kedang.agenda.services import event_record
from kedang.customers.models import Record, RecordKind
from kedang.followups.models import Answer, Call, QuestionItem
from kedang.followups.services import TaskClosed, questionnaire_items, task_complete

pytestmark = pytest.mark.django_db

D = dt.date
FRIDAY = D(2025, 9, 26)  # the next working day is Sunday Sep 28 (调休), then Monday


@pytest.fixture
def repair_task(
    users: dict[str, User], make_customer: Callable[..., Any], make_vehicle: Callable[..., Any]
) -> Task:
    customer = make_customer()
    vehicle = make_vehicle(customer, plate="京A12345")
    event_record(
        actor=users["cs_agent"],
        customer_id=customer.pk,
        kind="repair",
        date=D(2025, 9, 22),
        vehicle_id=vehicle.pk,
        today=D(2025, 9, 22),
    )
    return Task.objects.get(rule__code="3DC")


def full_marks(task: Task) -> dict[str, int]:
    return {str(i.pk): i.scale_max for i in questionnaire_items(task)}


def test_reached_call_with_scores_closes_the_task_and_lands_on_the_timeline(
    users: dict[str, User], repair_task: Task
) -> None:
    answers = full_marks(repair_task)
    first = next(iter(answers))
    answers[first] = 3
    result = task_complete(
        actor=users["cs_agent"],
        task_id=repair_task.pk,
        outcome="reached",
        answers=answers,
        remarks="客户很满意",
        today=FRIDAY,
    )
    task = Task.objects.get(pk=repair_task.pk)
    assert (task.status, task.attempts, task.closed_on, task.closed_by) == (
        TaskStatus.DONE,
        1,
        FRIDAY,
        users["cs_agent"],
    )
    assert Answer.objects.filter(call=result.call).count() == len(answers)
    record = Record.objects.get(pk=result.call.record_id or 0)
    assert record.kind == RecordKind.CALL and record.customer_id == task.customer_id
    assert record.title.startswith("3DC 维修回访：已接通，平均")
    assert "3/5" in record.body and "客户很满意" in record.body


@pytest.mark.parametrize("bad", [6, 0, "4.5", "很好"])
def test_a_score_outside_its_scale_is_a_clear_error_and_nothing_is_saved(
    users: dict[str, User], repair_task: Task, bad: Any
) -> None:
    answers: dict[str, Any] = full_marks(repair_task)
    item = QuestionItem.objects.get(pk=int(next(iter(answers))))
    answers[str(item.pk)] = bad
    records = Record.objects.count()
    with pytest.raises(ValidationError) as exc:
        task_complete(
            actor=users["cs_agent"], task_id=repair_task.pk, outcome="reached", answers=answers, today=FRIDAY
        )
    errors = exc.value.error_dict
    assert list(errors) == [f"answers.{item.pk}"]
    message = errors[f"answers.{item.pk}"][0]
    assert message.code in {"out_of_scale", "invalid_score"}
    assert item.text in message.messages[0]
    if message.code == "out_of_scale":
        assert "1–5" in message.messages[0]
    assert Call.objects.count() == 0 and Answer.objects.count() == 0 and Record.objects.count() == records
    task = Task.objects.get(pk=repair_task.pk)
    assert (task.status, task.attempts) == (TaskStatus.OPEN, 0)


def test_missing_required_scores_and_unknown_items_are_named(
    users: dict[str, User], repair_task: Task
) -> None:
    answers = full_marks(repair_task)
    missing = answers.popitem()[0]
    answers["999999"] = 3
    with pytest.raises(ValidationError) as exc:
        task_complete(
            actor=users["cs_agent"], task_id=repair_task.pk, outcome="reached", answers=answers, today=FRIDAY
        )
    assert exc.value.error_dict[f"answers.{missing}"][0].code == "required"
    assert exc.value.error_dict["answers.999999"][0].code == "unknown_item"


def test_not_reached_retries_on_later_working_days_then_closes_unreachable(
    users: dict[str, User], repair_task: Task
) -> None:
    agent = users["cs_agent"]
    task_complete(actor=agent, task_id=repair_task.pk, outcome="unreachable", today=FRIDAY)
    task = Task.objects.get(pk=repair_task.pk)
    assert (task.status, task.attempts, task.next_attempt_on) == (TaskStatus.OPEN, 1, D(2025, 9, 28))
    task_complete(actor=agent, task_id=task.pk, outcome="unreachable", remarks="关机", today=D(2025, 9, 28))
    task.refresh_from_db()
    assert (task.status, task.attempts, task.next_attempt_on) == (TaskStatus.OPEN, 2, D(2025, 9, 29))
    task_complete(actor=agent, task_id=task.pk, outcome="unreachable", today=D(2025, 9, 29))
    task.refresh_from_db()
    assert (task.status, task.attempts, task.closed_on) == (TaskStatus.UNREACHABLE, 3, D(2025, 9, 29))
    titles = list(Record.objects.filter(kind=RecordKind.CALL).order_by("id").values_list("title", flat=True))
    assert titles == [
        "3DC 维修回访：第 1 次未接通，2025-09-28 再拨",
        "3DC 维修回访：第 2 次未接通，2025-09-29 再拨",
        "3DC 维修回访：第 3 次未接通，无法联系，任务关闭",
    ]
    with pytest.raises(TaskClosed):
        task_complete(
            actor=agent, task_id=task.pk, outcome="reached", answers=full_marks(task), today=D(2025, 9, 30)
        )


def test_only_the_assignee_or_a_manager_records(users: dict[str, User], repair_task: Task) -> None:
    other, _ = user_upsert(
        username="cs2", role="cs_agent", password="x", department="客服部", check_password=False
    )
    with pytest.raises(PermissionDenied):
        task_complete(actor=other, task_id=repair_task.pk, outcome="unreachable", today=FRIDAY)
    with pytest.raises(PermissionDenied):
        task_complete(actor=users["auditor"], task_id=repair_task.pk, outcome="unreachable", today=FRIDAY)
    task_complete(actor=users["cs_manager"], task_id=repair_task.pk, outcome="unreachable", today=FRIDAY)
    assert Task.objects.get(pk=repair_task.pk).attempts == 1


def test_first_service_call_done_schedules_the_second(
    users: dict[str, User], make_customer: Callable[..., Any]
) -> None:
    customer = make_customer()
    event_record(
        actor=users["cs_agent"],
        customer_id=customer.pk,
        kind="service",
        date=D(2026, 3, 2),
        today=D(2026, 3, 2),
    )
    first = Task.objects.get(rule__code="SERVICE_1")
    result = task_complete(
        actor=users["cs_agent"],
        task_id=first.pk,
        outcome="reached",
        answers=full_marks(first),
        today=D(2026, 3, 6),
    )
    [second] = result.follow_on
    assert (second.rule.code, second.due_date, second.window_end, second.parent_id) == (
        "SERVICE_2",
        D(2026, 3, 13),
        D(2026, 3, 20),
        first.pk,
    )


def test_an_issue_can_be_turned_into_a_complaint(users: dict[str, User], repair_task: Task) -> None:
    with pytest.raises(ValidationError) as exc:
        task_complete(
            actor=users["cs_agent"],
            task_id=repair_task.pk,
            outcome="reached",
            answers=full_marks(repair_task),
            open_complaint=True,
            today=FRIDAY,
        )
    assert list(exc.value.error_dict) == ["issue"]
    result = task_complete(
        actor=users["cs_agent"],
        task_id=repair_task.pk,
        outcome="reached",
        answers=full_marks(repair_task),
        issue="等待交车超过两小时",
        open_complaint=True,
        today=FRIDAY,
    )
    assert result.call.complaint_requested
    assert "等待交车超过两小时（转投诉）" in Record.objects.get(pk=result.call.record_id or 0).body
    # the complaint is open, carrying the customer, the vehicle and the call (R-F2 → R-P1)
    from kedang.complaints.models import Complaint

    complaint = Complaint.objects.get(call=result.call)
    assert result.complaint_ref == result.call.complaint_ref == complaint.number
    assert (complaint.customer_id, complaint.vehicle_id) == (repair_task.customer_id, repair_task.vehicle_id)
    assert (complaint.channel, complaint.summary, complaint.state) == (
        "followup",
        "等待交车超过两小时",
        "received",
    )
    assert complaint.created_by == users["cs_agent"] and complaint.received_on == FRIDAY


def test_unreached_call_takes_no_answers(users: dict[str, User], repair_task: Task) -> None:
    with pytest.raises(ValidationError) as exc:
        task_complete(
            actor=users["cs_agent"],
            task_id=repair_task.pk,
            outcome="unreachable",
            answers=full_marks(repair_task),
            today=FRIDAY,
        )
    assert list(exc.value.error_dict) == ["answers"]
    with pytest.raises(ValidationError) as exc:
        task_complete(actor=users["cs_agent"], task_id=repair_task.pk, outcome="maybe", today=FRIDAY)
    assert list(exc.value.error_dict) == ["outcome"]


def test_purging_a_customer_takes_its_follow_ups_along(users: dict[str, User], repair_task: Task) -> None:
    """The recycle bin's purge (R-G4) deletes vehicles, then the customer: events, tasks and calls go too."""
    from kedang.agenda.models import ServiceEvent
    from kedang.customers.models import Customer, Vehicle

    task_complete(actor=users["cs_agent"], task_id=repair_task.pk, outcome="unreachable", today=FRIDAY)
    customer = Customer.objects.get(pk=repair_task.customer_id)
    Record.objects.filter(customer=customer).delete()
    Vehicle.objects.filter(customer=customer).delete()
    customer.delete()
    assert not Task.objects.exists() and not ServiceEvent.objects.exists() and not Call.objects.exists()
