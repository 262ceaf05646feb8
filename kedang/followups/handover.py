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
from kedang.archive.visibility import visible
from kedang.customers.models import Record, Vehicle


def quarter_of(day: dt.date) -> tuple[dt.date, dt.date]:
    start = dt.date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)
    return start, add_months(start, 3) - dt.timedelta(days=1)


@dataclass(frozen=True, slots=True)
class CustomerRef:
    """What the report shows of a customer: the link and the name."""

    pk: int
    name: str


@dataclass(frozen=True, slots=True)
class VehicleRef:
    pk: int
    plate: str
    vin: str


@dataclass
class Handover:
    kind: str  # "sales" | "repair"
    customer: CustomerRef
    vehicle: VehicleRef | None
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
    on the customers the user may see; a handful of queries, whatever the number of vehicles.

    At a million customers a quarter holds tens of thousands of deliveries (issue #20): the rows are
    read as plain tuples over the index of the delivery date (each customer checked by a join, not an
    IN over every visible customer), the deadlines computed once per day, and the staff names looked
    up once per person."""
    calendar = load_calendar(range(start.year, end.year + 2))
    sales_days, repair_days = settings.KEDANG_HANDOVER_SALES_DAYS, settings.KEDANG_HANDOVER_REPAIR_DAYS
    deadlines: dict[tuple[dt.date, int], dt.date] = {}

    def deadline(day: dt.date, days: int) -> dt.date:
        if (day, days) not in deadlines:
            deadlines[(day, days)] = calendar.add_working_days(day, days)
        return deadlines[(day, days)]

    names: dict[int | None, str] = {}

    def staff_name(user_id: int | None) -> str:
        if user_id not in names:
            found = User.objects.filter(pk=user_id).first() if user_id is not None else None
            names[user_id] = str(found or "")
        return names[user_id]

    live = {"customer__deleted_at__isnull": True}
    delivered = visible(
        Vehicle.objects.filter(
            **live, deleted_at__isnull=True, delivery_date__gte=start, delivery_date__lte=end
        ),
        user,
    ).order_by()
    vehicles = list(
        delivered.values_list(
            "pk", "plate", "vin", "delivery_date", "customer_id", "customer__name", "customer__owner_id"
        )
    )
    sales_first = dict(
        Record.objects.filter(file__file_type__code="SALES", file__vehicle__in=delivered.values("pk"))
        .values("file__vehicle_id")
        .annotate(first=Min("occurred_on"))
        .values_list("file__vehicle_id", "first")
    )
    items = []
    for pk, plate, vin, delivered, customer_id, customer_name, owner_id in vehicles:
        items.append(
            Handover(
                "sales",
                CustomerRef(customer_id, customer_name),
                VehicleRef(pk, plate, vin),
                staff_name(owner_id),
                delivered,
                deadline(delivered, sales_days),
                sales_first.get(pk),
                today,
            )
        )

    repaired = visible(
        ServiceEvent.objects.filter(
            **live,
            kind__in=[EventKind.REPAIR, EventKind.MAINTENANCE],
            date__gte=start,
            date__lte=end,
            vehicle__isnull=False,
        ),
        user,
    )
    repairs = list(
        repaired.order_by("date", "id").values_list(
            "date",
            "customer_id",
            "customer__name",
            "customer__owner_id",
            "created_by_id",
            "vehicle_id",
            "vehicle__plate",
            "vehicle__vin",
        )
    )
    repair_docs: dict[int, list[dt.date]] = {}
    for vehicle_id, day in (
        Record.objects.filter(
            file__file_type__code="REPAIR",
            file__vehicle__in=repaired.order_by().values("vehicle_id"),
            occurred_on__gte=start,
        )
        .order_by("occurred_on")
        .values_list("file__vehicle_id", "occurred_on")
    ):
        repair_docs.setdefault(vehicle_id, []).append(day)
    for day, customer_id, customer_name, owner_id, created_by_id, vehicle_id, plate, vin in repairs:
        docs = repair_docs.get(vehicle_id or 0, [])
        i = bisect.bisect_left(docs, day)
        items.append(
            Handover(
                "repair",
                CustomerRef(customer_id, customer_name),
                VehicleRef(vehicle_id, plate, vin),
                staff_name(created_by_id or owner_id),
                day,
                deadline(day, repair_days),
                docs[i] if i < len(docs) else None,
                today,
            )
        )
    items.sort(key=lambda h: (h.date, h.kind))
    return HandoverReport(start, end, items, sorted(calendar.uncovered))
