"""Birthdays and holidays through the years, solar and lunar (R-C1, R-C2)."""

from __future__ import annotations

import datetime as dt

from hypothesis import given, settings
from hypothesis import strategies as st

from kedang.care.dates import birthday_in, births_on, holiday_in, lunar_of


def test_29_february_is_greeted_on_28_february_in_other_years() -> None:
    born = dt.date(1988, 2, 29)
    assert birthday_in(born, False, 2027) == dt.date(2027, 2, 28)
    assert birthday_in(born, False, 2028) == dt.date(2028, 2, 29)
    assert born in births_on(dt.date(2027, 2, 28), lunar=False)
    assert born not in births_on(dt.date(2027, 3, 1), lunar=False)
    assert born in births_on(dt.date(2028, 2, 29), lunar=False)
    assert born not in births_on(dt.date(2028, 2, 28), lunar=False)


def test_holidays_from_the_lunar_calendar() -> None:
    assert holiday_in("lunar", 1, 1, 2026) == dt.date(2026, 2, 17)  # 春节 2026
    assert holiday_in("lunar", 1, 1, 2027) == dt.date(2027, 2, 6)  # 春节 2027
    assert holiday_in("lunar", 8, 15, 2026) == dt.date(2026, 9, 25)  # 中秋 2026
    assert holiday_in("lunar", 8, 15, 2027) == dt.date(2027, 9, 15)  # 中秋 2027
    assert holiday_in("solar", 10, 1, 2026) == dt.date(2026, 10, 1)


def test_lunar_birthday_in_three_years() -> None:
    born = dt.date(1990, 9, 3)  # 庚午年七月十五
    assert lunar_of(born) == (1990, 7, 15)
    assert birthday_in(born, True, 2025) == dt.date(2025, 9, 6)
    assert birthday_in(born, True, 2026) == dt.date(2026, 8, 27)
    assert birthday_in(born, True, 2027) == dt.date(2027, 8, 16)


def test_birth_in_a_leap_month_is_celebrated_in_the_ordinary_month() -> None:
    born = dt.date(2023, 3, 22)  # 癸卯年闰二月初一
    assert lunar_of(born) == (2023, -2, 1)
    assert birthday_in(born, True, 2024) == dt.date(2024, 3, 10)  # 二月初一
    assert birthday_in(born, True, 2025) == dt.date(2025, 2, 28)
    assert birthday_in(born, True, 2026) == dt.date(2026, 3, 19)
    # 2025 has a leap sixth month: its days are nobody's birthday
    assert lunar_of(dt.date(2025, 7, 25))[1] == -6
    assert births_on(dt.date(2025, 7, 25), lunar=True) == []


def test_born_on_the_30th_is_celebrated_on_the_29th_of_a_short_month() -> None:
    born = dt.date(1987, 7, 25)  # 丁卯年六月三十
    assert lunar_of(born) == (1987, 6, 30)
    day = birthday_in(born, True, 2027)
    assert lunar_of(day) == (2027, 6, 29)  # 2027's sixth month has 29 days
    assert born in births_on(day, lunar=True)
    assert lunar_of(birthday_in(born, True, 2026)) == (2026, 6, 30)  # 2026's has 30


@settings(max_examples=25, deadline=None)
@given(
    born=st.dates(min_value=dt.date(1920, 1, 1), max_value=dt.date(2020, 12, 31)),
    year=st.integers(min_value=2021, max_value=2040),
    lunar=st.booleans(),
)
def test_births_on_is_the_inverse_of_birthday_in(born: dt.date, year: int, lunar: bool) -> None:
    day = birthday_in(born, lunar, year)
    assert born in births_on(day, lunar=lunar)
    if not lunar:
        assert (day.month, day.day) == (born.month, born.day) or (born.month, born.day, day.day) == (
            2,
            29,
            28,
        )
