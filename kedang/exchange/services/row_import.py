"""Writing one row through the customers services (the per-row path: updates, events, filed archives)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError

from kedang.accounts.models import User
from kedang.customers.models import Customer, CustomerKind, Vehicle
from kedang.customers.services import customer_create, customer_update, vehicle_create, vehicle_update
from kedang.errors import ApprovalPending

from ..mapping import FIELDS_BY_CODE
from ..models import ImportJob
from .matching import Index, RowRejected, archive_named, match_customer
from .rows import Columns, Row, RowError


def _split_tags(text: str) -> list[str]:
    return [t for t in (x.strip() for x in text.replace("，", ",").replace("、", ",").split(",")) if t]


def customer_changes(c: Customer, data: dict[str, Any]) -> dict[str, Any]:
    """The fields of `data` that differ from the customer's. Imports add tags, they never remove one."""
    changes: dict[str, Any] = {}
    for k, value in data.items():
        if k == "tags":
            have = [t.name for t in c.tags.all()]
            new = [t for t in _split_tags(value) if t not in have]
            if new:
                changes["tags"] = have + new
        elif k == "owner":
            if value != c.owner.username:
                changes["owner"] = value
        elif getattr(c, k) != value:
            changes[k] = value
    return changes


def vehicle_changes(vh: Vehicle, data: dict[str, Any]) -> dict[str, Any]:
    return {k: value for k, value in data.items() if getattr(vh, k) != value}


class Outcome:
    CREATED = "created"
    UPDATED = "updated"
    UNCHANGED = "unchanged"
    REJECTED = "rejected"
    PENDING = "pending"  # a filed archive: proposed for approval instead of changed (counted as rejected)
    BLANK = "blank"


@dataclass
class Run:
    """What one run of a job needs across its batches."""

    job: ImportJob
    actor: User
    columns: Columns
    dry_run: bool
    owners: dict[str, str] = field(default_factory=dict)
    # dry run only: natural keys of rows that the (rolled-back) earlier batches would have created
    pending: set[tuple[str, str]] = field(default_factory=set)
    # new customers and vehicles are written a batch at a time (bulk.py); False: every row through
    # the services one by one (the reference the bulk path is tested against)
    bulk: bool = True
    caches: dict[str, dict[Any, Any]] = field(default_factory=dict)

    @property
    def reason(self) -> str:
        return f"导入：{self.job.original_name}"

    def owner(self, text: str) -> str:
        """A username for the owner cell, which may hold a username or a display name."""
        if text not in self.owners:
            user = User.objects.filter(username=text).first() or (
                User.objects.filter(display_name=text, is_active=True).first()
                if User.objects.filter(display_name=text, is_active=True).count() == 1
                else None
            )
            self.owners[text] = user.username if user else text
        return self.owners[text]


def _service_errors(exc: ValidationError, target: str, columns: Columns) -> list[RowError]:
    errors: list[RowError] = []
    items = exc.error_dict.items() if hasattr(exc, "error_dict") else [("__all__", exc.error_list)]
    for name, errs in items:
        code = f"{target}.{name}"
        if name == "vehicle_id":
            code = "vehicle.vin"
        if code not in FIELDS_BY_CODE:
            code = ""
        for e in errs:
            for message in e.messages:
                errors.append(
                    RowError(code, columns.header(code) if code else "", e.code or "invalid", message)
                )
    return errors


def row_customer_data(run: Run, row: Row) -> dict[str, Any]:
    """The customer fields of a row ready for the services (owner as a username); raises RowRejected
    for a row with bad cells or without any natural key."""
    if row.errors:
        raise RowRejected(row.errors)
    columns = run.columns
    if not row.keys():
        raise RowRejected(
            [
                RowError(
                    "customer.phone",
                    columns.header("customer.phone"),
                    "no_key",
                    "缺少识别信息：请至少填写身份证号、统一社会信用代码、电话、车架号或车牌号之一，"
                    "以免重复导入时重复建档",
                )
            ]
        )
    data = dict(row.customer)
    if "owner" in data:
        data["owner"] = run.owner(data["owner"])
    return data


def import_row(run: Run, row: Row, index: Index) -> tuple[str, list[Customer | Vehicle], list[RowError]]:
    """Write one parsed row through the services, inside the caller's savepoint. Returns the outcome,
    what it wrote (for the caller to add to the index once the savepoint holds) and, for a change that
    awaits approval, why it is not applied; raises RowRejected with every reason when the row cannot
    be imported."""
    columns = run.columns
    data = row_customer_data(run, row)
    customer = match_customer(row, index, columns)
    outcome = Outcome.UNCHANGED
    try:
        if customer is None:
            if "kind" not in data and data.get("uscc"):
                data["kind"] = CustomerKind.COMPANY
            customer = customer_create(actor=run.actor, **data)
            pending = run.dry_run and any(k in run.pending for k in row.keys())
            outcome = Outcome.UPDATED if pending else Outcome.CREATED
        else:
            changes = customer_changes(customer, data)
            if changes:
                try:
                    customer = customer_update(
                        actor=run.actor, customer_id=customer.pk, reason=run.reason, **changes
                    )
                except ApprovalPending as exc:
                    # a filed archive: the change became a proposal for the sales manager, which this
                    # row's savepoint keeps; the row's data is not applied (yet)
                    error = RowError(
                        "", "", "approval_pending", f"{exc.message}（变更申请 {exc.request_id}）"
                    )
                    return Outcome.PENDING, [], [error]
                outcome = Outcome.UPDATED
    except ValidationError as exc:
        raise RowRejected(_service_errors(exc, "customer", columns)) from None
    written: list[Customer | Vehicle] = [customer]
    vehicle: Vehicle | None = None
    if row.vehicle:
        vehicle, changed = _import_vehicle(run, row, index, customer)
        written.append(vehicle)
        if changed and outcome == Outcome.UNCHANGED:
            outcome = Outcome.UPDATED
    if row.event:
        if _import_event(run, row, customer, vehicle) and outcome == Outcome.UNCHANGED:
            outcome = Outcome.UPDATED
    return outcome, written, []


def _import_vehicle(run: Run, row: Row, index: Index, customer: Customer) -> tuple[Vehicle, bool]:
    columns = run.columns
    data = dict(row.vehicle)
    vin, plate = data.get("vin"), data.get("plate")
    existing = None
    if vin:
        existing = index.vehicles.get(vin)
        if existing is not None and existing.customer_id != customer.pk:
            raise RowRejected(
                [
                    RowError(
                        "vehicle.vin",
                        columns.header("vehicle.vin"),
                        "duplicate",
                        f"该车架号已登记在其他客户名下（{archive_named(index, existing.customer_id)}）",
                    )
                ]
            )
    elif plate:
        existing = next(
            (vh for vh in index.vehicles.values() if vh.plate == plate and vh.customer_id == customer.pk),
            None,
        )
    try:
        if existing is None:
            if not vin:
                raise RowRejected(
                    [RowError("vehicle.vin", columns.header("vehicle.vin"), "required", "登记车辆需要车架号")]
                )
            return vehicle_create(actor=run.actor, customer_id=customer.pk, **data), True
        changes = vehicle_changes(existing, data)
        if not changes:
            return existing, False
        return vehicle_update(actor=run.actor, vehicle_id=existing.pk, reason=run.reason, **changes), True
    except ApprovalPending as exc:
        raise RowRejected(
            [RowError("", "", "approval_pending", f"{exc.message}（变更申请 {exc.request_id}）")]
        ) from None
    except ValidationError as exc:
        raise RowRejected(_service_errors(exc, "vehicle", columns)) from None


def _import_event(run: Run, row: Row, customer: Customer, vehicle: Vehicle | None) -> bool:
    """Record the row's service event through the agenda, once: an event of the same kind, date,
    customer and vehicle already recorded is not recorded again."""
    from kedang.agenda.models import EventSource, ServiceEvent
    from kedang.agenda.services import event_record

    columns = run.columns
    data = row.event
    missing = [c for c in ("event.kind", "event.date") if c.split(".")[1] not in data]
    if missing:
        raise RowRejected(
            [RowError(c, columns.header(c), "required", f"请填写{FIELDS_BY_CODE[c].label}") for c in missing]
        )
    if ServiceEvent.objects.filter(
        customer=customer, vehicle=vehicle, kind=data["kind"], date=data["date"]
    ).exists():
        return False
    try:
        event_record(
            actor=run.actor,
            customer_id=customer.pk,
            kind=data["kind"],
            date=data["date"],
            vehicle_id=vehicle.pk if vehicle else None,
            amount=data.get("amount"),
            accident=bool(data.get("accident")),
            notes=data.get("notes", ""),
            source=EventSource.IMPORT,
        )
    except ValidationError as exc:
        raise RowRejected(_service_errors(exc, "event", columns)) from None
    return True
