"""Helpers for the exchange tests: valid identifiers, small spreadsheets, a one-call import."""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pytest

from kedang.accounts.models import User
from kedang.customers import demo
from kedang.exchange import samples, services
from kedang.exchange.models import ImportJob

RNG = random.Random(20260301)
IDS = [demo.valid_id_number(RNG) for _ in range(30)]
VINS = [demo.valid_vin(RNG) for _ in range(30)]
USCCS = [demo.valid_uscc(RNG) for _ in range(5)]

Importer = Callable[..., ImportJob]


@pytest.fixture
def write_xlsx(tmp_path: Path) -> Callable[..., Path]:
    def write(headers: Sequence[str], rows: Sequence[Sequence[Any]], name: str = "客户.xlsx") -> Path:
        return samples.write_xlsx(tmp_path / name, [list(r) for r in rows], headers)

    return write


@pytest.fixture
def write_csv(tmp_path: Path) -> Callable[..., Path]:
    def write(
        headers: Sequence[str],
        rows: Sequence[Sequence[Any]],
        name: str = "客户.csv",
        encoding: str = "utf-8-sig",
    ) -> Path:
        return samples.write_csv(tmp_path / name, [list(r) for r in rows], headers, encoding=encoding)

    return write


@pytest.fixture
def run_import(users: dict[str, User]) -> Importer:
    """run_import(path, who='admin', dry_run=False, batch_size=…) → the finished job."""

    def run(path: Path, who: str = "admin", dry_run: bool = False, batch_size: int = 7) -> ImportJob:
        actor = users[who]
        job = services.import_job_create(actor=actor, path=path, original_name=path.name)
        return services.import_job_run(actor=actor, job=job, dry_run=dry_run, batch_size=batch_size)

    return run


def reasons(job: ImportJob) -> dict[int, list[tuple[str, str, str]]]:
    """row → [(field, column, code)] of the job's current run."""
    out: dict[int, list[tuple[str, str, str]]] = {}
    for item in services.rejected_list(job, dry_run=job.dry_run):
        out.setdefault(item["row"], []).append((item["field"], item["column"], item["code"]))
    return out
