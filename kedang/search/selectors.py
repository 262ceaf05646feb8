"""Finding customers by any key (R-S1), best first, within the user's visibility (R-G2).

Every lookup is an index seek: exact and prefix lookups are ranges on SearchKey.key (B-tree),
suffixes of VIN and ID numbers are prefixes of their reversed keys, 2-character Chinese queries
look up name bigrams, and fragments of 3+ characters use the database's trigram index (SQLite
FTS5, PostgreSQL pg_trgm). Nothing scans the customer table.

Ranking: exact key (0), prefix or suffix (1), initials and fragments (2); ties by recent activity.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.db import connection
from django.db.models import Case, IntegerField, QuerySet, Value, When
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext_lazy as _

from kedang.accounts.models import User
from kedang.customers.models import Customer
from kedang.customers.selectors import visibility_q
from kedang.customers.validators import normalize_phone, normalize_plate

from .index import compact as compact_key
from .models import KeyKind, SearchDoc, SearchKey

PER_LOOKUP = 100
CJK_ONLY = re.compile(r"^[\u4e00-\u9fff]+$")
EXACT_TIER: dict[str, int] = {KeyKind.INITIALS: 1, KeyKind.BIGRAM: 2}
PREFIX_TIER: dict[str, int] = {KeyKind.INITIALS: 2, KeyKind.BIGRAM: 2}
LABELS = {**dict(KeyKind.choices), "text": _("名称/地址/电话"), "address": _("地址")}


@dataclass(frozen=True)
class Match:
    customer_id: int
    tier: int
    kind: str
    key: str


@dataclass
class Hit:
    customer: Customer
    tier: int
    kind: str
    key: str

    def __post_init__(self) -> None:
        if self.kind == "text":  # which field holds the fragment
            c = self.customer
            plates = [v.plate for v in c.vehicles.all() if v.plate]
            for kind, value in (
                (KeyKind.NAME, c.name),
                ("address", c.address),
                (KeyKind.PHONE, c.phone_norm),
                (KeyKind.PHONE, c.phone2_norm),
                *((KeyKind.PLATE, p) for p in plates),
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
        if self.kind in (KeyKind.VIN_REVERSED, KeyKind.ID_REVERSED):
            return self.key[::-1]
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


def _visible_keys(user: User) -> QuerySet[SearchKey]:
    cond = visibility_q(user, owner_field="owner")
    return SearchKey.objects.all() if cond is None else SearchKey.objects.filter(cond)


def _range(prefix: str) -> dict[str, str]:
    return {"key__gte": prefix, "key__lt": prefix + "\U0010ffff"}


def _fragment_ids(user: User, fragment: str) -> list[int]:
    """Customers whose name, address, phones or plates contain the fragment (3+ characters)."""
    cond = visibility_q(user, owner_field="owner")
    if connection.vendor == "sqlite":
        sql = "SELECT d.customer_id FROM search_fts f JOIN search_searchdoc d ON d.customer_id = f.rowid WHERE f.text MATCH %s"
        params: list[str | int] = ['"' + fragment.replace('"', '""') + '"']
        if cond is not None:
            scope_sql, scope_params = _owner_sql(user)
            sql += " AND " + scope_sql
            params += scope_params
        sql += f" LIMIT {PER_LOOKUP}"
        with connection.cursor() as cur:
            cur.execute(sql, params)
            return [row[0] for row in cur.fetchall()]
    qs = SearchDoc.objects.filter(text__contains=fragment.upper())
    if cond is not None:
        qs = qs.filter(cond)
    return list(qs.values_list("customer_id", flat=True)[:PER_LOOKUP])


def _owner_sql(user: User) -> tuple[str, list[str | int]]:
    """The visibility condition on search_searchdoc d, as SQL (SQLite FTS path)."""
    from kedang.accounts.roles import Scope
    from kedang.accounts.selectors import data_scope

    scope = data_scope(user)
    if scope.scope == Scope.SELF or not scope.department_ids:
        return "d.owner_id = %s", [user.pk]
    marks = ",".join("%s" for _ in scope.department_ids)
    return (
        f"(d.owner_id = %s OR d.owner_id IN (SELECT id FROM accounts_user WHERE department_id IN ({marks})))",
        [user.pk, *scope.department_ids],
    )


def find(user: User, text: str, *, limit: int = 20) -> list[Match]:
    """The best matches for text, one per customer, best first (before hydration)."""
    q = Query.parse(text)
    if not q.compact:
        return []
    keys = _visible_keys(user)
    found: dict[int, Match] = {}

    def add(customer_id: int, tier: int, kind: str, key: str) -> None:
        best = found.get(customer_id)
        if best is None or tier < best.tier:
            found[customer_id] = Match(customer_id, tier, kind, key)

    exact = q.exact_keys()
    for cid, kind, key in keys.filter(key__in=exact).values_list("customer_id", "kind", "key")[
        : PER_LOOKUP * 2
    ]:
        add(cid, EXACT_TIER.get(kind, 0), kind, key)
    for prefix in sorted(exact):
        if (len(prefix) < 2 and not CJK_ONLY.match(prefix)) or (prefix.isdigit() and len(prefix) < 4):
            continue
        rows = keys.filter(**_range(prefix)).exclude(kind=KeyKind.BIGRAM).exclude(key=prefix)
        for cid, kind, key in rows.values_list("customer_id", "kind", "key")[:PER_LOOKUP]:
            add(cid, PREFIX_TIER.get(kind, 1), kind, key)
    if len(q.compact) >= 4:  # the last characters of a VIN (6+) or an ID number (4+)
        reversed_key = q.compact[::-1]
        kinds = [KeyKind.ID_REVERSED] + ([KeyKind.VIN_REVERSED] if len(q.compact) >= 6 else [])
        rows = keys.filter(kind__in=kinds, **_range(reversed_key))
        for cid, kind, key in rows.values_list("customer_id", "kind", "key")[:PER_LOOKUP]:
            add(cid, 1, kind, key)
    if len(q.compact) == 2 and CJK_ONLY.match(q.compact):
        rows = keys.filter(key=q.compact, kind=KeyKind.BIGRAM)
        for cid in rows.values_list("customer_id", flat=True)[:PER_LOOKUP]:
            add(cid, 2, KeyKind.BIGRAM, q.compact)
    fragments = {f for f in (q.raw.upper(), q.digits) if len(f) >= 3}
    for fragment in fragments:
        for cid in _fragment_ids(user, fragment):
            add(cid, 2, "text", fragment)
    if not found:
        return []
    recency = dict(
        Customer.objects.filter(pk__in=list(found), deleted_at__isnull=True).values_list("pk", "updated_at")
    )
    ranked = sorted(
        (m for m in found.values() if m.customer_id in recency),
        key=lambda m: (m.tier, -recency[m.customer_id].timestamp(), m.customer_id),
    )
    return ranked[:limit]


def search_customers(user: User, text: str, *, limit: int = 20) -> list[Hit]:
    """Hydrated hits for the search box and the API."""
    matches = find(user, text, limit=limit)
    customers = (
        Customer.objects.select_related("owner")
        .prefetch_related("vehicles")
        .in_bulk([m.customer_id for m in matches])
    )
    return [
        Hit(customers[m.customer_id], m.tier, m.kind, m.key) for m in matches if m.customer_id in customers
    ]


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
