"""Periodic jobs of the ops app (huey; `manage.py run_huey` runs them): the weekly attachment fixity
sweep, Sunday 03:00 Asia/Shanghai. Its findings are kept (FixityRun, in the admin) and logged as errors."""

from __future__ import annotations

from typing import Any

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from .fixity import sweep


@db_periodic_task(crontab(day_of_week="0", hour="3", minute="0"))
def verify_attachments_weekly() -> dict[str, Any]:
    report = sweep()
    return {
        "checked": report.checked,
        "changed": len(report.changed),
        "missing": len(report.missing),
        "stray": len(report.stray),
    }
