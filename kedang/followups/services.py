"""Recording a follow-up call (R-F2): the outcome of one attempt on a task, with the questionnaire's
scores, remarks and issues raised. One transaction; nothing is saved when anything is wrong."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404
from django.utils import timezone, translation

from kedang.accounts.models import User
from kedang.accounts.selectors import can_write, is_manager
from kedang.agenda.models import Task, TaskStatus
from kedang.agenda.services import tasks_after_done
from kedang.agenda.workdays import load_calendar
from kedang.archive.timeline import record_add
from kedang.archive.visibility import customers_visible_to
from kedang.customers.models import RecordKind

from .models import Answer, Call, CallOutcome, QuestionItem


class TaskClosed(Exception):
    """The task is no longer open (done, unreachable, expired): a conflict (HTTP 409), not bad input."""


def questionnaire_items(task: Task) -> list[QuestionItem]:
    """The active items of the questionnaires attached to the task's rule, in order."""
    return list(
        QuestionItem.objects.filter(
            questionnaire__rules=task.rule_id, questionnaire__active=True, active=True
        ).order_by("questionnaire_id", "order", "id")
    )


def may_work_on(actor: User, task: Task) -> bool:
    """The assignee; anyone of the task's department when it sits in the pool; managers."""
    if is_manager(actor):
        return True
    if task.assignee_id is not None:
        return task.assignee_id == actor.pk
    return task.department_id is None or task.department_id == actor.department_id


def _clean_answers(items: list[QuestionItem], answers: Mapping[Any, Any]) -> tuple[dict[int, int], dict]:
    """Scores by item id, and the errors keyed `answers.<item id>` (each naming the item and its scale)."""
    by_id = {item.pk: item for item in items}
    scores: dict[int, int] = {}
    errors: dict[str, list[ValidationError]] = {}
    for key, raw in answers.items():
        try:
            item_id = int(key)
        except (TypeError, ValueError):
            item_id = -1
        item = by_id.get(item_id)
        if item is None:
            errors.setdefault(f"answers.{key}", []).append(
                ValidationError("调查表中没有这一项", code="unknown_item")
            )
            continue
        if raw in (None, ""):
            continue
        try:
            score = int(str(raw).strip())
            if str(score) != str(raw).strip():
                raise ValueError
        except ValueError:
            errors.setdefault(f"answers.{item_id}", []).append(
                ValidationError(f"“{item.text}”的得分应为整数", code="invalid_score")
            )
            continue
        if not 1 <= score <= item.scale_max:
            errors.setdefault(f"answers.{item_id}", []).append(
                ValidationError(
                    f"“{item.text}”的得分应在 1–{item.scale_max} 之间（收到 {score}）", code="out_of_scale"
                )
            )
            continue
        scores[item_id] = score
    for item in items:
        if item.required and item.pk not in scores and f"answers.{item.pk}" not in errors:
            errors.setdefault(f"answers.{item.pk}", []).append(
                ValidationError(f"请为“{item.text}”打分（1–{item.scale_max}）", code="required")
            )
    return scores, errors


def _call_body(call: Call, items: list[QuestionItem], scores: dict[int, int]) -> str:
    lines = [f"{item.text}：{scores[item.pk]}/{item.scale_max}" for item in items if item.pk in scores]
    if call.issue:
        lines.append(f"客户反映：{call.issue}" + ("（转投诉）" if call.complaint_requested else ""))
    if call.remarks:
        lines.append(f"备注：{call.remarks}")
    return "\n".join(lines)


def complaint_seam(call: Call) -> str | None:
    """Open a complaint for the issue raised in `call` (R-F2 → R-P1), in the same transaction, and return
    its number: channel follow-up, the call's customer and vehicle, summary = the issue."""
    from kedang.complaints.services import complaint_from_call

    return complaint_from_call(call)


@dataclass
class CallResult:
    call: Call
    task: Task
    follow_on: list[Task]
    complaint_ref: str | None


@transaction.atomic
def task_complete(
    *,
    actor: User,
    task_id: int,
    outcome: str,
    answers: Mapping[Any, Any] | None = None,
    remarks: str = "",
    issue: str = "",
    open_complaint: bool = False,
    today: dt.date | None = None,
) -> CallResult:
    """Record one call on a task (SPEC §14 POST /tasks/{id}/complete).

    Reached: the questionnaire's scores are checked against each item's scale (every required item
    answered), the task is done, follow-on rules (SERVICE_2 after SERVICE_1) create their tasks.
    Unreachable: the attempt is counted and the task retries on a later working day, until the rule's
    number of attempts is used up; then it closes as unreachable. Each call lands on the timeline."""
    today = today or timezone.localdate()
    task = (
        Task.objects.select_for_update(of=("self",))
        .filter(pk=task_id, customer__in=customers_visible_to(actor))
        .select_related("rule", "customer", "vehicle")
        .first()
    )
    if task is None:
        raise Http404("任务不存在")
    if not can_write(actor) or not may_work_on(actor, task):
        raise PermissionDenied("这不是您的回访任务")
    if task.status != TaskStatus.OPEN:
        raise TaskClosed(f"任务已{task.get_status_display()}，不能再记录")

    errors: dict[str, list[ValidationError]] = {}
    if outcome not in CallOutcome.values:
        errors["outcome"] = [ValidationError("结果必须为 reached 或 unreachable", code="invalid_choice")]
    remarks, issue = (remarks or "").strip(), (issue or "").strip()
    if len(remarks) > 2000:
        errors["remarks"] = [ValidationError("备注不能超过2000字", code="max_length")]
    if open_complaint and not issue:
        errors["issue"] = [ValidationError("转投诉请填写客户反映的问题", code="required")]
    items = questionnaire_items(task)
    scores: dict[int, int] = {}
    if outcome == CallOutcome.REACHED:
        scores, answer_errors = _clean_answers(items, answers or {})
        errors.update(answer_errors)
    elif answers and any(v not in (None, "") for v in answers.values()):
        errors["answers"] = [ValidationError("未接通的电话不能填写调查表", code="not_reached")]
    if errors:
        raise ValidationError(errors)

    task.attempts += 1
    call = Call(
        task=task,
        customer=task.customer,
        attempt=task.attempts,
        outcome=outcome,
        remarks=remarks,
        issue=issue,
        complaint_requested=bool(open_complaint),
        called_by=actor,
        called_on=today,
    )
    fields = ["attempts"]
    if outcome == CallOutcome.REACHED:
        task.status, task.closed_on, task.closed_by = TaskStatus.DONE, today, actor
        fields += ["status", "closed_on", "closed_by"]
    elif task.attempts >= task.rule.max_attempts:
        task.status, task.closed_on, task.closed_by = TaskStatus.UNREACHABLE, today, actor
        fields += ["status", "closed_on", "closed_by"]
    else:
        calendar = load_calendar([today.year])
        task.next_attempt_on = calendar.add_working_days(today, max(task.rule.retry_after_days, 1))
        fields.append("next_attempt_on")
    task.save(update_fields=fields)

    with translation.override(settings.LANGUAGE_CODE):
        if outcome == CallOutcome.REACHED:
            state = "已接通"
            total = [scores[i.pk] for i in items if i.pk in scores]
            if total:
                state += f"，平均 {sum(total) / len(total):.1f} 分"
        elif task.status == TaskStatus.UNREACHABLE:
            state = f"第 {task.attempts} 次未接通，无法联系，任务关闭"
        else:
            state = f"第 {task.attempts} 次未接通，{task.next_attempt_on:%Y-%m-%d} 再拨"
        title = f"{task.rule.name}：{state}"
    call.save()
    Answer.objects.bulk_create([Answer(call=call, item_id=i, score=s) for i, s in scores.items()])
    call.record = record_add(
        task.customer,
        actor,
        RecordKind.CALL,
        title,
        _call_body(call, items, scores),
        occurred_on=today,
        vehicle=task.vehicle,
    )
    complaint_ref = complaint_seam(call) if open_complaint else None
    call.complaint_ref = complaint_ref or ""
    call.save(update_fields=["record", "complaint_ref"])
    follow_on = tasks_after_done(task, actor=actor) if task.status == TaskStatus.DONE else []
    return CallResult(call=call, task=task, follow_on=follow_on, complaint_ref=complaint_ref)
