"""Complaint operations (R-P1, R-P2, R-P5). Each checks permission, validates (errors name their field),
writes the transition log and the customer's timeline, and runs in one transaction.

Two people acting on one complaint at once: the row is locked (select_for_update) and the state change is
a conditional UPDATE on the version read, so the second one gets a Conflict (409) and never overwrites."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import F
from django.http import Http404
from django.utils import timezone, translation

from kedang.accounts.models import Department, User
from kedang.accounts.roles import Role
from kedang.accounts.selectors import can_write
from kedang.agenda.workdays import load_calendar
from kedang.archive.timeline import record_add
from kedang.customers.models import ArchiveFile, FileType, Record, RecordKind
from kedang.errors import Conflict

from .models import (
    Category,
    Channel,
    Compensation,
    CompensationKind,
    CompensationStatus,
    Complaint,
    ComplaintSequence,
    StageDeadline,
    State,
    Transition,
)
from .selectors import visible_complaints
from .workflow import STEPS, may_take

MAX_SUMMARY = 4000
# SPEC §6 spells the follow-up channel "follow-up"; the code is "followup"
CHANNEL_ALIASES = {"follow-up": Channel.FOLLOWUP.value, "follow_up": Channel.FOLLOWUP.value}
COMPENSATION_APPROVERS = frozenset({Role.CS_MANAGER, Role.GENERAL_MANAGER, Role.SALES_MANAGER})
ARCHIVE_CATEGORY = "C4"  # 投诉与折让 (R-P5)


def may_approve_compensation(user: User) -> bool:
    return user.is_active and user.role in COMPENSATION_APPROVERS


def _number_next(year: int) -> str:
    """TS-2026-00001: the next number of the year; the sequence row stays locked until the caller commits."""
    for _ in range(3):
        if ComplaintSequence.objects.filter(year=year).update(last=F("last") + 1):
            last = ComplaintSequence.objects.values_list("last", flat=True).get(year=year)
            return f"TS-{year}-{last:05d}"
        try:
            with transaction.atomic():
                ComplaintSequence.objects.create(year=year, last=0)
        except IntegrityError:
            pass
    raise RuntimeError("could not allocate a complaint number")


def stage_due(state: str, since: dt.date) -> dt.date | None:
    """The deadline of a stage entered on `since`: its configured working days later (R-P3)."""
    days = StageDeadline.objects.filter(state=state).values_list("working_days", flat=True).first()
    if not days:
        return None
    return load_calendar([since.year]).add_working_days(since, days)


def _state_label(state: str) -> str:
    with translation.override(settings.LANGUAGE_CODE):
        return str(State(state).label) if state else ""


def _timeline(complaint: Complaint, actor: User | None, title: str, body: str, day: dt.date) -> Record:
    return record_add(
        complaint.customer_id,
        actor,
        RecordKind.COMPLAINT,
        f"投诉 {complaint.number}：{title}",
        body,
        occurred_on=day,
        vehicle_id=complaint.vehicle_id,
    )


def _log(
    complaint: Complaint,
    *,
    action: str,
    from_state: str,
    actor: User | None,
    day: dt.date,
    note: str = "",
    data: dict[str, Any] | None = None,
) -> Transition:
    return Transition.objects.create(
        complaint=complaint,
        action=action,
        from_state=from_state,
        to_state=complaint.state,
        actor=actor,
        at=timezone.now(),
        on=day,
        note=note,
        data=data or {},
    )


@transaction.atomic
def complaint_create(
    *,
    actor: User,
    customer_id: int,
    channel: str,
    summary: str,
    vehicle_id: int | None = None,
    category_id: int | None = None,
    call_id: int | None = None,
    uploads: Iterable[UploadedFile] = (),
    today: dt.date | None = None,
) -> Complaint:
    """Record a complaint (R-P1): any staff member who may write to the customer's archive. It enters the
    workflow as received, with the confirmation deadline, and lands on the customer's timeline."""
    from kedang.archive.visibility import customer_for_write
    from kedang.customers.services.documents import attachment_store
    from kedang.customers.services.upload_checks import check_upload

    today = today or timezone.localdate()
    customer = customer_for_write(actor, customer_id, lock=False)
    errors: dict[str, list[ValidationError]] = {}
    channel = CHANNEL_ALIASES.get(channel, channel)
    if channel not in Channel.values:
        errors["channel"] = [ValidationError("渠道应为 " + " / ".join(Channel.values), code="invalid_choice")]
    summary = (summary or "").strip()
    if not summary:
        errors["summary"] = [ValidationError("请填写投诉内容", code="required")]
    elif len(summary) > MAX_SUMMARY:
        errors["summary"] = [ValidationError(f"投诉内容不能超过{MAX_SUMMARY}字", code="max_length")]
    vehicle = None
    if vehicle_id:
        vehicle = customer.vehicles(manager="live").filter(pk=vehicle_id).first()
        if vehicle is None:
            errors["vehicle_id"] = [ValidationError("车辆不属于该客户", code="invalid_choice")]
    category = None
    if category_id:
        category = Category.objects.filter(pk=category_id, active=True).first()
        if category is None:
            errors["category_id"] = [ValidationError("投诉类别不存在", code="invalid_choice")]
    files = list(uploads)
    types: list[str] = []
    for f in files:
        if f.size is not None and f.size > settings.KEDANG_MAX_UPLOAD_BYTES:
            errors.setdefault("attachments", []).append(ValidationError("附件太大", code="file_size"))
            continue
        try:
            types.append(check_upload(f))  # by content, as every other upload (R-A7)
        except ValidationError as exc:
            errors.setdefault("attachments", []).extend(
                ValidationError(f"{f.name}：{m}", code="file_type") for m in exc.messages
            )
    if errors:
        raise ValidationError(errors)

    complaint = Complaint.objects.create(
        number=_number_next(today.year),
        customer=customer,
        vehicle=vehicle,
        channel=channel,
        category=category,
        summary=summary,
        call_id=call_id,
        received_on=today,
        created_by=actor,
        state=State.RECEIVED,
        stage_since=today,
        due_on=stage_due(State.RECEIVED, today),
    )
    with translation.override(settings.LANGUAGE_CODE):
        channel_label = str(Channel(channel).label)
    complaint.record = _timeline(
        complaint, actor, f"受理（{channel_label}）" + (f" · {category}" if category else ""), summary, today
    )
    complaint.save(update_fields=["record"])
    for f, ctype in zip(files, types, strict=True):
        attachment_store(actor=actor, record=complaint.record, upload=f, content_type=ctype)
    _log(
        complaint,
        action="receive",
        from_state="",
        actor=actor,
        day=today,
        note=summary,
        data={"channel": channel},
    )
    return complaint


def _clean_step_data(step_action: str, data: dict[str, Any]) -> tuple[dict[str, Any], str, dict[str, Any]]:
    """The fields an action writes, the note for the log and the timeline, and the log's data."""
    errors: dict[str, list[ValidationError]] = {}

    def text(name: str, message: str) -> str:
        value = str(data.get(name) or "").strip()
        if not value:
            errors[name] = [ValidationError(message, code="required")]
        return value

    fields: dict[str, Any] = {}
    note = ""
    logged: dict[str, Any] = {}
    if step_action == "assign":
        dept_name = str(data.get("department") or "").strip()
        handler_name = str(data.get("handler") or "").strip()
        department = Department.objects.filter(name=dept_name).first() if dept_name else None
        handler = User.objects.filter(username=handler_name, is_active=True).first() if handler_name else None
        if handler_name and handler is None:
            errors["handler"] = [ValidationError("处理人不存在", code="invalid_choice")]
        elif not handler_name:
            errors["handler"] = [ValidationError("请选择处理人", code="required")]
        if dept_name and department is None:
            errors["department"] = [ValidationError("部门不存在", code="invalid_choice")]
        elif not dept_name:
            if handler is not None and handler.department_id:
                department = handler.department
            else:
                errors["department"] = [ValidationError("请选择责任部门", code="required")]
        if department is not None and handler is not None:
            fields = {"department": department, "handler": handler}
            note = f"责任部门：{department}；处理人：{handler}"
            logged = {"department": department.name, "handler": handler.username}
    elif step_action == "resolve":
        fields["resolution"] = note = text("resolution", "请填写处理结果")
    elif step_action == "feedback":
        opinion = text("opinion", "请填写客户意见")
        raw = data.get("satisfaction")
        try:
            satisfaction = int(str(raw).strip())
            if str(satisfaction) != str(raw).strip() or not 1 <= satisfaction <= 5:
                raise ValueError
        except (TypeError, ValueError):
            errors["satisfaction"] = [ValidationError("满意度应为 1–5 的整数", code="out_of_range")]
            satisfaction = 0
        fields = {"opinion": opinion, "satisfaction": satisfaction}
        note = f"客户意见：{opinion}；满意度：{satisfaction}/5"
        logged = {"satisfaction": satisfaction}
    elif step_action == "reject":
        fields["reject_reason"] = note = text("reason", "请填写不予受理的原因")
    elif step_action == "reopen":
        note = text("reason", "请填写重新处理的原因")
    if errors:
        raise ValidationError(errors)
    return fields, note, logged


@transaction.atomic
def complaint_transition(
    *,
    actor: User,
    complaint_id: int,
    action: str,
    expected_version: int | None = None,
    today: dt.date | None = None,
    **data: Any,
) -> Complaint:
    """Take one step of the workflow (R-P2; steps and who may take them: workflow.STEPS).

    404 for a complaint the actor may not see; ValidationError for an unknown action; Conflict (409) when
    the step does not exist from the current state or someone else changed the complaint first
    (`expected_version`); PermissionDenied (403) for the wrong person; ValidationError for missing data."""
    today = today or timezone.localdate()
    complaint = visible_complaints(actor).select_for_update(of=("self",)).filter(pk=complaint_id).first()
    if complaint is None:
        raise Http404("投诉不存在")
    step = STEPS.get(action)
    if step is None:
        raise ValidationError(
            {"action": ValidationError("操作应为 " + " / ".join(STEPS), code="invalid_choice")}
        )
    if complaint.state not in step.sources:
        raise Conflict(f"投诉 {complaint.number} 当前为“{_state_label(complaint.state)}”，不能{step.label}")
    if expected_version is not None and expected_version != complaint.version:
        raise Conflict(f"投诉 {complaint.number} 已被他人更新，请刷新后再试")
    is_handler = complaint.handler_id is not None and complaint.handler_id == actor.pk
    if not can_write(actor) or not may_take(step, role=actor.role, is_handler=is_handler):
        raise PermissionDenied(f"您不能对投诉{step.label}")
    fields, note, logged = _clean_step_data(action, data)

    from_state = complaint.state
    fields.update(
        state=step.target,
        stage_since=today,
        due_on=stage_due(step.target, today),
        escalated_on=None,
        escalated_to=None,
    )
    if step.target == State.CLOSED:
        fields["closed_on"] = today
    elif action == "reopen":
        fields["closed_on"] = None
    # the conditional UPDATE: only from the state and version read above
    updated = Complaint.objects.filter(pk=complaint.pk, state=from_state, version=complaint.version).update(
        version=F("version") + 1, **fields
    )
    if not updated:
        raise Conflict(f"投诉 {complaint.number} 已被他人更新，请刷新后再试")
    complaint.refresh_from_db()
    _log(complaint, action=action, from_state=from_state, actor=actor, day=today, note=note, data=logged)
    _timeline(complaint, actor, f"{step.label}（{_state_label(step.target)}）", note, today)
    return complaint


# ---------------------------------------------------------------- compensation (R-P5)


MAX_AMOUNT = Decimal("9999999999.99")


def parse_amount(raw: Any) -> Decimal:
    """A sum of money in yuan: greater than 0, at most two decimals (fen), thousands separators allowed."""
    try:
        value = Decimal(str(raw).strip().replace(",", ""))
        if (
            not value.is_finite()
            or value <= 0
            or value > MAX_AMOUNT
            or value != value.quantize(Decimal("0.01"))
        ):
            raise InvalidOperation
    except (InvalidOperation, ValueError):
        raise ValidationError("金额应为大于 0 的数，最多两位小数", code="invalid") from None
    return value


@transaction.atomic
def compensation_request(
    *, actor: User, complaint_id: int, kind: str, amount: Any, description: str
) -> Compensation:
    """Propose compensation or a discount for an open complaint; it waits for a manager's approval."""
    complaint = visible_complaints(actor).select_for_update(of=("self",)).filter(pk=complaint_id).first()
    if complaint is None:
        raise Http404("投诉不存在")
    if not can_write(actor):
        raise PermissionDenied("当前角色只读")
    if not complaint.is_open:
        raise Conflict(f"投诉 {complaint.number} 已{_state_label(complaint.state)}，不能再申请补偿")
    errors: dict[str, list[ValidationError]] = {}
    if kind not in CompensationKind.values:
        errors["kind"] = [ValidationError("类型应为 compensation 或 discount", code="invalid_choice")]
    try:
        value = parse_amount(amount)
    except ValidationError as exc:
        errors["amount"] = exc.error_list
    description = (description or "").strip()
    if not description:
        errors["description"] = [ValidationError("请填写说明", code="required")]
    if errors:
        raise ValidationError(errors)
    comp = Compensation.objects.create(
        complaint=complaint,
        kind=kind,
        amount=value,
        description=description,
        requested_by=actor,
        requested_at=timezone.now(),
    )
    today = timezone.localdate()
    with translation.override(settings.LANGUAGE_CODE):
        label = str(comp.get_kind_display())
    _log(
        complaint,
        action="compensation_request",
        from_state=complaint.state,
        actor=actor,
        day=today,
        note=f"申请{label} ¥{value:,.2f}：{description}",
        data={"compensation": comp.pk},
    )
    return comp


@transaction.atomic
def compensation_decide(*, actor: User, compensation_id: int, approve: bool, note: str = "") -> Compensation:
    """A manager (not the one who asked) approves or refuses. Approved: filed as a record in category 4 of
    the customer's archive (投诉与折让) and on the timeline."""
    if not may_approve_compensation(actor):
        raise PermissionDenied("补偿/折让须由经理审批")
    comp = (
        Compensation.objects.select_for_update(of=("self",))
        .filter(pk=compensation_id, complaint__in=visible_complaints(actor).values("pk"))
        .select_related("complaint")
        .first()
    )
    if comp is None:
        raise Http404("补偿申请不存在")
    if comp.status != CompensationStatus.PENDING:
        raise Conflict(f"该申请已{comp.get_status_display()}")
    if comp.requested_by_id == actor.pk:
        raise PermissionDenied("申请人不能审批自己的申请")
    comp.status = CompensationStatus.APPROVED if approve else CompensationStatus.REFUSED
    comp.decided_by, comp.decided_at, comp.decision_note = actor, timezone.now(), note.strip()
    complaint = comp.complaint
    today = timezone.localdate()
    with translation.override(settings.LANGUAGE_CODE):
        label, status = str(comp.get_kind_display()), str(comp.get_status_display())
    text = f"{label} ¥{comp.amount:,.2f}（{status}）"
    body = f"{comp.description}\n申请：{comp.requested_by}；审批：{actor}" + (
        f"；意见：{comp.decision_note}" if comp.decision_note else ""
    )
    if approve:
        file_type = FileType.objects.get(code=ARCHIVE_CATEGORY)
        archive_file, _ = ArchiveFile.objects.get_or_create(
            customer_id=complaint.customer_id, file_type=file_type, vehicle=None
        )
        comp.record = record_add(
            complaint.customer_id,
            actor,
            RecordKind.COMPLAINT,
            f"投诉 {complaint.number}：{text}",
            body,
            occurred_on=today,
            vehicle_id=complaint.vehicle_id,
            file=archive_file,
        )
    comp.save(update_fields=["status", "decided_by", "decided_at", "decision_note", "record"])
    _log(
        complaint,
        action="compensation_decide",
        from_state=complaint.state,
        actor=actor,
        day=today,
        note=text + (f"：{comp.decision_note}" if comp.decision_note else ""),
        data={"compensation": comp.pk, "approved": approve},
    )
    return comp


def complaint_from_call(call: Any) -> str:
    """The follow-up seam (R-F2 → R-P1): the issue raised in a call opens a complaint (channel follow-up)
    for the call's customer and vehicle, in the caller's transaction. Returns the complaint number."""
    complaint = complaint_create(
        actor=call.called_by,
        customer_id=call.customer_id,
        channel=Channel.FOLLOWUP,
        summary=call.issue,
        vehicle_id=call.task.vehicle_id,
        call_id=call.pk,
        today=call.called_on,
    )
    return complaint.number


# ---------------------------------------------------------------- printing and export (logged, R-G7)


def complaint_form_pdf(*, actor: User, complaint_id: int) -> tuple[Complaint, bytes]:
    """《客户投诉处理表》 of a visible complaint (404 otherwise) as PDF; the print is logged."""
    from kedang.archive.output import output_logged

    from .pdf import complaint_form
    from .selectors import get_complaint_for_user

    complaint = get_complaint_for_user(actor, complaint_id)
    content = complaint_form(complaint, printed_by=str(actor))
    output_logged(
        actor=actor,
        what="complaint_form",
        file_format="pdf",
        rows=1,
        customer=complaint.customer,
        filters={"complaint": complaint.number},
    )
    return complaint, content


def complaint_analysis_export(
    *, actor: User, start: dt.date, end: dt.date, today: dt.date, department_id: int | None = None
) -> bytes:
    """The analysis (R-P4) as .xlsx, with the page's filters; logged."""
    from kedang.archive.output import output_logged

    from .analysis import analysis_workbook, complaint_analysis

    report = complaint_analysis(actor, start=start, end=end, today=today, department_id=department_id)
    dept = Department.objects.filter(pk=department_id).first() if department_id else None
    content = analysis_workbook(report, filters=dept.name if dept else "")
    filters = {
        "start": start.isoformat(),
        "end": end.isoformat(),
        **({"department": dept.name} if dept else {}),
    }
    output_logged(
        actor=actor, what="complaint_analysis", file_format="xlsx", rows=report.total, filters=filters
    )
    return content
