"""The customer's timeline (R-A4): anything that happened to a customer is a dated, attributed Record.
`record_add` (one) and `records_add` (many, set-based) are the only ways onto it, so every module's
entries share the same shape: a title cut to the column, today's date in Asia/Shanghai unless given."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from django.utils import timezone

if TYPE_CHECKING:
    from kedang.accounts.models import User
    from kedang.customers.models import Customer, Record

TITLE_MAX = 200


def _new(
    customer: Customer | int,
    actor: User | int | None,
    kind: str,
    title: str,
    body: str = "",
    *,
    occurred_on: dt.date | None = None,
    **links: Any,
) -> Record:
    from kedang.customers.models import Record

    who: dict[str, Any] = {
        "created_by_id" if isinstance(actor, int) or actor is None else "created_by": actor
    }
    whose: dict[str, Any] = {"customer_id" if isinstance(customer, int) else "customer": customer}
    return Record(
        kind=kind,
        title=title[:TITLE_MAX],
        body=body,
        occurred_on=occurred_on or timezone.localdate(),
        **whose,
        **who,
        **links,
    )


def record_add(
    customer: Customer | int,
    actor: User | int | None,
    kind: str,
    title: str,
    body: str = "",
    *,
    occurred_on: dt.date | None = None,
    **links: Any,
) -> Record:
    """Put one entry on the customer's timeline. `links` are the record's other fields: vehicle, file,
    checklist_item (or their `_id`). Runs inside the caller's transaction."""
    record = _new(customer, actor, kind, title, body, occurred_on=occurred_on, **links)
    record.save()
    return record


def records_add(entries: Iterable[Mapping[str, Any]]) -> list[Record]:
    """Many entries at once (a daily job, a bulk import): each a mapping of `record_add`'s arguments
    by name. One INSERT per 1,000; returns the records in the order given, with their ids."""
    from kedang.customers.models import Record

    records = [_new(**dict(e)) for e in entries]
    return Record.objects.bulk_create(records, batch_size=1000)
