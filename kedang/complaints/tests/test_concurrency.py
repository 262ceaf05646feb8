"""Two customer-service managers confirming the same complaint at the same moment: one succeeds, the
other gets a Conflict (409) — on SQLite and on PostgreSQL, with real threads and connections."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connections

from kedang.accounts.models import User
from kedang.accounts.services import user_upsert
from kedang.complaints.models import Complaint, State, Transition
from kedang.complaints.services import complaint_create, complaint_transition
from kedang.errors import Conflict


@pytest.mark.django_db(transaction=True)
def test_two_managers_confirming_at_once_one_gets_409(
    users: dict[str, User], make_customer: Callable[..., Any]
) -> None:
    second, _ = user_upsert(username="csm2", role="cs_manager", password="x", check_password=False)
    managers = [users["cs_manager"], second]
    for _round in range(3):
        c = complaint_create(
            actor=users["cs_agent"], customer_id=make_customer().pk, channel="phone", summary="等待时间太长"
        )
        barrier = threading.Barrier(2)
        results: list[str] = []

        def confirm(
            actor: User, complaint_id: int = c.pk, barrier: Any = barrier, results: list[str] = results
        ) -> None:
            try:
                barrier.wait()
                complaint_transition(actor=actor, complaint_id=complaint_id, action="confirm")
                results.append("confirmed")
            except Conflict:
                results.append("409")
            finally:
                connections.close_all()

        threads = [threading.Thread(target=confirm, args=(m,)) for m in managers]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert sorted(results) == ["409", "confirmed"]
        after = Complaint.objects.get(pk=c.pk)
        assert (after.state, after.version) == (State.CONFIRMED, 2)
        assert Transition.objects.filter(complaint=c, action="confirm").count() == 1
