"""R-A8, R-G8: boxes and files find each other; borrowing; one box is never lent twice at once."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connections
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from kedang.accounts.models import User
from kedang.customers import services as customers
from kedang.errors import Conflict
from kedang.governance import paper
from kedang.governance.models import Loan, LoanStatus


def _due(days: int = 7) -> dt.date:
    return timezone.localdate() + dt.timedelta(days=days)


def test_a_file_put_in_a_registered_box_and_the_box_find_each_other(
    users: dict[str, User], make_customer: Callable[..., Any], login: Callable[[str], Client]
) -> None:
    box = paper.box_create(
        actor=users["archivist"], code="b-2026-001", cabinet="3", shelf="2", label="2026 销售档案"
    )
    assert box.code == "B-2026-001"
    c = make_customer(owner=users["account_manager"], name="装盒客户")
    f = customers.archive_file_set_location(
        actor=users["archivist"],
        customer_id=c.pk,
        file_type_code="C1",
        box="B-2026-001",
        paper_archive_no="P-88",
    )
    assert f.paper_box == box and (f.cabinet, f.shelf) == ("3", "2")
    page = login("archivist").get(reverse("paper_box", args=[box.pk])).content.decode()
    assert "装盒客户" in page and "P-88" in page
    other = login("am2").get(reverse("paper_box", args=[box.pk])).content.decode()
    assert "装盒客户" not in other and c.archive_no in other  # the box lists it without revealing whose it is


def test_only_keepers_register_boxes_and_decide_loans(users: dict[str, User]) -> None:
    with pytest.raises(PermissionDenied):
        paper.box_create(actor=users["cs_agent"], code="X1", cabinet="1", shelf="1")
    box = paper.box_create(actor=users["archivist"], code="X1", cabinet="1", shelf="1")
    with pytest.raises(ValidationError):
        paper.box_create(actor=users["archivist"], code="x1", cabinet="1", shelf="1")
    loan = paper.loan_request(actor=users["cs_agent"], box_id=box.pk, purpose="核对合同", due_date=_due())
    with pytest.raises(PermissionDenied):
        paper.loan_decide(actor=users["cs_agent"], loan_id=loan.pk, approve=True)
    with pytest.raises(ValidationError):
        paper.loan_request(actor=users["cs_agent"], box_id=box.pk, purpose="", due_date=_due(-1))


def test_lend_return_and_overdue(users: dict[str, User]) -> None:
    box = paper.box_create(actor=users["archivist"], code="B1", cabinet="1", shelf="1")
    first = paper.loan_request(actor=users["cs_agent"], box_id=box.pk, purpose="a", due_date=_due(1))
    second = paper.loan_request(actor=users["account_manager"], box_id=box.pk, purpose="b", due_date=_due(3))
    paper.loan_decide(actor=users["archivist"], loan_id=first.pk, approve=True)
    with pytest.raises(Conflict) as exc:
        paper.loan_decide(actor=users["archivist"], loan_id=second.pk, approve=True)
    assert "cs_agent" in exc.value.message
    assert list(paper.overdue_loans(_due(2))) == [Loan.objects.get(pk=first.pk)]
    paper.loan_return(actor=users["archivist"], loan_id=first.pk)
    assert list(paper.overdue_loans(_due(2))) == []
    paper.loan_decide(actor=users["archivist"], loan_id=second.pk, approve=True)
    assert Loan.objects.get(pk=second.pk).status == LoanStatus.LENT


@pytest.mark.django_db(transaction=True)
def test_two_archivists_lending_one_box_at_the_same_moment(users: dict[str, User]) -> None:
    from kedang.accounts.services import user_upsert

    arch2, _ = user_upsert(username="arch2", role="archivist", password="x", check_password=False)
    box = paper.box_create(actor=users["archivist"], code="RACE", cabinet="1", shelf="1")
    loans = [
        paper.loan_request(actor=users[who], box_id=box.pk, purpose="race", due_date=_due())
        for who in ("cs_agent", "account_manager")
    ]
    barrier = threading.Barrier(2)
    results: list[str] = []

    def decide(actor: User, loan: Loan) -> None:
        try:
            barrier.wait()
            paper.loan_decide(actor=actor, loan_id=loan.pk, approve=True)
            results.append("lent")
        except Conflict:
            results.append("conflict")
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=decide, args=(users["archivist"], loans[0])),
        threading.Thread(target=decide, args=(arch2, loans[1])),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == ["conflict", "lent"]
    assert Loan.objects.filter(box=box, status=LoanStatus.LENT).count() == 1


def test_paper_page_shows_requests_to_the_archivist(
    users: dict[str, User], login: Callable[[str], Client]
) -> None:
    box = paper.box_create(actor=users["archivist"], code="B9", cabinet="9", shelf="1")
    client = login("cs_agent")
    response = client.post(
        reverse("loan_request", args=[box.pk]), {"purpose": "查合同", "due_date": str(_due())}
    )
    assert response.status_code == 302
    page = login("archivist").get(reverse("paper")).content.decode()
    assert "查合同" in page and "B9" in page


def test_a_due_date_that_does_not_exist_is_refused_not_a_server_error(
    users: dict[str, User], login: Callable[[str], Client]
) -> None:
    box = paper.box_create(actor=users["archivist"], code="B10", cabinet="1", shelf="1")
    response = login("cs_agent").post(
        reverse("loan_request", args=[box.pk]), {"purpose": "查", "due_date": "2026-02-30"}
    )
    assert response.status_code == 302
    assert not Loan.objects.exists()
