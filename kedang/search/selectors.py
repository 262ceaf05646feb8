"""Finding customers by any key (R-S1), best first, within the user's visibility (R-G2).

Every lookup is an index seek: exact and prefix lookups are ranges on SearchKey.key (B-tree),
suffixes of VIN and ID numbers are prefixes of their reversed keys, 2-character Chinese queries
look up name bigrams, and fragments of 3+ characters use the database's trigram index (SQLite
FTS5, PostgreSQL pg_trgm). Nothing scans the customer table.

Ranking: exact key (0), prefix or suffix (1), initials and fragments (2); ties by recent activity.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import EmptyResultSet, FullResultSet
from django.db import connection
from django.db.models import Case, IntegerField, QuerySet, Value, When
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext_lazy as _

from kedang.accounts.models import User
from kedang.archive import masking
from kedang.archive.visibility import visibility_q
from kedang.customers.models import Customer, Vehicle
from kedang.customers.validators import is_mobile, normalize_phone, normalize_plate
from kedang.privacy.crypto import decrypt

from .index import ID_PURPOSE, ID_SUFFIX_KEPT, id_number_key
from .index import compact as compact_key
from .models import KeyKind, SearchDoc, SearchKey

PER_LOOKUP = 100
FRAGMENT_MIN = 20  # fragment look-ups fetch the caller's limit, but at least this many
DOC_OWNER_INDEX = "search_doc_owner_idx"  # SearchDoc.Meta.indexes
MAX_CHAR = "\U0010ffff"  # key < prefix + MAX_CHAR: every key that starts with prefix
CJK_ONLY = re.compile(r"^[\u4e00-\u9fff]+$")
ID_NUMBER = re.compile(r"^\d{17}[\dX]$")
ID_SUFFIX = re.compile(r"^\d*X?$")  # the end of an ID number: digits, perhaps a final X
EXACT_TIER: dict[str, int] = {KeyKind.INITIALS: 1, KeyKind.BIGRAM: 2}
PREFIX_TIER: dict[str, int] = {KeyKind.INITIALS: 2, KeyKind.BIGRAM: 2}
# what search_customers loads of a hit's customer: what the box, the results page, the API and
# Hit (which field matched) use; the other fields are deferred
HIT_FIELDS = ("id", "name", "archive_no", "kind", "address", "phone_norm", "phone2_norm", "owner_id")
LABELS = {**dict(KeyKind.choices), "text": _("名称/地址/电话"), "address": _("地址")}


@dataclass(frozen=True)
class Match:
    customer_id: int
    tier: int
    kind: str
    key: str


@dataclass
class Hit:
    """A customer found, with what matched. `customer` has HIT_FIELDS loaded (others are deferred:
    one query each on first use); `plates` are her live vehicles' plates, `owner_name` her
    account manager as shown."""

    customer: Customer
    tier: int
    kind: str
    key: str
    plates: list[str] = field(default_factory=list)
    owner_name: str = ""
    sees_phone: bool = True  # the searcher's role sees phone numbers in clear (R-G7)

    def __post_init__(self) -> None:
        if self.kind == "text":  # which field holds the fragment
            c = self.customer
            for kind, value in (
                (KeyKind.NAME, c.name),
                ("address", c.address),
                (KeyKind.PHONE, c.phone_norm),
                (KeyKind.PHONE, c.phone2_norm),
                *((KeyKind.PLATE, p) for p in self.plates),
            ):
                if value and self.key in value.upper():
                    self.kind, self.key = kind, value
                    break

    @property
    def matched(self) -> str:
        """Which field matched, as the user calls it (车牌, 电话, 拼音 …)."""
        return str(LABELS.get(self.kind, self.kind))

    @property
    def matched_value(self) -> str:
        if self.kind == KeyKind.VIN_REVERSED:
            return self.key[::-1]
        if self.kind == KeyKind.ID_REVERSED:  # the index keeps only the tail; show no more than 4 of it
            return "…" + self.key[::-1][-4:]
        if self.kind == KeyKind.ID_NUMBER:  # the key is the ciphertext; only roles that see IDs match it
            return decrypt(self.key, ID_PURPOSE)
        if self.kind == KeyKind.PHONE and not self.sees_phone:
            return masking.mask_phone(self.key)
        if self.kind in (KeyKind.BIGRAM, KeyKind.NAME, KeyKind.PINYIN, KeyKind.INITIALS):
            return self.customer.name
        if self.kind == KeyKind.ARCHIVE_NO:
            return self.customer.archive_no
        return self.key


@dataclass(frozen=True)
class Query:
    """The spellings of one query string that the index can be asked for."""

    raw: str
    compact: str  # upper-case, separators removed
    digits: str
    plate: str
    latin: str  # lower-case letters and digits, for pinyin

    @classmethod
    def parse(cls, text: str) -> Query:
        raw = text.strip()[:100]
        compact = compact_key(raw)
        digits = normalize_phone(compact) if re.fullmatch(r"\+?\d+", compact) else ""
        latin = compact.lower() if re.fullmatch(r"[A-Za-z0-9]+", compact) else ""
        return cls(raw, compact, digits, normalize_plate(raw), latin)

    def exact_keys(self) -> set[str]:
        return {k for k in (self.compact, self.digits, self.plate, self.latin) if k}

    def fragments(self) -> list[str]:
        """What to look for inside the fragment text (names, addresses, phones, plates). A number
        is looked for as its digits (the text holds phones as digits only) unless it is a whole
        mobile number or longer: then it is a key, and the trigram lookup of a long run of digits
        (common trigrams, several milliseconds at a million customers) would add nothing."""
        if self.digits:
            if is_mobile(self.digits) or len(self.digits) >= 12:
                return []
            return [self.digits] if len(self.digits) >= 3 else []
        return [self.raw.upper()] if len(self.raw) >= 3 else []


@dataclass(frozen=True)
class _Scope:
    """The user's visibility (R-G2) over one index table, as SQL for `find`'s single statement:
    `tables` is the FROM clause (the table and any join the condition needs), `where` the
    condition ("" when she sees every customer)."""

    tables: str
    tables_params: tuple[object, ...]
    where: str
    where_params: tuple[object, ...]

    def select(
        self, columns: str, condition: str, params: list[object], limit: int
    ) -> tuple[str, list[object]]:
        where = f"({self.where}) AND {condition}" if self.where else condition
        sql = f"SELECT {columns} FROM {self.tables} WHERE {where} LIMIT {limit}"
        return sql, [*self.tables_params, *self.where_params, *params]


def _scopes(user: User) -> tuple[_Scope, _Scope] | None:
    """visibility_q as SQL over SearchKey and SearchDoc (one ORM compilation for both: the two
    tables have the same owner_id and customer_id columns); None if the user sees nothing."""
    qn = connection.ops.quote_name
    key_table, doc_table = qn(SearchKey._meta.db_table), qn(SearchDoc._meta.db_table)
    cond = visibility_q(user, owner_field="owner", customer_field="customer_id")
    if cond is None:
        return _Scope(key_table, (), "", ()), _Scope(doc_table, (), "", ())
    query = SearchKey.objects.filter(cond).query
    compiler = query.get_compiler(connection=connection)
    try:
        from_parts, from_params = compiler.get_from_clause()
        where, where_params = compiler.compile(query.where)
    except EmptyResultSet:
        return None
    except FullResultSet:
        return _Scope(key_table, (), "", ()), _Scope(doc_table, (), "", ())
    tables = " ".join(from_parts)
    keys = _Scope(tables, tuple(from_params), where, tuple(where_params))
    docs = _Scope(
        tables.replace(key_table, doc_table),
        keys.tables_params,
        where.replace(key_table, doc_table),
        keys.where_params,
    )
    return keys, docs


def _fragment_lookup(scope: _Scope, fragment: str, limit: int = PER_LOOKUP) -> tuple[str, list[object]]:
    """Customers whose name, address, phones or plates contain the fragment (3+ characters):
    SQLite FTS5 (trigram), PostgreSQL pg_trgm. Stops at the first `limit` rows found: fragments rank last,
    so no more than the caller shows are needed — and a common fragment within a narrow scope (an account
    manager's sixth) is found by scanning until that many of hers turn up, which costs in proportion."""
    qn = connection.ops.quote_name
    doc_id = f"{qn(SearchDoc._meta.db_table)}.{qn('customer_id')}"
    if connection.vendor == "sqlite":
        match = '"' + fragment.replace('"', '""') + '"'
        if not scope.where:  # every indexed customer is visible
            sql = f"SELECT rowid AS cid, 'text' AS kind, '' AS k FROM search_fts WHERE text MATCH %s LIMIT {limit}"
            return sql, [match]
        # FTS5 drives (CROSS JOIN keeps it the outer loop), so a common fragment stops early
        # instead of collecting every match first; each match's owner is read from the narrow
        # (customer, owner) index, not from the table row
        doc_table = qn(SearchDoc._meta.db_table)
        tables = scope.tables.replace(doc_table, f"{doc_table} INDEXED BY {qn(DOC_OWNER_INDEX)}", 1)
        fts = _Scope(f"search_fts CROSS JOIN {tables}", scope.tables_params, scope.where, scope.where_params)
        return fts.select(
            f"{doc_id} AS cid, 'text' AS kind, '' AS k",
            f"search_fts.text MATCH %s AND {doc_id} = search_fts.rowid",
            [match],
            limit,
        )
    like = "%" + connection.ops.prep_for_like_query(fragment.upper()) + "%"
    text = f"{qn(SearchDoc._meta.db_table)}.{qn('text')}"
    return scope.select(f"{doc_id} AS cid, 'text' AS kind, '' AS k", f"{text} LIKE %s", [like], limit)


def find(user: User, text: str, *, limit: int = 20) -> list[Match]:
    """The best matches for text, one per customer, best first (before hydration).

    One SQL statement: a UNION ALL of index lookups, each stopping at its own LIMIT, joined to
    the customers for their recent activity. Lookups, in order (n):
    exact key; prefix of a key; suffix of a VIN or ID number (prefix of its reversed key);
    2-character name bigram; trigram fragments."""
    q = Query.parse(text)
    if not q.compact:
        return []
    scopes = _scopes(user)
    if scopes is None:
        return []
    keys, docs = scopes
    qn = connection.ops.quote_name
    table = qn(SearchKey._meta.db_table)
    cid, kind, key = (f"{table}.{qn(c)}" for c in ("customer_id", "kind", "key"))
    columns = f"{cid} AS cid, {kind} AS kind, {key} AS k"
    lookups: list[tuple[str, list[object]]] = []  # (SQL, params) in the order of `tiers`
    tiers: list[Callable[[str], int]] = []

    exact = sorted(q.exact_keys())
    sees_id = masking.sees(user, "id_number")
    sees_phone = masking.sees(user, "phone")
    if sees_id and ID_NUMBER.match(q.compact):
        exact.append(id_number_key(q.compact))  # the ciphertext, as the index holds it
    marks = ", ".join("%s" for _ in exact)
    # an ID number's reversed tail is looked up as a suffix only (below): as an exact or prefix key it
    # would tell a role that sees 4 characters the hidden ones, one query per character (R-G7)
    lookups.append(
        keys.select(
            columns,
            f"{key} IN ({marks}) AND {kind} <> %s",
            [*exact, KeyKind.ID_REVERSED.value],
            PER_LOOKUP * 2,
        )
    )
    tiers.append(lambda k: EXACT_TIER.get(k, 0))
    # not prefixes of phones for a role that sees them masked: the first 4+ digits cover hidden ones
    no_prefix = [KeyKind.BIGRAM.value, KeyKind.ID_REVERSED.value]
    if not sees_phone:
        no_prefix.append(KeyKind.PHONE.value)
    no_prefix_marks = ", ".join("%s" for _ in no_prefix)
    for prefix in exact:
        if (len(prefix) < 2 and not CJK_ONLY.match(prefix)) or (prefix.isdigit() and len(prefix) < 4):
            continue
        # strictly greater: the exact key itself was the first lookup
        lookups.append(
            keys.select(
                columns,
                f"{key} > %s AND {key} < %s AND {kind} NOT IN ({no_prefix_marks})",
                [prefix, prefix + MAX_CHAR, *no_prefix],
                PER_LOOKUP,
            )
        )
        tiers.append(lambda k: PREFIX_TIER.get(k, 1))
    # the last characters of a VIN (6+) or an ID number (4+; roles that see IDs masked: only the 4 they see)
    reversed_key = q.compact[::-1]
    suffix_kinds: dict[str, str] = {}  # kind → the reversed key to look for
    if len(q.compact) >= 4 and (sees_id or len(q.compact) == 4) and ID_SUFFIX.match(q.compact):
        suffix_kinds[KeyKind.ID_REVERSED.value] = reversed_key[:ID_SUFFIX_KEPT]
    if len(q.compact) >= 6:
        suffix_kinds[KeyKind.VIN_REVERSED.value] = reversed_key
    for prefix in sorted(set(suffix_kinds.values())):
        kinds = [k for k, v in suffix_kinds.items() if v == prefix]
        kind_marks = ", ".join("%s" for _ in kinds)
        lookups.append(
            keys.select(
                columns,
                f"{key} >= %s AND {key} < %s AND {kind} IN ({kind_marks})",
                [prefix, prefix + MAX_CHAR, *kinds],
                PER_LOOKUP,
            )
        )
        tiers.append(lambda k: 1)
    if len(q.compact) == 2 and CJK_ONLY.match(q.compact):
        lookups.append(
            keys.select(columns, f"{key} = %s AND {kind} = %s", [q.compact, KeyKind.BIGRAM.value], PER_LOOKUP)
        )
        tiers.append(lambda k: 2)
    fragments = q.fragments()
    text_keys: dict[int, str] = {}  # lookup number → the fragment it looked for
    for fragment in fragments:
        text_keys[len(lookups)] = fragment
        lookups.append(_fragment_lookup(docs, fragment, min(PER_LOOKUP, max(limit, FRAGMENT_MIN))))
        tiers.append(lambda k: 2)

    union = " UNION ALL ".join(
        f"SELECT {n} AS n, l{n}.* FROM ({sql}) l{n}" for n, (sql, _) in enumerate(lookups)
    )
    customer = qn(Customer._meta.db_table)
    sql = (
        f"SELECT u.n, u.cid, u.kind, u.k, c.{qn('updated_at')} FROM ({union}) u "
        f"JOIN {customer} c ON c.{qn('id')} = u.cid WHERE c.{qn('deleted_at')} IS NULL"
    )
    with connection.cursor() as cur:
        cur.execute(sql, [p for _, params in lookups for p in params])  # type: ignore[misc]
        rows = cur.fetchall()
    rows.sort(key=lambda r: r[0])  # lookup order decides between keys of the same tier
    if len(q.compact) > ID_SUFFIX_KEPT:
        rows = _longer_id_suffix(rows, q.compact)
    if not sees_phone and text_keys:
        rows = _seen_fragments(rows, text_keys)

    found: dict[int, Match] = {}
    recency: dict[int, object] = {}
    for n, customer_id, row_kind, row_key, updated_at in rows:
        tier = tiers[n](row_kind)
        best = found.get(customer_id)
        if best is None or tier < best.tier:
            found[customer_id] = Match(customer_id, tier, row_kind, text_keys.get(n, row_key))
        recency[customer_id] = updated_at
    # tier, then recent activity (newest first), then id; sorts are stable
    ranked = sorted(found.values(), key=lambda m: m.customer_id)
    ranked.sort(key=lambda m: recency[m.customer_id], reverse=True)  # type: ignore[arg-type, return-value]
    ranked.sort(key=lambda m: m.tier)
    return ranked[:limit]


def _longer_id_suffix(rows: list[tuple[Any, ...]], suffix: str) -> list[tuple[Any, ...]]:
    """The index holds only the last ID_SUFFIX_KEPT characters of an ID number: a longer suffix is checked
    against the decrypted numbers of the few customers that matched its tail."""
    ids = {r[1] for r in rows if r[2] == KeyKind.ID_REVERSED}
    if not ids:
        return rows
    ok = {
        pk
        for pk, number in Customer.objects.filter(pk__in=ids).values_list("pk", "id_number")
        if number.endswith(suffix)
    }
    return [r for r in rows if r[2] != KeyKind.ID_REVERSED or r[1] in ok]


_LONG_NUMBER = re.compile(r"\d{7,}")


def seen_text(text: str) -> str:
    """A customer's fragment text as a role that sees phones masked sees it: each phone masked."""
    return _LONG_NUMBER.sub(lambda m: masking.mask_phone(m.group(0)), text)


def _seen_fragments(rows: list[tuple[Any, ...]], text_keys: dict[int, str]) -> list[tuple[Any, ...]]:
    """For a role that sees phones masked: a fragment matches only what she sees — the first 3 and the
    last 4 digits of a phone, not the hidden ones (else 4–40 queries rebuild a whole number, R-G7).
    One query, for the few customers the fragment lookups found."""
    ids = {r[1] for r in rows if r[0] in text_keys}
    if not ids:
        return rows
    texts = dict(SearchDoc.objects.filter(customer_id__in=ids).values_list("customer_id", "text"))
    return [
        r for r in rows if r[0] not in text_keys or text_keys[r[0]].upper() in seen_text(texts.get(r[1], ""))
    ]


def search_customers(user: User, text: str, *, limit: int = 20) -> list[Hit]:
    """Hydrated hits for the search box and the API: two plain queries (the customers with their
    owners' names, their live vehicles' plates), no per-row ORM work."""
    matches = find(user, text, limit=limit)
    if not matches:
        return []
    qn = connection.ops.quote_name
    ids = [m.customer_id for m in matches]
    marks = ", ".join("%s" for _ in ids)
    # from_db takes the loaded values in the model's field order
    names = [f.attname for f in Customer._meta.concrete_fields if f.attname in HIT_FIELDS]
    columns = ", ".join(f"c.{qn(name)}" for name in names)  # these columns are named as their fields
    with connection.cursor() as cur:
        cur.execute(
            f"SELECT {columns}, u.{qn('display_name')}, u.{qn('username')} "
            f"FROM {qn(Customer._meta.db_table)} c JOIN {qn(User._meta.db_table)} u ON u.{qn('id')} = c.{qn('owner_id')} "
            f"WHERE c.{qn('id')} IN ({marks})",
            ids,
        )
        rows = cur.fetchall()
        cur.execute(
            f"SELECT {qn('customer_id')}, {qn('plate')} FROM {qn(Vehicle._meta.db_table)} "
            f"WHERE {qn('customer_id')} IN ({marks}) AND {qn('deleted_at')} IS NULL AND {qn('plate')} <> '' "
            f"ORDER BY {qn('delivery_date')} DESC, {qn('id')} DESC",
            ids,
        )
        plates: dict[int, list[str]] = {}
        for customer_id, plate in cur.fetchall():
            plates.setdefault(customer_id, []).append(plate)
    sees_phone = masking.sees(user, "phone")
    found: dict[int, tuple[Customer, str]] = {}
    for row in rows:
        customer = Customer.from_db(connection.alias, names, row[: len(names)])
        found[customer.pk] = (customer, row[-2] or row[-1])
    hits = []
    for m in matches:
        if m.customer_id in found:
            customer, owner_name = found[m.customer_id]
            hits.append(
                Hit(customer, m.tier, m.kind, m.key, plates.get(m.customer_id, []), owner_name, sees_phone)
            )
    return hits


def filter_customers_by_text(
    qs: QuerySet[Customer], text: str, user: User, *, limit: int = 500
) -> QuerySet[Customer]:
    """The customers of qs that match text, best match first (the customer list's text filter)."""
    ids = [m.customer_id for m in find(user, text, limit=limit)]
    order = Case(*[When(pk=pk, then=Value(i)) for i, pk in enumerate(ids)], output_field=IntegerField())
    return qs.filter(pk__in=ids).annotate(search_rank=order).order_by("search_rank")


def highlight(value: str, query: str) -> SafeString:
    """value with the part that matches the query marked (<mark>), HTML-escaped."""
    q = Query.parse(query)
    for needle in sorted({q.raw, q.compact, q.digits, q.plate} - {""}, key=len, reverse=True):
        i = value.upper().find(needle.upper())
        if i >= 0:
            j = i + len(needle)
            return mark_safe(f"{escape(value[:i])}<mark>{escape(value[i:j])}</mark>{escape(value[j:])}")
    return mark_safe(escape(value))
