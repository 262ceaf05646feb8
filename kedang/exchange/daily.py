"""The exchange's part of the daily job (registered with the agenda in ExchangeConfig.ready)."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone


def import_uploads_due(day: dt.date) -> int:
    """Delete the uploaded import files whose time is up by the end of `day` (R-G7, #13)."""
    from .services import import_uploads_sweep

    end_of_day = timezone.make_aware(dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min))
    return import_uploads_sweep(now=end_of_day)
