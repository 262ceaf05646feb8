"""No phone or ID number in clear in the logs or in error reports (R-G7)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from django.test import Client, RequestFactory
from django.urls import reverse
from django.views.debug import SafeExceptionReporterFilter
from hypothesis import given
from hypothesis import strategies as st

from kedang.customers.demo import valid_id_number
from kedang.customers.views import customer_edit
from kedang.privacy.log_filter import MaskPersonalData, mask_text

from .conftest import ID, PHONE


def test_log_lines_are_masked() -> None:
    """The console handler configured by settings.LOGGING masks what passes through it."""
    handler = next(
        h for h in logging.getLogger().handlers if any(isinstance(f, MaskPersonalData) for f in h.filters)
    )
    logger = logging.getLogger("kedang.test")
    record = logger.makeRecord(
        "kedang.test", logging.ERROR, __file__, 1, "客户 %s 电话 %s", (ID, PHONE), None
    )
    assert handler.filter(record)
    line = record.getMessage()
    assert ID not in line and PHONE not in line
    assert "110105********002X" in line and "138****5678" in line


@given(st.integers(min_value=0, max_value=10**6))
def test_any_valid_id_number_is_masked_but_longer_numbers_are_left(seed: int) -> None:
    import random

    number = valid_id_number(random.Random(seed))
    assert number not in mask_text(f"身份证号:{number}。")
    assert mask_text(f"订单 9{number}1") == f"订单 9{number}1"  # part of a longer number: not an ID


def test_error_reports_hide_the_posted_numbers(
    person: Any, users: dict[str, Any], login: Callable[[str], Client]
) -> None:
    request = RequestFactory().post(
        reverse("customer_edit", args=[person.pk]), {"id_number": ID, "phone": PHONE, "name": "王"}
    )
    request.user = users["cs_manager"]
    customer_edit(request, person.pk)  # marks the request's sensitive parameters
    cleaned = SafeExceptionReporterFilter().get_post_parameters(request)
    assert cleaned["id_number"] != ID and cleaned["phone"] != PHONE and cleaned["name"] == "王"
