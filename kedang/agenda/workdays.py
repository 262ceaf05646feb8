"""Dates: month arithmetic and working days (工作日) from the holiday calendar stored in the database.

The calendar is seeded from the `chinese-calendar` package (the State Council's schedule, with the
adjusted working weekends 调休) and edited by the administrator when the next year's schedule is
announced (November). For a year the calendar does not cover, Monday–Friday are working days and
`WorkCalendar.uncovered` says so, so that pages can warn.
"""

from __future__ import annotations

import calendar as _calendar
import datetime as dt
import functools
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

ONE_DAY = dt.timedelta(days=1)


def add_months(day: dt.date, months: int) -> dt.date:
    """`day` moved by whole months, clamped to the month's last day: Jan 31 + 1 month = Feb 28 (29)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    return dt.date(year, month, min(day.day, _calendar.monthrange(year, month)[1]))


def month_anchors(target: dt.date, months: int) -> list[dt.date]:
    """Every date A with add_months(A, months) == target (several when target is a month's last day,
    none when e.g. target is Mar 31 and months == 1)."""
    if months == 0:
        return [target]
    start = add_months(target.replace(day=1), -months)
    last = _calendar.monthrange(start.year, start.month)[1]
    days = (start + dt.timedelta(days=n) for n in range(last))
    return [d for d in days if add_months(d, months) == target]


@dataclass
class WorkCalendar:
    """Working days of the years loaded: exceptions (holidays, adjusted working weekends) over Mon–Fri."""

    exceptions: dict[dt.date, bool] = field(default_factory=dict)
    covered: set[int] = field(default_factory=set)
    uncovered: set[int] = field(default_factory=set)  # years asked about that the calendar lacks

    def is_workday(self, day: dt.date) -> bool:
        if day.year not in self.covered:
            self.uncovered.add(day.year)
        found = self.exceptions.get(day)
        if found is not None:
            return found
        return day.weekday() < 5

    def add_working_days(self, day: dt.date, n: int) -> dt.date:
        """The n-th working day after `day` (n ≥ 1); n == 0 gives `day` itself."""
        while n > 0:
            day += ONE_DAY
            if self.is_workday(day):
                n -= 1
        return day

    def next_working_day(self, day: dt.date) -> dt.date:
        """`day` if it is a working day, else the first working day after it."""
        while not self.is_workday(day):
            day += ONE_DAY
        return day


def load_calendar(years: Iterable[int] | None = None) -> WorkCalendar:
    """The calendar of the given years (all years when None), in two queries."""
    from .models import CalendarDay, HolidayYear

    days = CalendarDay.objects.all()
    covered = HolidayYear.objects.all()
    if years is not None:
        wanted = sorted(set(years))
        # a holiday run or a step past year end may reach into the next year
        wanted_years = set(wanted) | {y + 1 for y in wanted}
        days = days.filter(date__year__in=wanted_years)
        covered = covered.filter(year__in=wanted_years)
    return WorkCalendar(
        exceptions=dict(days.values_list("date", "is_workday")),
        covered=set(covered.values_list("year", flat=True)),
    )


def uncovered_years(years: Iterable[int]) -> list[int]:
    """The years among `years` whose holiday schedule is missing (pages warn about these)."""
    from .models import HolidayYear

    wanted = set(years)
    have = set(HolidayYear.objects.filter(year__in=wanted).values_list("year", flat=True))
    return sorted(wanted - have)


@functools.cache
def package_schedule() -> dict[int, list[tuple[dt.date, bool, str]]]:
    """The official schedule the chinese-calendar package ships, per year: (date, is_workday, name)."""
    from chinese_calendar import constants

    chinese = {h.value: getattr(h, "chinese", h.value) for h in constants.Holiday}
    by_year: dict[int, list[tuple[dt.date, bool, str]]] = {}
    for day, name in constants.holidays.items():
        by_year.setdefault(day.year, []).append((day, False, chinese.get(name, str(name))))
    for day, name in constants.workdays.items():
        label = chinese.get(name, str(name)) if name else ""
        by_year.setdefault(day.year, []).append((day, True, f"{label}调休上班" if label else "调休上班"))
    return {y: sorted(days) for y, days in sorted(by_year.items())}


def seed_calendar(year_model: Any, day_model: Any) -> int:
    """Load the package's schedule for every year not in the calendar yet (idempotent; used by the data
    migration and by tests after a flush). Returns the number of years added."""
    have = set(year_model.objects.values_list("year", flat=True))
    added = 0
    for year, days in package_schedule().items():
        if year in have:
            continue
        year_model.objects.create(year=year, source="chinese-calendar")
        existing = set(day_model.objects.filter(date__year=year).values_list("date", flat=True))
        day_model.objects.bulk_create(
            [day_model(date=d, is_workday=w, name=n) for d, w, n in days if d not in existing]
        )
        added += 1
    return added
