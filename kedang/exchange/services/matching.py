"""Matching rows to existing customers by their natural keys (ID number, USCC, VIN, plate, phone)."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Q

from kedang.accounts.models import User
from kedang.archive.visibility import customers_visible_to
from kedang.customers.models import Customer, Vehicle

from .rows import CUSTOMER_KEYS, Columns, Row, RowError


@dataclass
class Index:
    """Natural keys → existing customers and vehicles, loaded for a batch with one query per key kind,
    and kept up to date as the batch creates customers and vehicles."""

    by_key: dict[tuple[str, str], set[int]] = field(default_factory=dict)
    customers: dict[int, Customer] = field(default_factory=dict)
    vehicles: dict[str, Vehicle] = field(default_factory=dict)  # by VIN
    visible: set[int] = field(default_factory=set)
    taken_vins: set[str] = field(default_factory=set)  # VINs of the rows held by any vehicle, deleted too

    def add(self, kind: str, key: str, customer_id: int) -> None:
        self.by_key.setdefault((kind, key), set()).add(customer_id)

    def add_customer(self, c: Customer) -> None:
        self.customers[c.pk] = c
        self.visible.add(c.pk)
        for kind in CUSTOMER_KEYS:
            if getattr(c, kind):
                self.add(kind, getattr(c, kind), c.pk)
        for p in (c.phone_norm, c.phone2_norm):
            if p:
                self.add("phone", p, c.pk)

    def add_vehicle(self, vh: Vehicle) -> None:
        self.vehicles[vh.vin] = vh
        self.taken_vins.add(vh.vin)
        self.add("vin", vh.vin, vh.customer_id)
        if vh.plate:
            self.add("plate", vh.plate, vh.customer_id)


def load_index(actor: User, rows: list[Row]) -> Index:
    index = Index()
    wanted: dict[str, set[str]] = {}
    for row in rows:
        for kind, key in row.keys():
            wanted.setdefault(kind, set()).add(key)
    vehicles = Vehicle.live.all().filter(
        Q(vin__in=wanted.get("vin", ())) | Q(plate__in=wanted.get("plate", ()))
    )
    for vh in vehicles:
        index.add_vehicle(vh)
    index.taken_vins = set(
        Vehicle.objects.filter(vin__in=wanted.get("vin", ())).values_list("vin", flat=True)
    )
    cond = Q(id_number__in=wanted.get("id_number", ())) | Q(uscc__in=wanted.get("uscc", ()))
    phones = wanted.get("phone", set())
    cond |= Q(phone_norm__in=phones) | Q(phone2_norm__in=phones)
    cond |= Q(pk__in={vh.customer_id for vh in index.vehicles.values()})
    found = list(Customer.live.all().filter(cond).select_related("owner").prefetch_related("tags"))
    for c in found:
        index.add_customer(c)
    index.visible = set(
        customers_visible_to(actor).filter(pk__in=[c.pk for c in found]).values_list("pk", flat=True)
    )
    return index


KEY_LABELS = {
    "id_number": "身份证号",
    "uscc": "统一社会信用代码",
    "vin": "车架号",
    "plate": "车牌号",
    "phone": "电话",
}
KEY_FIELDS = {
    "id_number": "customer.id_number",
    "uscc": "customer.uscc",
    "vin": "vehicle.vin",
    "plate": "vehicle.plate",
    "phone": "customer.phone",
}


# what an import says of an archive the importer may not see: that it exists, nothing more — no
# name, archive number or owner (#13, R-Q3)
HIDDEN_ARCHIVE = "已有档案，可申请查阅"


def archive_named(index: Index, customer_id: int) -> str:
    """The archive number of a customer the importer sees; for any other, only that an archive exists."""
    c = index.customers.get(customer_id)
    return c.archive_no if c is not None and customer_id in index.visible else HIDDEN_ARCHIVE


class RowRejected(Exception):
    def __init__(self, errors: list[RowError]) -> None:
        super().__init__(errors)
        self.errors = errors


def match_customer(row: Row, index: Index, columns: Columns) -> Customer | None:
    """The existing customer this row is about, or None for a new one.

    An ID number or USCC identifies a customer on its own (two customers for one row is a conflict).
    Without one, a VIN, then a plate, then a phone number identifies the customer it belongs to, but
    only if the names agree and that customer's own ID number or USCC does not contradict the row's:
    families share phones, cars change hands."""

    def reject(kind: str, message: str, code: str) -> RowRejected:
        return RowRejected([RowError(KEY_FIELDS[kind], columns.header(KEY_FIELDS[kind]), code, message)])

    keys = row.keys()
    found: dict[int, str] = {}
    for kind, key in keys:
        if kind in CUSTOMER_KEYS:
            for cid in index.by_key.get((kind, key), ()):
                found.setdefault(cid, kind)
    if len(found) > 1:
        (a, ka), (b, kb) = list(found.items())[:2]
        nos = "、".join(archive_named(index, c) for c in (a, b))
        raise reject(
            kb, f"{KEY_LABELS[ka]}和{KEY_LABELS[kb]}分别属于两个已有客户（{nos}），请核对", "key_conflict"
        )
    candidates = list(found)
    if not candidates:
        name = row.customer.get("name", "")
        for kind, key in keys:
            for cid in sorted(index.by_key.get((kind, key), ())):
                c = index.customers.get(cid)
                if c is None or (name and c.name != name):
                    continue
                if any(
                    row.customer.get(k) and getattr(c, k) and getattr(c, k) != row.customer[k]
                    for k in CUSTOMER_KEYS
                ):
                    continue
                candidates.append(cid)
                found[cid] = kind
            if candidates:
                break
    if not candidates:
        return None
    cid = candidates[0]
    if cid not in index.visible:
        kind = found[cid]
        raise reject(kind, f"{HIDDEN_ARCHIVE}（{KEY_LABELS[kind]}相同）", "not_visible")
    return index.customers[cid]
