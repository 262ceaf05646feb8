"""The SQL of one request, held to the bounds of issue #20: no OFFSET past a small bound (deep pages go
by keyset), and no COUNT over the customers or vehicles tables without a LIMIT (counts are capped).

    with bounded_sql() as sql:
        client.get(url)
    assert len(sql) == 7
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connection
from django.test.utils import CaptureQueriesContext

from kedang.web.paging import COUNT_CAP

OFFSET = re.compile(r"\bOFFSET\s+(\d+)", re.I)
# a COUNT whose rows are the customers' or the vehicles' themselves (not a table joined to them)
COUNT_OVER = re.compile(
    r"SELECT\s+COUNT\((?:\*|[^)]*)\)[^()]*?\s+FROM\s+\"(customers_customer|customers_vehicle)\"", re.I
)
LIMIT = re.compile(r"\bLIMIT\s+\d+", re.I)


class SqlBoundError(AssertionError):
    pass


def violations(statements: list[str], *, max_offset: int = COUNT_CAP) -> list[str]:
    """Why each statement breaks a bound: an OFFSET above max_offset, or a count of customers or vehicles
    with no LIMIT in the statement."""
    found = []
    for sql in statements:
        for m in OFFSET.finditer(sql):
            if int(m.group(1)) > max_offset:
                found.append(f"OFFSET {m.group(1)} > {max_offset}: {sql[:300]}")
        if COUNT_OVER.search(sql) and not LIMIT.search(sql):
            found.append(f"COUNT without LIMIT over {COUNT_OVER.search(sql).group(1)}: {sql[:300]}")  # type: ignore[union-attr]
    return found


class Captured:
    """The statements of the block, copied when it ends (the connection's log is shared and cleared)."""

    def __init__(self) -> None:
        self.statements: list[str] = []

    def __len__(self) -> int:
        return len(self.statements)


@contextmanager
def bounded_sql(*, max_offset: int = COUNT_CAP) -> Iterator[Captured]:
    """Capture the SQL of the block; fail if a statement breaks a bound (see violations)."""
    connection.queries_log.clear()  # a full log (9000 entries) would capture nothing
    captured = Captured()
    with CaptureQueriesContext(connection) as ctx:
        yield captured
    captured.statements = [q["sql"] for q in ctx.captured_queries]
    bad = violations(captured.statements, max_offset=max_offset)
    if bad:
        raise SqlBoundError("\n".join(bad))
