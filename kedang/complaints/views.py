"""Complaint pages: the list with filters, the one-minute form (customer search box), the detail page with
its actions and history, the printed form, and the analysis (R-P1..R-P5). Thin: parse, call a selector
or a service, render. A step that does not exist from the current state answers 409 with the message."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kedang.accounts.models import Department, User
from kedang.accounts.selectors import can_write
from kedang.archive.visibility import customer_for_read, customers_visible_to
from kedang.errors import Conflict
from kedang.web.paging import page_from_request
from kedang.web.redirects import safe_next

from .analysis import complaint_analysis
from .forms import ComplaintForm, FilterForm
from .models import Category, Channel, CompensationKind, State
from .selectors import (
    LIST_ORDER,
    category_options,
    complaint_search,
    get_complaint_for_user,
)
from .services import (
    compensation_decide,
    compensation_request,
    complaint_analysis_export,
    complaint_create,
    complaint_form_pdf,
    complaint_transition,
    may_approve_compensation,
)
from .workflow import STEPS, allowed_from, may_take

PAGE_SIZE = 30


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


@login_required
def complaint_list(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    today = timezone.localdate()
    form = FilterForm(request.GET)
    form.is_valid()
    f = getattr(form, "cleaned_data", {})
    qs = complaint_search(
        user,
        today=today,
        q=f.get("q") or "",
        state=f.get("state") or "",
        channel=f.get("channel") or "",
        category=f.get("category"),
        department=f.get("department"),
        handler=f.get("handler") or "",
        overdue=bool(f.get("overdue")),
        start=f.get("start"),
        end=f.get("end"),
    )
    page = page_from_request(request, qs, LIST_ORDER, size=PAGE_SIZE)
    context = {
        "page": page,
        "filters": {k: request.GET.get(k, "") for k in form.fields},
        "query": page.query,
        "states": State.choices,
        "channels": Channel.choices,
        "categories": Category.objects.filter(parent__isnull=True, active=True),
        "departments": Department.objects.order_by("name"),
        "today": today,
        "can_create": can_write(user),
    }
    return render(request, "complaints/list.html", context)


@login_required
def customer_pick(request: HttpRequest) -> HttpResponse:
    """The form's customer search box (htmx): the best visible matches, each a button that picks it."""
    from kedang.search.selectors import search_customers

    q = request.GET.get("q", "").strip()
    hits = search_customers(_user(request), q, limit=8) if q else []
    return render(request, "complaints/_customer_pick.html", {"hits": hits, "q": q})


@login_required
def vehicle_options(request: HttpRequest) -> HttpResponse:
    customer_id = request.GET.get("customer", "")
    vehicles = []
    if customer_id.isdigit():
        customer = customers_visible_to(_user(request)).filter(pk=int(customer_id)).first()
        if customer is not None:
            vehicles = list(customer.vehicles(manager="live").all().order_by("-delivery_date", "-id"))
    return render(request, "complaints/_vehicle_options.html", {"vehicles": vehicles})


@login_required
def complaint_new(request: HttpRequest) -> HttpResponse:
    """Record a complaint in under a minute: pick the customer, the rest is one screen."""
    user = _user(request)
    if not can_write(user):
        raise PermissionDenied("当前角色只读")
    customer = None
    if request.method == "POST":
        form = ComplaintForm(request.POST)
        if form.is_valid():
            d = form.cleaned_data
            try:
                c = complaint_create(
                    actor=user,
                    customer_id=d["customer"],
                    channel=d["channel"],
                    summary=d["summary"],
                    vehicle_id=d["vehicle"],
                    category_id=d["category"],
                    uploads=request.FILES.getlist("attachments"),
                )
            except ValidationError as exc:
                names = {"vehicle_id": "vehicle", "category_id": "category"}
                for name, errors in exc.error_dict.items():
                    field = names.get(name, name)
                    form.add_error(field if field in form.fields else None, errors)
                    if name == "attachments":
                        form.attachment_errors = [m for e in errors for m in e.messages]  # type: ignore[attr-defined]
            else:
                messages.success(request, _("已登记投诉 %(n)s") % {"n": c.number})
                return redirect("complaint_detail", c.pk)
        picked = form.data.get("customer", "")
        if picked.isdigit():
            customer = customers_visible_to(user).filter(pk=int(picked)).first()
    else:
        initial: dict[str, Any] = {}
        if request.GET.get("customer", "").isdigit():
            customer = customer_for_read(user, int(request.GET["customer"]))
            initial["customer"] = customer.pk
        form = ComplaintForm(initial=initial)
    context = {
        "form": form,
        "customer": customer,
        "channels": Channel.choices,
        "categories": category_options(),
        "vehicles": list(customer.vehicles(manager="live").all()) if customer else [],
    }
    return render(request, "complaints/form.html", context)


MAIN_PATH = [State.RECEIVED, State.CONFIRMED, State.ASSIGNED, State.RESOLVED, State.FEEDBACK, State.CLOSED]


def _progress(state: str) -> list[tuple[str, str]]:
    """The workflow's states as (label, done|now|'') for the chips on the detail page."""
    path = [State.RECEIVED, State.REJECTED] if state == State.REJECTED else MAIN_PATH
    here = path.index(State(state))
    return [(str(s.label), "done" if i < here else "now" if i == here else "") for i, s in enumerate(path)]


def _detail_context(user: User, complaint_id: int) -> dict[str, Any]:
    c = get_complaint_for_user(user, complaint_id)
    today = timezone.localdate()
    is_handler = c.handler_id == user.pk
    steps = [
        s
        for s in allowed_from(c.state)
        if can_write(user) and may_take(s, role=user.role, is_handler=is_handler)
    ]
    return {
        "c": c,
        "today": today,
        "overdue": c.is_open and c.due_on is not None and c.due_on < today,
        "steps": steps,
        "history": list(c.transitions.select_related("actor").order_by("at", "id")),
        "compensations": list(c.compensations.select_related("requested_by", "decided_by").order_by("id")),
        "attachments": list(c.record.attachments.all()) if c.record else [],
        "may_approve": may_approve_compensation(user),
        "can_request": can_write(user) and c.is_open,
        "kinds": CompensationKind.choices,
        "handlers": User.objects.filter(is_active=True)
        .select_related("department")
        .order_by("department__name", "username"),
        "departments": Department.objects.order_by("name"),
        "states": dict(State.choices),
        "progress": _progress(c.state),
        "errors": {},
        "data": {},
    }


@login_required
def complaint_detail(request: HttpRequest, complaint_id: int) -> HttpResponse:
    return render(request, "complaints/detail.html", _detail_context(_user(request), complaint_id))


@login_required
@require_POST
def complaint_act(request: HttpRequest, complaint_id: int) -> HttpResponse:
    """Take a step from the detail page. Not allowed from the state (or someone was quicker): the page
    again with the message and status 409; missing data: the page with the errors under the fields."""
    user = _user(request)
    action = request.POST.get("action", "")
    data = {
        k: request.POST.get(k, "")
        for k in ("department", "handler", "resolution", "opinion", "satisfaction", "reason")
    }
    version = request.POST.get("version", "")
    given: dict[str, Any] = {k: v for k, v in data.items() if v != ""}
    try:
        c = complaint_transition(
            actor=user,
            complaint_id=complaint_id,
            action=action,
            expected_version=int(version) if version.isdigit() else None,
            **given,
        )
    except Conflict as exc:
        context = _detail_context(user, complaint_id)
        context["conflict"] = exc.message
        return render(request, "complaints/detail.html", context, status=409)
    except ValidationError as exc:
        context = _detail_context(user, complaint_id)
        context["errors"] = {k: [m for e in v for m in e.messages] for k, v in exc.error_dict.items()}
        context["failed_action"] = action
        context["data"] = data
        return render(request, "complaints/detail.html", context, status=422)
    step = STEPS[action]
    messages.success(request, _("%(n)s：%(step)s") % {"n": c.number, "step": _(step.label)})
    return redirect("complaint_detail", c.pk)


@login_required
@require_POST
def compensation_add(request: HttpRequest, complaint_id: int) -> HttpResponse:
    user = _user(request)
    try:
        compensation_request(
            actor=user,
            complaint_id=complaint_id,
            kind=request.POST.get("kind", ""),
            amount=request.POST.get("amount", ""),
            description=request.POST.get("description", ""),
        )
    except Conflict as exc:
        messages.error(request, exc.message)
    except ValidationError as exc:
        context = _detail_context(user, complaint_id)
        context["comp_errors"] = {k: [m for e in v for m in e.messages] for k, v in exc.error_dict.items()}
        context["comp_data"] = request.POST
        return render(request, "complaints/detail.html", context, status=422)
    else:
        messages.success(request, _("已提交审批"))
    return redirect("complaint_detail", complaint_id)


@login_required
@require_POST
def compensation_decision(request: HttpRequest, compensation_id: int) -> HttpResponse:
    user = _user(request)
    approve = request.POST.get("decision") == "approve"
    try:
        comp = compensation_decide(
            actor=user, compensation_id=compensation_id, approve=approve, note=request.POST.get("note", "")
        )
    except Conflict as exc:
        messages.error(request, exc.message)
        return redirect(safe_next(request, "complaint_list"))
    messages.success(request, _("已批准，已归入档案第 4 类") if approve else _("已驳回"))
    return redirect("complaint_detail", comp.complaint_id)


@login_required
def complaint_print(request: HttpRequest, complaint_id: int) -> HttpResponse:
    """《客户投诉处理表》 as PDF, opened in the browser's viewer."""
    c, pdf = complaint_form_pdf(actor=_user(request), complaint_id=complaint_id)
    return HttpResponse(
        pdf,
        content_type="application/pdf",
        headers={"Content-Disposition": content_disposition_header(False, f"客户投诉处理表-{c.number}.pdf")},
    )


def _analysis_args(request: HttpRequest) -> dict[str, Any]:
    from kedang.web.fields import parse_cn_date

    today = timezone.localdate()
    try:
        end = parse_cn_date(request.GET.get("end", "")) or today
        start = parse_cn_date(request.GET.get("start", "")) or dt.date(end.year, 1, 1)
    except ValueError:
        end, start = today, dt.date(today.year, 1, 1)
    if start > end:
        start, end = end, start
    dept = request.GET.get("department", "")
    return {
        "start": start,
        "end": end,
        "today": today,
        "department_id": int(dept) if dept.isdigit() else None,
    }


@login_required
def analysis(request: HttpRequest) -> HttpResponse:
    """R-P4: counts by category, department, model, handler; time in each stage; repeat complainers;
    the monthly trend with charts; Excel with the same filters."""
    args = _analysis_args(request)
    report = complaint_analysis(_user(request), **args)
    chart = {
        "months": [m.month for m in report.monthly],
        "received": [m.received for m in report.monthly],
        "closed": [m.closed for m in report.monthly],
        "categories": [{"name": line.label, "value": line.count} for line in report.by_category],
        "stages": [s.label for s in report.stages],
        "stageDays": [s.days or 0 for s in report.stages],
        "labels": {"received": _("受理"), "closed": _("结案"), "days": _("平均天数")},
    }
    context = {
        "report": report,
        "args": args,
        "chart": chart,
        "query": request.GET.urlencode(),
        "departments": Department.objects.order_by("name"),
    }
    return render(request, "complaints/analysis.html", context)


@login_required
def analysis_export(request: HttpRequest) -> HttpResponse:
    args = _analysis_args(request)
    data = complaint_analysis_export(actor=_user(request), **args)
    name = f"投诉分析-{args['start']:%Y%m%d}-{args['end']:%Y%m%d}.xlsx"
    return HttpResponse(
        data,
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"Content-Disposition": content_disposition_header(True, name)},
    )
