"""The pages: home 待办 (R-H1, R-F3), the outcome dialog, the task list, the archive page's 回访 tab."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from kedang.accounts.models import User
from kedang.accounts.services import user_upsert
from kedang.agenda.models import ServiceEvent, Task, TaskStatus
from kedang.agenda.services import event_record
from kedang.customers.models import Record, RecordKind
from kedang.followups.services import questionnaire_items

pytestmark = pytest.mark.django_db


@pytest.fixture
def calls(
    users: dict[str, User], make_customer: Callable[..., Any], make_vehicle: Callable[..., Any]
) -> dict[str, Task]:
    """For cs_agent: a 7DC overdue since two days and a 3DC due today; for cs2: a 3DC due today."""
    user_upsert(username="cs2", role="cs_agent", password="x", department="客服部", check_password=False)
    today = timezone.localdate()
    a, b, c = make_customer(name="逾期客户"), make_customer(name="今日客户"), make_customer(name="别人的客户")
    va = make_vehicle(a, plate="京A10001")
    event_record(
        actor=users["cs_manager"],
        customer_id=a.pk,
        kind="delivery",
        date=today - dt.timedelta(days=9),
        vehicle_id=va.pk,
        today=today,
    )
    Task.objects.exclude(rule__code="7DC").delete()
    Task.objects.update(assignee=users["cs_agent"])
    event_record(
        actor=users["cs_manager"],
        customer_id=b.pk,
        kind="repair",
        date=today - dt.timedelta(days=3),
        today=today,
    )
    Task.objects.filter(customer=b).update(assignee=users["cs_agent"])
    event_record(
        actor=users["cs_manager"],
        customer_id=c.pk,
        kind="repair",
        date=today - dt.timedelta(days=3),
        today=today,
    )
    Task.objects.filter(customer=c).update(assignee=User.objects.get(username="cs2"))
    return {
        "overdue": Task.objects.get(customer=a),
        "today": Task.objects.get(customer=b),
        "other": Task.objects.get(customer=c),
    }


def test_home_shows_her_calls_overdue_first_grouped_by_rule_with_script(
    login: Callable[[str], Client], calls: dict[str, Task]
) -> None:
    response = login("cs_agent").get(reverse("home"))
    page = response.content.decode()
    html = page[page.index('id="call-list"') : page.index('id="kd-call-modal"')]
    call_list = response.context["calls"]
    assert [t.pk for g in call_list.overdue for t in g.tasks] == [calls["overdue"].pk]
    assert [t.pk for g in call_list.due for t in g.tasks] == [calls["today"].pk]
    assert html.index("逾期客户") < html.index("今日客户")
    assert "别人的客户" not in html
    assert "7DC 新车回访" in html and "3DC 维修回访" in html and "话术" in html
    assert response.context["my_counts"] == {"today": 2, "overdue": 1, "escalated": 0, "done_today": 0}


def test_manager_sees_team_totals(login: Callable[[str], Client], calls: dict[str, Task]) -> None:
    response = login("cs_manager").get(reverse("home"))
    assert response.context["team_counts"]["today"] == 3
    team = {line.name: (line.today, line.overdue) for line in response.context["team"]}
    assert team == {"cs2": (1, 0), "cs_agent": (2, 1)}
    assert 'id="kd-team-chart"' in response.content.decode()


def test_outcome_dialog_records_the_call(login: Callable[[str], Client], calls: dict[str, Task]) -> None:
    client = login("cs_agent")
    task = calls["today"]
    url = reverse("call_record", args=[task.pk])
    form = client.get(url)
    assert form.status_code == 200 and "满意度调查" in form.content.decode()
    items = questionnaire_items(task)
    data: dict[str, Any] = {"outcome": "reached", "remarks": "满意", **{f"q_{i.pk}": 5 for i in items}}
    data[f"q_{items[0].pk}"] = 6
    bad = client.post(url, data, HTTP_HX_REQUEST="true")
    assert bad.status_code == 200
    assert "得分应在 1–5 之间（收到 6）" in bad.content.decode()
    assert Task.objects.get(pk=task.pk).status == TaskStatus.OPEN
    data[f"q_{items[0].pk}"] = 4
    ok = client.post(url, data, HTTP_HX_REQUEST="true")
    assert ok["HX-Refresh"] == "true"
    assert Task.objects.get(pk=task.pk).status == TaskStatus.DONE
    home = client.get(reverse("home"))
    assert [t.pk for g in home.context["calls"].due for t in g.tasks] == []
    assert "已记录" in home.content.decode()


def test_outcome_dialog_is_hers_only(login: Callable[[str], Client], calls: dict[str, Task]) -> None:
    client = login("cs_agent")
    assert client.get(reverse("call_record", args=[calls["other"].pk])).status_code == 403
    assert login("am2").get(reverse("call_record", args=[calls["other"].pk])).status_code == 404


def test_task_list_filters(login: Callable[[str], Client], calls: dict[str, Task]) -> None:
    page = login("cs_agent").get(reverse("task_list"))
    assert {t.pk for t in page.context["page"]} == {calls["overdue"].pk, calls["today"].pk}
    page = login("cs_manager").get(reverse("task_list") + "?rule=3DC&assignee=cs2")
    assert [t.pk for t in page.context["page"]] == [calls["other"].pk]
    assert login("cs_manager").get(reverse("task_list") + "?due_from=2026-13-01").status_code == 200


def test_archive_tab_records_an_event_inline(
    login: Callable[[str], Client], make_customer: Callable[..., Any], make_vehicle: Callable[..., Any]
) -> None:
    customer = make_customer()
    vehicle = make_vehicle(customer, plate="沪A20002")
    client = login("cs_agent")
    tab = client.get(reverse("customer_detail", args=[customer.pk]) + "?tab=followups")
    assert tab.status_code == 200 and "登记服务事件" in tab.content.decode()
    url = reverse("event_create", args=[customer.pk])
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    bad = client.post(
        url, {"kind": "repair", "date": tomorrow.isoformat(), "vehicle": vehicle.pk}, HTTP_HX_REQUEST="true"
    )
    assert "日期不能晚于今天" in bad.content.decode() and ServiceEvent.objects.count() == 0
    ok = client.post(
        url,
        {
            "kind": "repair",
            "date": timezone.localdate().strftime("%Y/%m/%d"),
            "vehicle": vehicle.pk,
            "amount": "880.00",
        },
        HTTP_HX_REQUEST="true",
    )
    assert ok["HX-Redirect"].endswith("?tab=followups")
    assert Task.objects.filter(customer=customer, rule__code="3DC").count() == 1
    assert Record.objects.filter(customer=customer, kind=RecordKind.EVENT).count() == 1
    tab = client.get(reverse("customer_detail", args=[customer.pk]) + "?tab=followups")
    assert "3DC 维修回访" in tab.content.decode()


@pytest.mark.parametrize("n", [2, 8])
def test_home_and_task_list_queries_do_not_grow_with_rows(
    n: int,
    login: Callable[[str], Client],
    users: dict[str, User],
    make_customer: Callable[..., Any],
    django_assert_max_num_queries: Any,
) -> None:
    today = timezone.localdate()
    for _ in range(n):
        event_record(
            actor=users["cs_agent"],
            customer_id=make_customer().pk,
            kind="repair",
            date=today - dt.timedelta(days=3),
            today=today,
        )
    client = login("cs_agent")
    with django_assert_max_num_queries(22):
        assert client.get(reverse("home")).status_code == 200
    with django_assert_max_num_queries(14):
        assert client.get(reverse("task_list")).status_code == 200


def test_task_list_shows_open_work_by_default(
    login: Callable[[str], Client], users: dict[str, User], calls: dict[str, Task]
) -> None:
    task = calls["today"]
    task_complete_reached(users["cs_agent"], task)
    client = login("cs_agent")
    assert task.pk not in {t.pk for t in client.get(reverse("task_list")).context["page"]}
    assert task.pk in {t.pk for t in client.get(reverse("task_list") + "?status=").context["page"]}


def task_complete_reached(agent: User, task: Task) -> None:
    from kedang.followups.services import task_complete

    answers = {str(i.pk): i.scale_max for i in questionnaire_items(task)}
    task_complete(actor=agent, task_id=task.pk, outcome="reached", answers=answers)
