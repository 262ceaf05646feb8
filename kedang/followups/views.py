"""Follow-up pages: the outcome dialog of a call (R-F2), the reports (R-F4), the level-2/3 samples (R-F1)
and the hand-over list (R-A6)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from kedang.accounts.models import Department, User
from kedang.accounts.roles import Role
from kedang.accounts.selectors import can_write, is_manager
from kedang.agenda.models import TaskStatus
from kedang.agenda.rules import script_for
from kedang.agenda.selectors import get_task_for_user, sees_team
from kedang.agenda.workdays import add_months
from kedang.web.redirects import safe_next

from .excel import report_workbook
from .forms import CallForm
from .handover import handover_report, quarter_of
from .models import CallOutcome, Sample
from .reports import KINDS, followup_report
from .samples import population, sample_draw, sample_items, sample_period
from .services import TaskClosed, may_work_on, questionnaire_items, task_complete


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


@login_required
def call_record(request: HttpRequest, task_id: int) -> HttpResponse:
    """GET: the outcome form for the dialog; POST: record the call. Errors come back inline in the dialog;
    success reloads the page (the task leaves the list; the call is on the customer's timeline)."""
    user = _user(request)
    task = get_task_for_user(user, task_id)
    if not may_work_on(user, task):
        raise PermissionDenied("这不是您的回访任务")
    items = questionnaire_items(task)
    closed = task.status != TaskStatus.OPEN
    if request.method == "POST" and not closed:
        form = CallForm(request.POST, items=items)
        if form.is_valid():
            d = form.cleaned_data
            reached = d["outcome"] == CallOutcome.REACHED
            try:
                result = task_complete(
                    actor=user,
                    task_id=task.pk,
                    outcome=d["outcome"],
                    answers=form.answers() if reached else None,
                    remarks=d["remarks"],
                    issue=d["issue"],
                    open_complaint=d["open_complaint"],
                )
            except TaskClosed as exc:
                form.add_error(None, str(exc))
            except ValidationError as exc:
                for name, errors in exc.error_dict.items():
                    field = f"q_{name.split('.', 1)[1]}" if name.startswith("answers.") else name
                    form.add_error(field if field in form.fields else None, errors)
            else:
                done = result.task
                if done.status == TaskStatus.OPEN:
                    text = _("已记录：未接通，%(date)s 再拨") % {"date": f"{done.next_attempt_on:%Y-%m-%d}"}
                else:
                    text = _("已记录：%(customer)s · %(state)s") % {
                        "customer": done.customer.name,
                        "state": done.get_status_display(),
                    }
                if result.complaint_ref:
                    text += " · " + _("已生成投诉单 %(n)s") % {"n": result.complaint_ref}
                messages.success(request, text)
                if request.headers.get("HX-Request"):
                    return HttpResponse(headers={"HX-Refresh": "true"})
                return redirect(safe_next(request, "/"))
    else:
        form = CallForm(items=items)
    context = {
        "task": task,
        "form": form,
        "script": script_for(task, user),
        "closed": closed,
        "calls": list(task.calls.select_related("called_by").order_by("attempt")),
        "next": safe_next(request, "/"),
    }
    return render(request, "followups/_call_form.html", context)


def _report_args(request: HttpRequest) -> dict[str, Any]:
    from kedang.web.fields import parse_cn_date

    kind = request.GET.get("kind", "weekly_7dc")
    if kind not in KINDS:
        kind = "weekly_7dc"
    try:
        day = parse_cn_date(request.GET.get("day", "")) or timezone.localdate()
    except ValueError:
        day = timezone.localdate()
    department = request.GET.get("department", "")
    agent = request.GET.get("agent", "")
    agent_user = User.objects.filter(username=agent).first() if agent else None
    return {
        "kind": kind,
        "day": day,
        "department_id": int(department) if department.isdigit() else None,
        "agent_id": agent_user.pk if agent_user else None,
    }


@login_required
def reports(request: HttpRequest) -> HttpResponse:
    """Follow-up reports (R-F4): a filter bar, charts (ECharts) over the tables; Excel with the same filters."""
    user = _user(request)
    args = _report_args(request)
    report = followup_report(user, **args)
    team = sees_team(user)
    chart = {
        "agents": [line.name for line in report.by_agent],
        "agentSeries": [
            {"name": _("已回访"), "data": [line.counts.done for line in report.by_agent], "color": "#2e9e5b"},
            {
                "name": _("逾期"),
                "data": [line.counts.overdue for line in report.by_agent],
                "color": "#d94848",
            },
            {
                "name": _("无法联系"),
                "data": [line.counts.unreachable for line in report.by_agent],
                "color": "#e0a030",
            },
            {
                "name": _("待回访"),
                "data": [
                    line.counts.due - line.counts.done - line.counts.overdue - line.counts.unreachable
                    for line in report.by_agent
                ],
                "color": "#9fb3d9",
            },
        ],
        "trend": [p.label for p in report.trend],
        "rate": [p.counts.rate for p in report.trend],
        "score": [p.score for p in report.trend],
        "rateName": _("回访率") + " %",
        "scoreName": _("平均分") + " %",
        "items": [i.text for i in report.items],
        "itemShare": [i.share for i in report.items],
    }
    query = request.GET.copy()
    return render(
        request,
        "followups/reports.html",
        {
            "report": report,
            "args": args,
            "kinds": [(k, v[0]) for k, v in KINDS.items()],
            "departments": Department.objects.order_by("name") if team else [],
            "agents": User.objects.filter(groups__name=Role.CS_AGENT, is_active=True).order_by("username")
            if team
            else [],
            "agent": request.GET.get("agent", ""),
            "team": team,
            "chart": chart,
            "query": query.urlencode(),
        },
    )


@login_required
def reports_export(request: HttpRequest) -> HttpResponse:
    """The report as Excel, with the page's filters."""
    user = _user(request)
    args = _report_args(request)
    report = followup_report(user, **args)
    filters = []
    if args["department_id"]:
        filters.append(str(Department.objects.filter(pk=args["department_id"]).first() or ""))
    if args["agent_id"]:
        filters.append(str(User.objects.filter(pk=args["agent_id"]).first() or ""))
    data = report_workbook(report, filters=" · ".join(f for f in filters if f))
    from kedang.archive.output import output_logged

    output_logged(
        actor=user,
        what="followup_report",
        file_format="xlsx",
        filters={k: str(v) for k, v in args.items() if v},
        rows=len(report.by_agent) + len(report.by_department) + len(report.items),
    )
    name = f"{report.title}_{report.start:%Y-%m-%d}.xlsx"
    response = HttpResponse(
        data, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = content_disposition_header(True, name) or "attachment"
    return response


def _day(request: HttpRequest) -> dt.date:
    from kedang.web.fields import parse_cn_date

    try:
        return parse_cn_date(request.GET.get("day", "")) or timezone.localdate()
    except ValueError:
        return timezone.localdate()


@login_required
@require_http_methods(["GET", "POST"])
def samples(request: HttpRequest) -> HttpResponse:
    """Level-2 (monthly) and level-3 (quarterly) follow-up samples (R-F1)."""
    user = _user(request)
    level = 3 if request.GET.get("level") == "3" else 2
    day = _day(request)
    if request.method == "POST":
        try:
            drawn = sample_draw(actor=user, level=level, day=day)
        except ValidationError as exc:
            messages.error(request, "；".join(exc.messages))
        else:
            messages.success(request, _("已抽取样本：%(n)s 条") % {"n": drawn.items.count()})
        return redirect(f"{request.path}?level={level}&day={day:%Y-%m-%d}")
    start, end = sample_period(level, day)
    sample = Sample.objects.filter(level=level, period_start=start).select_related("created_by").first()
    items = sample_items(user, sample) if sample else []
    return render(
        request,
        "followups/samples.html",
        {
            "level": level,
            "day": day,
            "start": start,
            "end": end,
            "sample": sample,
            "items": items,
            "population": population(level, start, end).count() if sample is None else sample.population,
            "can_draw": is_manager(user) and can_write(user),
            "big_ticket": settings.KEDANG_LEVEL3_BIG_TICKET,
        },
    )


@login_required
def handover(request: HttpRequest) -> HttpResponse:
    """Hand-over of sales and repair documents to the archive, late ones per staff member (R-A6)."""
    user = _user(request)
    day = _day(request)
    start, end = quarter_of(day)
    report = handover_report(user, start=start, end=end, today=timezone.localdate())
    return render(
        request,
        "followups/handover.html",
        {
            "report": report,
            "day": day,
            "quarter": f"{start.year}Q{(start.month - 1) // 3 + 1}",
            "prev": add_months(start, -3),
            "next": add_months(start, 3),
            "sales_days": settings.KEDANG_HANDOVER_SALES_DAYS,
            "repair_days": settings.KEDANG_HANDOVER_REPAIR_DAYS,
        },
    )
