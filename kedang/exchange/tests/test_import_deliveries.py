"""An imported vehicle with a recent delivery date has its delivery event and 7DC call as soon as the import
ends, on the bulk path as on the per-row path (#21 item 1); an old delivery makes no call that is too late."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from kedang.agenda.models import EventKind, ServiceEvent, Task
from kedang.customers.models import Vehicle

from .conftest import IDS, VINS, Importer

pytestmark = pytest.mark.django_db

HEADERS = ["客户名称", "手机", "身份证号", "客户经理", "车架号", "车型", "提车日期"]


@pytest.mark.parametrize("batch_size", [1, 500])  # small and large batches
def test_imported_deliveries_get_their_tasks_when_the_import_ends(
    batch_size: int, write_csv: Callable[..., Path], run_import: Importer
) -> None:
    today = timezone.localdate()
    recent, old = today - dt.timedelta(days=3), today - dt.timedelta(days=400)
    rows: list[list[Any]] = [
        ["李雷", "13800000011", IDS[3], "account_manager", VINS[3], "帕萨特", recent.isoformat()],
        ["韩梅梅", "13800000012", IDS[4], "account_manager", VINS[4], "途观", old.isoformat()],
    ]
    job = run_import(write_csv(HEADERS, rows), batch_size=batch_size)
    assert (job.created, job.rejected) == (2, 0), job.message
    fresh = Vehicle.objects.get(vin=VINS[3])
    assert ServiceEvent.objects.filter(vehicle=fresh, kind=EventKind.DELIVERY, date=recent).count() == 1
    assert list(Task.objects.filter(vehicle=fresh, rule__code="7DC").values_list("due_date", flat=True)) == [
        recent + dt.timedelta(days=7)
    ]
    stale = Vehicle.objects.get(vin=VINS[4])
    assert not Task.objects.filter(vehicle=stale, rule__code="7DC").exists()  # 400 days on: too late to call
