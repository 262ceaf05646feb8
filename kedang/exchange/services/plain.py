"""Inserting many rows of a model without building model instances (the bulk import's hot loop).

`insert(model, rows)` takes plain dicts of attribute names to values; a missing field gets its default.
Values go through each field's `get_db_prep_save`, as Django's own inserts do, and the rows through
one `executemany` (SQLite) or COPY (PostgreSQL). No signals are sent, as with bulk_create. For rows
whose ids are needed, use bulk_create.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from enum import Enum
from typing import Any

from django.db import connection, models
from django.utils import timezone

_PLAIN = (models.CharField, models.TextField, models.IntegerField, models.ForeignKey)


def _plain(value: Any) -> Any:
    return value.value if isinstance(value, Enum) else value  # psycopg would write an Enum's name


def _preparer(field: models.Field[Any, Any]) -> Callable[[Any], Any]:
    if isinstance(field, _PLAIN) and not isinstance(field, models.JSONField):
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


def insert(model: type[models.Model], rows: Iterable[dict[str, Any]]) -> int:
    """Insert the rows; returns how many."""
    fields = [f for f in model._meta.concrete_fields if not isinstance(f, models.AutoField)]
    now = timezone.now()
    defaults = {
        f.attname: now
        if getattr(f, "auto_now_add", False) or getattr(f, "auto_now", False)
        else f.get_default()
        for f in fields
    }
    prepare = [(f.attname, _preparer(f)) for f in fields]
    values = [tuple(p(row.get(name, defaults[name])) for name, p in prepare) for row in rows]
    if not values:
        return 0
    qn = connection.ops.quote_name
    table = qn(model._meta.db_table)
    names = ", ".join(qn(f.column) for f in fields)
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            with cur.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                for row in values:
                    copy.write_row(row)
        else:
            marks = ", ".join("%s" for _ in fields)
            cur.executemany(f"INSERT INTO {table} ({names}) VALUES ({marks})", values)
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
