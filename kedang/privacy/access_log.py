"""Writing and verifying the access log (R-G6). One mechanism for every module: call `log_access` wherever
a customer's personal data is viewed, listed, exported, printed, downloaded or unmasked.

Each row's hash is an HMAC (key derived from KEDANG_FIELD_KEY, so the chain cannot be recomputed by someone
who can only edit the database) over the row's content and the previous row's hash; the head (last id and
hash) carries an HMAC too, so a cut-off tail is found even when the head is rewritten to match.

`what` never holds a typed phone or ID number in clear: log_access masks it (kedang.archive.masking.mask_text)
for whoever reads the log; rows written before that are masked when read (`shown_rows`)."""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import hmac
import json
from collections.abc import Iterable, Iterator
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
from kedang.archive.masking import mask_text
from kedang.ops.client_ip import client_ip

from .middleware import current_request
from .models import AccessLog, AccessLogHead

GENESIS = "0" * 64
HASH_VERSION = 2  # what a new row's hash covers (see row_hash)


@functools.cache
def _key(secret: str, info: bytes = b"access-log-v1") -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=b"kedang", info=info).derive(secret.encode())


def _mac(content: list[Any], info: bytes = b"access-log-v1") -> str:
    message = json.dumps(content, ensure_ascii=False, separators=(",", ":")).encode()
    return hmac.new(_key(settings.KEDANG_FIELD_KEY, info), message, hashlib.sha256).hexdigest()


def row_hash(row: AccessLog) -> str:
    """Version 1 covered user_id, which deleting the user rewrote; version 2 covers the username instead
    (kept in the row), and its own version number."""
    at = row.at.astimezone(dt.UTC).isoformat(timespec="microseconds")
    rest = [row.ip, row.action, row.customer_id, row.archive_no, row.what, row.rows, row.prev_hash]
    if row.hash_version == 1:
        return _mac([row.pk, at, row.user_id, row.username, *rest])
    return _mac([row.hash_version, row.pk, at, row.username, *rest])


def head_mac(last_id: int, last_hash: str) -> str:
    """The head's HMAC (a key of its own): without the key, a head that skips cut-off rows cannot be made."""
    return _mac([last_id, last_hash], b"access-log-head-v1")


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
    """Append one row (in its own transaction, or the caller's). `customer` is a Customer or None.
    Phone- and ID-number-like runs in `what` are masked (a typed search term, a filter, a reason)."""
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
            what=mask_text(what)[:200],
            rows=rows,
            prev_hash=head.last_hash,
            hash_version=HASH_VERSION,
        )
        row.hash = row_hash(row)
        row.save(force_insert=True)
        head.last_hash = row.hash
        head.mac = head_mac(head.last_id, head.last_hash)
        head.save(update_fields=["last_id", "last_hash", "mac"])
    return row


def shown_rows(rows: Iterable[AccessLog]) -> list[AccessLog]:
    """Rows as the log's readers see them: `what` masked again (rows written before log_access masked it
    hold typed numbers in clear). In memory only — the stored row, and its hash, stay as written."""
    out = list(rows)
    for row in out:
        row.what = mask_text(row.what)
    return out


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
    if head is None:
        return count, (Break(count, "head missing (rows may be missing at the end)") if count else None)
    if head.mac != head_mac(head.last_id, head.last_hash):
        return count, Break(head.last_id, "head altered (rows may be missing at the end)")
    if head.last_id > count:
        return count, Break(count + 1, f"rows {count + 1}–{head.last_id} missing at the end")
    if head.last_id != count or head.last_hash != prev:
        return count, Break(head.last_id + 1, "rows after the head")
    return count, None


def _rows(batch: int) -> Iterator[AccessLog]:
    last = 0
    while True:
        chunk = list(AccessLog.objects.filter(pk__gt=last).order_by("pk")[:batch])
        if not chunk:
            return
        yield from chunk
        last = chunk[-1].pk
