"""Governance's part of the daily job (registered with the agenda in GovernanceConfig.ready)."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone


def recycle_bin_purge_due(day: dt.date) -> int:
    """Purge the recycle-bin entries whose time was up by the end of `day` (R-G4); own transactions."""
    from .services import recycle_bin_purge

    end_of_day = timezone.make_aware(dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min))
    return recycle_bin_purge(now=end_of_day)


def overdue_loans_count(day: dt.date) -> int:
    """Paper boxes lent and not back on `day` (R-G8)."""
    from .paper import overdue_loans

    return overdue_loans(day).count()
