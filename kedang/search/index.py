"""Keeping the search index in step with the archive.

`index_customers(ids)` recomputes the keys and fragment text of those customers; the customer
services call it inside their own transaction, so the index never disagrees with what committed.
`rebuild()` recomputes everything in batches (manage.py rebuild_search_index).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any, cast

from django.db import connection, transaction
from django.db.models import Prefetch

from kedang.customers.models import ContactPerson, Customer, Vehicle
from kedang.customers.validators import normalize_phone
from kedang.privacy.crypto import EncryptedCharField, encrypt

from .models import KeyKind, SearchDoc, SearchKey
from .pinyin import pinyin_keys

CJK = re.compile(r"[\u4e00-\u9fff]")
ID_PURPOSE = cast(EncryptedCharField, Customer._meta.get_field("id_number")).purpose
ID_SUFFIX_KEPT = 8  # an 8-character tail is not an ID number; longer suffixes are checked after decryption
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


def id_number_key(id_number: str) -> str:
    """The index key of a whole ID number: its ciphertext as stored in Customer.id_number."""
    return encrypt(id_number, ID_PURPOSE)


def name_bigrams(name: str) -> list[str]:
    """The 2-character pieces of the Chinese part of a name: the short-query path (王芳, 芳华…)."""
    chars = "".join(CJK.findall(name))
    return list(dict.fromkeys(chars[i : i + 2] for i in range(len(chars) - 1)))


def entry_for(customer: Customer, vehicles: Iterable[Vehicle], contacts: Iterable[ContactPerson]) -> Entry:
    return entry_from_values(
        customer.pk,
        customer.owner_id,
        name=customer.name,
        phone_norm=customer.phone_norm,
        phone2_norm=customer.phone2_norm,
        id_number=customer.id_number,
        uscc=customer.uscc,
        archive_no=customer.archive_no,
        address=customer.address,
        vehicles=[(v.vin, v.plate) for v in vehicles if v.deleted_at is None],
        contact_phones=[c.phone for c in contacts if c.phone],
    )


def entry_from_values(
    customer_id: int,
    owner_id: int,
    *,
    name: str,
    phone_norm: str,
    phone2_norm: str,
    id_number: str,
    uscc: str,
    archive_no: str,
    address: str,
    vehicles: Iterable[tuple[str, str]],
    contact_phones: Iterable[str],
) -> Entry:
    """The index entry of a customer from plain values: (vin, plate) of her live vehicles and the
    raw phones of her contact persons. `entry_for` and the set-based `rebuild` both come here."""
    keys: list[tuple[str, str]] = []
    phones = [p for p in (phone_norm, phone2_norm) if p]
    phones += [normalize_phone(p) for p in contact_phones if p]
    for p in dict.fromkeys(phones):
        keys.append((KeyKind.PHONE, p))
        if len(p) > 8 and p.startswith("0"):  # landline: also without its area code
            local = p[4:] if p[1] != "1" and p[1] != "2" else p[3:]
            keys.append((KeyKind.PHONE, local))
    plates: list[str] = []
    for vin, plate in vehicles:
        keys.append((KeyKind.VIN, vin))
        keys.append((KeyKind.VIN_REVERSED, vin[::-1]))
        if plate:
            keys.append((KeyKind.PLATE, plate))
            plates.append(plate)
    if id_number:
        # no ID number in clear in the index (R-G7): the whole number as its ciphertext (exact look-up),
        # and only its last ID_SUFFIX_KEPT characters, reversed, for the "last 4+" look-up
        keys.append((KeyKind.ID_NUMBER, id_number_key(id_number)))
        keys.append((KeyKind.ID_REVERSED, id_number[::-1][:ID_SUFFIX_KEPT]))
    if uscc:
        keys.append((KeyKind.USCC, uscc))
    keys.append((KeyKind.ARCHIVE_NO, compact(archive_no)))
    name = name.strip()
    keys.append((KeyKind.NAME, compact(name)))
    full, initials = pinyin_keys(name)
    keys += [(KeyKind.PINYIN, k) for k in full]
    keys += [(KeyKind.INITIALS, k) for k in initials]
    keys += [(KeyKind.BIGRAM, g) for g in name_bigrams(name)]
    text = " | ".join(x for x in (name, address, " ".join(phones), " ".join(plates)) if x).upper()
    return Entry(customer_id, owner_id, list(dict.fromkeys(keys)), text)


def _load(ids: Iterable[int]) -> Iterator[Customer]:
    return (
        Customer.live.filter(pk__in=list(ids))
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


def rebuild(*, batch: int = 50000, progress: Callable[[int, int], None] | None = None) -> int:
    """Drop and rebuild the whole index; returns the number of customers indexed.

    Set-based, for a million customers in minutes: plain rows are read in primary-key order (no
    model instances), keys are written with executemany (COPY on PostgreSQL) while the key
    indexes are dropped, and the indexes are then built once, by sorting. Each batch commits on
    its own; a rebuild that is interrupted leaves an incomplete index: run it again.
    """
    with transaction.atomic():
        _drop_bulk_indexes()  # first: with them, SQLite deletes row by row through every index
        SearchKey.objects.all().delete()
        SearchDoc.objects.all().delete()
        fts_clear()
        _fts_automerge(0)  # no merging while loading: one 'optimize' at the end
    total = Customer.live.all().count()
    done = 0
    try:
        for entries in _entries_in_pk_order(batch):
            with transaction.atomic():
                _write_plain(entries)
            done += len(entries)
            if progress:
                progress(done, total)
    finally:
        with transaction.atomic():
            _create_bulk_indexes()
            _fts_automerge(FTS_AUTOMERGE)
    _optimize()
    return done


FTS_AUTOMERGE = 4  # FTS5's default


def _fts_automerge(n: int) -> None:
    if connection.vendor == "sqlite":
        with connection.cursor() as cur:
            cur.execute("INSERT INTO search_fts(search_fts, rank) VALUES('automerge', %s)", [n])


def _entries_in_pk_order(batch: int) -> Iterator[list[Entry]]:
    """The entries of all live customers, a batch at a time, from plain rows (what `entry_for`
    computes from model instances, with vehicles in their model order)."""
    last = 0
    while True:
        rows = list(
            Customer.live.filter(pk__gt=last)
            .order_by("pk")
            .values_list(
                "pk",
                "owner_id",
                "name",
                "phone_norm",
                "phone2_norm",
                "id_number",
                "uscc",
                "archive_no",
                "address",
            )[:batch]
        )
        if not rows:
            return
        lo, hi = rows[0][0], rows[-1][0]
        vehicles: dict[int, list[tuple[str, str]]] = {}
        for cid, vin, plate in (
            Vehicle.live.filter(customer_id__gte=lo, customer_id__lte=hi)
            .order_by("customer_id", *cast(list[str], Vehicle._meta.ordering))
            .values_list("customer_id", "vin", "plate")
        ):
            vehicles.setdefault(cid, []).append((vin, plate))
        contacts: dict[int, list[str]] = {}
        for cid, phone in (
            ContactPerson.objects.filter(customer_id__gte=lo, customer_id__lte=hi)
            .exclude(phone="")
            .order_by("customer_id", "pk")
            .values_list("customer_id", "phone")
        ):
            contacts.setdefault(cid, []).append(phone)
        yield [
            entry_from_values(
                pk,
                owner_id,
                name=name,
                phone_norm=phone_norm,
                phone2_norm=phone2_norm,
                id_number=id_number,
                uscc=uscc,
                archive_no=archive_no,
                address=address,
                vehicles=vehicles.get(pk, ()),
                contact_phones=contacts.get(pk, ()),
            )
            for pk, owner_id, name, phone_norm, phone2_norm, id_number, uscc, archive_no, address in rows
        ]
        last = hi


def _insert(table: str, columns: tuple[str, ...], rows: Iterable[tuple[Any, ...]]) -> None:
    qn = connection.ops.quote_name
    names = ", ".join(qn(c) for c in columns)
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            with cur.cursor.copy(f"COPY {qn(table)} ({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            marks = ", ".join("%s" for _ in columns)
            cur.executemany(f"INSERT INTO {qn(table)} ({names}) VALUES ({marks})", list(rows))


def _write_plain(entries: list[Entry]) -> None:
    """What `_write` does, without model instances (the rebuild's hot loop)."""
    _insert(
        SearchKey._meta.db_table,
        ("customer_id", "owner_id", "kind", "key"),
        ((e.customer_id, e.owner_id, str(k), key) for e in entries for k, key in e.keys),
    )
    _insert(
        SearchDoc._meta.db_table,
        ("customer_id", "owner_id", "text"),
        ((e.customer_id, e.owner_id, e.text) for e in entries),
    )
    if connection.vendor == "sqlite":
        with connection.cursor() as cur:
            cur.executemany(
                "INSERT INTO search_fts(rowid, text) VALUES(%s, %s)",
                [(e.customer_id, e.text) for e in entries],
            )


# PostgreSQL's fragment index (migration 0002), dropped and rebuilt with the key indexes
PG_TRGM_INDEX = "search_doc_text_trgm"
PG_TRGM_CREATE = (
    f"CREATE INDEX IF NOT EXISTS {PG_TRGM_INDEX} ON search_searchdoc USING gin (text gin_trgm_ops)"
)


def _drop_bulk_indexes() -> None:
    qn = connection.ops.quote_name
    with connection.cursor() as cur:
        for index in SearchKey._meta.indexes:
            cur.execute(f"DROP INDEX IF EXISTS {qn(str(index.name))}")
        if connection.vendor == "postgresql":
            cur.execute(f"DROP INDEX IF EXISTS {PG_TRGM_INDEX}")


def _create_bulk_indexes() -> None:
    editor = connection.schema_editor()  # only renders the CREATE INDEX statements
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            # inside an outer transaction (tests) the rows' deferred foreign-key checks are still
            # pending, and PostgreSQL builds no index over a table with pending trigger events
            cur.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cur.execute("SET CONSTRAINTS ALL DEFERRED")
            cur.execute("SET LOCAL maintenance_work_mem = '512MB'")
        for index in SearchKey._meta.indexes:
            sql = str(index.create_sql(SearchKey, editor))
            cur.execute(sql.replace("CREATE INDEX", "CREATE INDEX IF NOT EXISTS", 1))
        if connection.vendor == "postgresql":
            cur.execute(PG_TRGM_CREATE)


def _optimize() -> None:
    """After a rebuild: merge FTS5's segments into one b-tree (fewer probes per query), refresh
    the planner's statistics."""
    with connection.cursor() as cur:
        if connection.vendor == "sqlite":
            cur.execute("INSERT INTO search_fts(search_fts) VALUES('optimize')")
        elif connection.vendor == "postgresql":
            cur.execute("ANALYZE search_searchkey")
            cur.execute("ANALYZE search_searchdoc")


def index_new_customers(entries: list[Entry]) -> None:
    """Index customers that have no entries yet — a bulk import's new customers, whose entries it made
    with `entry_from_values` from the values it has just written — set-based, like the rebuild."""
    if entries:
        _write_plain(entries)
