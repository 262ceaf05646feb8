"""Inserting many rows of a model without building model instances (the bulk import's hot loop).

`insert(model, rows)` takes plain dicts of attribute names to values; a missing field gets its default.
Values go through each field's `get_db_prep_save`, as Django's own inserts do, and the rows through
one `executemany` (SQLite) or COPY (PostgreSQL). No signals are sent, as with bulk_create. For rows
whose ids are needed, use bulk_create.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from enum import Enum
from operator import itemgetter
from typing import Any

from django.db import connection, models
from django.utils import timezone

from kedang.privacy.crypto import EncryptedCharField

_PLAIN = (models.CharField, models.TextField, models.IntegerField, models.ForeignKey)


def _plain(value: Any) -> Any:
    return value.value if isinstance(value, Enum) else value  # psycopg would write an Enum's name


def _is_plain(field: models.Field[Any, Any]) -> bool:
    """Written as it is: text and integers (an Enum member of a choice field made plain) — not JSON, and not
    a field that transforms its value on the way in (an encrypted ID number, R-G7)."""
    return isinstance(field, _PLAIN) and not isinstance(field, models.JSONField | EncryptedCharField)


def _preparer(field: models.Field[Any, Any]) -> Callable[[Any], Any]:
    if _is_plain(field):
        return _plain
    if isinstance(field, models.JSONField):
        return lambda value: field.get_db_prep_save(value, connection)
    # dates, times, booleans: few distinct values in a batch (one `now` for every row), each
    # prepared once
    cache: dict[Any, Any] = {}

    def prepare(value: Any) -> Any:
        try:
            return cache[value]
        except KeyError:
            cache[value] = out = field.get_db_prep_save(value, connection)
            return out

    return prepare


def insert(model: type[models.Model], rows: Iterable[dict[str, Any]], *, with_pk: bool = False) -> int:
    """Insert the rows (with their own primary keys if `with_pk`, see `reserve_ids`); returns how many."""
    fields = [f for f in model._meta.concrete_fields if with_pk or not isinstance(f, models.AutoField)]
    now = timezone.now()
    defaults = {
        f.attname: now
        if getattr(f, "auto_now_add", False) or getattr(f, "auto_now", False)
        else f.get_default()
        for f in fields
    }
    names = [f.attname for f in fields]
    pick = itemgetter(*names) if len(names) > 1 else (lambda row: (row[names[0]],))
    special = [(i, _preparer(f)) for i, f in enumerate(fields) if not _is_plain(f)]
    plain_enum = [i for i, f in enumerate(fields) if _is_plain(f) and getattr(f, "choices", None)]
    values: list[list[Any]] = []
    for row in rows:
        cells = list(pick({**defaults, **row}))
        for i, prepare in special:
            cells[i] = prepare(cells[i])
        for i in plain_enum:
            cells[i] = _plain(cells[i])
        values.append(cells)
    if not values:
        return 0
    qn = connection.ops.quote_name
    table = qn(model._meta.db_table)
    columns = ", ".join(qn(f.column) for f in fields)
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            with cur.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for cells in values:
                    copy.write_row(cells)
        else:
            marks = ", ".join("%s" for _ in fields)
            cur.executemany(f"INSERT INTO {table} ({columns}) VALUES ({marks})", values)
    return len(values)


def history_rows(objs: Iterable[models.Model], *, user_id: int, reason: str) -> list[dict[str, Any]]:
    """The django-simple-history rows ("+", created) of freshly inserted objects, as `save` writes them."""
    objs = list(objs)
    if not objs:
        return []
    historical = type(objs[0]).history.model  # type: ignore[attr-defined]
    tracked = [
        f.attname
        for f in historical._meta.concrete_fields
        if f.attname
        not in ("history_id", "history_date", "history_change_reason", "history_type", "history_user_id")
    ]
    when = timezone.now()
    return [
        {
            **{name: getattr(obj, name) for name in tracked},
            "history_date": when,
            "history_change_reason": reason,
            "history_type": "+",
            "history_user_id": user_id,
        }
        for obj in objs
    ]


def reserve_ids(model: type[models.Model], n: int) -> list[int]:
    """`n` fresh primary keys for rows inserted by `insert(..., with_pk=True)`.

    PostgreSQL: taken from the column's sequence, safe under concurrency. SQLite: the next ids after the
    highest ever used (AUTOINCREMENT keeps it in sqlite_sequence); the caller must already have written
    in this transaction, so that SQLite's write lock keeps any other writer out until it commits."""
    if n <= 0:
        return []
    table = model._meta.db_table
    column = model._meta.pk.column
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            cur.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                [table, column, n],
            )
            return [int(r[0]) for r in cur.fetchall()]
        qn = connection.ops.quote_name
        cur.execute(f"SELECT COALESCE(MAX({qn(column)}), 0) FROM {qn(table)}")
        highest = int(cur.fetchone()[0])
        cur.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table])
        row = cur.fetchone()
        if row is not None:
            highest = max(highest, int(row[0]))
    return list(range(highest + 1, highest + 1 + n))


def values_of(obj: models.Model) -> dict[str, Any]:
    """A model instance as the row `insert` takes."""
    return {f.attname: getattr(obj, f.attname) for f in obj._meta.concrete_fields}
