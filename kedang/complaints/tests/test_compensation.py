"""R-P5: compensation or a discount needs a manager's approval (never the requester's own), and only an
approved one is filed in category 4 of the archive; closed complaints take no new requests."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from hypothesis import given, settings
from hypothesis import strategies as st

from kedang.accounts.models import User
from kedang.complaints.models import CompensationStatus, State
from kedang.complaints.services import MAX_AMOUNT, compensation_decide, compensation_request, parse_amount
from kedang.customers.models import Record
from kedang.errors import Conflict

from .factories import add_handler, complaint_in

pytestmark = pytest.mark.django_db


def test_the_requester_cannot_approve_her_own(
    users: dict[str, User], make_customer: Callable[..., Any]
) -> None:
    c = complaint_in(State.RECEIVED, users, make_customer())
    comp = compensation_request(
        actor=users["cs_manager"], complaint_id=c.pk, kind="compensation", amount="800", description="赔偿"
    )
    with pytest.raises(PermissionDenied):
        compensation_decide(actor=users["cs_manager"], compensation_id=comp.pk, approve=True)
    with pytest.raises(PermissionDenied):
        compensation_decide(actor=users["cs_agent"], compensation_id=comp.pk, approve=True)
    compensation_decide(actor=users["general_manager"], compensation_id=comp.pk, approve=True)


def test_a_refused_one_is_not_filed(users: dict[str, User], make_customer: Callable[..., Any]) -> None:
    customer = make_customer()
    c = complaint_in(State.RECEIVED, users, customer)
    before = Record.objects.filter(file__file_type__code="C4").count()
    comp = compensation_request(
        actor=users["cs_agent"], complaint_id=c.pk, kind="discount", amount="50", description="折让"
    )
    comp = compensation_decide(
        actor=users["cs_manager"], compensation_id=comp.pk, approve=False, note="金额不合理"
    )
    assert comp.status == CompensationStatus.REFUSED and comp.record is None
    assert Record.objects.filter(file__file_type__code="C4").count() == before
    with pytest.raises(Conflict):
        compensation_decide(actor=users["general_manager"], compensation_id=comp.pk, approve=True)


def test_closed_complaints_take_no_requests(
    users: dict[str, User], make_customer: Callable[..., Any]
) -> None:
    add_handler(users)
    c = complaint_in(State.CLOSED, users, make_customer())
    with pytest.raises(Conflict):
        compensation_request(
            actor=users["cs_agent"], complaint_id=c.pk, kind="discount", amount="50", description="x"
        )


@settings(max_examples=200, deadline=None)
@given(
    raw=st.one_of(
        st.text(max_size=14), st.decimals(allow_nan=True, allow_infinity=True), st.integers(), st.floats()
    )
)
def test_amount_is_a_positive_sum_in_fen_or_refused(raw: Any) -> None:
    try:
        value = parse_amount(raw)
    except ValidationError as exc:
        assert exc.code == "invalid"
    else:
        assert Decimal(0) < value <= MAX_AMOUNT and value == value.quantize(Decimal("0.01"))
        assert value == Decimal(str(raw).strip().replace(",", ""))


@pytest.mark.parametrize(
    ("raw", "ok"),
    [
        ("300.50", True),
        ("1,200", True),
        ("0", False),
        ("-5", False),
        ("1.005", False),
        ("abc", False),
        ("NaN", False),
    ],
)
def test_amount_examples(raw: str, ok: bool) -> None:
    try:
        parse_amount(raw)
    except ValidationError:
        assert not ok
    else:
        assert ok
