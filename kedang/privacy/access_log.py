"""Writing and verifying the access log (R-G6). One mechanism for every module: call `log_access` wherever
a customer's personal data is viewed, listed, exported, printed, downloaded or unmasked.

Each row's hash is an HMAC (key derived from KEDANG_FIELD_KEY, so the chain cannot be recomputed by someone
who can only edit the database) over the row's content and the previous row's hash."""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import hmac
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from kedang.accounts.models import User
from kedang.ops.client_ip import client_ip

from .middleware import current_request
from .models import AccessLog, AccessLogHead

GENESIS = "0" * 64


@functools.cache
def _key(secret: str) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=b"kedang", info=b"access-log-v1").derive(
        secret.encode()
    )


def row_hash(row: AccessLog) -> str:
    at = row.at.astimezone(dt.UTC).isoformat(timespec="microseconds")
    content = [
        row.pk,
        at,
        row.user_id,
        row.username,
        row.ip,
        row.action,
        row.customer_id,
        row.archive_no,
        row.what,
        row.rows,
        row.prev_hash,
    ]
    message = json.dumps(content, ensure_ascii=False, separators=(",", ":")).encode()
    return hmac.new(_key(settings.KEDANG_FIELD_KEY), message, hashlib.sha256).hexdigest()


def _client_ip(request: HttpRequest | None) -> str | None:
    """The client's address (X-Forwarded-For only behind configured proxies: kedang.ops.client_ip)."""
    request = request or current_request.get()
    if request is None:
        return None
    return client_ip(request) or None


def log_access(
    actor: User | AnonymousUser | None,
    action: str,
    *,
    customer: Any = None,
    what: str = "",
    rows: int = 1,
    request: HttpRequest | None = None,
) -> AccessLog:
    """Append one row (in its own transaction, or the caller's). `customer` is a Customer or None."""
    user = actor if isinstance(actor, User) else None
    # savepoint=False: inside a request's transaction the row is written with it (a few statements, no more)
    with transaction.atomic(savepoint=False):
        # writers queue on the head row: its lock (PostgreSQL), or the write lock SQLite's IMMEDIATE
        # transactions take at BEGIN
        head = AccessLogHead.objects.select_for_update().filter(pk=1).first()
        if head is None:
            head = AccessLogHead.objects.create(pk=1)
        head.last_id += 1
        row = AccessLog(
            id=head.last_id,
            at=timezone.now(),
            user=user,
            username=user.username if user else "",
            ip=_client_ip(request),
            action=action,
            customer_id=getattr(customer, "pk", None),
            archive_no=getattr(customer, "archive_no", "") or "",
            what=what[:200],
            rows=rows,
            prev_hash=head.last_hash,
        )
        row.hash = row_hash(row)
        row.save(force_insert=True)
        head.last_hash = row.hash
        head.save(update_fields=["last_id", "last_hash"])
    return row


@dataclass(frozen=True)
class Break:
    """Where the chain is broken: the first row that does not verify, and why."""

    row_id: int
    reason: str


def verify_chain(batch: int = 5000) -> tuple[int, Break | None]:
    """Walk the chain from the start: (rows verified, the first break or None)."""
    count = 0
    expected_id, prev = 1, GENESIS
    for row in _rows(batch):
        if row.pk != expected_id:
            return count, Break(
                expected_id, "missing row (deleted)" if row.pk > expected_id else "row inserted"
            )
        if row.prev_hash != prev:
            return count, Break(row.pk, "does not follow the previous row")
        if row_hash(row) != row.hash:
            return count, Break(row.pk, "content altered")
        count += 1
        expected_id, prev = row.pk + 1, row.hash
    head = AccessLogHead.objects.filter(pk=1).first()
    if head is not None and (head.last_id != count or head.last_hash != prev):
        return count, Break(count + 1, "rows missing at the end")
    return count, None


def _rows(batch: int) -> Iterator[AccessLog]:
    last = 0
    while True:
        chunk = list(AccessLog.objects.filter(pk__gt=last).order_by("pk")[:batch])
        if not chunk:
            return
        yield from chunk
        last = chunk[-1].pk
