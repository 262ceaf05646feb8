"""#13: customers hand a filed archive's change and a deletion to whoever registered for them (governance,
in its AppConfig.ready), through kedang.archive.hooks; without a registration they refuse."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured

from kedang.accounts.models import User
from kedang.archive import hooks
from kedang.customers.models import Customer
from kedang.customers.services import customer_delete, vehicle_delete
from kedang.governance.filing import change_propose
from kedang.governance.models import RecycleBinEntry
from kedang.governance.recycle_bin import bin_put

pytestmark = pytest.mark.django_db


def test_governance_registers_for_changes_and_deletions() -> None:
    assert hooks._proposer == [change_propose] and hooks._bin == [bin_put]


@pytest.fixture
def unregistered() -> Iterator[None]:
    saved = hooks._proposer[:], hooks._bin[:]
    hooks._proposer.clear()
    hooks._bin.clear()
    try:
        yield
    finally:
        hooks._proposer[:], hooks._bin[:] = saved


def test_without_a_recycle_bin_a_deletion_is_refused_not_lost(
    unregistered: None,
    users: dict[str, User],
    make_customer: Callable[..., Any],
    make_vehicle: Callable[..., Any],
) -> None:
    c = make_customer()
    v = make_vehicle(c)
    with pytest.raises(ImproperlyConfigured, match="governance"):
        customer_delete(actor=users["sales_manager"], customer_id=c.pk, reason="重复建档")
    with pytest.raises(ImproperlyConfigured, match="governance"):
        vehicle_delete(actor=c.owner, vehicle_id=v.pk, reason="录错")
    assert Customer.live.filter(pk=c.pk).exists()  # rolled back with the refusal
    assert not RecycleBinEntry.objects.exists()
