"""Birthdays and holidays through the years, solar and lunar (R-C1, R-C2), with lunar-python.

Decisions (documented in README):
- A solar birthday on 29 February is greeted on 28 February in years without a 29 February.
- A lunar birthday is the birth date's lunar month and day, celebrated in each lunar year: a birth in a
  leap month is celebrated in the ordinary month of the same number (the leap month's days are nobody's
  birthday); a birth on the 30th is celebrated on the 29th when that year's month has only 29 days.
  "This year's" lunar birthday is the one in the lunar year that begins in this solar year.
- A lunar holiday (春节 1/1, 中秋 8/15) falls on that lunar date of the lunar year beginning in the
  solar year; a lunar 30th falls on the 29th of a short month (除夕 is configured as 12/30).

`births_on(day, lunar=…)` is the inverse of `birthday_in(birth, lunar, year)`: every birth date whose
birthday falls on `day`, so that the daily job can find the customers with one indexed IN (…) query.
"""

from __future__ import annotations

import calendar
import datetime as dt
from functools import lru_cache

from lunar_python import LunarYear, Solar

# the earliest birth year the daily job looks for
FIRST_BIRTH_YEAR = 1900


# Julian day number of 0001-01-01 (proleptic Gregorian), to turn lunar-python's Julian days into dates
_JD_ORDINAL = 1721425


@lru_cache(maxsize=512)
def _months(lunar_year: int) -> dict[int, tuple[int, int]]:
    """The months of a lunar year: month (negative: the leap month) → (ordinal of its first day, days)."""
    return {
        m.getMonth(): (int(m.getFirstJulianDay()) - _JD_ORDINAL, m.getDayCount())
        for m in LunarYear.fromYear(lunar_year).getMonthsInYear()
        if m.getYear() == lunar_year
    }


def _month_days(lunar_year: int, month: int) -> int:
    """Days of lunar month `month` (negative: the leap month) of `lunar_year`; 0 if it does not exist."""
    return _months(lunar_year).get(month, (0, 0))[1]


def _leap_month(lunar_year: int) -> int:
    return next((-m for m in _months(lunar_year) if m < 0), 0)


def _lunar_day(lunar_year: int, month: int, day: int) -> dt.date:
    return dt.date.fromordinal(_months(lunar_year)[month][0] + day - 1)


def lunar_of(day: dt.date) -> tuple[int, int, int]:
    """(lunar year, month — negative for a leap month —, day) of a solar date."""
    lunar = Solar.fromYmd(day.year, day.month, day.day).getLunar()
    return lunar.getYear(), lunar.getMonth(), lunar.getDay()


def lunar_date(lunar_year: int, month: int, day: int) -> dt.date:
    """The solar date of an ordinary lunar month's day; a 30th in a 29-day month is the 29th."""
    return _lunar_day(lunar_year, month, min(day, _month_days(lunar_year, month)))


def birthday_in(birth: dt.date, lunar: bool, year: int) -> dt.date:
    """The birthday of someone born on `birth` in `year` (solar year, or the lunar year starting in it)."""
    if not lunar:
        if birth.month == 2 and birth.day == 29 and not calendar.isleap(year):
            return dt.date(year, 2, 28)
        return birth.replace(year=year)
    _, month, day = lunar_of(birth)
    return lunar_date(year, abs(month), day)


def births_on(day: dt.date, *, lunar: bool, first_year: int = FIRST_BIRTH_YEAR) -> list[dt.date]:
    """Every birth date (from `first_year` to `day`) whose birthday falls on `day`."""
    if not lunar:
        found = [dt.date(y, day.month, day.day) for y in range(first_year, day.year + 1) if _valid(y, day)]
        if day.month == 2 and day.day == 28 and not calendar.isleap(day.year):
            found += [dt.date(y, 2, 29) for y in range(first_year, day.year + 1) if calendar.isleap(y)]
        return sorted(found)
    return list(_lunar_births_on(day, first_year))


@lru_cache(maxsize=64)
def _lunar_births_on(day: dt.date, first_year: int) -> tuple[dt.date, ...]:
    lunar_year, month, lday = lunar_of(day)
    if month < 0:
        return ()  # a leap month: its days' births are celebrated in the ordinary month
    days = [lday]
    if lday == 29 and _month_days(lunar_year, month) == 29:
        days.append(30)  # born on the 30th, celebrated on the last day of a short month
    found: list[dt.date] = []
    for y in range(first_year - 1, lunar_year + 1):
        for m in (month, -month) if _leap_month(y) == month else (month,):
            for d in days:
                if d <= _month_days(y, m):
                    born = _lunar_day(y, m, d)
                    if first_year <= born.year and born <= day:
                        found.append(born)
    return tuple(sorted(found))


def _valid(year: int, day: dt.date) -> bool:
    return not (day.month == 2 and day.day == 29 and not calendar.isleap(year))


def holiday_in(calendar_kind: str, month: int, day: int, year: int) -> dt.date:
    """This year's date of a holiday given as a solar or lunar month and day."""
    if calendar_kind == "lunar":
        return lunar_date(year, month, day)
    return dt.date(year, month, min(day, calendar.monthrange(year, month)[1]))
