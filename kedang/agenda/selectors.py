"""Reads over the agenda. Each starts from the customers the user may see (R-G2)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Count, Q, QuerySet
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils.translation import gettext

from kedang.accounts.models import User
from kedang.accounts.roles import Role
from kedang.archive.visibility import visible
from kedang.customers.models import Customer

from .models import Rule, ServiceEvent, Task, TaskStatus
from .rules import script_for
from .workdays import uncovered_years

# Roles that see everyone's tasks (within their data scope) rather than only their own work.
SUPERVISOR_ROLES = frozenset(
    {Role.GENERAL_MANAGER, Role.SALES_MANAGER, Role.CS_MANAGER, Role.ADMIN, Role.AUDITOR}
)


TASK_LIST_ORDER = ("due_date", "id")  # the task list and API: the keyset (kedang.web.paging)


def sees_team(user: User) -> bool:
    return user.role in SUPERVISOR_ROLES


def visible_tasks(user: User) -> QuerySet[Task]:
    """Tasks on the customers the user may see: each task's customer checked by a join on its key, not an
    IN over every visible customer (a million for a general manager; issue #20)."""
    return visible(Task.objects.filter(customer__deleted_at__isnull=True), user)


def mine_q(user: User) -> Q:
    """The user's own work: assigned to her, or waiting in her department's pool."""
    own = Q(assignee=user)
    if user.department_id:
        own |= Q(assignee__isnull=True, department_id=user.department_id)
    return own


def work_tasks(user: User) -> QuerySet[Task]:
    """The tasks a list shows the user: a supervisor's team (her data scope), anyone else's own."""
    qs = visible_tasks(user)
    return qs if sees_team(user) else qs.filter(mine_q(user))


def with_last_day(qs: QuerySet[Task]) -> QuerySet[Task]:
    return qs.annotate(last=Coalesce("window_end", "due_date"))


def get_task_for_user(user: User, task_id: int) -> Task:
    """The task, or 404 for one that does not exist or lies outside the user's visibility."""
    task = (
        visible_tasks(user)
        .select_related("rule", "customer", "vehicle", "assignee", "event")
        .filter(pk=task_id)
        .first()
    )
    if task is None:
        raise Http404("任务不存在")
    return task


@dataclass
class RuleGroup:
    rule: Rule
    tasks: list[Task] = field(default_factory=list)
    script: str = ""  # the rule's 话术 filled in for the group's first call (its customer, car and the agent)


@dataclass
class CallList:
    """Today's calls of one person (R-F3): overdue first, then due today, each grouped by rule."""

    today: dt.date
    overdue: list[RuleGroup]
    due: list[RuleGroup]

    @property
    def overdue_count(self) -> int:
        return sum(len(g.tasks) for g in self.overdue)

    @property
    def due_count(self) -> int:
        return sum(len(g.tasks) for g in self.due)

    @property
    def sections(self) -> list[dict[str, object]]:
        """The non-empty sections, overdue first, for the template."""
        parts = [("o", True, self.overdue, self.overdue_count), ("d", False, self.due, self.due_count)]
        return [{"key": k, "overdue": o, "groups": g, "count": n} for k, o, g, n in parts if n]


def _group(tasks: list[Task], agent: User | None = None) -> list[RuleGroup]:
    groups: dict[int, RuleGroup] = {}
    for t in tasks:
        groups.setdefault(t.rule_id, RuleGroup(t.rule)).tasks.append(t)
    for g in groups.values():
        g.script = script_for(g.tasks[0], agent) if g.rule.script else ""
    return sorted(groups.values(), key=lambda g: (g.rule.order, g.rule.code))


def call_list(user: User, today: dt.date, *, limit: int = 500) -> CallList:
    """The user's own open tasks to call today: due (or scheduled for a retry) on or before today."""
    tasks = list(
        with_last_day(visible_tasks(user).filter(mine_q(user)))
        .filter(status=TaskStatus.OPEN, next_attempt_on__lte=today)
        .select_related("rule", "customer", "vehicle", "assignee")
        .order_by("last", "rule__order", "due_date", "id")[:limit]
    )
    overdue = [t for t in tasks if t.last < today]  # type: ignore[attr-defined]
    due = [t for t in tasks if t.last >= today]  # type: ignore[attr-defined]
    return CallList(today=today, overdue=_group(overdue, user), due=_group(due, user))


def task_counts(qs: QuerySet[Task], today: dt.date) -> dict[str, int]:
    """Open calls for today, overdue ones, escalated ones and calls done today, in one query."""
    open_today = Q(status=TaskStatus.OPEN, next_attempt_on__lte=today)
    escalated = Q(status=TaskStatus.OPEN, escalated_on__isnull=False)
    # only the rows one of the figures counts, each term over its index: never every task (issue #20)
    qs = qs.filter(open_today | escalated | Q(closed_on=today))
    return with_last_day(qs).aggregate(
        today=Count("id", filter=open_today),
        overdue=Count("id", filter=open_today & Q(last__lt=today)),
        escalated=Count("id", filter=escalated),
        done_today=Count("id", filter=Q(closed_on=today, status=TaskStatus.DONE)),
    )


@dataclass
class TeamLine:
    name: str
    today: int
    overdue: int
    done_today: int


def team_totals(user: User, today: dt.date) -> list[TeamLine]:
    """Per assignee (and the unassigned pool): open calls for today, overdue, done today."""
    open_today = Q(status=TaskStatus.OPEN, next_attempt_on__lte=today)
    rows = (
        with_last_day(visible_tasks(user))
        .filter(open_today | Q(closed_on=today))
        .values("assignee_id", "assignee__username", "assignee__display_name")
        .annotate(
            today=Count("id", filter=open_today),
            overdue=Count("id", filter=open_today & Q(last__lt=today)),
            done_today=Count("id", filter=Q(closed_on=today, status=TaskStatus.DONE)),
        )
        .order_by("assignee__username")
    )
    return [
        TeamLine(
            r["assignee__display_name"] or r["assignee__username"] or gettext("（待分配）"),
            r["today"],
            r["overdue"],
            r["done_today"],
        )
        for r in rows
    ]


def task_search(
    user: User,
    *,
    due: dt.date | None = None,
    due_from: dt.date | None = None,
    due_to: dt.date | None = None,
    rule: str = "",
    assignee: str = "",
    status: str = "",
    customer_id: int | None = None,
) -> QuerySet[Task]:
    """The task list with SPEC §14's filters, over the tasks the user's lists show."""
    qs = work_tasks(user)
    if due:
        qs = qs.filter(due_date=due)
    if due_from:
        qs = qs.filter(due_date__gte=due_from)
    if due_to:
        qs = qs.filter(due_date__lte=due_to)
    if rule:
        qs = qs.filter(rule__code=rule)
    if assignee:
        qs = qs.filter(assignee__isnull=True) if assignee == "-" else qs.filter(assignee__username=assignee)
    if status:
        qs = qs.filter(status=status)
    if customer_id:
        qs = qs.filter(customer_id=customer_id)
    return qs.select_related("rule", "customer", "vehicle", "assignee").order_by(*TASK_LIST_ORDER)


def customer_tasks(customer: Customer) -> list[Task]:
    """Every task of a customer (the archive's 回访 tab, shown to whoever may see the customer), newest first,
    with their calls and answers."""
    return list(
        customer.tasks.select_related("rule", "vehicle", "assignee")
        .prefetch_related("calls__answers__item", "calls__called_by")
        .order_by("-due_date", "-id")
    )


def customer_events(customer: Customer) -> list[ServiceEvent]:
    return list(customer.service_events.select_related("vehicle", "created_by").order_by("-date", "-id")[:50])


def calendar_warning_years(today: dt.date) -> list[int]:
    """Years the pages must warn about: this year and the next 90 days' without a holiday schedule."""
    return uncovered_years({today.year, (today + dt.timedelta(days=90)).year})


def active_rules() -> list[Rule]:
    return list(Rule.objects.filter(active=True).order_by("order", "code"))
