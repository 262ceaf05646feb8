"""Form fields that accept the way Chinese users write things."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django import forms

_CN_DATE = re.compile(r"^\s*(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?\s*$")


def parse_cn_date(value: str) -> dt.date | None:
    """2026-03-01, 2026-3-1, 2026/3/1, 2026.3.1, 2026年3月1日 → date; None if not a date of that shape.
    Raises ValueError for a date of that shape that does not exist (2026-02-30)."""
    m = _CN_DATE.match(value)
    if not m:
        return None
    return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))


class ChineseDateField(forms.DateField):
    widget = forms.DateInput(attrs={"type": "date"})
    default_error_messages = {"invalid": "日期格式应为 2026-03-01、2026/3/1 或 2026年3月1日"}

    def to_python(self, value: Any) -> dt.date | None:
        if isinstance(value, str) and value.strip():
            try:
                parsed = parse_cn_date(value)
            except ValueError:
                raise forms.ValidationError("没有这一天", code="invalid_date") from None
            if parsed is not None:
                return parsed
        return super().to_python(value)
