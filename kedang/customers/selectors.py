"""Read queries over the archive. Every one takes the user and applies visibility (R-G2, kedang.archive.visibility)
first."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Prefetch, QuerySet
from django.http import Http404

from kedang.accounts.models import User
from kedang.archive.masking import change_value_shown
from kedang.archive.visibility import customers_visible_to

from .models import ArchiveFile, Attachment, ChecklistItem, Customer, FileType, Record, Vehicle

CUSTOMER_LIST_ORDER = ("-created_at", "-id")  # newest first; the keyset of the list (kedang.web.paging)


def customer_list(
    user: User,
    *,
    q: str = "",
    owner: str = "",
    tier: str = "",
    tag: str = "",
    kind: str = "",
) -> QuerySet[Customer]:
    """The customer list with its simple filter. The text filter is the simple one; search is its own app."""
    from kedang.search.selectors import filter_customers_by_text

    qs = customers_visible_to(user)
    if owner:
        qs = qs.filter(owner__username=owner)
    if tier:
        qs = qs.filter(tier=tier)
    if tag:
        qs = qs.filter(tags__name=tag)
    if kind:
        qs = qs.filter(kind=kind)
    qs = qs.select_related("owner").prefetch_related(
        "tags",
        Prefetch(
            "vehicles",
            queryset=Vehicle.live.all().only("id", "plate", "customer_id"),
        ),
    )
    if q.strip():
        return filter_customers_by_text(qs, q, user)  # best match first
    return qs.order_by(*CUSTOMER_LIST_ORDER)


@dataclass
class ChecklistLine:
    item: ChecklistItem
    records: list[Record]

    @property
    def received(self) -> bool:
        return bool(self.records)


@dataclass
class FileStatus:
    """A file with its required-document checklist: what is in, what is missing (R-A5)."""

    file_type: FileType
    file: ArchiveFile | None
    vehicle: Vehicle | None
    lines: list[ChecklistLine] = field(default_factory=list)
    other_records: list[Record] = field(default_factory=list)

    @property
    def missing(self) -> list[ChecklistItem]:
        return [line.item for line in self.lines if line.item.required and not line.received]

    @property
    def complete(self) -> bool:
        return not self.missing

    @property
    def received_count(self) -> int:
        return sum(1 for line in self.lines if line.received)


def customer_files(customer: Customer) -> list[FileStatus]:
    """Every file of the customer — per-customer types once, per-vehicle types once per vehicle —
    with its checklist. Files not created yet appear empty, so what is missing is always visible."""
    file_types = list(
        FileType.objects.prefetch_related(
            Prefetch("checklist", queryset=ChecklistItem.objects.filter(active=True).order_by("order", "id"))
        )
    )
    vehicles = list(customer.vehicles(manager="live").all().order_by("id"))
    files = {(f.file_type_id, f.vehicle_id): f for f in ArchiveFile.objects.filter(customer=customer)}
    records = list(
        Record.objects.filter(customer=customer, file__isnull=False)
        .select_related("created_by", "checklist_item")
        .prefetch_related(Prefetch("attachments", queryset=Attachment.objects.order_by("id")))
        .order_by("occurred_on", "id")
    )
    by_file: dict[int, list[Record]] = {}
    for r in records:
        assert r.file_id is not None
        by_file.setdefault(r.file_id, []).append(r)

    result: list[FileStatus] = []
    for ft in file_types:
        targets: list[Vehicle | None] = list(vehicles) if ft.per_vehicle else [None]
        for vehicle in targets:
            f = files.get((ft.pk, vehicle.pk if vehicle else None))
            file_records = by_file.get(f.pk, []) if f else []
            lines = [
                ChecklistLine(item, [r for r in file_records if r.checklist_item_id == item.pk])
                for item in ft.checklist.all()
            ]
            item_ids = {line.item.pk for line in lines}
            others = [r for r in file_records if r.checklist_item_id not in item_ids]
            result.append(FileStatus(ft, f, vehicle, lines, others))
    return result


def customer_timeline(customer: Customer, *, kind: str = "", limit: int = 200) -> list[Record]:
    qs = customer.records.select_related("created_by", "vehicle", "file__file_type").prefetch_related(
        "attachments"
    )
    if kind:
        qs = qs.filter(kind=kind)
    return list(qs.order_by("-occurred_on", "-id")[:limit])


def get_attachment_for_user(user: User, attachment_id: int) -> Attachment:
    att = (
        Attachment.objects.select_related("record")
        .filter(pk=attachment_id, record__customer__in=customers_visible_to(user))
        .first()
    )
    if att is None:
        raise Http404("附件不存在")
    return att


HOME_COUNT_CAP = 10_000  # the home page counts up to here and shows "10000+" (issue #20)


def _capped(qs: QuerySet, cap: int) -> str:
    """The rows of qs as a figure for the page, counted over a LIMIT cap + 1 subquery: "10000+" past it."""
    n = qs.order_by()[: cap + 1].count()
    return f"{cap:,}+" if n > cap else f"{n:,}"


def customer_counts(user: User, *, month_start: dt.datetime, cap: int = HOME_COUNT_CAP) -> dict[str, str]:
    """Small figures for the home page, as labels: the customers the user may see and those created since
    `month_start`, each counted only up to `cap` (over the index of created_at, or of owner and created_at),
    so that the page never counts a million customers on each load (issue #20)."""
    qs = customers_visible_to(user)
    return {
        "customers": _capped(qs, cap),
        "new_this_month": _capped(qs.filter(created_at__gte=month_start), cap),
    }


@dataclass
class HistoryEntry:
    """One saved version of a customer or vehicle, with what changed from the version before (R-G3)."""

    history_id: int
    subject: str  # the customer, or the vehicle's plate
    is_customer: bool
    at: Any
    user: Any
    reason: str
    kind: str  # + created, ~ changed, - deleted
    version: int | None
    changes: list[tuple[str, str, str]]
    latest: bool = False  # the object as it is now: nothing to revert to


HISTORY_HIDDEN = {"version", "updated_at", "phone_norm", "phone2_norm", "deleted_at", "created_at"}


def _entries(
    records: list[Any], model: Any, subject: Callable[[Any], str], is_customer: bool, viewer: User
) -> list[HistoryEntry]:
    from django.conf import settings as dj_settings
    from django.utils import translation

    result = []
    by_object: dict[int, list[Any]] = {}
    for r in records:
        by_object.setdefault(r.id, []).append(r)
    for versions in by_object.values():
        versions.sort(key=lambda r: (r.history_date, r.history_id))
        prev = None
        for r in versions:
            changes: list[tuple[str, str, str]] = []
            if prev is not None:
                delta = r.diff_against(prev)
                for c in delta.changes:
                    if c.field in HISTORY_HIDDEN:
                        continue
                    with translation.override(dj_settings.LANGUAGE_CODE):
                        label = str(getattr(model._meta.get_field(c.field), "verbose_name", c.field))
                    changes.append(
                        (
                            label,
                            change_value_shown(viewer, c.field, c.old),
                            change_value_shown(viewer, c.field, c.new),
                        )
                    )
            result.append(
                HistoryEntry(
                    r.history_id,
                    subject(r),
                    is_customer,
                    r.history_date,
                    r.history_user,
                    r.history_change_reason or "",
                    r.history_type,
                    getattr(r, "version", None),
                    changes,
                )
            )
            prev = r
        result[-1].latest = True
    return result


def history_entries(customer: Customer, viewer: User) -> list[HistoryEntry]:
    """Every saved version of the customer and her vehicles, newest first, with readable diffs,
    masked for the viewer."""
    c_records = list(customer.history.select_related("history_user").order_by("history_date"))
    v_records = list(
        Vehicle.history.filter(customer_id=customer.pk)
        .select_related("history_user")
        .order_by("history_date")
    )
    entries = _entries(c_records, Customer, lambda r: r.name, True, viewer)
    entries += _entries(v_records, Vehicle, lambda r: r.plate or r.vin, False, viewer)
    entries.sort(key=lambda e: (e.at, e.history_id), reverse=True)
    return entries
