"""Periodic jobs (huey): the daily job at 06:00 Asia/Shanghai, calling the same service as `run_daily`.
Run the worker with `manage.py run_huey`."""

from __future__ import annotations

from typing import Any

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from .daily import daily_run


@db_periodic_task(crontab(hour="6", minute="0"))
def run_daily_task() -> dict[str, Any]:
    result = daily_run()
    return {
        "date": result.date.isoformat(),
        "created": result.created,
        "expired": result.expired,
        "escalated": result.escalated,
        "seconds": round(result.seconds, 3),
    }
