"""Hand-over deadlines (R-A6): the sales file 2 working days after delivery, the repair file 1 working day
after the repair, across the National Day holiday and an adjusted working Sunday; late ones per staff."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from kedang.accounts.models import User
from kedang.agenda.services import event_record
from kedang.customers.models import ChecklistItem
from kedang.customers.services import document_add
from kedang.followups.handover import handover_report, quarter_of

pytestmark = pytest.mark.django_db

D = dt.date
TODAY = D(2025, 12, 31)


def file_doc(actor: User, vehicle: Any, code: str, day: dt.date) -> None:
    item = ChecklistItem.objects.filter(file_type__code=code).first()
    assert item is not None
    document_add(
        actor=actor,
        customer_id=vehicle.customer_id,
        file_type_code=code,
        vehicle_id=vehicle.pk,
        checklist_item_id=item.pk,
        occurred_on=day,
    )


def test_deadlines_across_national_day_and_a_working_sunday(
    users: dict[str, User], make_customer: Callable[..., Any], make_vehicle: Callable[..., Any]
) -> None:
    am, am2, desk = users["account_manager"], users["am2"], users["cs_agent"]
    c1, c2 = make_customer(owner=am), make_customer(owner=am2)
    eve = make_vehicle(c1, delivery_date=D(2025, 9, 30))  # due Oct 10 (Oct 1–8 off, Oct 9 and 10 work)
    eve_late = make_vehicle(c1, delivery_date=D(2025, 9, 30))
    friday = make_vehicle(c2, delivery_date=D(2025, 9, 26))  # Sunday Sep 28 works: due Monday Sep 29
    friday_late = make_vehicle(c2, delivery_date=D(2025, 9, 26))
    never = make_vehicle(c2, delivery_date=D(2025, 12, 1))  # nothing handed over by Dec 31
    file_doc(am, eve, "SALES", D(2025, 10, 10))
    file_doc(am, eve_late, "SALES", D(2025, 10, 11))
    file_doc(am2, friday, "SALES", D(2025, 9, 29))
    file_doc(am2, friday_late, "SALES", D(2025, 9, 30))
    # repaired Saturday Sep 27: due the working Sunday Sep 28
    repaired = make_vehicle(c1)
    event_record(
        actor=desk,
        customer_id=c1.pk,
        kind="repair",
        date=D(2025, 9, 27),
        vehicle_id=repaired.pk,
        today=D(2025, 9, 27),
    )
    file_doc(desk, repaired, "REPAIR", D(2025, 9, 29))

    report = handover_report(users["general_manager"], start=D(2025, 7, 1), end=D(2025, 12, 31), today=TODAY)
    deadlines = {(h.kind, h.vehicle.pk): (h.deadline, h.handed_on, h.late) for h in report.items if h.vehicle}
    assert deadlines[("sales", eve.pk)] == (D(2025, 10, 10), D(2025, 10, 10), False)
    assert deadlines[("sales", eve_late.pk)] == (D(2025, 10, 10), D(2025, 10, 11), True)
    assert deadlines[("sales", friday.pk)] == (D(2025, 9, 29), D(2025, 9, 29), False)
    assert deadlines[("sales", friday_late.pk)] == (D(2025, 9, 29), D(2025, 9, 30), True)
    assert deadlines[("sales", never.pk)] == (D(2025, 12, 3), None, True)
    assert deadlines[("repair", repaired.pk)] == (D(2025, 9, 28), D(2025, 9, 29), True)
    staff = {s.staff: (s.total, s.on_time, s.late) for s in report.per_staff}
    assert staff == {"account_manager": (2, 1, 1), "am2": (3, 1, 2), "cs_agent": (1, 0, 1)}
    assert report.uncovered_years == []


def test_quarter_page_and_visibility(
    login: Callable[[str], Client],
    users: dict[str, User],
    make_customer: Callable[..., Any],
    make_vehicle: Callable[..., Any],
) -> None:
    assert quarter_of(D(2025, 11, 5)) == (D(2025, 10, 1), D(2025, 12, 31))
    make_vehicle(make_customer(owner=users["am2"]), delivery_date=D(2025, 10, 8))
    page = login("general_manager").get(reverse("handover") + "?day=2025-11-05")
    assert page.status_code == 200 and len(page.context["report"].items) == 1
    assert (
        len(login("account_manager").get(reverse("handover") + "?day=2025-11-05").context["report"].items)
        == 0
    )
