"""Care pages and API end to end: bulk send with preview, the outbox, letters PDF, registers (PDF, Excel),
events with invitations and attendance, do-not-contact, the iCalendar feed; visibility (R-G2)."""

from __future__ import annotations

import datetime as dt
import io
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone
from icalendar import Calendar
from openpyxl import load_workbook
from pypdf import PdfReader

from conftest import PASSWORD
from kedang.accounts.models import User
from kedang.accounts.roles import Role
from kedang.accounts.services import token_issue
from kedang.agenda.models import Task, TaskStatus
from kedang.care.daily import care_tasks_for
from kedang.care.events import invitations_daily
from kedang.care.letters import letters_pdf
from kedang.care.models import (
    Attendance,
    CareEvent,
    Channel,
    Invitation,
    Message,
    MessageStatus,
    MessageTemplate,
)
from kedang.care.sending import send_batch
from kedang.followups.services import task_complete

pytestmark = pytest.mark.django_db
Call = Callable[..., Any]


@pytest.fixture(autouse=True)
def gateways(settings: Any, tmp_path: Path) -> None:
    settings.KEDANG_SMS_DIR = tmp_path / "sms"
    settings.KEDANG_QUIET_HOURS = {"sms": ""}  # the pages are tested at any time of day
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


@pytest.fixture
def api(client: Client, users: dict[str, User]) -> Call:
    tokens: dict[str, str] = {}

    def call(who: str, method: str, path: str, body: Any = None) -> Any:
        if who not in tokens:
            token = token_issue(username=users[who].username, password=PASSWORD)
            assert token
            tokens[who] = token
        kwargs: dict[str, Any] = {"headers": {"Authorization": f"Bearer {tokens[who]}"}}
        if body is not None:
            kwargs.update(data=json.dumps(body), content_type="application/json")
        return getattr(client, method)(f"/api/v1{path}", **kwargs)

    return call


def pdf_pages(data: bytes) -> list[str]:
    return [p.extract_text() for p in PdfReader(io.BytesIO(data)).pages]


def test_bulk_send_from_the_care_page(
    login: Callable[[str], Client], make_customer: Callable[..., Any], users: dict[str, User]
) -> None:
    today = timezone.localdate()
    a = make_customer(name="王五", birthday=(today + dt.timedelta(days=5)).replace(year=1980))
    make_customer(name="赵六", owner=users["am2"], birthday=a.birthday)
    care_tasks_for(today)
    client = login(Role.ACCOUNT_MANAGER)
    page = client.get("/care/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "王五" in html and "赵六" not in html  # only her own customers
    [task] = Task.objects.filter(rule__code="BIRTHDAY", customer=a)
    tpl = MessageTemplate.objects.get(name="生日祝福短信")
    preview = client.post("/care/preview/", {"template": tpl.pk, "task": [task.pk]})
    assert preview.status_code == 200 and "王五您好" in preview.content.decode()
    sent = client.post("/care/send/", {"template": tpl.pk, "task": [task.pk]})
    assert sent.status_code == 302 and "/care/outbox/?batch=" in sent["Location"]
    msg = Message.objects.get()
    assert msg.status == MessageStatus.QUEUED
    send_batch(msg.batch)
    outbox = client.get(sent["Location"]).content.decode()
    assert "王五" in outbox and "已发送" in outbox
    other = login("am2").get(sent["Location"]).content.decode()
    assert "王五" not in other


def test_letters_merge_into_one_pdf_one_page_per_letter(
    users: dict[str, User], make_customer: Callable[..., Any]
) -> None:
    from kedang.care.services import messages_queue

    names = ["钱一", "孙二", "李三"]
    customers = [make_customer(name=n, address=f"北京市朝阳区幸福路{i}号") for i, n in enumerate(names, 1)]
    tpl = MessageTemplate.objects.get(name="生日贺信")
    batch, _ = messages_queue(
        users[Role.ACCOUNT_MANAGER], template_id=tpl.pk, customer_ids=[c.pk for c in customers]
    )
    send_batch(batch)
    letters = Message.objects.filter(batch=batch).order_by("id").select_related("customer")
    pages = pdf_pages(letters_pdf(letters))
    assert len(pages) == 2 * len(names)  # the letters, then their envelopes
    for i, name in enumerate(names):
        assert f"尊敬的{name}" in pages[i] and all(n not in pages[i] for n in names if n != name)
        assert name in pages[len(names) + i] and f"幸福路{i + 1}号" in pages[len(names) + i]


def test_registers_page_pdf_and_excel(
    login: Callable[[str], Client], users: dict[str, User], make_customer: Callable[..., Any]
) -> None:
    from kedang.care.services import messages_queue

    today = timezone.localdate()
    c = make_customer(
        name="周七",
        address="上海市黄浦区南京路1号",
        birthday=(today + dt.timedelta(days=3)).replace(year=1972),
    )
    care_tasks_for(today)
    task = Task.objects.get(rule__code="BIRTHDAY")
    task_complete(actor=users[Role.ACCOUNT_MANAGER], task_id=task.pk, outcome="reached", remarks="已祝福")
    batch, _ = messages_queue(
        users[Role.ACCOUNT_MANAGER],
        template_id=MessageTemplate.objects.get(name="生日贺信").pk,
        customer_ids=[c.pk],
    )
    send_batch(batch)
    client = login(Role.ACCOUNT_MANAGER)
    for kind, title in (("calls", "跟踪服务电话登记表"), ("letters", "跟踪服务信函登记表")):
        q = f"/care/registers/?kind={kind}&start={today:%Y-%m-%d}&end={today:%Y-%m-%d}"
        html = client.get(q).content.decode()
        assert title in html and "周七" in html
        pdf = client.get(q + "&format=pdf")
        text = "".join(pdf_pages(pdf.content))
        assert title in text and "周七" in text
        wb = load_workbook(io.BytesIO(client.get(q + "&format=xlsx").content))
        values = [v for row in wb.active.iter_rows(values_only=True) for v in row]
        assert "周七" in values
    assert "周七" not in login("am2").get("/care/registers/?kind=letters").content.decode()


def test_event_invitations_calls_two_weeks_ahead_letters_within_two_days(
    login: Callable[[str], Client], users: dict[str, User], make_customer: Callable[..., Any]
) -> None:
    from kedang.customers.models import Customer

    today = timezone.localdate()
    vip = [make_customer(name=f"贵宾{i}", address="广州市天河路1号") for i in range(3)]
    Customer.objects.filter(pk__in=[c.pk for c in vip]).update(tier="A")
    make_customer(name="普通客户")
    client = login(Role.ACCOUNT_MANAGER)
    r = client.post(
        "/care/events/",
        {"title": "新车讲座", "date": f"{today + dt.timedelta(days=30):%Y-%m-%d}", "place": "展厅"},
    )
    event = CareEvent.objects.get()
    assert r.status_code == 302
    client.post(f"/care/events/{event.pk}/", {"action": "invite", "tier": "A"})
    assert Invitation.objects.filter(event=event).count() == 3
    assert Task.objects.filter(rule__code="EVENT_INVITE").count() == 0  # not yet: 30 days ahead
    invitations_daily(event.date - dt.timedelta(days=14))
    calls = Task.objects.filter(rule__code="EVENT_INVITE")
    assert calls.count() == 3 and {t.due_date for t in calls} == {event.date - dt.timedelta(days=14)}
    assert all(i.task_id for i in Invitation.objects.filter(event=event))
    assert not Message.objects.exists()
    Invitation.objects.filter(customer=vip[0]).update(status=Attendance.DECLINED)
    invitations_daily(event.date - dt.timedelta(days=12))
    letters = Message.objects.filter(channel=Channel.LETTER)
    assert sorted(m.customer.name for m in letters) == ["贵宾1", "贵宾2"]
    assert "新车讲座" in letters[0].body
    invitations_daily(event.date - dt.timedelta(days=11))
    assert letters.count() == 2 and calls.count() == 3  # once
    inv = Invitation.objects.get(customer=vip[1])
    client.post(
        f"/care/events/{event.pk}/", {"action": "attendance", "invitation": inv.pk, "status": "attended"}
    )
    inv.refresh_from_db()
    assert inv.status == Attendance.ATTENDED
    assert "贵宾1" in client.get(f"/care/events/{event.pk}/").content.decode()


def test_do_not_contact_page(login: Callable[[str], Client], make_customer: Callable[..., Any]) -> None:
    from kedang.care.models import DoNotContact

    c = make_customer()
    client = login(Role.ACCOUNT_MANAGER)
    client.post(f"/care/customers/{c.pk}/contact/", {"channel": "sms", "blocked": "1", "reason": "不要短信"})
    assert DoNotContact.objects.filter(customer=c, channel="sms").exists()
    assert "不要短信" in client.get(f"/care/customers/{c.pk}/contact/").content.decode()
    assert login("am2").get(f"/care/customers/{c.pk}/contact/").status_code == 404


def test_ical_feed_with_private_token(
    login: Callable[[str], Client],
    client: Client,
    users: dict[str, User],
    make_customer: Callable[..., Any],
    make_vehicle: Callable[..., Any],
) -> None:
    today = timezone.localdate()
    c = make_customer(name="吴八")
    make_vehicle(c, plate="沪B54321", inspection_due=today + dt.timedelta(days=5))
    care_tasks_for(today)
    page = login(Role.ACCOUNT_MANAGER).get("/care/calendar/").content.decode()
    from kedang.care.models import CalendarFeed

    token = CalendarFeed.objects.get(user=users[Role.ACCOUNT_MANAGER]).token
    assert token in page
    client.logout()
    r = client.get(f"/care/ical/{token}.ics")
    assert r.status_code == 200 and r["Content-Type"].startswith("text/calendar")
    cal = Calendar.from_ical(r.content)
    events = list(cal.walk("VEVENT"))
    assert len(events) == 1
    assert "吴八" in str(events[0]["summary"]) and "沪B54321" in str(events[0]["summary"])
    assert events[0].decoded("dtstart") == today - dt.timedelta(days=2)  # a week before the due date
    assert events[0].decoded("dtend") == today + dt.timedelta(days=6)  # through the due date
    assert client.get("/care/ical/not-a-token.ics").status_code == 404
    login(Role.ACCOUNT_MANAGER).post("/care/calendar/")  # a new address revokes the old one
    assert client.get(f"/care/ical/{token}.ics").status_code == 404


def test_api_preview_queue_list_deliver(
    api: Call, make_customer: Callable[..., Any], users: dict[str, User]
) -> None:
    c = make_customer(name="郑九")
    mine_only = make_customer(name="冯十", owner=users["am2"])
    tpl = MessageTemplate.objects.get(name="节日问候短信")
    r = api(
        Role.ACCOUNT_MANAGER,
        "post",
        "/messages/preview",
        {"template_id": tpl.pk, "customer_ids": [c.pk, mine_only.pk]},
    )
    assert r.status_code == 200
    [item] = r.json()["items"]
    assert item["customer_id"] == c.pk and "郑九" in item["body"] and item["blocked"] is None
    r = api(Role.ACCOUNT_MANAGER, "post", "/messages", {"template_id": tpl.pk, "customer_ids": [c.pk]})
    assert r.status_code == 202 and r.json()["queued"] == 1
    batch = r.json()["batch"]
    send_batch(batch)
    r = api(Role.ACCOUNT_MANAGER, "get", f"/messages?batch={batch}")
    [m] = r.json()["items"]
    assert m["status"] == "sent"
    r = api(Role.ACCOUNT_MANAGER, "post", "/messages/delivery-report", {"provider_id": f"file-{m['id']}"})
    assert r.json() == {"marked": 1}
    assert api(Role.ACCOUNT_MANAGER, "get", f"/messages/{m['id']}").json()["status"] == "delivered"
    assert api("am2", "get", f"/messages/{m['id']}").status_code == 404
    r = api(Role.ACCOUNT_MANAGER, "post", "/messages", {"template_id": 0, "customer_ids": [c.pk]})
    assert r.status_code == 422 and "template_id" in r.json()["errors"]
    r = api(
        Role.ACCOUNT_MANAGER, "post", "/message-templates", {"name": "t", "channel": "sms", "body": "{oops}"}
    )
    assert r.status_code == 422 and "body" in r.json()["errors"]
    r = api(
        Role.ACCOUNT_MANAGER, "post", f"/customers/{c.pk}/do-not-contact", {"channel": "sms", "blocked": True}
    )
    assert r.status_code == 204
    r = api(
        Role.ACCOUNT_MANAGER, "post", "/messages/preview", {"template_id": tpl.pk, "customer_ids": [c.pk]}
    )
    assert r.json()["items"][0]["blocked"].startswith("客户要求不接受短信")


def test_api_care_tasks(api: Call, make_customer: Callable[..., Any]) -> None:
    today = timezone.localdate()
    make_customer(birthday=(today + dt.timedelta(days=4)).replace(year=1984))
    care_tasks_for(today)
    r = api(Role.ACCOUNT_MANAGER, "get", "/care/tasks?rule=BIRTHDAY")
    assert r.status_code == 200 and r.json()["count"] == 1
    assert r.json()["items"][0]["rule"] == "BIRTHDAY"
    r = api(Role.ACCOUNT_MANAGER, "get", "/tasks?rule=BIRTHDAY")  # also in the agenda's own list (SPEC §14)
    assert r.json()["count"] == 1
    assert Task.objects.get().status == TaskStatus.OPEN


def test_the_home_page_counts_care_tasks_due(
    users: dict[str, Any], make_customer: Callable[..., Any], login: Callable[[str], Any]
) -> None:
    """工作台's 关怀提醒 card: the care tasks due by today on her list, linked to them (R-H1)."""
    from django.urls import reverse
    from django.utils import timezone

    from kedang.agenda.models import Rule, Task

    today = timezone.localdate()
    customer = make_customer(name="寿星")
    rule = Rule.objects.get(code="BIRTHDAY")
    for due in (today, today + dt.timedelta(days=3)):
        Task.objects.create(
            rule=rule,
            customer=customer,
            anchor_date=due,
            due_date=due,
            next_attempt_on=due,
            assignee=users["cs_agent"],
        )
    html = login("cs_agent").get(reverse("home")).content.decode()
    card = html[
        html.index(f'kd-stat d-block text-decoration-none text-body" href="{reverse("care_tasks")}"') :
    ][:500]
    assert ">1<" in card and "生日、节日、到期提醒待办" in card
