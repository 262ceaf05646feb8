"""R-A3: archive numbers are unique under concurrency and follow the configured pattern."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from django.db import connection, connections

from kedang.accounts.models import User
from kedang.customers.models import Customer
from kedang.customers.services import customer_create


@pytest.mark.django_db(transaction=True)
def test_twenty_concurrent_creations_get_twenty_distinct_numbers(users: dict[str, User]) -> None:
    actor = users["cs_agent"]
    barrier = threading.Barrier(20)
    numbers: list[str] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def create(i: int) -> None:
        try:
            barrier.wait()
            c = customer_create(actor=actor, name=f"并发客户{i}", owner=actor)
            with lock:
                numbers.append(c.archive_no)
        except BaseException as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=create, args=(i,)) for i in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len(numbers) == 20
    assert len(set(numbers)) == 20
    seqs = sorted(int(n.rsplit("-", 1)[1]) for n in numbers)
    assert seqs == list(range(seqs[0], seqs[0] + 20)), "no gaps, no repeats"
    assert Customer.objects.count() == 20
    assert connection.vendor in {"sqlite", "postgresql"}


def test_pattern_is_configurable(users: dict[str, User], settings: Any) -> None:
    settings.KEDANG_ARCHIVE_NO_PATTERN = "{kind}{year}{seq:04d}"
    person = customer_create(actor=users["cs_agent"], name="甲")
    company = customer_create(actor=users["cs_agent"], name="乙公司", kind="company")
    year = person.created_at.year
    assert person.archive_no == f"P{year}0001"
    assert company.archive_no == f"C{year}0001"
    assert customer_create(actor=users["cs_agent"], name="丙").archive_no == f"P{year}0002"


def test_numbers_are_never_reused_after_delete(users: dict[str, User]) -> None:
    from kedang.customers.services import customer_delete

    first = customer_create(actor=users["cs_agent"], name="甲")
    customer_delete(actor=users["general_manager"], customer_id=first.pk, reason="测试")
    second = customer_create(actor=users["cs_agent"], name="乙")
    assert second.archive_no != first.archive_no
