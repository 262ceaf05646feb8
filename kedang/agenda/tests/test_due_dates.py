"""Every rule's due date on hand-picked dates (SPEC §4): month ends, leap years, the secondary dealer,
windows; and the inverse the daily job uses (which anchors fall due on a date)."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kedang.agenda.models import Rule
from kedang.agenda.rules import task_dates
from kedang.agenda.workdays import add_months, month_anchors

pytestmark = pytest.mark.django_db

D = dt.date


def due(code: str, anchor: dt.date, **vehicle: object) -> tuple[dt.date, dt.date | None]:
    dates = task_dates(Rule.objects.get(code=code), anchor, **vehicle)  # type: ignore[arg-type]
    return dates.due, dates.window_end


@pytest.mark.parametrize(
    ("code", "anchor", "expected"),
    [
        # 7DC: delivery + 7 days, no window
        ("7DC", D(2024, 2, 22), (D(2024, 2, 29), None)),  # leap day
        ("7DC", D(2025, 2, 22), (D(2025, 3, 1), None)),
        ("7DC", D(2025, 12, 28), (D(2026, 1, 4), None)),  # across the year end
        # 3DC: window +3 … +5 after the repair
        ("3DC", D(2026, 1, 30), (D(2026, 2, 2), D(2026, 2, 4))),
        ("3DC", D(2024, 2, 26), (D(2024, 2, 29), D(2024, 3, 2))),
        # INSTALL: 2–3 days
        ("INSTALL", D(2026, 2, 27), (D(2026, 3, 1), D(2026, 3, 2))),
        # SERVICE_1: 3–7 days; SERVICE_2: 7–14 days after the first call was done
        ("SERVICE_1", D(2028, 2, 26), (D(2028, 2, 29), D(2028, 3, 4))),
        ("SERVICE_2", D(2026, 12, 28), (D(2027, 1, 4), D(2027, 1, 11))),
        # MONTHLY: + 1 month, clamped to the month's last day
        ("MONTHLY", D(2026, 1, 31), (D(2026, 2, 28), None)),
        ("MONTHLY", D(2024, 1, 31), (D(2024, 2, 29), None)),
        ("MONTHLY", D(2026, 3, 31), (D(2026, 4, 30), None)),
        ("MONTHLY", D(2026, 12, 15), (D(2027, 1, 15), None)),
        # QUARTERLY: + 3 months
        ("QUARTERLY", D(2025, 11, 30), (D(2026, 2, 28), None)),
        ("QUARTERLY", D(2023, 11, 30), (D(2024, 2, 29), None)),
        ("QUARTERLY", D(2026, 5, 31), (D(2026, 8, 31), None)),
        # YEARLY: + 1 year; Feb 29 becomes Feb 28
        ("YEARLY", D(2024, 2, 29), (D(2025, 2, 28), None)),
        ("YEARLY", D(2027, 2, 28), (D(2028, 2, 28), None)),
    ],
)
def test_due_date_of_each_rule(code: str, anchor: dt.date, expected: tuple[dt.date, dt.date | None]) -> None:
    assert due(code, anchor) == expected


def test_secondary_dealer_counts_ten_days_from_the_invoice() -> None:
    delivered, invoiced = D(2026, 3, 5), D(2026, 2, 26)
    assert due("7DC", delivered, via_secondary_dealer=True, invoice_date=invoiced) == (D(2026, 3, 8), None)
    # leap year, invoice at the month end
    assert due("7DC", D(2024, 2, 25), via_secondary_dealer=True, invoice_date=D(2024, 2, 19)) == (
        D(2024, 2, 29),
        None,
    )
    # no invoice date: from the delivery
    assert due("7DC", delivered, via_secondary_dealer=True) == (D(2026, 3, 15), None)
    # a direct sale ignores the invoice date
    assert due("7DC", delivered, via_secondary_dealer=False, invoice_date=invoiced) == (D(2026, 3, 12), None)
    # other rules do not care about the dealer
    assert due("MONTHLY", delivered, via_secondary_dealer=True, invoice_date=invoiced) == (
        D(2026, 4, 5),
        None,
    )


def test_month_anchors_of_a_month_end() -> None:
    assert month_anchors(D(2026, 2, 28), 1) == [
        D(2026, 1, 28),
        D(2026, 1, 29),
        D(2026, 1, 30),
        D(2026, 1, 31),
    ]
    assert month_anchors(D(2024, 2, 29), 12) == []  # 2023 has no Feb 29
    assert month_anchors(D(2025, 2, 28), 12) == [D(2024, 2, 28), D(2024, 2, 29)]
    assert month_anchors(D(2026, 3, 31), 1) == []  # nothing in February maps to Mar 31
    assert month_anchors(D(2026, 3, 15), 0) == [D(2026, 3, 15)]


@given(st.dates(min_value=D(2000, 1, 1), max_value=D(2099, 12, 31)), st.sampled_from([1, 3, 12]))
def test_month_anchors_invert_add_months(day: dt.date, months: int) -> None:
    target = add_months(day, months)
    anchors = month_anchors(target, months)
    assert day in anchors
    assert all(add_months(a, months) == target for a in anchors)
