"""Follow-up reports (R-F4): the figures equal a hand count on a small fixed data set, and the Excel export
opens and has the same numbers."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from kedang.accounts.models import User
from kedang.accounts.services import user_upsert
from kedang.agenda.daily import daily_run
from kedang.agenda.models import Task, TaskStatus
from kedang.agenda.services import event_record
from kedang.followups.excel import safe
from kedang.followups.reports import followup_report, period
from kedang.followups.services import questionnaire_items, task_complete

pytestmark = pytest.mark.django_db

D = dt.date
WEEK = (D(2026, 3, 2), D(2026, 3, 8))  # Monday to Sunday
AS_OF = D(2026, 3, 10)


@pytest.fixture
def week(
    users: dict[str, User], make_customer: Callable[..., Any], make_vehicle: Callable[..., Any]
) -> dict[str, Any]:
    """3DC tasks T1…T5 due in the week (T6 due after it), a 7DC due in it, and their calls:
    T1 reached by cs_agent (first item 3/5, the rest 5/5), T2 reached by cs2 (all 4/5), T3 unreachable
    after three attempts, T4 expired by the daily job, T5 still open after its window, T6 reached after
    the week (all 1/5)."""
    agent = users["cs_agent"]
    cs2, _ = user_upsert(
        username="cs2", role="cs_agent", password="x", department="售后服务部", check_password=False
    )
    desk = users["cs_manager"]
    tasks = {name: make_customer(name=f"客户{name}") for name in ("T1", "T2", "T3", "T4", "T5", "T6")}
    dates = {
        "T1": D(2026, 2, 27),
        "T2": D(2026, 2, 28),
        "T3": D(2026, 3, 1),
        "T4": D(2026, 3, 2),
        "T5": D(2026, 3, 3),
        "T6": D(2026, 3, 6),
    }
    for name, day in dates.items():
        event_record(actor=desk, customer_id=tasks[name].pk, kind="repair", date=day, today=day)
    seven = make_customer(name="新车客户")
    vehicle = make_vehicle(seven)
    event_record(
        actor=desk,
        customer_id=seven.pk,
        kind="delivery",
        date=D(2026, 2, 25),
        vehicle_id=vehicle.pk,
        today=D(2026, 2, 25),
    )
    t = {name: Task.objects.get(customer=c, rule__code="3DC") for name, c in tasks.items()}
    Task.objects.filter(pk__in=[t[n].pk for n in ("T1", "T3", "T5", "T6")]).update(assignee=agent)
    Task.objects.filter(pk__in=[t[n].pk for n in ("T2", "T4")]).update(assignee=cs2)

    items = questionnaire_items(t["T1"])
    assert len(items) == 6 and all(i.scale_max == 5 for i in items)
    first = {str(i.pk): (3 if n == 0 else 5) for n, i in enumerate(items)}
    task_complete(actor=agent, task_id=t["T1"].pk, outcome="reached", answers=first, today=D(2026, 3, 3))
    task_complete(
        actor=cs2,
        task_id=t["T2"].pk,
        outcome="reached",
        answers={str(i.pk): 4 for i in items},
        today=D(2026, 3, 4),
    )
    for n in (4, 5, 6):
        task_complete(actor=agent, task_id=t["T3"].pk, outcome="unreachable", today=D(2026, 3, n))
    daily_run(D(2026, 3, 8))  # T4's window (Mar 5 … 7) has closed; T5's (Mar 6 … 8) has not
    task_complete(
        actor=agent,
        task_id=t["T6"].pk,
        outcome="reached",
        answers={str(i.pk): 1 for i in items},
        today=D(2026, 3, 9),
    )
    statuses = {n: Task.objects.get(pk=x.pk).status for n, x in t.items()}
    assert statuses == {
        "T1": TaskStatus.DONE,
        "T2": TaskStatus.DONE,
        "T3": TaskStatus.UNREACHABLE,
        "T4": TaskStatus.EXPIRED,
        "T5": TaskStatus.OPEN,
        "T6": TaskStatus.DONE,
    }
    return {"items": items, "cs2": cs2}


def test_period_of_each_kind() -> None:
    assert period("weekly_3dc", D(2026, 3, 5)) == WEEK
    assert period("daily", D(2026, 3, 5)) == (D(2026, 3, 5), D(2026, 3, 5))
    assert period("monthly", D(2024, 2, 10)) == (D(2024, 2, 1), D(2024, 2, 29))


def test_weekly_3dc_report_equals_the_hand_count(users: dict[str, User], week: dict[str, Any]) -> None:
    report = followup_report(users["cs_manager"], kind="weekly_3dc", day=D(2026, 3, 4), as_of=AS_OF)
    assert (report.start, report.end) == WEEK
    t = report.totals
    # T1…T5 are due in the week (T6 after it; the 7DC is another rule)
    assert (t.due, t.done, t.overdue, t.unreachable, t.rate) == (5, 2, 2, 1, 40.0)
    agents = {
        line.name: (
            line.counts.due,
            line.counts.done,
            line.counts.overdue,
            line.counts.unreachable,
            line.score,
        )
        for line in report.by_agent
    }
    # cs_agent: T1 (done), T3 (unreachable), T5 (overdue); score (60 + 5·100) / 6 = 93.3 %
    # cs2: T2 (done), T4 (expired); score 80 %
    assert agents == {"cs_agent": (3, 1, 1, 1, 93.3), "cs2": (2, 1, 1, 0, 80.0)}
    departments = {
        line.name: (line.counts.due, line.counts.done, line.score) for line in report.by_department
    }
    assert departments == {"客服部": (3, 1, 93.3), "售后服务部": (2, 1, 80.0)}
    # twelve answers in the week: (3 + 4) / 2 for the first item, (5 + 4) / 2 for the others
    assert report.score == 86.7
    averages = [(i.text, i.answers, i.average) for i in report.items]
    first = week["items"][0].text
    assert averages[0] == (first, 2, 3.5)
    assert all(
        a == (text, 2, 4.5) for a, text in zip(averages[1:], [i.text for i in week["items"][1:]], strict=True)
    )
    assert report.lowest[0].text == first and report.lowest[0].share == 70.0
    # the trend's last point is the week itself
    assert report.trend[-1].counts.due == 5 and report.trend[-1].score == 86.7


def test_7dc_report_counts_only_7dc(users: dict[str, User], week: dict[str, Any]) -> None:
    report = followup_report(users["cs_manager"], kind="weekly_7dc", day=D(2026, 3, 4), as_of=AS_OF)
    assert (report.totals.due, report.totals.done, report.totals.overdue) == (1, 0, 1)
    assert report.items == []


def test_filters_and_visibility(users: dict[str, User], week: dict[str, Any]) -> None:
    cs2 = week["cs2"]
    report = followup_report(
        users["cs_manager"], kind="weekly_3dc", day=D(2026, 3, 4), agent_id=cs2.pk, as_of=AS_OF
    )
    assert (report.totals.due, report.score) == (2, 80.0)
    report = followup_report(
        users["cs_manager"],
        kind="weekly_3dc",
        day=D(2026, 3, 4),
        department_id=cs2.department_id,
        as_of=AS_OF,
    )
    assert report.totals.due == 2
    # an agent sees only her own figures, whatever she asks for
    report = followup_report(
        cs2, kind="weekly_3dc", day=D(2026, 3, 4), agent_id=users["cs_agent"].pk, as_of=AS_OF
    )
    assert (report.totals.due, report.totals.done) == (2, 1)
    # the account manager owns these customers but called none of them
    report = followup_report(users["account_manager"], kind="weekly_3dc", day=D(2026, 3, 4), as_of=AS_OF)
    assert report.totals.due == 0


def test_excel_export_has_the_same_numbers(
    login: Callable[[str], Client], users: dict[str, User], week: dict[str, Any]
) -> None:
    client = login("cs_manager")
    page = client.get(reverse("followup_reports") + "?kind=weekly_3dc&day=2026-03-04")
    assert page.status_code == 200
    report = page.context["report"]
    response = client.get(reverse("followup_reports_export") + "?kind=weekly_3dc&day=2026-03-04")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "3DC" in response["Content-Disposition"]
    wb = load_workbook(io.BytesIO(response.content))
    assert wb.sheetnames == ["汇总", "按人员", "按部门", "按调查项目", "趋势"]
    summary = {row[0]: row[1] for row in wb["汇总"].iter_rows(min_row=2, values_only=True)}
    assert summary["报表类型"] == "3DC回访周报表"
    assert summary["期间"] == "2026-03-02 ~ 2026-03-08"
    t = report.totals
    assert (
        summary["应回访"],
        summary["已回访"],
        summary["逾期"],
        summary["无法联系数"],
        summary["回访率 %"],
    ) == (
        t.due,
        t.done,
        t.overdue,
        t.unreachable,
        t.rate,
    )
    assert summary["平均分 %"] == report.score
    agents = [row for row in wb["按人员"].iter_rows(min_row=2, values_only=True)]
    assert agents == [
        (
            line.name,
            line.counts.due,
            line.counts.done,
            line.counts.overdue,
            line.counts.unreachable,
            line.counts.rate,
            line.score,
            line.answers,
        )
        for line in report.by_agent
    ]
    items = [row[3:5] for row in wb["按调查项目"].iter_rows(min_row=2, values_only=True)]
    assert items == [(i.answers, i.average) for i in report.items]


def test_text_that_looks_like_a_formula_stays_text() -> None:
    assert safe('=HYPERLINK("http://x")') == '\'=HYPERLINK("http://x")'
    assert safe("+86 138") == "'+86 138" and safe("@x") == "'@x"
    assert safe(-5) == -5 and safe("张三") == "张三"
