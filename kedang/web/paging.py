"""Keyset pagination for every list, page and API alike (issue #20): the cost of a page does not grow
with its depth, and no count scans the whole set.

- A list orders by a stable key ending in a unique tiebreak, e.g. ("-created_at", "-id"). The next
  page is the rows after the last one shown (`WHERE (created_at, id) < (…)`), found through the
  index of that ordering; the previous page the rows before the first, in reverse. The cursor is
  an opaque token carrying the key of that row and the direction.
- The count is capped: `COUNT(*)` over a `LIMIT CAP + 1` subquery, shown "1000+" past the cap.
- The legacy `?page=N` is still honoured while N pages stay within the cap (a bounded OFFSET);
  beyond it the page is empty and says 请缩小筛选范围.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db.models import Q, QuerySet
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext_lazy as _
from ninja import Schema
from pydantic import Field

COUNT_CAP = 1000  # counts stop here and read "1000+"; legacy ?page=N stops at this many rows
NARROW = _("请缩小筛选范围")
BAD_CURSOR = _("分页参数无效，请从第一页重新开始")


class CursorError(ValueError):
    pass


def capped_count(qs: QuerySet, cap: int = COUNT_CAP) -> tuple[int, bool]:
    """(count, exact): the rows of qs up to cap, counted over a LIMIT cap + 1 subquery; exact is
    False when there are more than cap."""
    n = qs.order_by()[: cap + 1].count()
    return (cap, False) if n > cap else (n, True)


def count_label(count: int, exact: bool) -> str:
    return str(count) if exact else f"{count}+"


def _encode(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return {"t": value.isoformat()}
    if isinstance(value, dt.date):
        return {"d": value.isoformat()}
    if isinstance(value, Decimal):
        return {"n": str(value)}
    return value


PARSERS: dict[str, Callable[[str], Any]] = {"t": parse_datetime, "d": parse_date, "n": Decimal}


def _decode(value: Any) -> Any:
    if isinstance(value, dict) and len(value) == 1:
        ((kind, text),) = value.items()
        if not isinstance(text, str):
            raise CursorError(text)
        try:
            parsed: Any = PARSERS[kind](text)
        except (KeyError, ArithmeticError, ValueError) as exc:
            raise CursorError(text) from exc
        if parsed is None:
            raise CursorError(text)
        return parsed
    if value is None or isinstance(value, (int, str, float, bool)):
        return value
    raise CursorError(value)


def encode_cursor(direction: str, key: Sequence[Any]) -> str:
    raw = json.dumps([direction, [_encode(v) for v in key]], separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(token: str, width: int) -> tuple[str, list[Any]]:
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        direction, key = json.loads(raw)
    except (binascii.Error, ValueError, TypeError, UnicodeDecodeError) as exc:
        raise CursorError(token) from exc
    if direction not in ("n", "p") or not isinstance(key, list) or len(key) != width:
        raise CursorError(token)
    return direction, [_decode(v) for v in key]


def _after(order: Sequence[str], key: Sequence[Any], *, backwards: bool) -> Q:
    """Rows strictly after `key` in `order` (before it when backwards): OR over each position of
    (equal on the prefix, strictly beyond on that column)."""
    cond = Q()
    for i, name in enumerate(order):
        column = name.lstrip("-")
        descending = name.startswith("-") != backwards
        step = Q(**{f"{column}__{'lt' if descending else 'gt'}": key[i]})
        for j in range(i):
            step &= Q(**{order[j].lstrip("-"): key[j]})
        cond |= step
    if len(order) > 1:  # the same rows; the range on the first column lets the database seek its index
        first = order[0].lstrip("-")
        descending = order[0].startswith("-") != backwards
        cond &= Q(**{f"{first}__{'lte' if descending else 'gte'}": key[0]})
    return cond


def _reverse(order: Sequence[str]) -> list[str]:
    return [name[1:] if name.startswith("-") else f"-{name}" for name in order]


def _key_of(obj: Any, order: Sequence[str]) -> list[Any]:
    values = []
    for name in order:
        value: Any = obj
        for part in name.lstrip("-").split("__"):
            value = value.get(part) if isinstance(value, dict) else getattr(value, part)
        values.append(value)
    return values


def _coerce(qs: QuerySet, order: Sequence[str], key: list[Any]) -> list[Any]:
    """The cursor's values as the model fields take them (a tampered cursor: CursorError)."""
    out = []
    for name, value in zip(order, key, strict=True):
        column = name.lstrip("-")
        try:
            f: Any = qs.model._meta.get_field(column.split("__")[0])
            out.append(f.to_python(value) if "__" not in column else value)
        except FieldDoesNotExist:
            out.append(value)  # an annotation: the encoded type (date, datetime…) is kept
        except Exception as exc:
            raise CursorError(value) from exc
    return out


@dataclass
class KeysetPage:
    """One page of a list; iterable like Django's Page, with what the templates and the API need."""

    items: list[Any]
    count: int
    count_exact: bool
    next_cursor: str | None = None
    prev_cursor: str | None = None
    number: int | None = None  # the legacy page number, when asked by number
    error: str = ""  # 请缩小筛选范围 / invalid cursor: shown instead of rows
    query: str = ""  # the other parameters of the list, for the links
    extra: dict[str, Any] = field(default_factory=dict)

    def __iter__(self) -> Iterator[Any]:
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)

    @property
    def object_list(self) -> list[Any]:
        return self.items

    @property
    def count_label(self) -> str:
        return count_label(self.count, self.count_exact)

    @property
    def has_next(self) -> bool:
        return self.next_cursor is not None or "next_page" in self.extra

    @property
    def has_previous(self) -> bool:
        return self.prev_cursor is not None or "prev_page" in self.extra

    @property
    def has_other_pages(self) -> bool:
        return self.has_next or self.has_previous

    def _link(self, **param: Any) -> str:
        parts = [p for p in (self.query, urlencode(param)) if p]
        return "?" + "&".join(parts)

    @property
    def next_link(self) -> str:
        if self.next_cursor:
            return self._link(cursor=self.next_cursor)
        return self._link(page=self.extra["next_page"]) if "next_page" in self.extra else ""

    @property
    def prev_link(self) -> str:
        if self.prev_cursor:
            return self._link(cursor=self.prev_cursor)
        return self._link(page=self.extra["prev_page"]) if "prev_page" in self.extra else ""

    @property
    def first_link(self) -> str:
        return "?" + self.query

    def api_fields(self) -> dict[str, Any]:
        """The fields every API list adds (SPEC §14 extended): count (capped), count_exact, next,
        prev (cursors; None at the ends)."""
        return {
            "count": self.count,
            "count_exact": self.count_exact,
            "next": self.next_cursor,
            "prev": self.prev_cursor,
        }


def keyset_page(
    qs: QuerySet,
    order: Sequence[str] | None,
    *,
    size: int,
    cursor: str | None = None,
    page: int | str | None = None,
    query: str = "",
    cap: int = COUNT_CAP,
) -> KeysetPage:
    """A page of qs in `order` (the last column unique, e.g. "-id"), after or before `cursor`, or
    the legacy page number `page` within the cap. order None: a list already ordered by relevance
    (search results), paged by number within the cap only."""
    count, exact = capped_count(qs, cap)
    if cursor and order:
        try:
            direction, key = decode_cursor(cursor, len(order))
            key = _coerce(qs, order, key)
        except CursorError:
            return KeysetPage([], count, exact, error=str(BAD_CURSOR), query=query)
        backwards = direction == "p"
        rows = list(
            qs.filter(_after(order, key, backwards=backwards)).order_by(
                *(_reverse(order) if backwards else order)
            )[: size + 1]
        )
        more = len(rows) > size
        rows = rows[:size]
        if backwards:
            rows.reverse()
        result = KeysetPage(rows, count, exact, query=query)
        if rows:
            first, last = _key_of(rows[0], order), _key_of(rows[-1], order)
            if more or not backwards:
                result.prev_cursor = encode_cursor("p", first)
            if more or backwards:
                result.next_cursor = encode_cursor("n", last)
        return result

    try:
        number = max(1, int(page or 1))
    except (TypeError, ValueError):
        number = 1
    if (number - 1) * size >= cap and number > 1:
        return KeysetPage([], count, exact, number=number, error=str(NARROW), query=query)
    start = (number - 1) * size
    ordered = qs.order_by(*order) if order else qs
    rows = list(ordered[start : start + size + 1])
    more = len(rows) > size
    rows = rows[:size]
    result = KeysetPage(rows, count, exact, number=number, query=query)
    if order and rows:
        if more:
            result.next_cursor = encode_cursor("n", _key_of(rows[-1], order))
        if number > 1:
            result.prev_cursor = encode_cursor("p", _key_of(rows[0], order))
    elif not order:  # relevance order: page numbers within the cap stand in for cursors
        if more and start + size < cap:
            result.extra["next_page"] = number + 1
        if number > 1:
            result.extra["prev_page"] = number - 1
    return result


def query_without(params: Any, *names: str) -> str:
    """The query string of a QueryDict without the paging parameters."""
    params = params.copy()
    for name in names:
        params.pop(name, None)
    return str(params.urlencode())


def page_from_request(
    request: Any, qs: QuerySet, order: Sequence[str] | None, *, size: int, cap: int = COUNT_CAP
) -> KeysetPage:
    """keyset_page with cursor and page from the request's query string; the links keep the other
    parameters."""
    cursor, page = request.GET.get("cursor"), request.GET.get("page")
    query = query_without(request.GET, "cursor", "page")
    return keyset_page(qs, order, size=size, cursor=cursor, page=page, query=query, cap=cap)


# ---------------------------------------------------------------- the API lists (SPEC §14, extended)

PAGE_MAX = 100_000  # a page number past this is refused by the schema, before the database (issue #20)
CURSOR_HELP = "上一页响应中的 next（或 prev）；给出时忽略 page"


class PageOut(Schema):
    """What every API list answers beside its items: `count` (capped at 1000), `count_exact`, and the
    cursors of the next and previous pages."""

    count: int = Field(description="符合条件的条数；超过 1000 条时为 1000，count_exact 为 false")
    count_exact: bool = Field(True, description="count 是否为确切条数")
    next: str | None = Field(None, description="下一页：作为 cursor 参数传回；没有下一页时为 null")
    prev: str | None = Field(None, description="上一页：作为 cursor 参数传回；没有上一页时为 null")


def api_page(
    qs: QuerySet, order: Sequence[str] | None, *, page: int, page_size: int, cursor: str | None
) -> KeysetPage:
    """keyset_page for an API list; a bad cursor or a page past the cap: 422 with the reason."""
    result = keyset_page(qs, order, size=page_size, cursor=cursor or None, page=page)
    if result.error:
        name = "cursor" if cursor else "page"
        raise ValidationError({name: [ValidationError(result.error, code="out_of_range")]})
    return result
