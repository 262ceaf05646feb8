"""R-P4: the analysis equals a hand count on a fixed data set — counts by category (under the top-level
category), department, model, handler, channel; days in each stage and to close (from the log's times);
repeat complainers; the monthly trend; and the Excel export carries the same figures."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation
from openpyxl import load_workbook

from kedang.accounts.models import User
from kedang.complaints.analysis import complaint_analysis
from kedang.complaints.models import Category, Complaint, State, Transition
from kedang.complaints.services import complaint_transition

from .factories import add_handler, complaint_in

pytestmark = pytest.mark.django_db
D = dt.date
SH = ZoneInfo("Asia/Shanghai")


def at(month: int, day: int, hour: int) -> dt.datetime:
    return dt.datetime(2026, month, day, hour, tzinfo=SH)


def set_times(c: Complaint, times: dict[str, dt.datetime]) -> None:
    for action, when in times.items():
        assert Transition.objects.filter(complaint=c, action=action).update(at=when) == 1


@pytest.fixture
def data_set(
    users: dict[str, User], make_customer: Callable[..., Any], make_vehicle: Callable[..., Any]
) -> dict[str, Any]:
    add_handler(users)
    a, b, c = make_customer(name="甲客户"), make_customer(name="乙客户"), make_customer(name="丙客户")
    tiguan1, tiguan2 = make_vehicle(a, model="途观L"), make_vehicle(a, model="途观L")
    passat = make_vehicle(b, model="帕萨特")
    rework = Category.objects.get(name="返修").pk
    attitude = Category.objects.get(name="服务态度").pk
    price = Category.objects.get(name="价格收费").pk

    c1 = complaint_in(State.CLOSED, users, a, today=D(2026, 1, 5), vehicle_id=tiguan1.pk, category_id=rework)
    set_times(
        c1,
        {
            "receive": at(1, 5, 9),
            "confirm": at(1, 5, 21),
            "assign": at(1, 6, 9),
            "resolve": at(1, 8, 9),
            "feedback": at(1, 9, 9),
            "close": at(1, 10, 21),
        },
    )
    c2 = complaint_in(
        State.CLOSED, users, a, today=D(2026, 2, 10), vehicle_id=tiguan2.pk, category_id=attitude
    )
    set_times(
        c2,
        {
            "receive": at(2, 10, 9),
            "confirm": at(2, 11, 9),
            "assign": at(2, 11, 9),
            "resolve": at(2, 12, 9),
            "feedback": at(2, 13, 9),
            "close": at(2, 13, 21),
        },
    )
    c3 = complaint_in(State.REJECTED, users, a, today=D(2026, 2, 20), category_id=price)
    set_times(c3, {"receive": at(2, 20, 9), "reject": at(2, 21, 21)})
    c4 = complaint_in(
        State.CONFIRMED, users, b, today=D(2026, 3, 2), vehicle_id=passat.pk, category_id=rework
    )
    c4 = complaint_transition(
        actor=users["cs_manager"],
        complaint_id=c4.pk,
        action="assign",
        today=D(2026, 3, 3),
        department="客服部",
        handler="cs_agent",
    )
    set_times(c4, {"receive": at(3, 2, 9), "confirm": at(3, 3, 9), "assign": at(3, 3, 9)})
    c5 = complaint_in(State.RECEIVED, users, c, today=D(2026, 3, 30))
    c6 = complaint_in(State.RECEIVED, users, c, today=D(2025, 12, 20))  # outside the period
    # escalation and compensation steps are logged but are not stages
    from kedang.complaints.escalation import escalate_overdue_complaints

    escalate_overdue_complaints(D(2026, 3, 20))
    return {"complaints": [c1, c2, c3, c4, c5, c6]}


def test_figures_equal_a_hand_count(users: dict[str, User], data_set: dict[str, Any]) -> None:
    with translation.override("zh-hans"):
        r = complaint_analysis(
            users["cs_manager"], start=D(2026, 1, 1), end=D(2026, 3, 31), today=D(2026, 3, 31)
        )
    assert (r.total, r.open, r.overdue, r.closed, r.rejected) == (5, 2, 1, 2, 1)
    assert r.avg_satisfaction == 5.0
    assert r.by_category[0].label == "维修质量"
    assert {x.label: x.count for x in r.by_category} == {
        "维修质量": 2,
        "服务态度": 1,
        "价格收费": 1,
        "（未填）": 1,
    }
    assert {x.label: x.count for x in r.by_department} == {"售后服务部": 2, "客服部": 1, "（未填）": 2}
    assert {x.label: x.count for x in r.by_handler} == {"handler": 2, "cs_agent": 1, "（未填）": 2}
    assert {x.label: x.count for x in r.by_model} == {"途观L": 2, "帕萨特": 1, "（未填）": 2}
    assert {x.label: x.count for x in r.by_channel} == {"电话": 5}
    # received: 0.5, 1.0, 1.5, 1.0 · confirmed: 0.5, 0, 0 · assigned: 2, 1 · resolved: 1, 1 · feedback: 1.5, 0.5
    assert [(s.state, s.days, s.count) for s in r.stages] == [
        ("received", 1.0, 4),
        ("confirmed", 0.2, 3),
        ("assigned", 1.5, 2),
        ("resolved", 1.0, 2),
        ("feedback", 1.0, 2),
    ]
    assert r.avg_close_days == 4.5  # 5.5 and 3.5
    assert [(x.name, x.count) for x in r.repeat] == [("甲客户", 3)]
    assert [(m.month, m.received, m.closed) for m in r.monthly] == [
        ("2026-01", 1, 1),
        ("2026-02", 2, 1),
        ("2026-03", 2, 0),
    ]


def test_department_filter_and_visibility(users: dict[str, User], data_set: dict[str, Any]) -> None:
    from kedang.accounts.models import Department

    dept = Department.objects.get(name="客服部")
    r = complaint_analysis(
        users["cs_manager"],
        start=D(2026, 1, 1),
        end=D(2026, 3, 31),
        today=D(2026, 3, 31),
        department_id=dept.pk,
    )
    assert r.total == 1 and r.by_model[0].label == "帕萨特"
    assert (
        complaint_analysis(users["am2"], start=D(2026, 1, 1), end=D(2026, 3, 31), today=D(2026, 3, 31)).total
        == 0
    )


def test_page_and_excel_show_the_same_figures(
    login: Callable[[str], Client], data_set: dict[str, Any]
) -> None:
    client = login("cs_manager")
    query = {"start": "2026-01-01", "end": "2026-03-31"}
    html = client.get(reverse("complaint_analysis"), query).content.decode()
    assert 'data-k="total">5<' in html and "甲客户" in html and "chart-trend" in html
    r = client.get(reverse("complaint_analysis_export"), query)
    assert r.status_code == 200 and "attachment" in r["Content-Disposition"]
    wb = load_workbook(io.BytesIO(r.content))
    assert wb.sheetnames[:3] == ["汇总", "按类别", "按部门"]
    rows = {row[0]: row[1] for row in wb["按类别"].iter_rows(min_row=2, values_only=True)}
    assert rows == {"维修质量": 2, "服务态度": 1, "价格收费": 1, "（未填）": 1}
    summary = {row[0]: row[1] for row in wb["汇总"].iter_rows(min_row=2, values_only=True)}
    assert summary["投诉总数"] == 5 and summary["平均结案天数"] == 4.5
    from kedang.exchange.models import ExportLog

    log = ExportLog.objects.get(what="complaint_analysis")
    assert (log.rows, log.filters) == (5, {"start": "2026-01-01", "end": "2026-03-31"})
    assert [list(r) for r in wb["月度趋势"].iter_rows(min_row=2, values_only=True)] == [
        ["2026-01", 1, 1],
        ["2026-02", 2, 1],
        ["2026-03", 2, 0],
    ]
