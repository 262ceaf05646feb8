"""Every list, page and API alike, is bounded at a million customers (issue #20): a fixed number of
queries whatever the page, no OFFSET past the count cap (deep pages by keyset cursor, with no OFFSET at
all), no count of customers or vehicles without a LIMIT. The home page and the hand-over report too."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from kedang.accounts.models import User
from kedang.web.paging import COUNT_CAP, decode_cursor, encode_cursor
from tests.sql_bounds import SqlBoundError, bounded_sql, violations

pytestmark = pytest.mark.django_db

N = 55  # rows of each list: more than a page of every list and API


@pytest.fixture
def activity(users: dict[str, User], make_customer: Callable[..., Any]) -> dict[str, Any]:
    """N customers of the account manager, each with an open care task for the agent, a message, an
    access-log row; N complaints."""
    from kedang.agenda.models import Rule, Task
    from kedang.care.models import Message
    from kedang.complaints.services import complaint_create
    from kedang.privacy.access_log import log_access
    from kedang.privacy.models import AccessAction

    today = timezone.localdate()
    rule = Rule.objects.get(code="BIRTHDAY")
    customers = [make_customer() for _ in range(N)]
    for i, c in enumerate(customers):
        due = today - dt.timedelta(days=i % 7)
        Task.objects.create(
            rule=rule,
            customer=c,
            anchor_date=due,
            due_date=due,
            next_attempt_on=due,
            assignee=users["cs_agent"],
        )
        Message.objects.create(customer=c, channel="sms", recipient=c.phone, body=f"生日快乐 {i}")
        log_access(users["cs_agent"], AccessAction.VIEW, customer=c, what=f"row {i}")
        complaint_create(actor=users["cs_agent"], customer_id=c.pk, channel="phone", summary=f"投诉 {i}")
    return {"customers": customers}


HTML_LISTS = [
    # (url name, who, rows per page)
    ("customer_list", "general_manager", 20),
    ("customer_list", "account_manager", 20),
    ("task_list", "cs_agent", 30),
    ("task_list", "cs_manager", 30),
    ("complaint_list", "general_manager", 30),
    ("care_tasks", "cs_agent", 50),
    ("care_outbox", "general_manager", 50),
    ("access_log", "auditor", 50),
]

API_LISTS = [
    # (path, who, rows per page)
    ("/customers", "general_manager", 50),
    ("/customers", "account_manager", 50),
    ("/tasks", "cs_agent", 50),
    ("/complaints", "general_manager", 50),
    ("/care/tasks", "cs_agent", 50),
    ("/messages", "general_manager", 50),
    ("/access-log", "auditor", 50),
]

# the queries of each list's page, first and deep alike; a change here is a change of the list's cost
HTML_QUERIES = {
    ("customer_list", "general_manager"): 15,
    ("customer_list", "account_manager"): 14,
    ("task_list", "cs_agent"): 10,
    ("task_list", "cs_manager"): 11,
    ("complaint_list", "general_manager"): 10,
    ("care_tasks", "cs_agent"): 10,
    ("care_outbox", "general_manager"): 8,
    ("access_log", "auditor"): 8,  # + the reader's masking settings for older rows' typed numbers (#13)
}
API_QUERIES = {
    # the bulk reads of customers, complaints and messages leave an access-log row: + its 3 statements (#13)
    ("/customers", "general_manager"): 11,
    ("/customers", "account_manager"): 11,
    ("/tasks", "cs_agent"): 6,
    ("/complaints", "general_manager"): 9,
    ("/care/tasks", "cs_agent"): 6,
    ("/messages", "general_manager"): 9,
    ("/access-log", "auditor"): 4,
}


def _status_all(name: str) -> str:
    return "?status=" if name in ("task_list", "care_tasks") else ""


@pytest.mark.parametrize(("name", "who", "size"), HTML_LISTS)
def test_html_list_pages_by_cursor_with_a_fixed_number_of_queries(
    activity: dict[str, Any], login: Callable[[str], Client], name: str, who: str, size: int
) -> None:
    client = login(who)
    url = reverse(name)
    client.get(url)  # warm up: session, caches
    with bounded_sql() as first:
        page = client.get(url).context["page"]
    seen = [obj.pk for obj in page]
    assert len(seen) == min(size, N) and page.count == N and page.count_exact
    if name != "access_log":
        assert f"共 {N} " in client.get(url).content.decode()
    pages = 1
    while page.has_next:
        with bounded_sql(max_offset=0) as deep:  # a cursor page: keyset, no OFFSET at all
            resp = client.get(url + page.next_link)
        page = resp.context["page"]
        seen += [obj.pk for obj in page]
        pages += 1
        assert len(deep) == len(first), deep.statements
    assert pages == -(-N // size) and len(seen) == len(set(seen)) == N  # no gaps, no repeats
    back = client.get(url + page.prev_link).context["page"]  # and back one page
    assert [obj.pk for obj in back] == seen[(pages - 2) * size : (pages - 1) * size]
    assert len(first) == HTML_QUERIES[(name, who)], first.statements


@pytest.mark.parametrize(("path", "who", "size"), API_LISTS)
def test_api_list_pages_by_cursor_with_a_fixed_number_of_queries(
    activity: dict[str, Any], api: Callable[..., Any], path: str, who: str, size: int
) -> None:
    api(who, "get", path)  # warm up: the token's first use records last_used_at
    with bounded_sql() as first:
        body = api(who, "get", path).json()
    assert body["count"] == N and body["count_exact"] is True and body["prev"] is None
    seen = [item["id"] for item in body["items"]]
    assert len(seen) == size and body["next"]
    with bounded_sql(max_offset=0) as deep:
        body = api(who, "get", f"{path}?cursor={body['next']}").json()
    seen += [item["id"] for item in body["items"]]
    assert body["next"] is None and body["prev"] and len(seen) == len(set(seen)) == N
    assert len(deep) == len(first)
    # page and page_size still work for the first pages (SPEC §14: extended, not renamed)
    numbered = api(who, "get", f"{path}?page=2" + ("&page_size=50" if path != "/complaints" else "")).json()
    assert [item["id"] for item in numbered["items"]] == seen[size:]
    assert len(first) == API_QUERIES[(path, who)], first.statements


def test_a_page_number_past_the_cap_asks_to_narrow_the_filter(
    activity: dict[str, Any], login: Callable[[str], Client], api: Callable[..., Any]
) -> None:
    deep = COUNT_CAP // 20 + 1
    with bounded_sql() as sql:
        resp = login("general_manager").get(reverse("customer_list") + f"?page={deep}")
    assert "请缩小筛选范围" in resp.content.decode() and not list(resp.context["page"])
    assert not any("OFFSET" in s for s in sql.statements)
    r = api("general_manager", "get", f"/customers?page={COUNT_CAP // 50 + 1}")
    assert r.status_code == 422 and r.json()["errors"]["page"][0]["message"] == "请缩小筛选范围"
    r = api("general_manager", "get", "/customers?page=113776341504932005806080")
    assert r.status_code == 422
    r = api("general_manager", "get", "/customers?cursor=not-a-cursor")
    assert r.status_code == 422 and "分页参数无效" in r.json()["errors"]["cursor"][0]["message"]
    tampered = encode_cursor("n", ["not a date", 1])
    assert api("general_manager", "get", f"/customers?cursor={tampered}").status_code == 422


def test_the_count_is_capped(activity: dict[str, Any]) -> None:
    from kedang.customers.models import Customer
    from kedang.web import paging

    with bounded_sql() as sql:
        assert paging.capped_count(Customer.objects.all(), 10) == (10, False)
    assert "LIMIT 11" in sql.statements[0]
    assert paging.capped_count(Customer.objects.all(), 100) == (N, True)
    assert paging.count_label(10, False) == "10+"
    page = paging.keyset_page(Customer.objects.all(), ("-created_at", "-id"), size=5, cap=10)
    assert page.count_label == "10+" and not page.count_exact


def test_cursor_round_trip() -> None:
    now = timezone.now()
    key = [now, dt.date(2026, 1, 2), 7, "x"]
    assert decode_cursor(encode_cursor("n", key), 4) == ("n", key)


def test_home_page_counts_are_capped_and_bounded(
    activity: dict[str, Any], login: Callable[[str], Client], settings: Any
) -> None:
    queries = {}
    for who in ("general_manager", "account_manager", "cs_agent"):
        client = login(who)
        client.get(reverse("home"))
        with bounded_sql() as sql:
            html = client.get(reverse("home")).content.decode()
        counts = [s for s in sql.statements if "COUNT(" in s.upper()]
        assert all("LIMIT" in s for s in counts if '"customers_customer"' in s.split("FROM", 1)[-1][:40])
        queries[who] = len(sql)
        if who != "cs_agent":
            assert f"全部 {N} 位客户（本月新建 {N}）" in html
    assert queries == HOME_QUERIES


HOME_QUERIES = {"general_manager": 25, "account_manager": 17, "cs_agent": 17}


def test_home_page_shows_a_capped_figure(
    activity: dict[str, Any], login: Callable[[str], Client], monkeypatch: Any
) -> None:
    from kedang.customers import selectors

    monkeypatch.setattr(selectors, "HOME_COUNT_CAP", 10)
    monkeypatch.setattr(selectors.customer_counts, "__kwdefaults__", {"cap": 10})
    html = login("general_manager").get(reverse("home")).content.decode()
    assert "全部 10+ 位客户（本月新建 10+）" in html


def test_handover_report_is_bounded(
    users: dict[str, User],
    make_customer: Callable[..., Any],
    make_vehicle: Callable[..., Any],
    login: Callable[[str], Client],
) -> None:
    day = dt.date(2025, 11, 5)
    for i in range(12):
        make_vehicle(make_customer(), delivery_date=day - dt.timedelta(days=i))
    client = login("general_manager")
    with bounded_sql() as sql:
        resp = client.get(reverse("handover") + "?day=2025-11-05")
    assert len(resp.context["report"].items) == 12
    assert len(sql) <= 15, sql.statements  # a handful, whatever the number of vehicles
    # the customers checked by a join, not an IN over every visible customer
    assert not any(re.search(r'IN \(SELECT [^()]*FROM "customers_customer"', s) for s in sql.statements)


def test_the_bounds_catch_an_offset_and_an_uncapped_count() -> None:
    assert violations(['SELECT "a" FROM "customers_customer" LIMIT 20 OFFSET 4000'])
    assert violations(['SELECT COUNT(*) AS "__count" FROM "customers_customer" WHERE "deleted_at" IS NULL'])
    assert violations(['SELECT COUNT("customers_vehicle"."id") FROM "customers_vehicle"'])
    assert not violations(['SELECT COUNT(*) FROM (SELECT 1 FROM "customers_customer" LIMIT 1001) subquery'])
    assert not violations(['SELECT "a" FROM "customers_customer" LIMIT 20 OFFSET 40'])
    with pytest.raises(SqlBoundError), bounded_sql():
        from kedang.customers.models import Customer

        list(Customer.objects.all()[5000:5010])
