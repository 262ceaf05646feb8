"""SQLite settings of the importing connection while a run goes (the per-connection PRAGMAs only).

A batch of 500 new customers touches thousands of pages of the search-key and history indexes. With
SQLite's default 2 MB page cache most of them are read again from the OS for every batch, and the
default WAL auto-checkpoint (1,000 pages) copies the log back into the database file at nearly every
commit. During a run the connection keeps a 128 MB cache and checkpoints every 32,000 pages (128 MB of
log); afterwards it is set back and the log checkpointed once. Durability is unchanged: each batch
still commits on its own.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connection

CACHE_KIB = 128 * 1024
CHECKPOINT_PAGES = 32_000


@contextmanager
def bulk_settings() -> Iterator[None]:
    if connection.vendor != "sqlite":
        yield
        return
    with connection.cursor() as cur:
        cur.execute("PRAGMA cache_size")
        cache = cur.fetchone()[0]
        cur.execute("PRAGMA wal_autocheckpoint")
        checkpoint = cur.fetchone()[0]
        cur.execute(f"PRAGMA cache_size = -{CACHE_KIB}")
        cur.execute(f"PRAGMA wal_autocheckpoint = {CHECKPOINT_PAGES}")
    try:
        yield
    finally:
        with connection.cursor() as cur:
            cur.execute(f"PRAGMA cache_size = {int(cache)}")
            cur.execute(f"PRAGMA wal_autocheckpoint = {int(checkpoint)}")
            if not connection.in_atomic_block:
                cur.execute("PRAGMA wal_checkpoint(PASSIVE)")
