"""One batch of rows: parsed, matched, planned for the bulk path or written through the services."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.http import Http404

from kedang.customers.models import Customer

from .. import reading
from ..models import ImportRejection
from .bulk import NotPlanned, Plan
from .matching import Index, RowRejected, load_index
from .row_import import Outcome, Run, import_row
from .rows import Row, RowError, parse_row


@dataclass
class BatchResult:
    rows: int = 0  # rows consumed, blank ones included
    counts: dict[str, int] = field(default_factory=dict)
    rejections: list[ImportRejection] = field(default_factory=list)
    created_keys: set[tuple[str, str]] = field(default_factory=set)

    def count(self, row: Row, outcome: str) -> None:
        if outcome == Outcome.CREATED:
            self.created_keys.update(row.keys())
        self.counts[outcome] = self.counts.get(outcome, 0) + 1


class DryRunRollback(Exception):
    pass


def process(run: Run, batch: list[tuple[int, list[Any]]]) -> BatchResult:
    """Every row of the batch, in order, inside the caller's transaction."""
    result = BatchResult(rows=len(batch))
    rows: list[Row] = []
    for number, values in batch:
        if all(reading.is_blank(x) for x in values):
            result.counts[Outcome.BLANK] = result.counts.get(Outcome.BLANK, 0) + 1
            continue
        rows.append(parse_row(number, values, run.columns))
    index = load_index(run.actor, rows)
    if not run.bulk:
        for row in rows:
            _row_through_services(run, row, index, result)
        return result
    plan = Plan(run, index)
    for row in rows:
        try:
            plan.add(row)
            continue
        except RowRejected as exc:
            result.rejections.append(_rejection(run, row, exc.errors))
            result.count(row, Outcome.REJECTED)
            continue
        except NotPlanned:
            pass
        if plan.rows:
            plan = _flush(run, plan, rows, result)
            # matched again, against the index as it is now that the planned rows are written
            try:
                plan.add(row)
                continue
            except RowRejected as exc:
                result.rejections.append(_rejection(run, row, exc.errors))
                result.count(row, Outcome.REJECTED)
                continue
            except NotPlanned:
                pass
        _row_through_services(run, row, plan.index, result)
    _flush(run, plan, rows, result, reload=False)
    return result


def _flush(run: Run, plan: Plan, rows: list[Row], result: BatchResult, *, reload: bool = True) -> Plan:
    """Write the planned rows and count them; if the database refuses the bulk write, replay them
    through the services one by one. Returns a fresh plan over the reloaded index."""
    if not plan.rows:
        return plan
    try:
        planned = plan.flush()
    except IntegrityError:
        index = load_index(run.actor, rows)
        for p in plan.rows:
            _row_through_services(run, p.row, index, result)
    else:
        for p in planned:
            result.count(p.row, p.outcome)
    return Plan(run, load_index(run.actor, rows)) if reload else plan


def _row_through_services(run: Run, row: Row, index: Index, result: BatchResult) -> None:
    """One row through the customers services in a savepoint of its own (the per-row path)."""
    try:
        with transaction.atomic():
            outcome, written, notes = import_row(run, row, index)
        if outcome == Outcome.PENDING:
            outcome = Outcome.REJECTED
            result.rejections.append(_rejection(run, row, notes))
        for obj in written:
            if isinstance(obj, Customer):
                index.add_customer(obj)
            else:
                index.add_vehicle(obj)
    except RowRejected as exc:
        outcome = Outcome.REJECTED
        result.rejections.append(_rejection(run, row, exc.errors))
    except (Http404, PermissionDenied) as exc:
        outcome = Outcome.REJECTED
        result.rejections.append(_rejection(run, row, [RowError("", "", "forbidden", str(exc))]))
    except IntegrityError as exc:
        outcome = Outcome.REJECTED
        result.rejections.append(_rejection(run, row, [RowError("", "", "integrity", f"数据库拒绝：{exc}")]))
    result.count(row, outcome)


def _rejection(run: Run, row: Row, errors: list[RowError]) -> ImportRejection:
    values = [reading.cell_text(x) for x in row.values]
    return ImportRejection(
        job=run.job, dry_run=run.dry_run, row=row.number, values=values, errors=[e.as_dict() for e in errors]
    )
