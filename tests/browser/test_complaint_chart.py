"""投诉分析's category pie fits its card (#21 item 7): its names are in a legend inside the card, not in labels
drawn outside the ring and clipped; looked at as a screenshot (var/screenshots/complaint-analysis.png)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from kedang.accounts.services import user_upsert
from kedang.complaints.models import Category
from kedang.complaints.services import complaint_create
from kedang.customers.services import customer_create

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "Kd-browser-2026"
SHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"


def test_the_category_pie_keeps_its_names_inside_the_card(live_server: Any, page: Any) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    gm, _ = user_upsert(username="gm", role="general_manager", password=PASSWORD, department="总经理室")
    customer = customer_create(actor=gm, name="王建国", phone="13812345678")
    categories = list(Category.objects.filter(parent__isnull=True).order_by("pk")[:5])
    for n, category in enumerate(categories):
        complaint_create(
            actor=gm,
            customer_id=customer.pk,
            channel="phone",
            summary=f"投诉{n}",
            category_id=category.pk,
        )
    page.goto(live_server.url + "/login/")
    page.fill("#id_username", "gm")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(live_server.url + "/")
    page.goto(live_server.url + "/complaints/analysis/")
    page.wait_for_function(
        "window.echarts && echarts.getInstanceByDom(document.getElementById('chart-category'))"
    )
    option = page.evaluate(
        """() => {
          const o = echarts.getInstanceByDom(document.getElementById('chart-category')).getOption();
          return {legend: o.legend.length, position: o.series[0].label.position,
                  names: o.series[0].data.map(x => x.name)};
        }"""
    )
    assert option["legend"] == 1 and option["position"] == "inside"
    assert len(option["names"]) == len(categories)
    page.screenshot(path=str(SHOTS / "complaint-analysis.png"), full_page=True)
