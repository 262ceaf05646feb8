"""Agenda pages: the task list, the archive page's 回访 tab (record a service event; the customer's tasks
and calls), and the home page's part (R-H1). Thin: forms in, services and selectors do the work."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kedang.accounts.models import User
from kedang.accounts.selectors import can_write
from kedang.archive.visibility import customer_for_read
from kedang.web.forms import add_service_errors
from kedang.web.paging import keyset_page, query_without

from . import selectors, services
from .forms import EventForm, TaskFilterForm
from .models import TaskStatus


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


def home_context(user: User, today: dt.date) -> dict[str, Any]:
    """The agenda's part of the home page: counts, today's call list, the team's totals for supervisors."""
    team = selectors.sees_team(user)
    lines = selectors.team_totals(user, today) if team else []
    return {
        "today": today,
        "calls": selectors.call_list(user, today),
        "my_counts": selectors.task_counts(
            selectors.visible_tasks(user).filter(selectors.mine_q(user)), today
        ),
        "team_counts": selectors.task_counts(selectors.visible_tasks(user), today) if team else None,
        "team": lines,
        "team_chart": {
            "names": [line.name for line in lines],
            "series": [
                {"name": _("已回访"), "data": [line.done_today for line in lines], "color": "#2e9e5b"},
                {
                    "name": _("待回访"),
                    "data": [line.today - line.overdue for line in lines],
                    "color": "#3b6fd8",
                },
                {"name": _("逾期"), "data": [line.overdue for line in lines], "color": "#d94848"},
            ],
        },
        "calendar_missing": selectors.calendar_warning_years(today),
    }


@login_required
def task_list(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    query_in = request.GET.copy()
    if "status" not in query_in:
        query_in["status"] = TaskStatus.OPEN  # the work still to do, unless she asks for more
    form = TaskFilterForm(query_in)
    form.is_valid()
    data = getattr(form, "cleaned_data", {})
    qs = selectors.task_search(
        user,
        due_from=data.get("due_from"),
        due_to=data.get("due_to"),
        rule=data.get("rule") or "",
        status=data.get("status") or "",
        assignee=data.get("assignee") or "",
    )
    page = keyset_page(
        qs,
        selectors.TASK_LIST_ORDER,
        size=30,
        cursor=request.GET.get("cursor"),
        page=request.GET.get("page"),
        query=query_without(query_in, "page", "cursor"),
    )
    today = timezone.localdate()
    team = selectors.sees_team(user)
    assignees = list(User.objects.filter(tasks__isnull=False).distinct().order_by("username")) if team else []
    return render(
        request,
        "agenda/task_list.html",
        {
            "form": form,
            "page": page,
            "query": page.query,
            "today": today,
            "team": team,
            "assignees": assignees,
            "open": TaskStatus.OPEN,
            "calendar_missing": selectors.calendar_warning_years(today),
        },
    )


def customer_tab_context(user: User, customer_id: int, form: EventForm | None = None) -> dict[str, Any]:
    customer = customer_for_read(user, customer_id)
    vehicles = list(customer.vehicles(manager="live").all().order_by("-delivery_date", "-id"))
    return {
        "customer": customer,
        "event_form": form or EventForm(vehicles=vehicles, initial={"date": timezone.localdate()}),
        "events": selectors.customer_events(customer),
        "tasks": selectors.customer_tasks(customer),
        "can_edit": can_write(user),
        "today": timezone.localdate(),
        "open": TaskStatus.OPEN,
    }


@login_required
def customer_tab(request: HttpRequest, customer_id: int) -> HttpResponse:
    """The 回访 tab of the archive page (loaded into it by htmx)."""
    return render(request, "agenda/_customer_tab.html", customer_tab_context(_user(request), customer_id))


@login_required
@require_POST
def event_create(request: HttpRequest, customer_id: int) -> HttpResponse:
    """Record a service event from the 回访 tab; errors come back inline, success reloads the tab."""
    user = _user(request)
    customer = customer_for_read(user, customer_id)
    vehicles = list(customer.vehicles(manager="live").all())
    form = EventForm(request.POST, vehicles=vehicles)
    if form.is_valid():
        d = form.cleaned_data
        try:
            event = services.event_record(
                actor=user,
                customer_id=customer.pk,
                kind=d["kind"],
                date=d["date"],
                vehicle_id=d["vehicle"],
                amount=d["amount"],
                accident=d["accident"],
                notes=d["notes"],
            )
        except ValidationError as exc:
            add_service_errors(form, _renamed(exc, {"vehicle_id": "vehicle"}))
        else:
            n = event.tasks.count()
            messages.success(request, _("已登记服务事件，生成回访任务 %(n)s 条") % {"n": n})
            url = reverse("customer_detail", args=[customer.pk]) + "?tab=followups"
            if request.headers.get("HX-Request"):
                return HttpResponse(headers={"HX-Redirect": url})
            return redirect(url)
    context = customer_tab_context(user, customer.pk, form)
    return render(request, "agenda/_customer_tab.html", context)


def _renamed(exc: ValidationError, names: dict[str, str]) -> ValidationError:
    if not hasattr(exc, "error_dict"):
        return exc
    return ValidationError({names.get(k, k): v for k, v in exc.error_dict.items()})
