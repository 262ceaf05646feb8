"""The care part of the daily job (R-C1..R-C3, R-C5), registered with `register_daily("care", …)`.

For every active care rule and every date X whose greeting/reminder window contains the day
(X in [day + days_before − window, day + days_before]), one INSERT … SELECT creates the tasks of the
customers or vehicles whose birthday, holiday or due date is X and that have no task of the rule for X
yet — so each reminder is created once per due date, a changed date (a new X) re-arms it, a skipped day is
caught up while the window lasts, and a date already past creates nothing. Open reminders whose vehicle no
longer has that date are cancelled. The statements reuse the follow-up job's `insert_tasks` (assignment
as the rule says); nothing is done per customer in Python.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import connection
from django.db.models import Exists, OuterRef
from django.utils.translation import gettext_lazy as _

from kedang.agenda.daily import Source, insert_tasks, sql_date
from kedang.agenda.models import CARE_TRIGGER, Rule, Task, TaskStatus
from kedang.customers.models import Customer, CustomerKind, Vehicle

from .dates import births_on, holiday_in
from .models import Holiday

# the vehicle date behind each reminder rule
DUE_FIELDS = {
    "MAINTENANCE_DUE": "maintenance_due",
    "INSPECTION_DUE": "inspection_due",
    "INSURANCE_DUE": "insurance_expiry",
    "VEHICLE_TAX_DUE": "vehicle_tax_due",
}
DUE_LABELS = {
    "MAINTENANCE_DUE": _("保养"),
    "INSPECTION_DUE": _("年检"),
    "INSURANCE_DUE": _("保险到期"),
    "VEHICLE_TAX_DUE": _("车船税"),
}
DATE_RULES = ("BIRTHDAY", "HOLIDAY", *DUE_FIELDS)


def _literal(day: dt.date) -> str:
    """A date as an SQL literal (a date object's ISO form: nothing from outside reaches the SQL)."""
    iso = day.isoformat()
    return f"DATE '{iso}'" if connection.vendor == "postgresql" else f"'{iso}'"


def _no_task(rule: Rule, anchor: dt.date, *, vehicle: bool) -> tuple[str, list[Any]]:
    t = Task._meta.db_table
    who = "t.vehicle_id = v.id" if vehicle else "t.customer_id = c.id"
    # `+t.rule_id` keeps SQLite on the vehicle/customer index (a rule has many tasks; a vehicle, few)
    return (
        f"NOT EXISTS (SELECT 1 FROM {t} t WHERE {who} AND +t.rule_id = %s AND t.anchor_date = %s)",
        [rule.pk, sql_date(anchor)],
    )


def _birthday_sources(rule: Rule, anchor: dt.date) -> list[Source]:
    c = Customer._meta.db_table
    sources = []
    for lunar in (False, True):
        births = births_on(anchor, lunar=lunar)
        if not births:
            continue
        probe, params = _no_task(rule, anchor, vehicle=False)
        body = f"""
            FROM {c} c
            WHERE c.birthday IN ({", ".join(["%s"] * len(births))}) AND c.birthday_is_lunar = %s
              AND c.kind = %s AND c.deleted_at IS NULL AND {probe}
        """
        sources.append(
            Source(
                "c.id, NULL, NULL, NULL",
                _literal(anchor),
                body,
                [*[sql_date(b) for b in births], lunar, CustomerKind.PERSON, *params],
                "c.id",
            )
        )
    return sources


def holidays_on(anchor: dt.date) -> list[Holiday]:
    """The active holidays falling on `anchor` this year."""
    return [
        h
        for h in Holiday.objects.filter(active=True)
        if holiday_in(h.calendar, h.month, h.day, anchor.year) == anchor
    ]


def _holiday_sources(rule: Rule, anchor: dt.date, day: dt.date) -> list[Source]:
    """Every customer is greeted before a holiday; the tasks are spread over the window (on its k-th day
    the customers with id mod (window + 1) <= k), so that no day's job inserts a million rows at once.
    A skipped day is made up by the next run (the condition is cumulative)."""
    if not holidays_on(anchor):
        return []
    k = (day - (anchor - dt.timedelta(days=rule.offset_days))).days
    if k < 0:
        return []
    slices = rule.window_days + 1
    c = Customer._meta.db_table
    probe, params = _no_task(rule, anchor, vehicle=False)
    body = f"FROM {c} c WHERE c.deleted_at IS NULL AND (c.id %% {int(slices)}) <= {int(k)} AND {probe}"
    return [Source("c.id, NULL, NULL, NULL", _literal(anchor), body, params, "c.id")]


def _due_sources(rule: Rule, anchor: dt.date) -> list[Source]:
    column = DUE_FIELDS[rule.code]
    c, v = Customer._meta.db_table, Vehicle._meta.db_table
    probe, params = _no_task(rule, anchor, vehicle=True)
    # CROSS JOIN keeps the order (vehicles by the date index, then their customer) on SQLite
    body = f"""
        FROM {v} v CROSS JOIN {c} c
        WHERE v.{column} = %s AND v.deleted_at IS NULL AND c.id = v.customer_id AND c.deleted_at IS NULL
          AND {probe}
    """
    return [
        Source("v.customer_id, v.id, NULL, NULL", f"v.{column}", body, [sql_date(anchor), *params], "v.id")
    ]


def rearm(rule: Rule, day: dt.date) -> int:
    """Cancel the open reminders of `rule` whose vehicle's date has changed (or that has gone)."""
    column = DUE_FIELDS[rule.code]
    same = Vehicle.objects.filter(
        pk=OuterRef("vehicle_id"), deleted_at__isnull=True, **{column: OuterRef("anchor_date")}
    )
    return (
        Task.objects.filter(rule=rule, status=TaskStatus.OPEN)
        .exclude(Exists(same))
        .update(status=TaskStatus.CANCELLED, closed_on=day)
    )


def care_rules() -> list[Rule]:
    return list(Rule.objects.filter(active=True, event_kinds=CARE_TRIGGER, code__in=DATE_RULES))


def care_tasks_for(day: dt.date) -> dict[str, int]:
    """Create the care tasks whose window contains `day`; returns the number created per rule code."""
    created: dict[str, int] = {}
    for rule in care_rules():
        count = 0
        if rule.code in DUE_FIELDS:
            rearm(rule, day)
        first = day + dt.timedelta(days=rule.offset_days - rule.window_days)
        for n in range(rule.window_days + 1):
            anchor = first + dt.timedelta(days=n)
            if anchor < day:
                continue  # a date already past is not greeted or reminded of
            if rule.code == "BIRTHDAY":
                sources = _birthday_sources(rule, anchor)
            elif rule.code == "HOLIDAY":
                sources = _holiday_sources(rule, anchor, day)
            else:
                sources = _due_sources(rule, anchor)
            due = anchor - dt.timedelta(days=rule.offset_days)
            for source in sources:
                count += insert_tasks(rule, due=due, source=source)
        created[rule.code] = count
    return created


def care_daily(day: dt.date) -> int:
    """The registered daily part: care tasks, then event invitations (calls and letters)."""
    from .events import invitations_daily

    return sum(care_tasks_for(day).values()) + invitations_daily(day)
