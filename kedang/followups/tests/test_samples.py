"""Level-2 monthly and level-3 quarterly samples (R-F1): reproducible, drawn once per period; level 3
adds every big-ticket repair, accident repair and VIP customer."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.urls import reverse

from kedang.accounts.models import User
from kedang.agenda.models import Task, TaskStatus
from kedang.agenda.services import event_record
from kedang.followups.models import Sample, SampleItem, SampleReason
from kedang.followups.samples import draw, sample_draw, sample_period

pytestmark = pytest.mark.django_db

D = dt.date


def test_draw_is_reproducible_and_seeded() -> None:
    ids = list(range(1, 101))
    a = draw(ids, seed="kedang:L2:2026-03-01", size=10)
    assert a == draw(list(reversed(ids)), seed="kedang:L2:2026-03-01", size=10)
    assert a != draw(ids, seed="kedang:L2:2026-04-01", size=10)
    assert len(a) == 10 and len(set(a)) == 10
    assert draw([3, 1], seed="x", size=10) == [1, 3]


def test_periods() -> None:
    assert sample_period(2, D(2024, 2, 10)) == (D(2024, 2, 1), D(2024, 2, 29))
    assert sample_period(3, D(2026, 11, 27)) == (D(2026, 10, 1), D(2026, 12, 31))


def test_level2_samples_the_months_done_follow_ups_once(
    users: dict[str, User], make_customer: Callable[..., Any], settings: Any
) -> None:
    settings.KEDANG_LEVEL2_SAMPLE_SIZE = 3
    for _ in range(6):
        event_record(
            actor=users["cs_agent"],
            customer_id=make_customer().pk,
            kind="service",
            date=D(2026, 3, 2),
            today=D(2026, 3, 2),
        )
    tasks = list(Task.objects.order_by("id"))
    Task.objects.filter(pk__in=[t.pk for t in tasks[:5]]).update(
        status=TaskStatus.DONE, closed_on=D(2026, 3, 6)
    )
    with pytest.raises(PermissionDenied):
        sample_draw(actor=users["cs_agent"], level=2, day=D(2026, 3, 31))
    sample = sample_draw(actor=users["cs_manager"], level=2, day=D(2026, 3, 31))
    chosen = sorted(sample.items.values_list("task_id", flat=True))
    assert (sample.population, sample.size, len(chosen)) == (5, 3, 3)
    assert set(chosen) <= {t.pk for t in tasks[:5]}
    assert chosen == draw([t.pk for t in tasks[:5]], seed=sample.seed, size=3)
    # drawn once: the same sample comes back; deleted and drawn again, the same list
    assert sample_draw(actor=users["general_manager"], level=2, day=D(2026, 3, 1)) == sample
    Sample.objects.all().delete()
    again = sample_draw(actor=users["cs_manager"], level=2, day=D(2026, 3, 15))
    assert sorted(again.items.values_list("task_id", flat=True)) == chosen


def test_level3_adds_big_tickets_accidents_and_vips(
    users: dict[str, User], make_customer: Callable[..., Any], make_vehicle: Callable[..., Any], settings: Any
) -> None:
    settings.KEDANG_LEVEL3_BIG_TICKET = "20000.00"
    desk = users["cs_manager"]
    big, small, crash, vip = make_customer(), make_customer(), make_customer(), make_customer(tier="VIP")
    day = D(2026, 2, 10)
    event_record(actor=desk, customer_id=big.pk, kind="repair", date=day, amount="20000.01", today=day)
    event_record(actor=desk, customer_id=small.pk, kind="repair", date=day, amount="20000.00", today=day)
    event_record(
        actor=desk, customer_id=crash.pk, kind="repair", date=day, amount="500", accident=True, today=day
    )
    event_record(actor=desk, customer_id=vip.pk, kind="service", date=day, today=day)
    event_record(actor=desk, customer_id=vip.pk, kind="maintenance", date=D(2026, 3, 1), today=D(2026, 3, 1))
    # a delivery in November: its QUARTERLY follow-up falls due in February
    delivered = make_customer()
    event_record(
        actor=desk,
        customer_id=delivered.pk,
        kind="delivery",
        date=D(2025, 11, 20),
        vehicle_id=make_vehicle(delivered).pk,
        today=D(2025, 11, 20),
    )
    sample = sample_draw(actor=users["general_manager"], level=3, day=day)
    lines = sorted(sample.items.values_list("reason", "customer_id"))
    assert lines == sorted(
        [
            (SampleReason.BIG_TICKET, big.pk),
            (SampleReason.ACCIDENT, crash.pk),
            (SampleReason.VIP, vip.pk),
            (SampleReason.RANDOM, delivered.pk),
        ]
    )
    random_task = SampleItem.objects.get(reason=SampleReason.RANDOM).task
    assert random_task is not None and random_task.rule.code == "QUARTERLY"


def test_samples_page(
    login: Callable[[str], Client], users: dict[str, User], make_customer: Callable[..., Any]
) -> None:
    client = login("cs_manager")
    page = client.get(reverse("followup_samples") + "?level=3&day=2026-02-10")
    assert page.status_code == 200 and page.context["sample"] is None
    response = client.post(reverse("followup_samples") + "?level=3&day=2026-02-10")
    assert response.status_code == 302
    assert Sample.objects.get().level == 3
    assert login("cs_agent").get(reverse("followup_samples")).context["can_draw"] is False
