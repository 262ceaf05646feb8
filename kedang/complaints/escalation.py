"""Escalation of overdue complaints (R-P3), the complaints' part of the daily job.

A complaint whose stage deadline has passed is escalated once per stage: to the handler's manager (a
manager of her department, else of a department above it), or, before anyone handles it, to the general
manager; failing those, to a customer-service manager. The escalation is logged on the complaint and on
the customer's timeline; a later transition starts a new stage, which may be escalated once again."""

from __future__ import annotations

import datetime as dt

from django.db.models import Q
from django.utils import timezone

from kedang.accounts.models import User
from kedang.accounts.roles import MANAGER_ROLES, Role
from kedang.archive.timeline import records_add
from kedang.customers.models import RecordKind

from .models import OPEN_STATES, Complaint, Transition


def _first_with_role(roles: list[str], **filters: object) -> User | None:
    for role in roles:
        user = User.objects.filter(is_active=True, groups__name=role, **filters).order_by("id").first()
        if user is not None:
            return user
    return None


def manager_of(user: User | None) -> User | None:
    """Whom an overdue complaint of `user` goes to."""
    order = [Role.CS_MANAGER, Role.SALES_MANAGER, Role.GENERAL_MANAGER, Role.ADMIN]
    if user is not None:
        dept = user.department
        while dept is not None:
            boss = (
                User.objects.filter(is_active=True, department=dept, groups__name__in=MANAGER_ROLES)
                .exclude(pk=user.pk)
                .order_by("id")
                .first()
            )
            if boss is not None:
                return boss
            dept = dept.parent
        return _first_with_role([Role.CS_MANAGER, Role.GENERAL_MANAGER])
    return _first_with_role([Role.GENERAL_MANAGER, *order])


def escalate_overdue_complaints(day: dt.date) -> int:
    """Escalate every open complaint overdue on `day` that is not escalated in its current stage yet;
    idempotent. One UPDATE per handler (a handful), the log and timeline rows in two bulk inserts."""
    overdue = Complaint.objects.filter(state__in=OPEN_STATES, due_on__lt=day, escalated_on__isnull=True)
    handler_ids = set(overdue.values_list("handler_id", flat=True).distinct())
    now = timezone.now()
    total = 0
    for handler_id in handler_ids:
        handler = (
            User.objects.filter(pk=handler_id).select_related("department").first() if handler_id else None
        )
        boss = manager_of(handler)
        batch = overdue.filter(Q(handler_id=handler_id) if handler_id else Q(handler__isnull=True))
        rows = list(
            batch.select_for_update(of=("self",)).values(
                "pk", "number", "state", "customer_id", "vehicle_id", "due_on"
            )
        )
        if not rows:
            continue
        total += Complaint.objects.filter(pk__in=[r["pk"] for r in rows], escalated_on__isnull=True).update(
            escalated_on=day, escalated_to=boss
        )
        to = str(boss) if boss else "—"
        Transition.objects.bulk_create(
            [
                Transition(
                    complaint_id=r["pk"],
                    action="escalate",
                    from_state=r["state"],
                    to_state=r["state"],
                    actor=None,
                    at=now,
                    on=day,
                    note=f"逾期未处理（时限 {r['due_on']:%Y-%m-%d}），已上报 {to}",
                    data={"to": boss.username if boss else None},
                )
                for r in rows
            ]
        )
        records_add(
            {
                "customer": r["customer_id"],
                "actor": None,
                "kind": RecordKind.COMPLAINT,
                "title": f"投诉 {r['number']}：逾期上报 {to}",
                "body": f"时限 {r['due_on']:%Y-%m-%d}",
                "occurred_on": day,
                "vehicle_id": r["vehicle_id"],
            }
            for r in rows
        )
    return total
