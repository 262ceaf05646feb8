"""Keeping the search index in step with the archive.

`index_customers(ids)` recomputes the keys and fragment text of those customers; the customer
services call it inside their own transaction, so the index never disagrees with what committed.
`rebuild()` recomputes everything in batches (manage.py rebuild_search_index).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from django.db import connection, transaction
from django.db.models import Prefetch

from kedang.customers.models import ContactPerson, Customer, Vehicle
from kedang.customers.validators import normalize_phone

from .models import KeyKind, SearchDoc, SearchKey
from .pinyin import pinyin_keys

CJK = re.compile(r"[\u4e00-\u9fff]")
SEPARATORS = re.compile(r"[\s·•・.\-()（）/_,，:：]+")


def compact(text: str) -> str:
    """Upper-case, without separators: how keys are stored and queries compared (京A·123 = 京a123)."""
    return SEPARATORS.sub("", text).upper()


@dataclass(frozen=True)
class Entry:
    customer_id: int
    owner_id: int
    keys: list[tuple[str, str]]
    text: str


def name_bigrams(name: str) -> list[str]:
    """The 2-character pieces of the Chinese part of a name: the short-query path (王芳, 芳华…)."""
    chars = "".join(CJK.findall(name))
    return list(dict.fromkeys(chars[i : i + 2] for i in range(len(chars) - 1)))


def entry_for(customer: Customer, vehicles: Iterable[Vehicle], contacts: Iterable[ContactPerson]) -> Entry:
    keys: list[tuple[str, str]] = []
    phones = [p for p in (customer.phone_norm, customer.phone2_norm) if p]
    phones += [normalize_phone(c.phone) for c in contacts if c.phone]
    for p in dict.fromkeys(phones):
        keys.append((KeyKind.PHONE, p))
        if len(p) > 8 and p.startswith("0"):  # landline: also without its area code
            local = p[4:] if p[1] != "1" and p[1] != "2" else p[3:]
            keys.append((KeyKind.PHONE, local))
    plates: list[str] = []
    for v in vehicles:
        if v.deleted_at is not None:
            continue
        keys.append((KeyKind.VIN, v.vin))
        keys.append((KeyKind.VIN_REVERSED, v.vin[::-1]))
        if v.plate:
            keys.append((KeyKind.PLATE, v.plate))
            plates.append(v.plate)
    if customer.id_number:
        keys.append((KeyKind.ID_NUMBER, customer.id_number))
        keys.append((KeyKind.ID_REVERSED, customer.id_number[::-1]))
    if customer.uscc:
        keys.append((KeyKind.USCC, customer.uscc))
    keys.append((KeyKind.ARCHIVE_NO, compact(customer.archive_no)))
    name = customer.name.strip()
    keys.append((KeyKind.NAME, compact(name)))
    full, initials = pinyin_keys(name)
    keys += [(KeyKind.PINYIN, k) for k in full]
    keys += [(KeyKind.INITIALS, k) for k in initials]
    keys += [(KeyKind.BIGRAM, g) for g in name_bigrams(name)]
    text = " | ".join(x for x in (name, customer.address, " ".join(phones), " ".join(plates)) if x).upper()
    return Entry(customer.pk, customer.owner_id, list(dict.fromkeys(keys)), text)


def _load(ids: Iterable[int]) -> Iterator[Customer]:
    return (
        Customer.objects.filter(pk__in=list(ids), deleted_at__isnull=True)
        .only(
            "id",
            "owner_id",
            "name",
            "phone_norm",
            "phone2_norm",
            "id_number",
            "uscc",
            "archive_no",
            "address",
        )
        .prefetch_related(
            Prefetch(
                "vehicles", queryset=Vehicle.objects.only("id", "customer_id", "vin", "plate", "deleted_at")
            ),
            Prefetch("contacts", queryset=ContactPerson.objects.only("id", "customer_id", "phone")),
        )
        .iterator(chunk_size=2000)
    )


def _fts_delete(ids: list[int]) -> None:
    if connection.vendor != "sqlite" or not ids:
        return
    old = SearchDoc.objects.filter(customer_id__in=ids).values_list("customer_id", "text")
    with connection.cursor() as cur:
        cur.executemany("INSERT INTO search_fts(search_fts, rowid, text) VALUES('delete', %s, %s)", list(old))


def fts_clear() -> None:
    """Empty SQLite's FTS5 table (it is not a Django model, so `flush` leaves it alone)."""
    if connection.vendor == "sqlite":
        with connection.cursor() as cur:
            cur.execute("INSERT INTO search_fts(search_fts) VALUES('delete-all')")


def _write(entries: list[Entry]) -> None:
    SearchKey.objects.bulk_create(
        [
            SearchKey(customer_id=e.customer_id, owner_id=e.owner_id, kind=k, key=key)
            for e in entries
            for k, key in e.keys
        ],
        batch_size=5000,
    )
    SearchDoc.objects.bulk_create(
        [SearchDoc(customer_id=e.customer_id, owner_id=e.owner_id, text=e.text) for e in entries],
        batch_size=5000,
    )
    if connection.vendor == "sqlite":
        with connection.cursor() as cur:
            cur.executemany(
                "INSERT INTO search_fts(rowid, text) VALUES(%s, %s)",
                [(e.customer_id, e.text) for e in entries],
            )


def index_customers(ids: Iterable[int]) -> None:
    """Recompute the index entries of these customers (deleted ones leave the index)."""
    ids = sorted(set(ids))
    if not ids:
        return
    with transaction.atomic():
        _fts_delete(ids)
        SearchKey.objects.filter(customer_id__in=ids).delete()
        SearchDoc.objects.filter(customer_id__in=ids).delete()
        _write([entry_for(c, c.vehicles.all(), c.contacts.all()) for c in _load(ids)])


def rebuild(*, batch: int = 5000, progress: Callable[[int, int], None] | None = None) -> int:
    """Drop and rebuild the whole index, in batches; returns the number of customers indexed."""
    with transaction.atomic():
        SearchKey.objects.all().delete()
        SearchDoc.objects.all().delete()
        fts_clear()
    ids = list(Customer.objects.filter(deleted_at__isnull=True).order_by("pk").values_list("pk", flat=True))
    done = 0
    for start in range(0, len(ids), batch):
        chunk = ids[start : start + batch]
        with transaction.atomic():
            _write([entry_for(c, c.vehicles.all(), c.contacts.all()) for c in _load(chunk)])
        done += len(chunk)
        if progress:
            progress(done, len(ids))
    return done
