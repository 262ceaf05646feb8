"""Follow-up reports (R-F4): daily, weekly 《7DC回访周报表》/《3DC回访周报表》 and monthly analyses.

A report is a generator over filtered querysets (aggregates in the database) plus formatters: the page
(report.html with ECharts) and Excel (excel.py). How it counts:
* due, done, overdue, unreachable count the tasks whose due date falls in the period; overdue = expired
  (window closed without a call) or still open after its last day;
* scores count the answers of calls reached in the period, per item on the item's scale, and per
  department and agent as a percentage of the maximum (items are scored 1–5 or 1–10).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Avg, Count, F, FloatField, Q, QuerySet
from django.db.models.functions import Cast, Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kedang.accounts.models import User
from kedang.agenda.models import CARE_TRIGGER, Task, TaskStatus
from kedang.agenda.selectors import sees_team, visible_tasks
from kedang.agenda.workdays import add_months
from kedang.archive.visibility import customers_visible_to

from .models import Answer

# kind: (title, rule codes or None for all, period)
KINDS: dict[str, tuple[Any, list[str] | None, str]] = {
    "daily": (_("回访日报"), None, "day"),
    "weekly_7dc": (_("7DC回访周报表"), ["7DC"], "week"),
    "weekly_3dc": (_("3DC回访周报表"), ["3DC"], "week"),
    "monthly": (_("回访月度分析"), None, "month"),
}


def period(kind: str, day: dt.date) -> tuple[dt.date, dt.date]:
    """The day, the week (Monday–Sunday) or the month that holds `day`."""
    unit = KINDS[kind][2]
    if unit == "day":
        return day, day
    if unit == "week":
        start = day - dt.timedelta(days=day.weekday())
        return start, start + dt.timedelta(days=6)
    start = day.replace(day=1)
    return start, add_months(start, 1) - dt.timedelta(days=1)


@dataclass
class Counts:
    due: int = 0
    done: int = 0
    overdue: int = 0
    unreachable: int = 0

    @property
    def rate(self) -> float | None:
        """Share of due calls done, in percent."""
        return round(100 * self.done / self.due, 1) if self.due else None


@dataclass
class Line:
    """A department or an agent: task counts and average score (percent of maximum)."""

    name: str
    counts: Counts
    score: float | None = None
    answers: int = 0


@dataclass
class ItemScore:
    questionnaire: str
    text: str
    scale_max: int
    answers: int
    average: float

    @property
    def share(self) -> float:
        return round(100 * self.average / self.scale_max, 1)


@dataclass
class TrendPoint:
    label: str
    counts: Counts
    score: float | None


@dataclass
class Report:
    kind: str
    title: str
    start: dt.date
    end: dt.date
    as_of: dt.date
    totals: Counts
    score: float | None
    by_department: list[Line] = field(default_factory=list)
    by_agent: list[Line] = field(default_factory=list)
    items: list[ItemScore] = field(default_factory=list)
    trend: list[TrendPoint] = field(default_factory=list)

    @property
    def lowest(self) -> list[ItemScore]:
        return sorted(self.items, key=lambda i: (i.share, i.text))[:5]


def _counts_kwargs(as_of: dt.date) -> dict[str, Any]:
    overdue = Q(status=TaskStatus.EXPIRED) | Q(status=TaskStatus.OPEN, last__lt=as_of)
    return {
        "due": Count("id"),
        "done": Count("id", filter=Q(status=TaskStatus.DONE)),
        "overdue": Count("id", filter=overdue),
        "unreachable": Count("id", filter=Q(status=TaskStatus.UNREACHABLE)),
    }


def _counts(row: dict[str, Any]) -> Counts:
    return Counts(row["due"], row["done"], row["overdue"], row["unreachable"])


def _scope(
    user: User, rules: list[str] | None, department_id: int | None, agent_id: int | None
) -> tuple[QuerySet[Task], QuerySet[Answer]]:
    """Tasks and answers the report counts: visibility first; someone who is not a supervisor sees her own."""
    # care tasks (birthdays, reminders, kedang.care) are not follow-ups: they would skew the follow-up rate
    tasks = (
        visible_tasks(user)
        .exclude(rule__event_kinds=CARE_TRIGGER)
        .annotate(last=Coalesce("window_end", "due_date"))
    )
    answers = Answer.objects.filter(call__customer__in=customers_visible_to(user), call__outcome="reached")
    if not sees_team(user):
        agent_id = user.pk
    if rules:
        tasks = tasks.filter(rule__code__in=rules)
        answers = answers.filter(call__task__rule__code__in=rules)
    if department_id:
        tasks = tasks.filter(
            Q(assignee__department_id=department_id) | Q(assignee__isnull=True, department_id=department_id)
        )
        answers = answers.filter(call__called_by__department_id=department_id)
    if agent_id:
        tasks = tasks.filter(assignee_id=agent_id)
        answers = answers.filter(call__called_by_id=agent_id)
    return tasks, answers


_PERCENT = Cast(F("score"), FloatField()) * 100.0 / Cast(F("item__scale_max"), FloatField())


def followup_report(
    user: User,
    *,
    kind: str,
    day: dt.date,
    department_id: int | None = None,
    agent_id: int | None = None,
    as_of: dt.date | None = None,
) -> Report:
    """The report of `kind` for the period holding `day`, over what `user` may see (R-F4, R-G2)."""
    title, rules, unit = KINDS[kind]
    start, end = period(kind, day)
    as_of = as_of or timezone.localdate()
    tasks, answers = _scope(user, rules, department_id, agent_id)
    in_period = tasks.filter(due_date__gte=start, due_date__lte=end)
    scored = answers.filter(call__called_on__gte=start, call__called_on__lte=end)
    agg = _counts_kwargs(as_of)

    totals = _counts(in_period.aggregate(**agg))
    score = scored.aggregate(s=Avg(_PERCENT))["s"]

    by_agent_scores = {
        r["call__called_by_id"]: (r["s"], r["n"])
        for r in scored.values("call__called_by_id").annotate(s=Avg(_PERCENT), n=Count("id"))
    }
    by_agent = []
    for r in (
        in_period.values("assignee_id", "assignee__username", "assignee__display_name")
        .annotate(**agg)
        .order_by("assignee__username")
    ):
        s, n = by_agent_scores.get(r["assignee_id"], (None, 0))
        name = r["assignee__display_name"] or r["assignee__username"] or str(_("（待分配）"))
        by_agent.append(Line(name, _counts(r), _round(s), n))

    dept_name = Coalesce("assignee__department__name", "department__name")
    dept_scores = {
        r["call__called_by__department__name"]: (r["s"], r["n"])
        for r in scored.values("call__called_by__department__name").annotate(s=Avg(_PERCENT), n=Count("id"))
    }
    by_department = []
    for r in in_period.annotate(dept=dept_name).values("dept").annotate(**agg).order_by("dept"):
        s, n = dept_scores.get(r["dept"], (None, 0))
        by_department.append(Line(r["dept"] or str(_("（未分部门）")), _counts(r), _round(s), n))

    items = [
        ItemScore(
            r["item__questionnaire__name"], r["item__text"], r["item__scale_max"], r["n"], round(r["a"], 2)
        )
        for r in scored.values(
            "item_id",
            "item__questionnaire__name",
            "item__text",
            "item__scale_max",
            "item__questionnaire_id",
            "item__order",
        )
        .annotate(a=Avg("score"), n=Count("id"))
        .order_by("item__questionnaire_id", "item__order", "item_id")
    ]
    return Report(
        kind=kind,
        title=str(title),
        start=start,
        end=end,
        as_of=as_of,
        totals=totals,
        score=_round(score),
        by_department=by_department,
        by_agent=by_agent,
        items=items,
        trend=_trend(tasks, answers, unit, start, agg),
    )


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def _trend(
    tasks: QuerySet[Task], answers: QuerySet[Answer], unit: str, start: dt.date, agg: dict[str, Any]
) -> list[TrendPoint]:
    """The last 14 days, 8 weeks or 12 months up to the period: two grouped queries, bucketed here."""
    if unit == "day":
        buckets = [(start - dt.timedelta(days=n), start - dt.timedelta(days=n)) for n in range(13, -1, -1)]
        labels = [f"{a:%m-%d}" for a, _b in buckets]
    elif unit == "week":
        buckets = [
            (start - dt.timedelta(weeks=n), start - dt.timedelta(weeks=n) + dt.timedelta(days=6))
            for n in range(7, -1, -1)
        ]
        labels = [f"{a:%m-%d}" for a, _b in buckets]
    else:
        firsts = [add_months(start, -n) for n in range(11, -1, -1)]
        buckets = [(f, add_months(f, 1) - dt.timedelta(days=1)) for f in firsts]
        labels = [f"{a:%Y-%m}" for a, _b in buckets]
    lo, hi = buckets[0][0], buckets[-1][1]
    by_day = {
        r["due_date"]: r
        for r in tasks.filter(due_date__gte=lo, due_date__lte=hi).values("due_date").annotate(**agg)
    }
    score_by_day = {
        r["call__called_on"]: (r["s"], r["n"])
        for r in answers.filter(call__called_on__gte=lo, call__called_on__lte=hi)
        .values("call__called_on")
        .annotate(s=Avg(_PERCENT), n=Count("id"))
    }
    points = []
    for (a, b), label in zip(buckets, labels, strict=True):
        c = Counts()
        weighted, n = 0.0, 0
        for day, row in by_day.items():
            if a <= day <= b:
                c.due += row["due"]
                c.done += row["done"]
                c.overdue += row["overdue"]
                c.unreachable += row["unreachable"]
        for day, (s, k) in score_by_day.items():
            if a <= day <= b and s is not None:
                weighted += s * k
                n += k
        points.append(TrendPoint(label, c, round(weighted / n, 1) if n else None))
    return points
