"""Working days from the holiday calendar in the database (R-A6): National Day, adjusted working Sundays,
and weekends only — with a warning — for a year whose schedule is not in the calendar yet."""

from __future__ import annotations

import datetime as dt

import pytest

from kedang.agenda.models import CalendarDay, HolidayYear
from kedang.agenda.workdays import load_calendar, uncovered_years

pytestmark = pytest.mark.django_db

D = dt.date


def test_seeded_from_the_official_schedule() -> None:
    cal = load_calendar([2025])
    assert not cal.is_workday(D(2025, 10, 1))  # National Day
    assert not cal.is_workday(D(2025, 10, 8))
    assert cal.is_workday(D(2025, 9, 28))  # Sunday, adjusted working day (调休)
    assert cal.is_workday(D(2025, 10, 11))  # Saturday, adjusted working day
    assert not cal.is_workday(D(2025, 9, 27))  # an ordinary Saturday
    assert CalendarDay.objects.get(date=D(2025, 10, 1)).name == "国庆节"


def test_hand_over_deadline_across_national_day() -> None:
    cal = load_calendar([2025])
    # delivered on the eve of the holiday: two working days are Oct 9 and Oct 10
    assert cal.add_working_days(D(2025, 9, 30), 2) == D(2025, 10, 10)
    # repair on the eve: one working day is Oct 9
    assert cal.add_working_days(D(2025, 9, 30), 1) == D(2025, 10, 9)


def test_hand_over_deadline_on_an_adjusted_working_sunday() -> None:
    cal = load_calendar([2025])
    # delivered Friday Sep 26: Saturday off, Sunday Sep 28 works, Monday Sep 29 is the second day
    assert cal.add_working_days(D(2025, 9, 26), 2) == D(2025, 9, 29)
    # repaired Saturday Sep 27: due the next day, the working Sunday
    assert cal.add_working_days(D(2025, 9, 27), 1) == D(2025, 9, 28)
    assert cal.next_working_day(D(2025, 9, 27)) == D(2025, 9, 28)
    assert cal.uncovered == set()


def test_spring_festival_2026() -> None:
    cal = load_calendar([2026])
    assert not cal.is_workday(D(2026, 2, 17))  # 春节
    assert cal.is_workday(D(2026, 2, 14))  # Saturday, adjusted working day
    assert cal.add_working_days(D(2026, 2, 13), 1) == D(2026, 2, 14)


def test_a_year_without_schedule_counts_weekends_and_says_so() -> None:
    assert not HolidayYear.objects.filter(year=2031).exists()
    cal = load_calendar([2031])
    # Oct 1 2031 is a Wednesday: without the schedule it counts as a working day
    assert cal.is_workday(D(2031, 10, 1))
    assert cal.add_working_days(D(2031, 10, 3), 1) == D(2031, 10, 6)  # Friday → Monday
    assert cal.uncovered == {2031}
    assert uncovered_years([2025, 2031]) == [2031]


def test_the_administrator_adds_next_years_schedule() -> None:
    HolidayYear.objects.create(year=2031, source="国务院办公厅通知")
    CalendarDay.objects.bulk_create(
        [CalendarDay(date=D(2031, 10, n), name="国庆节") for n in range(1, 8)]
        + [CalendarDay(date=D(2031, 9, 28), is_workday=True, name="国庆节调休上班")]
    )
    cal = load_calendar([2031])
    assert cal.add_working_days(D(2031, 9, 30), 2) == D(2031, 10, 9)
    assert cal.is_workday(D(2031, 9, 28))
    assert cal.uncovered == set()
    assert uncovered_years([2031]) == []
