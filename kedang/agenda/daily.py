"""The daily job (SPEC §14 `run_daily`): set-based SQL over all rows, idempotent, catching up skipped days.

For a date D (and every day skipped since the last run):
1. deliveries known only from vehicles' delivery dates (entered without an event) become delivery events;
2. for every active rule and every due date X in the range, one INSERT … SELECT creates the tasks due on X
   from the events (or done tasks, for follow-on rules) whose anchor maps to X, where no task exists yet;
   assignment (account manager, department pool, round-robin among agents) is computed in the same SQL;
3. open tasks whose window has closed become expired;
4. overdue tasks without a window are escalated to the manager (escalated_on).

Nothing is done per customer in Python; the loops are over rules and dates (a handful of statements).
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, transaction
from django.db.models import F, Max
from django.utils import timezone

from kedang.customers.models import Customer, Vehicle

from .models import (
    AssignmentCursor,
    AssignMode,
    DailyRun,
    EventKind,
    EventSource,
    Rule,
    ServiceEvent,
    Task,
    TaskStatus,
)
from .rules import round_robin_agents
from .workdays import month_anchors

# Other modules' parts of the daily job: (label, function(day) -> count, atomic), run in order after the
# follow-up rules, idempotent, each in its own transaction (or its own transactions, when not atomic).
# Apps register theirs in AppConfig.ready(): the agenda knows no subscriber.
DAILY_PARTS: list[tuple[str, Callable[[dt.date], int], bool]] = []


def register_daily(label: str, part: Callable[[dt.date], int], *, atomic: bool = True) -> None:
    """Add `part` to the daily job under `label` (once: a second registration of a label replaces it).
    `atomic=False` for a part that commits in batches of its own."""
    DAILY_PARTS[:] = [p for p in DAILY_PARTS if p[0] != label]
    DAILY_PARTS.append((label, part, atomic))


# A run after a long pause catches up at most this many days (older due dates are not back-filled).
MAX_CATCH_UP_DAYS = 62
ONE_DAY = dt.timedelta(days=1)


@dataclass
class DailyResult:
    date: dt.date
    dates: list[dt.date] = field(default_factory=list)
    created: dict[str, int] = field(default_factory=dict)
    events_from_vehicles: int = 0
    expired: int = 0
    escalated: int = 0
    # what each module's part of the job did (see `register_daily`), by its label, e.g. {"care": 12}
    parts: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def purged(self) -> int:
        """Recycle-bin entries whose 30 days were up (R-G4; governance's part)."""
        return self.parts.get("purged", 0)

    @property
    def overdue_loans(self) -> int:
        """Paper boxes lent and not back (R-G8; governance's part)."""
        return self.parts.get("overdue_loans", 0)

    @property
    def created_total(self) -> int:
        return sum(self.created.values())


def sql_date(value: dt.date) -> Any:
    return connection.ops.adapt_datefield_value(value)


def _now() -> Any:
    return connection.ops.adapt_datetimefield_value(timezone.now())


def catch_up_dates(day: dt.date) -> list[dt.date]:
    """`day`, preceded by the days skipped since the last run (at most MAX_CATCH_UP_DAYS)."""
    last = DailyRun.objects.filter(date__lt=day, finished_at__isnull=False).aggregate(m=Max("date"))["m"]
    start = day
    if last is not None:
        start = max(last + ONE_DAY, day - dt.timedelta(days=MAX_CATCH_UP_DAYS - 1))
    return [start + dt.timedelta(days=n) for n in range((day - start).days + 1)]


def _assignee_sql(rule: Rule, order_by: str) -> tuple[str, str, bool]:
    """SQL for (assignee_id, department_id) of new tasks, and whether each row takes a round-robin turn."""
    if rule.assign_mode == AssignMode.OWNER:
        return "c.owner_id", "NULL", False
    if rule.assign_mode == AssignMode.ROUND_ROBIN:
        agents = round_robin_agents(rule)
        if agents:
            AssignmentCursor.objects.get_or_create(rule=rule)
            start = AssignmentCursor.objects.select_for_update().get(rule=rule).position
            whens = " ".join(f"WHEN {i} THEN {int(a)}" for i, a in enumerate(agents))
            turn = f"(ROW_NUMBER() OVER (ORDER BY {order_by}) - 1 + {int(start)}) %% {len(agents)}"
            return f"CASE {turn} {whens} END", "NULL", True
    dept = rule.assign_department_id
    return "NULL", (str(int(dept)) if dept else "NULL"), False


@dataclass(frozen=True)
class Source:
    """The rows new tasks come from: the task columns (customer, vehicle, event, parent) and anchor as SQL,
    the FROM … WHERE part (aliases: c customer, e event, v vehicle, p parent task), its params, the row order."""

    columns: str
    anchor: str
    body: str
    params: list[Any]
    order_by: str


def insert_tasks(rule: Rule, *, due: dt.date, source: Source) -> int:
    """INSERT the tasks of `rule` due on `due` for the rows of `source`. Returns the number created and
    advances the round-robin cursor by it."""
    window_end = due + dt.timedelta(days=rule.window_days) if rule.window_days else None
    assignee, department, turns = _assignee_sql(rule, source.order_by)
    sql = f"""
        INSERT INTO {Task._meta.db_table} (rule_id, customer_id, vehicle_id, event_id, parent_id, anchor_date,
            due_date, window_end, status, assignee_id, department_id, attempts, next_attempt_on, created_at)
        SELECT %s, {source.columns}, {source.anchor}, %s, %s, %s, {assignee}, {department}, 0, %s, %s
        {source.body}
    """
    params = [
        rule.pk,
        sql_date(due),
        sql_date(window_end) if window_end else None,
        TaskStatus.OPEN,
        sql_date(due),
        _now(),
    ]
    with connection.cursor() as cur:
        cur.execute(sql, params + source.params)
        created = max(cur.rowcount, 0)
    if turns and created:
        AssignmentCursor.objects.filter(rule=rule).update(position=F("position") + created)
    return created


# The NOT EXISTS probes are point lookups in the partial unique indexes (event, rule) and (parent, rule).


def _event_source(rule: Rule, anchors: list[dt.date], *, secondary: bool | None) -> Source:
    """The events of `rule`'s kinds on one of `anchors` without a task of the rule. secondary None: any
    vehicle; False: not sold via a secondary dealer; True: sold via one, anchored on the invoice date."""
    e, c, v, t = (
        ServiceEvent._meta.db_table,
        Customer._meta.db_table,
        Vehicle._meta.db_table,
        Task._meta.db_table,
    )
    kinds = rule.kinds
    kind_ph = ", ".join(["%s"] * len(kinds))
    date_ph = ", ".join(["%s"] * len(anchors))
    columns = "e.customer_id, e.vehicle_id, e.id, NULL"
    if secondary:
        # scan vehicles (few are secondary-dealer sales) and find their delivery event by index;
        # CROSS JOIN keeps that order on SQLite and is an ordinary join elsewhere
        body = f"""
            FROM {v} v CROSS JOIN {e} e CROSS JOIN {c} c
            WHERE v.via_secondary_dealer = %s AND v.deleted_at IS NULL
              AND e.vehicle_id = v.id AND e.kind IN ({kind_ph})
              AND COALESCE(v.invoice_date, e.date) IN ({date_ph})
              AND c.id = e.customer_id AND c.deleted_at IS NULL
              AND NOT EXISTS (SELECT 1 FROM {t} t WHERE t.event_id = e.id AND t.rule_id = %s)
        """
        params: list[Any] = [True, *kinds, *[sql_date(a) for a in anchors], rule.pk]
        return Source(columns, "COALESCE(v.invoice_date, e.date)", body, params, "e.id")
    vehicle_cond = "v.deleted_at IS NULL" + (" AND v.via_secondary_dealer = %s" if secondary is False else "")
    body = f"""
        FROM {e} e JOIN {c} c ON c.id = e.customer_id LEFT JOIN {v} v ON v.id = e.vehicle_id
        WHERE e.kind IN ({kind_ph}) AND e.date IN ({date_ph}) AND c.deleted_at IS NULL
          AND (e.vehicle_id IS NULL OR ({vehicle_cond}))
          AND NOT EXISTS (SELECT 1 FROM {t} t WHERE t.event_id = e.id AND t.rule_id = %s)
    """
    params = [*kinds, *[sql_date(a) for a in anchors], *([False] if secondary is False else []), rule.pk]
    return Source(columns, "e.date", body, params, "e.id")


def _parent_source(rule: Rule, anchors: list[dt.date]) -> Source:
    """The done tasks of `rule.after_rule` closed on one of `anchors` without a task of `rule` after them."""
    c, t = Customer._meta.db_table, Task._meta.db_table
    date_ph = ", ".join(["%s"] * len(anchors))
    body = f"""
        FROM {t} p JOIN {c} c ON c.id = p.customer_id
        WHERE p.rule_id = %s AND p.status = %s AND p.closed_on IN ({date_ph}) AND c.deleted_at IS NULL
          AND NOT EXISTS (SELECT 1 FROM {t} t WHERE t.parent_id = p.id AND t.rule_id = %s)
    """
    params: list[Any] = [rule.after_rule_id, TaskStatus.DONE, *[sql_date(a) for a in anchors], rule.pk]
    return Source("p.customer_id, p.vehicle_id, NULL, p.id", "p.closed_on", body, params, "p.id")


def tasks_due_on(rule: Rule, due: dt.date) -> int:
    """Create every task of `rule` due on `due` that does not exist yet (one or two INSERT … SELECT)."""
    anchors = month_anchors(due - dt.timedelta(days=rule.offset_days), rule.offset_months)
    if rule.after_rule_id:
        return insert_tasks(rule, due=due, source=_parent_source(rule, anchors)) if anchors else 0
    created = 0
    if anchors:
        secondary = False if rule.secondary_dealer_days is not None else None
        created += insert_tasks(rule, due=due, source=_event_source(rule, anchors, secondary=secondary))
    if rule.secondary_dealer_days is not None:
        base = due - dt.timedelta(days=rule.secondary_dealer_days)
        created += insert_tasks(rule, due=due, source=_event_source(rule, [base], secondary=True))
    return created


def _delivery_anchors(
    first: dt.date, last: dt.date, rules: list[Rule]
) -> tuple[list[dt.date], list[dt.date]]:
    """The delivery dates (and, for secondary-dealer sales, the invoice dates) from which a delivery rule
    falls due on a day in [first, last]."""
    deliveries: set[dt.date] = set()
    invoices: set[dt.date] = set()
    day = first
    while day <= last:
        for r in rules:
            deliveries.update(month_anchors(day - dt.timedelta(days=r.offset_days), r.offset_months))
            if r.secondary_dealer_days is not None:
                invoices.add(day - dt.timedelta(days=r.secondary_dealer_days))
        day += ONE_DAY
    return sorted(deliveries), sorted(invoices)


def events_from_vehicles(first: dt.date, last: dt.date, rules: list[Rule]) -> int:
    """Delivery events for vehicles whose delivery date was entered without one (on the vehicle form, by an
    import), for the deliveries a rule makes due in [first, last]. One INSERT … SELECT over the vehicles."""
    delivery_rules = [r for r in rules if EventKind.DELIVERY in r.kinds]
    if not delivery_rules:
        return 0
    deliveries, invoices = _delivery_anchors(first, last, delivery_rules)
    e, c, v = ServiceEvent._meta.db_table, Customer._meta.db_table, Vehicle._meta.db_table
    wanted = f"v.delivery_date IN ({', '.join(['%s'] * len(deliveries))})" if deliveries else "1 = 0"
    if invoices:
        wanted += (
            " OR (v.via_secondary_dealer = %s AND COALESCE(v.invoice_date, v.delivery_date) IN "
            f"({', '.join(['%s'] * len(invoices))}))"
        )
    sql = f"""
        INSERT INTO {e} (customer_id, vehicle_id, kind, date, accident, notes, source, created_at)
        SELECT v.customer_id, v.id, %s, v.delivery_date, %s, '', %s, %s
        FROM {v} v CROSS JOIN {c} c
        WHERE ({wanted}) AND v.delivery_date <= %s AND v.deleted_at IS NULL
          AND c.id = v.customer_id AND c.deleted_at IS NULL
          AND NOT EXISTS (SELECT 1 FROM {e} e WHERE e.vehicle_id = v.id AND e.kind = %s)
    """
    params: list[Any] = [EventKind.DELIVERY, False, EventSource.VEHICLE, _now()]
    params += [sql_date(a) for a in deliveries]
    if invoices:
        params += [True, *[sql_date(a) for a in invoices]]
    params += [sql_date(last), EventKind.DELIVERY]
    with connection.cursor() as cur:
        cur.execute(sql, params)
        return max(cur.rowcount, 0)


def daily_run(
    day: dt.date | None = None, *, catch_up: bool = True, start: dt.date | None = None
) -> DailyResult:
    """The daily job for `day` (default today), in one transaction; see the module docstring.
    `start` back-fills every due date from then on (e.g. when the system goes live)."""
    started = time.monotonic()
    day = day or timezone.localdate()
    result = DailyResult(date=day)
    with transaction.atomic():
        if start is not None and start < day:
            result.dates = [start + dt.timedelta(days=n) for n in range((day - start).days + 1)]
        else:
            result.dates = catch_up_dates(day) if catch_up else [day]
        rules = list(Rule.objects.filter(active=True).order_by("order", "code"))
        result.events_from_vehicles = events_from_vehicles(result.dates[0], day, rules)
        # rules that follow others last, so a chain started in the range is created in order
        for rule in sorted(rules, key=lambda r: r.after_rule_id is not None):
            result.created[rule.code] = sum(tasks_due_on(rule, x) for x in result.dates)
        result.expired = Task.objects.filter(status=TaskStatus.OPEN, window_end__lt=day).update(
            status=TaskStatus.EXPIRED, closed_on=day
        )
        result.escalated = escalate_overdue(day, rules)
        result.seconds = time.monotonic() - started
        DailyRun.objects.update_or_create(
            date=day,
            defaults={
                "finished_at": timezone.now(),
                "created": result.created,
                "expired": result.expired,
                "escalated": result.escalated,
                "seconds": round(result.seconds, 3),
            },
        )
    for label, part, atomic in DAILY_PARTS:
        if atomic:
            with transaction.atomic():
                result.parts[label] = part(day)
        else:
            result.parts[label] = part(day)
    return result


def escalate_overdue(day: dt.date, rules: list[Rule]) -> int:
    """Mark open tasks without a window that are overdue (by more than the rule's grace days) as escalated
    to the manager; one UPDATE per distinct grace period."""
    total = 0
    by_grace: dict[int, list[int]] = {}
    for r in rules:
        by_grace.setdefault(r.escalate_after_days, []).append(r.pk)
    for grace, rule_ids in by_grace.items():
        total += Task.objects.filter(
            status=TaskStatus.OPEN,
            window_end__isnull=True,
            escalated_on__isnull=True,
            rule_id__in=rule_ids,
            due_date__lt=day - dt.timedelta(days=grace),
        ).update(escalated_on=day)
    return total
