"""Reading the access log (R-G6): for the auditor."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.models import AnonymousUser
from django.db.models import Q, QuerySet
from django.utils import timezone

from kedang.accounts.models import User
from kedang.accounts.roles import Role

from .models import AccessLog

LOG_READERS = frozenset({Role.AUDITOR})


def may_read_access_log(user: User | AnonymousUser) -> bool:
    return isinstance(user, User) and user.is_active and (user.role in LOG_READERS or user.is_superuser)


def access_log_search(
    *,
    user: str = "",
    customer: str = "",
    action: str = "",
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
) -> QuerySet[AccessLog]:
    """Rows by user (username), customer (archive number or id), action and local dates, newest first."""
    qs = AccessLog.objects.all()
    if user:
        qs = qs.filter(username=user.strip())
    if customer:
        customer = customer.strip()
        qs = qs.filter(
            Q(archive_no=customer) | Q(customer_id=int(customer))
            if customer.isdigit()
            else Q(archive_no=customer)
        )
    if action:
        qs = qs.filter(action=action)
    tz = timezone.get_current_timezone()
    if date_from:
        qs = qs.filter(at__gte=dt.datetime.combine(date_from, dt.time.min, tzinfo=tz))
    if date_to:
        qs = qs.filter(at__lt=dt.datetime.combine(date_to + dt.timedelta(days=1), dt.time.min, tzinfo=tz))
    return qs.order_by("-id")
