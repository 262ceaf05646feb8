"""The home page's customer count counts customers, not customer×vehicle rows (#21 item 2): on main before
issue #20's rewrite, "全部 N 位客户" grew by one per vehicle."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_customers_with_several_vehicles_are_counted_once(
    login: Callable[[str], Any], make_customer: Callable[..., Any], make_vehicle: Callable[..., Any]
) -> None:
    for _ in range(3):
        customer = make_customer()
        for _ in range(3):
            make_vehicle(customer)
    html = login("general_manager").get(reverse("home")).content.decode()
    assert "全部 3 位客户（本月新建 3）" in html
