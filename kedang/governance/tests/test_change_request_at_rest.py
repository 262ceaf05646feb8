"""#13, R-G7: a change request's values (new and replaced: phones, ID numbers) are encrypted at rest, and the
migration encrypts the rows written before it (and decrypts them backwards)."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

import pytest
from django.apps import apps
from django.core.exceptions import FieldError
from django.db import connection

from kedang.accounts.models import User
from kedang.customers import services as customers
from kedang.customers.models import Customer
from kedang.errors import ApprovalPending
from kedang.governance import filing
from kedang.governance.models import ChangeRequest, RequestStatus
from kedang.privacy.crypto import JSON_PREFIX

from .test_filing import PNG

pytestmark = pytest.mark.django_db

NEW_PHONE = "13911112222"


@pytest.fixture
def filed(users: dict[str, User], make_customer: Callable[..., Any]) -> Customer:
    c = make_customer(owner=users["account_manager"], phone="13300000000")
    filing.filing_submit(actor=users["account_manager"], customer_id=c.pk, drawn=PNG)
    filing.filing_approve(actor=users["sales_manager"], customer_id=c.pk)
    c.refresh_from_db()
    return c


def _raw(pk: int) -> tuple[str, str]:
    with connection.cursor() as cur:
        cur.execute("SELECT changes, before FROM governance_changerequest WHERE id = %s", [pk])
        changes, before = cur.fetchone()
        return str(changes), str(before)


def _propose(am: User, customer: Customer, **fields: Any) -> ChangeRequest:
    with pytest.raises(ApprovalPending) as pending:
        customers.customer_update(actor=am, customer_id=customer.pk, reason="更正", **fields)
    return ChangeRequest.objects.get(pk=pending.value.request_id)


def test_the_columns_hold_ciphertext_and_the_model_the_values(
    users: dict[str, User], filed: Customer
) -> None:
    am = users["account_manager"]
    req = _propose(am, filed, phone=NEW_PHONE)
    assert req.changes == {"phone": NEW_PHONE} and req.before == {"phone": "13300000000"}
    for raw in _raw(req.pk):
        assert raw.startswith(f'"{JSON_PREFIX}') and "1330000" not in raw and "1391111" not in raw
    assert _propose(am, filed, phone=NEW_PHONE) == req  # the same proposal twice adds nothing
    again = ChangeRequest.objects.create(
        customer=filed, **{"changes": {"phone": NEW_PHONE}}, before={}, reason="r", requester=am
    )
    assert _raw(again.pk)[0] != _raw(req.pk)[0]  # a random nonce: equal values, different ciphertexts
    filing.change_decide(actor=users["sales_manager"], request_id=req.pk, approve=True)
    filed.refresh_from_db()
    assert filed.phone == NEW_PHONE and ChangeRequest.objects.get(pk=req.pk).status == RequestStatus.APPROVED


def test_nothing_can_be_looked_up_in_the_encrypted_values() -> None:
    with pytest.raises(FieldError, match="encrypted"):
        ChangeRequest.objects.filter(**{"changes": {"phone": NEW_PHONE}}).exists()
    with pytest.raises(FieldError, match="encrypted"):
        ChangeRequest.objects.filter(**{"changes__phone": NEW_PHONE}).exists()


def test_the_migration_encrypts_rows_written_before_it_and_back(
    users: dict[str, User], filed: Customer
) -> None:
    req = _propose(users["account_manager"], filed, phone=NEW_PHONE)
    with connection.cursor() as cur:  # as the columns were before the migration
        cur.execute(
            "UPDATE governance_changerequest SET changes = %s, before = %s WHERE id = %s",
            ['{"phone": "13911112222"}', '{"phone": "13300000000"}', req.pk],
        )
    assert ChangeRequest.objects.get(pk=req.pk).changes == {"phone": NEW_PHONE}  # clear JSON still reads
    migration = importlib.import_module("kedang.governance.migrations.0006_changerequest_encrypted")
    migration.encrypt_existing(apps, None)
    assert all(JSON_PREFIX in raw and "1391111" not in raw and "1330000" not in raw for raw in _raw(req.pk))
    req.refresh_from_db()
    assert req.changes == {"phone": NEW_PHONE} and req.before == {"phone": "13300000000"}
    migration.decrypt_existing(apps, None)  # backwards: clear JSON again
    assert [JSON_PREFIX in raw for raw in _raw(req.pk)] == [False, False] and NEW_PHONE in _raw(req.pk)[0]
    req.refresh_from_db()
    assert req.changes == {"phone": NEW_PHONE}


def test_erasure_reaches_her_change_requests(
    users: dict[str, User], filed: Customer, settings: Any, tmp_path: Any
) -> None:
    from kedang.privacy.services import subject_erase

    settings.KEDANG_ERASURE_LEDGER = tmp_path / "ledger.jsonl"
    _propose(users["account_manager"], filed, phone=NEW_PHONE)
    subject_erase(actor=users["cs_manager"], customer_id=filed.pk, reason="客户书面要求删除")
    assert not ChangeRequest.objects.filter(customer_id=filed.pk).exists()
