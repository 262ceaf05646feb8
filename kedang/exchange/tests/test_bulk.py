"""The bulk path writes exactly what the per-row path (every row through the services) writes: the same
customers, vehicles, archive numbers, history, timeline, tags, files and search keys, the same counts
and the same reasons for the same rejected rows — on a file mixing new customers, a customer's second
car, families sharing a phone, bad rows, changes to earlier rows and service events, across batches."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.db import transaction
from django.test import override_settings

from kedang.accounts.models import User
from kedang.agenda.models import ServiceEvent
from kedang.customers.models import ArchiveFile, Customer
from kedang.exchange import services
from kedang.exchange.models import ImportJob
from kedang.search.models import SearchDoc

from .conftest import IDS, USCCS, VINS
from .test_import import BAD, GOOD, HEADERS, row
from .test_resume import snapshot

pytestmark = pytest.mark.django_db

EXTRA_HEADERS = [*HEADERS, "标签", "服务类型", "服务日期"]


def extra(r: list[Any], tags: str = "", event: str = "", date: str = "") -> list[Any]:
    return [*r, tags, event, date]


MIXED = [
    *[extra(r) for r in GOOD],
    [None] * len(EXTRA_HEADERS),
    *[extra(r) for r, _ in BAD],
    extra(row("李梅", "13800000001"), tags="家人，VIP"),  # shares 张三's phone: a customer of her own
    extra(row("李梅", "13800000001"), tags="家人"),  # the same again: unchanged
    extra(row("张三", "13800000001", IDS[0], tier="B")),  # changes the first row's tier
    extra(row("王芳", "13900000002", IDS[5], vin=VINS[9], plate="京D40001"), tags="老客户"),
    extra(row("王芳", "13900000002", IDS[5], vin=VINS[10]), event="维修", date="2025-08-01"),
    extra(row("王芳", "13900000002", IDS[5], vin=VINS[9], plate="京D40009")),  # the first car's new plate
    extra(row("刘洋", "13900000003", IDS[6], uscc=USCCS[1])),  # a person with a USCC
    extra(row("刘洋", "13900000003", IDS[6], vin=VINS[11], plate="京E50001")),
    extra(row("北京华信科技有限公司", "010-62345678", uscc=USCCS[0], vin=VINS[12])),  # the company's 2nd car
    extra(row("孙悟空", "13900000004", vin=VINS[12])),  # that VIN on someone else
    extra(row("孙悟空", "13900000004", plate="京F60001")),  # a plate without a VIN
]


def everything() -> dict[str, Any]:
    archive = dict(Customer.objects.values_list("pk", "archive_no"))
    return {
        **snapshot(),
        "tags": sorted((c.archive_no, t.name) for c in Customer.objects.all() for t in c.tags.all()),
        "files": sorted(
            (archive[c], vin, ft)
            for c, vin, ft in ArchiveFile.objects.values_list(
                "customer_id", "vehicle__vin", "file_type__code"
            )
        ),
        "search_text": sorted(
            (archive[c], t) for c, t in SearchDoc.objects.values_list("customer_id", "text")
        ),
        "events": sorted(
            (archive[c], k, str(d))
            for c, k, d in ServiceEvent.objects.values_list("customer_id", "kind", "date")
        ),
    }


def outcome(job: ImportJob) -> tuple[Any, ...]:
    messages = sorted(
        (m["row"], m["field"], m["code"], m["message"])
        for m in services.rejected_list(job, dry_run=job.dry_run)
    )
    return (job.status, job.created, job.updated, job.unchanged, job.rejected, job.skipped, messages)


def import_twice(path: Path, actor: User, *, bulk: bool, batch_size: int) -> tuple[Any, ...]:
    """Dry run, real run, re-run; everything each wrote and said; then all of it rolled back."""
    with override_settings(KEDANG_IMPORT_BULK=bulk), transaction.atomic():
        results = []
        for dry_run in (True, False, False):
            job = services.import_job_create(actor=actor, path=path, original_name=path.name)
            job = services.import_job_run(actor=actor, job=job, dry_run=dry_run, batch_size=batch_size)
            results.append((outcome(job), everything()))
        transaction.set_rollback(True)
    return tuple(results)


@pytest.mark.parametrize("batch_size", [3, 500])
@pytest.mark.parametrize("who", ["admin", "account_manager"])
def test_bulk_path_writes_what_the_services_write(
    write_xlsx: Callable[..., Path], users: dict[str, User], batch_size: int, who: str
) -> None:
    path = write_xlsx(EXTRA_HEADERS, MIXED)
    actor = users[who]
    bulk = import_twice(path, actor, bulk=True, batch_size=batch_size)
    one_by_one = import_twice(path, actor, bulk=False, batch_size=batch_size)
    assert not Customer.objects.exists()
    assert bulk == one_by_one
    _dry, (real, data), (again, data_again) = bulk
    assert real[1] > 5 and real[4] > 5  # it did create and reject rows
    assert again[1] == 0 and data_again["customers"] == data["customers"]


def test_the_bulk_path_is_used(write_xlsx: Callable[..., Path], users: dict[str, User]) -> None:
    """A clean file of new customers takes a handful of statements per batch, not a few per row."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from kedang.exchange import samples

    rows = list(samples.sample_rows(60, seed=3, owners=["account_manager"]))
    path = write_xlsx(samples.HEADERS, rows)
    actor = users["admin"]
    job = services.import_job_create(actor=actor, path=path, original_name=path.name)
    with CaptureQueriesContext(connection) as ctx:
        job = services.import_job_run(actor=actor, job=job)
    assert (job.created, job.rejected) == (60, 0)
    # per row, only _clean_vehicle's look-up of the VIN is left
    assert len(ctx.captured_queries) < len(rows) + 60
    assert Customer.objects.count() == 60 and IDS


def test_the_bulk_path_stores_id_numbers_encrypted(
    write_xlsx: Callable[..., Path], users: dict[str, User]
) -> None:
    """The plain inserts go through the encrypted field's preparation: no ID number in clear (R-G7)."""
    from django.db import connection

    from kedang.exchange import samples
    from kedang.privacy.crypto import PREFIX

    rows = list(samples.sample_rows(20, seed=5, owners=["account_manager"]))
    path = write_xlsx(samples.HEADERS, rows)
    actor = users["admin"]
    job = services.import_job_create(actor=actor, path=path, original_name=path.name)
    services.import_job_run(actor=actor, job=job)
    for table in (Customer._meta.db_table, Customer.history.model._meta.db_table):
        with connection.cursor() as cur:
            cur.execute(f"SELECT id_number FROM {table} WHERE id_number <> ''")
            raw = [r[0] for r in cur.fetchall()]
        assert raw and all(v.startswith(PREFIX) for v in raw), table
    numbers = set(Customer.objects.exclude(id_number="").values_list("id_number", flat=True))
    assert numbers and all(len(n) == 18 for n in numbers)
