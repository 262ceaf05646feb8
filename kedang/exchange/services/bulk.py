"""The bulk path of an import batch: new customers and new vehicles planned row by row, written at once.

A row is *planned* when it creates a customer (with or without a vehicle), adds a new vehicle to a
customer, or changes nothing. It is validated by the customers services' own cleaning functions
(`clean_customer`, `clean_vehicle`), matched against the batch's index (which holds the planned
customers too, under temporary negative ids), and given its archive number there and then — so its
outcome and every message are what the per-row path would give. `flush` then writes the planned rows
with a few statements: customers, their history, tags, timeline records, vehicles with their history
and archive files, and the search index entries of the customers touched.

Any other row (a change to a customer or a vehicle, a service event, a plate without a VIN, a
customer the actor could not see once created) is not planned: the caller flushes first, then runs
the row through the services (`row_import.import_row`). A flush that the database refuses rolls back
to its savepoint and the caller replays its rows one by one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, TypeVar

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from kedang.accounts.models import User
from kedang.accounts.roles import Scope
from kedang.accounts.selectors import data_scope
from kedang.archive.events import vehicles_saved
from kedang.customers import validators as v
from kedang.customers.models import (
    ArchiveFile,
    ArchiveSequence,
    Customer,
    CustomerKind,
    FileType,
    Record,
    RecordKind,
    Tag,
    Vehicle,
)
from kedang.customers.services.customers import clean_customer
from kedang.customers.services.vehicles import clean_vehicle
from kedang.search.index import entry_from_values, index_customers, index_new_customers

from ..models import ImportJob
from . import plain
from .matching import Index, RowRejected, match_customer
from .row_import import (
    Outcome,
    Run,
    _service_errors,
    _split_tags,
    customer_changes,
    row_customer_data,
    vehicle_changes,
)
from .rows import Row

M = TypeVar("M", Customer, Vehicle)
_NO_VEHICLE = Vehicle()  # read only: the earlier values of a vehicle that does not exist yet


class NotPlanned(Exception):
    """The row needs the per-row path."""


@dataclass
class Planned:
    row: Row
    outcome: str


@dataclass
class NewCustomer:
    obj: Customer
    tags: list[str]


@dataclass
class NewVehicle:
    obj: Vehicle
    customer: int  # an existing customer's id, or a planned one's temporary (negative) id


class Numbers:
    """Archive numbers handed out while planning, written back to their sequence at the flush.

    The sequence row is locked (PostgreSQL: SELECT … FOR UPDATE) when first read, as
    `archive_no_next` keeps it locked, so a concurrent creator waits for this batch's commit."""

    def __init__(self) -> None:
        self.last: dict[str, int] = {}
        self.taken: dict[str, int] = {}

    def take(self, kind: str) -> str:
        today = timezone.localdate()
        pattern: str = settings.KEDANG_ARCHIVE_NO_PATTERN
        fields = {"year": today.year, "kind": "C" if kind == CustomerKind.COMPANY else "P"}
        key = pattern.split("{seq")[0].format(**fields)
        if key not in self.last:
            row = ArchiveSequence.objects.select_for_update().filter(key=key).first()
            if row is None:
                try:
                    with transaction.atomic():
                        row = ArchiveSequence.objects.create(key=key, last=0)
                except IntegrityError:
                    row = ArchiveSequence.objects.select_for_update().get(key=key)
            self.last[key], self.taken[key] = row.last, 0
        self.taken[key] += 1
        return pattern.format(seq=self.last[key] + self.taken[key], **fields)

    def write(self) -> None:
        for key, n in self.taken.items():
            if n:
                ArchiveSequence.objects.filter(key=key).update(last=F("last") + n)
        self.last.clear()
        self.taken.clear()


class Plan:
    """The planned rows of a batch since the last flush, and the index they are matched against."""

    def __init__(self, run: Run, index: Index) -> None:
        self.run = run
        self.index = index
        self.rows: list[Planned] = []
        self.customers: dict[int, NewCustomer] = {}  # temporary id → planned customer
        self.tmp_ids: dict[int, int] = {}  # id() of a planned customer → its temporary id
        self.vehicles: list[NewVehicle] = []
        self.vehicle_owners: dict[int, int] = {}  # id() of a planned vehicle → its customer's id
        self.numbers = Numbers()
        self.next_tmp = -1

    # -------------------------------------------------------------- planning

    def add(self, row: Row) -> str:
        """Plan the row and return its outcome; RowRejected for a row to reject, NotPlanned for a row
        the per-row path must write (after a flush)."""
        run = self.run
        if row.event:
            raise NotPlanned
        data = row_customer_data(run, row)
        customer = match_customer(row, self.index, run.columns)
        if customer is None:
            outcome = self._new_customer(row, data)
        else:
            cid = self._id_of(customer)
            if self._customer_changes(cid, customer, data):
                raise NotPlanned
            outcome = self._vehicle(row, cid) if row.vehicle else Outcome.UNCHANGED
        self.rows.append(Planned(row, outcome))
        return outcome

    def _id_of(self, customer: Customer) -> int:
        if customer.pk is not None:
            return int(customer.pk)
        return self.tmp_ids[id(customer)]

    def _customer_changes(self, cid: int, customer: Customer, data: dict[str, Any]) -> bool:
        if cid > 0:
            return bool(customer_changes(customer, data))
        planned = self.customers[cid]
        for k, value in data.items():
            if k == "tags":
                if any(t not in planned.tags for t in _split_tags(value)):
                    return True
            elif k == "owner":
                if value != customer.owner.username:
                    return True
            elif getattr(customer, k) != value:
                return True
        return False

    def _user(self, username: str) -> User | None:
        users = self.run.caches.setdefault("users", {})
        if username not in users:
            users[username] = User.objects.filter(username=username, is_active=True).first()
        user: User | None = users[username]
        return user

    def _visible_owner(self, owner: User) -> bool:
        """Would the actor see a customer of this owner (the per-row path adds the vehicle through
        `vehicle_create`, which looks the customer up within the actor's visibility)?"""
        actor = self.run.actor
        scope = data_scope(actor)
        if scope.scope == Scope.ALL or owner.pk == actor.pk:
            return True
        if scope.scope in (Scope.DEPARTMENT, Scope.DEPARTMENT_TREE, Scope.CUSTOM):
            return owner.department_id in scope.department_ids
        return False

    def _new_customer(self, row: Row, data: dict[str, Any]) -> str:
        run = self.run
        if "kind" not in data and data.get("uscc"):
            data["kind"] = CustomerKind.COMPANY
        if isinstance(data.get("owner"), str):
            user = self._user(data["owner"])
            if user is not None:
                data["owner"] = user
        data.setdefault("owner", run.actor)
        try:
            clean = clean_customer(run.actor, data, instance=None)
        except ValidationError as exc:
            raise RowRejected(_service_errors(exc, "customer", run.columns)) from None
        tags = clean.pop("tags", [])
        kind = clean.get("kind") or CustomerKind.PERSON
        clean["kind"] = kind
        vehicle = self._clean_new_vehicle(row) if row.vehicle else None
        if vehicle is not None and not self._visible_owner(clean["owner"]):
            raise NotPlanned
        owner = clean.pop("owner")
        customer = _new(
            Customer,
            {
                **clean,
                "owner_id": owner.pk,
                "created_by_id": run.actor.pk,
                "archive_no": self.numbers.take(kind),
                "phone_norm": v.normalize_phone(clean["phone"]) if clean.get("phone") else "",
                "phone2_norm": v.normalize_phone(clean["phone2"]) if clean.get("phone2") else "",
            },
        )
        customer.owner = owner
        tmp = self.next_tmp
        self.next_tmp -= 1
        self.customers[tmp] = NewCustomer(customer, tags)
        self.tmp_ids[id(customer)] = tmp
        index = self.index
        index.customers[tmp] = customer
        index.visible.add(tmp)
        for k in ("id_number", "uscc"):
            if getattr(customer, k):
                index.add(k, getattr(customer, k), tmp)
        for p in (customer.phone_norm, customer.phone2_norm):
            if p:
                index.add("phone", p, tmp)
        if vehicle is not None:
            self._add_vehicle(vehicle, tmp)
        pending = run.dry_run and any(k in run.pending for k in row.keys())
        return Outcome.UPDATED if pending else Outcome.CREATED

    def _clean_new_vehicle(self, row: Row) -> Vehicle:
        """`clean_vehicle`'s checks, without its query for a duplicate VIN: the batch's index has
        already looked every VIN of the batch up (a VIN it knows goes the per-row way)."""
        data = dict(row.vehicle)
        vin = data.pop("vin", None)
        if not vin or vin in self.index.taken_vins:
            raise NotPlanned  # the per-row path finds the vehicle by its plate, or says why not
        # the VIN is already validated and normalised: the column parses with validators.validate_vin
        try:
            # an unsaved instance stands for "no earlier values" and keeps the VIN out of its checks
            clean = clean_vehicle(data, instance=_NO_VEHICLE)
        except ValidationError as exc:
            raise RowRejected(_service_errors(exc, "vehicle", self.run.columns)) from None
        return _new(Vehicle, {**clean, "vin": vin})

    def _add_vehicle(self, vehicle: Vehicle, cid: int) -> None:
        self.vehicles.append(NewVehicle(vehicle, cid))
        self.vehicle_owners[id(vehicle)] = cid
        self.index.vehicles[vehicle.vin] = vehicle
        self.index.taken_vins.add(vehicle.vin)
        self.index.add("vin", vehicle.vin, cid)
        if vehicle.plate:
            self.index.add("plate", vehicle.plate, cid)

    def _vehicle(self, row: Row, cid: int) -> str:
        vin = row.vehicle.get("vin")
        existing = self.index.vehicles.get(vin) if vin else None
        if existing is not None:
            owner = existing.customer_id if existing.pk else self._planned_owner(existing)
            if owner != cid or vehicle_changes(existing, dict(row.vehicle)):
                raise NotPlanned
            return Outcome.UNCHANGED
        if cid > 0 and self.index.customers[cid].filed_at:
            raise NotPlanned  # a filed archive: the services decide
        self._add_vehicle(self._clean_new_vehicle(row), cid)
        return Outcome.UPDATED

    def _planned_owner(self, vehicle: Vehicle) -> int:
        return self.vehicle_owners[id(vehicle)]

    # -------------------------------------------------------------- writing

    def flush(self) -> list[Planned]:
        """Write everything planned (in a savepoint: IntegrityError leaves nothing written) and
        return the planned rows; the index must be reloaded afterwards."""
        planned = self.rows
        if self.customers or self.vehicles:
            with transaction.atomic():
                self._write()
        self.rows, self.customers, self.vehicles = [], {}, []
        self.tmp_ids, self.vehicle_owners = {}, {}
        self.numbers = Numbers()
        return planned

    def _write(self) -> None:
        run, actor = self.run, self.run.actor
        today = timezone.localdate()
        # a write first: on SQLite it takes the database's write lock that reserve_ids relies on
        ImportJob.objects.filter(pk=run.job.pk).update(done_rows=F("done_rows"))
        self.numbers.write()
        new = list(self.customers.values())
        customers = [nc.obj for nc in new]
        now = timezone.now()
        for c, pk in zip(customers, plain.reserve_ids(Customer, len(customers)), strict=True):
            c.pk, c.created_at, c.updated_at = pk, now, now
        plain.insert(Customer, (plain.values_of(c) for c in customers), with_pk=True)
        plain.insert(Customer.history.model, plain.history_rows(customers, user_id=actor.pk, reason="建档"))
        self._write_tags(new)
        ids = {tmp: nc.obj.pk for tmp, nc in self.customers.items()}
        vehicles = []
        for nv in self.vehicles:
            nv.obj.customer_id = ids.get(nv.customer, nv.customer)
            vehicles.append(nv.obj)
        for vh, pk in zip(vehicles, plain.reserve_ids(Vehicle, len(vehicles)), strict=True):
            vh.pk, vh.created_at, vh.updated_at = pk, now, now
        plain.insert(Vehicle, (plain.values_of(vh) for vh in vehicles), with_pk=True)
        plain.insert(Vehicle.history.model, plain.history_rows(vehicles, user_id=actor.pk, reason="登记车辆"))
        file_types = run.caches.setdefault("file_types", {})
        if "per_vehicle" not in file_types:
            file_types["per_vehicle"] = list(
                FileType.objects.filter(per_vehicle=True).values_list("pk", flat=True)
            )
        plain.insert(
            ArchiveFile,
            (
                {"customer_id": vh.customer_id, "vehicle_id": vh.pk, "file_type_id": ft}
                for vh in vehicles
                for ft in file_types["per_vehicle"]
            ),
        )
        change = {"kind": RecordKind.CHANGE.value, "occurred_on": today, "created_by_id": actor.pk}
        plain.insert(
            Record,
            [
                *(
                    {"customer_id": c.pk, "title": "建立档案", "body": f"档号 {c.archive_no}", **change}
                    for c in customers
                ),
                *(
                    {
                        "customer_id": vh.customer_id,
                        "vehicle_id": vh.pk,
                        "title": f"登记车辆 {vh.plate or vh.vin}",
                        "body": vh.model,
                        **change,
                    }
                    for vh in vehicles
                ),
            ],
        )
        self._write_index(customers, vehicles)
        delivered = [vh.pk for vh in vehicles if vh.delivery_date]
        if delivered:
            vehicles_saved.send(sender=Vehicle, actor=actor, vehicle_ids=delivered, bulk=True)

    def _write_index(self, customers: list[Customer], vehicles: list[Vehicle]) -> None:
        """New customers' entries made from what was just written; customers that existed before
        (a new vehicle of theirs) recomputed from the database."""
        new_ids = {c.pk for c in customers}
        cars: dict[int, list[Vehicle]] = {}
        for vh in vehicles:
            cars.setdefault(vh.customer_id, []).append(vh)
        entries = []
        for c in customers:
            # vehicles in their model order, as the index's own loaders see them
            mine = sorted(cars.get(c.pk, ()), key=_vehicle_order)
            entries.append(
                entry_from_values(
                    c.pk,
                    c.owner_id,
                    name=c.name,
                    phone_norm=c.phone_norm,
                    phone2_norm=c.phone2_norm,
                    id_number=c.id_number,
                    uscc=c.uscc,
                    archive_no=c.archive_no,
                    address=c.address,
                    vehicles=[(vh.vin, vh.plate) for vh in mine],
                    contact_phones=(),
                )
            )
        index_new_customers(entries)
        index_customers({cid for cid in cars if cid not in new_ids})

    def _write_tags(self, new: list[NewCustomer]) -> None:
        names = {t for nc in new for t in nc.tags}
        if not names:
            return
        # not cached across flushes: a dry run rolls back the tags it created
        cache = {name: Tag.objects.get_or_create(name=name)[0] for name in sorted(names)}
        plain.insert(
            Customer.tags.through,
            ({"customer_id": nc.obj.pk, "tag_id": cache[t].pk} for nc in new for t in nc.tags),
        )


def _vehicle_order(vh: Vehicle) -> tuple[int, int, int]:
    """Vehicle's Meta.ordering, ["-delivery_date", "-id"]: newest delivery first; an undated one
    last on SQLite (NULL sorts lowest) and first on PostgreSQL (NULL sorts highest)."""
    from django.db import connection

    d = vh.delivery_date
    undated = (1 if connection.vendor == "sqlite" else -1) if d is None else 0
    return (undated, -d.toordinal() if d else 0, -(vh.pk or 0))


_DEFAULTS: dict[type, list[tuple[str, Any]]] = {}


def _new(model: type[M], values: dict[str, Any]) -> M:
    """An unsaved instance from field values (attribute names), built the way Django builds the rows
    it reads — positionally, without keyword-argument checks — which is several times faster."""
    if model not in _DEFAULTS:
        fields = model._meta.concrete_fields
        unknown = [f for f in fields if f.has_default() and callable(f.default)]
        assert not unknown, f"{model.__name__}: a default to compute per instance"
        _DEFAULTS[model] = [(f.attname, f.get_default()) for f in fields]
    return model(*[values.get(name, default) for name, default in _DEFAULTS[model]])
