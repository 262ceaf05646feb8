"""Hand-over tracking (R-A6): the sales documents are due at the archive 2 working days after delivery,
the repair documents 1 working day after the repair (working days from the holiday calendar). A file
counts as handed over on the date of its first document in the archive (the record's date). Late
hand-overs are listed per staff member for a quarter: the account manager for sales files, whoever
recorded the repair for repair files."""

from __future__ import annotations

import bisect
import datetime as dt
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Min

from kedang.accounts.models import User
from kedang.agenda.models import EventKind, ServiceEvent
from kedang.agenda.workdays import add_months, load_calendar
from kedang.archive.visibility import customers_visible_to
from kedang.customers.models import Customer, Record, Vehicle


def quarter_of(day: dt.date) -> tuple[dt.date, dt.date]:
    start = dt.date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)
    return start, add_months(start, 3) - dt.timedelta(days=1)


@dataclass
class Handover:
    kind: str  # "sales" | "repair"
    customer: Customer
    vehicle: Vehicle | None
    staff: str
    date: dt.date
    deadline: dt.date
    handed_on: dt.date | None
    today: dt.date

    @property
    def late(self) -> bool:
        if self.handed_on is not None:
            return self.handed_on > self.deadline
        return self.deadline < self.today

    @property
    def days_late(self) -> int:
        end = self.handed_on or self.today
        return max((end - self.deadline).days, 0) if self.late else 0


@dataclass
class StaffLine:
    staff: str
    total: int = 0
    on_time: int = 0
    late: int = 0
    pending: int = 0  # not handed over, deadline not passed yet
    late_items: list[Handover] = field(default_factory=list)


@dataclass
class HandoverReport:
    start: dt.date
    end: dt.date
    items: list[Handover]
    uncovered_years: list[int]

    @property
    def late(self) -> list[Handover]:
        return sorted((h for h in self.items if h.late), key=lambda h: (h.staff, h.date))

    @property
    def per_staff(self) -> list[StaffLine]:
        lines: dict[str, StaffLine] = {}
        for h in self.items:
            line = lines.setdefault(h.staff, StaffLine(h.staff))
            line.total += 1
            if h.late:
                line.late += 1
                line.late_items.append(h)
            elif h.handed_on is None:
                line.pending += 1
            else:
                line.on_time += 1
        return sorted(lines.values(), key=lambda s: (-s.late, s.staff))


def handover_report(user: User, *, start: dt.date, end: dt.date, today: dt.date) -> HandoverReport:
    """Every sales file due for the deliveries and every repair file due for the repairs in [start, end],
    on the customers the user may see; a handful of queries, whatever the number of vehicles."""
    calendar = load_calendar(range(start.year, end.year + 2))
    customers = customers_visible_to(user)
    sales_days, repair_days = settings.KEDANG_HANDOVER_SALES_DAYS, settings.KEDANG_HANDOVER_REPAIR_DAYS

    vehicles = list(
        Vehicle.objects.filter(
            customer__in=customers, deleted_at__isnull=True, delivery_date__gte=start, delivery_date__lte=end
        ).select_related("customer__owner")
    )
    sales_first = dict(
        Record.objects.filter(file__file_type__code="SALES", file__vehicle__in=[v.pk for v in vehicles])
        .values("file__vehicle_id")
        .annotate(first=Min("occurred_on"))
        .values_list("file__vehicle_id", "first")
    )
    items = []
    for v in vehicles:
        assert v.delivery_date is not None
        items.append(
            Handover(
                "sales",
                v.customer,
                v,
                str(v.customer.owner),
                v.delivery_date,
                calendar.add_working_days(v.delivery_date, sales_days),
                sales_first.get(v.pk),
                today,
            )
        )

    repairs = list(
        ServiceEvent.objects.filter(
            customer__in=customers,
            kind__in=[EventKind.REPAIR, EventKind.MAINTENANCE],
            date__gte=start,
            date__lte=end,
            vehicle__isnull=False,
        )
        .select_related("customer__owner", "vehicle", "created_by")
        .order_by("date", "id")
    )
    repair_docs: dict[int, list[dt.date]] = {}
    for vehicle_id, day in (
        Record.objects.filter(
            file__file_type__code="REPAIR",
            file__vehicle__in={e.vehicle_id for e in repairs},
            occurred_on__gte=start,
        )
        .order_by("occurred_on")
        .values_list("file__vehicle_id", "occurred_on")
    ):
        repair_docs.setdefault(vehicle_id, []).append(day)
    for e in repairs:
        docs = repair_docs.get(e.vehicle_id or 0, [])
        i = bisect.bisect_left(docs, e.date)
        staff = str(e.created_by or e.customer.owner)
        items.append(
            Handover(
                "repair",
                e.customer,
                e.vehicle,
                staff,
                e.date,
                calendar.add_working_days(e.date, repair_days),
                docs[i] if i < len(docs) else None,
                today,
            )
        )
    items.sort(key=lambda h: (h.date, h.kind))
    return HandoverReport(start, end, items, sorted(calendar.uncovered))
