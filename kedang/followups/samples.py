"""Level-2 and level-3 follow-ups (R-F1): the customer-service manager's monthly random sample of the
month's completed follow-ups, and the general manager's office's quarterly list — a random sample of the
quarter's level-3 (QUARTERLY) follow-ups plus every big-ticket repair, major-accident repair and VIP
customer served in the quarter.

A sample is drawn once per period and stored; the random part is seeded by the period and a configured
seed, so drawing the same period over the same data gives the same list."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import QuerySet

from kedang.accounts.models import User
from kedang.accounts.selectors import can_write, is_manager
from kedang.agenda.models import EventKind, ServiceEvent, Task, TaskStatus
from kedang.agenda.workdays import add_months
from kedang.archive.visibility import customers_visible_to
from kedang.customers.models import Tier

from .models import Sample, SampleItem, SampleLevel, SampleReason


def sample_period(level: int, day: dt.date) -> tuple[dt.date, dt.date]:
    """Level 2: the month holding `day`; level 3: its quarter."""
    if level == SampleLevel.LEVEL_2:
        start = day.replace(day=1)
        return start, add_months(start, 1) - dt.timedelta(days=1)
    start = dt.date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)
    return start, add_months(start, 3) - dt.timedelta(days=1)


def draw(ids: list[int], *, seed: str, size: int) -> list[int]:
    """A reproducible random choice of `size` ids: the same ids and seed give the same choice."""
    population = sorted(set(ids))
    chosen = random.Random(seed).sample(population, min(size, len(population)))
    return sorted(chosen)


def sample_seed(level: int, start: dt.date) -> str:
    return f"{settings.KEDANG_SAMPLE_SEED}:L{level}:{start:%Y-%m-%d}"


def population(level: int, start: dt.date, end: dt.date) -> QuerySet[Task]:
    """The follow-ups a sample is drawn from: level 2 — level-1 follow-ups done in the month; level 3 —
    the quarter's level-3 follow-ups (due in the quarter)."""
    base = Task.objects.filter(customer__deleted_at__isnull=True)
    if level == SampleLevel.LEVEL_2:
        return base.filter(rule__level=1, status=TaskStatus.DONE, closed_on__gte=start, closed_on__lte=end)
    return base.filter(rule__level=3, due_date__gte=start, due_date__lte=end)


@transaction.atomic
def sample_draw(*, actor: User, level: int, day: dt.date) -> Sample:
    """Draw (once) and store the sample of the period holding `day`; drawing again returns the stored one.
    Managers only (R-F1: the customer-service manager, the general manager's office)."""
    if not is_manager(actor) or not can_write(actor):
        raise PermissionDenied("只有经理可以抽取二三级回访样本")
    if level not in SampleLevel.values:
        raise ValidationError({"level": ValidationError("级别必须为 2 或 3", code="invalid_choice")})
    start, end = sample_period(level, day)
    existing = Sample.objects.filter(level=level, period_start=start).first()
    if existing is not None:
        return existing
    seed = sample_seed(level, start)
    size = (
        settings.KEDANG_LEVEL2_SAMPLE_SIZE
        if level == SampleLevel.LEVEL_2
        else settings.KEDANG_LEVEL3_SAMPLE_SIZE
    )
    tasks = dict(population(level, start, end).values_list("id", "customer_id"))
    chosen = draw(list(tasks), seed=seed, size=size)
    try:
        with transaction.atomic():
            sample = Sample.objects.create(
                level=level,
                period_start=start,
                period_end=end,
                seed=seed,
                size=len(chosen),
                population=len(tasks),
                created_by=actor,
            )
    except IntegrityError:  # drawn by someone else a moment ago
        return Sample.objects.get(level=level, period_start=start)
    items = [
        SampleItem(sample=sample, customer_id=tasks[t], task_id=t, reason=SampleReason.RANDOM) for t in chosen
    ]
    if level == SampleLevel.LEVEL_3:
        items += _level3_extras(sample, start, end)
    SampleItem.objects.bulk_create(items)
    return sample


def _level3_extras(sample: Sample, start: dt.date, end: dt.date) -> list[SampleItem]:
    """Every repair above the big-ticket threshold, every accident repair, and each VIP customer served
    (an event in the quarter) once."""
    threshold = Decimal(settings.KEDANG_LEVEL3_BIG_TICKET)
    events = ServiceEvent.objects.filter(date__gte=start, date__lte=end, customer__deleted_at__isnull=True)
    repairs = events.filter(kind__in=[EventKind.REPAIR, EventKind.MAINTENANCE]).order_by("date", "id")
    items = [
        SampleItem(sample=sample, customer_id=e.customer_id, event_id=e.pk, reason=SampleReason.BIG_TICKET)
        for e in repairs.filter(amount__gt=threshold)
    ]
    items += [
        SampleItem(sample=sample, customer_id=e.customer_id, event_id=e.pk, reason=SampleReason.ACCIDENT)
        for e in repairs.filter(accident=True)
    ]
    vip_first: dict[int, int] = {}
    for customer_id, event_id in (
        events.filter(customer__tier=Tier.VIP).order_by("date", "id").values_list("customer_id", "id")
    ):
        vip_first.setdefault(customer_id, event_id)
    items += [
        SampleItem(sample=sample, customer_id=c, event_id=e, reason=SampleReason.VIP)
        for c, e in vip_first.items()
    ]
    return items


def sample_items(user: User, sample: Sample) -> list[SampleItem]:
    """The sample's lines the user may see, with the customer, the follow-up and its calls."""
    return list(
        sample.items.filter(customer__in=customers_visible_to(user))
        .select_related("customer", "task__rule", "task__assignee", "task__vehicle", "event__vehicle")
        .prefetch_related("task__calls__answers__item")
        .order_by("reason", "id")
    )
