"""Each user's tasks as an iCalendar feed (R-I5) behind a private token URL: open tasks assigned to her
(follow-ups and care) of customers she can see now (R-G2), one all-day VEVENT per task from its due date to
its last day."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from icalendar import Calendar, Event

from kedang.accounts.models import User
from kedang.agenda.models import Task, TaskStatus
from kedang.archive.visibility import customers_visible_to

from .models import CalendarFeed, new_token

HORIZON_DAYS = 90


def feed_for(user: User, *, renew: bool = False) -> CalendarFeed:
    feed, created = CalendarFeed.objects.get_or_create(user=user)
    if renew and not created:
        feed.token = new_token()
        feed.save(update_fields=["token"])
    return feed


def user_for_token(token: str) -> User | None:
    feed = CalendarFeed.objects.filter(token=token).select_related("user").first()
    if feed is None or not feed.user.is_active:
        return None
    return feed.user


def calendar_ics(user: User, *, host: str = "kedang", today: dt.date | None = None) -> bytes:
    today = today or timezone.localdate()
    cal = Calendar()
    cal.add("prodid", "-//Kedang 客档//tasks//ZH")
    cal.add("version", "2.0")
    cal.add("x-wr-calname", f"客档任务 · {user}")
    tasks = (
        Task.objects.filter(
            assignee=user,
            status=TaskStatus.OPEN,
            due_date__lte=today + dt.timedelta(days=HORIZON_DAYS),
            customer__in=customers_visible_to(user),  # read at every fetch: a customer she lost drops out
        )
        .select_related("rule", "customer", "vehicle")
        .order_by("due_date", "id")[:2000]
    )
    stamp = timezone.now()
    for t in tasks:
        ev = Event()
        ev.add("uid", f"task-{t.pk}@{host}")
        ev.add("dtstamp", stamp)
        ev.add("dtstart", t.next_attempt_on)
        ev.add("dtend", t.last_day + dt.timedelta(days=1))
        plate = f" {t.vehicle.plate}" if t.vehicle and t.vehicle.plate else ""
        ev.add("summary", f"{t.rule.name}：{t.customer.name}{plate}")
        ev.add("description", f"档号 {t.customer.archive_no}；日期 {t.anchor_date:%Y-%m-%d}")
        cal.add_component(ev)
    return cal.to_ical()
