"""The archive layer's public interface: visibility (R-G2, R-G5), the timeline (R-A4) and the output log
(R-G6, R-I2), against a real database."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404
from django.test import Client
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from kedang.accounts.models import User
from kedang.accounts.roles import Role
from kedang.archive.masking import mask_text
from kedang.archive.output import output_logged
from kedang.archive.timeline import record_add, records_add
from kedang.archive.visibility import (
    customer_for_read,
    customer_for_write,
    customers_visible_to,
    visible,
)
from kedang.customers.models import Customer, RecordKind
from kedang.exchange.models import ExportLog
from kedang.privacy.models import AccessAction, AccessLog


@pytest.mark.django_db
def test_visibility_scope_grants_and_the_recycle_bin(
    users: dict[str, User], make_customer: Callable[..., Any]
) -> None:
    from kedang.governance.models import AccessRequest, RequestStatus

    mine = make_customer(owner=users[Role.ACCOUNT_MANAGER])
    other = make_customer(owner=users["am2"])
    am = users[Role.ACCOUNT_MANAGER]
    assert set(customers_visible_to(am)) == {mine}
    assert set(customers_visible_to(users[Role.GENERAL_MANAGER])) >= {mine, other}
    for missing in (other.pk, 10**9):  # another's and one that does not exist: the same answer
        with pytest.raises(Http404) as exc:
            customer_for_read(am, missing)
        assert str(exc.value) == "客户不存在"
    grant = AccessRequest.objects.create(
        requester=am,
        customer=other,
        reason="核对合同",
        days=3,
        status=RequestStatus.APPROVED,
        expires_at=timezone.now() + dt.timedelta(days=3),
    )
    assert customer_for_read(am, other.pk) == other
    AccessRequest.objects.filter(pk=grant.pk).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    with pytest.raises(Http404):  # an expired grant opens nothing, with no job run
        customer_for_read(am, other.pk)
    Customer.objects.filter(pk=mine.pk).update(deleted_at=timezone.now())
    assert mine not in customers_visible_to(am)
    assert Customer.objects.filter(pk=mine.pk).exists() and not Customer.live.filter(pk=mine.pk).exists()


@pytest.mark.django_db
def test_write_needs_a_writing_role_and_visibility(
    users: dict[str, User], make_customer: Callable[..., Any]
) -> None:
    c = make_customer(owner=users[Role.ACCOUNT_MANAGER])
    with transaction.atomic():
        assert customer_for_write(users[Role.ACCOUNT_MANAGER], c.pk) == c
    with pytest.raises(PermissionDenied, match="当前角色只读"):
        customer_for_write(users[Role.AUDITOR], c.pk, lock=False)
    with pytest.raises(Http404):
        customer_for_write(users["am2"], c.pk, lock=False)


@pytest.mark.django_db
def test_visible_limits_rows_of_other_models_to_visible_customers(
    users: dict[str, User], make_customer: Callable[..., Any]
) -> None:
    from kedang.customers.models import Record

    mine = make_customer(owner=users[Role.ACCOUNT_MANAGER])
    make_customer(owner=users["am2"])
    rows = visible(Record.objects.all(), users[Role.ACCOUNT_MANAGER])
    assert {r.customer_id for r in rows} == {mine.pk}


@pytest.mark.django_db
def test_record_add_cuts_the_title_and_dates_it_today_in_shanghai(
    users: dict[str, User], make_customer: Callable[..., Any]
) -> None:
    c = make_customer()
    r = record_add(c, users[Role.CS_AGENT], RecordKind.NOTE, "长" * 300, "正文")
    assert len(r.title) == 200 and r.occurred_on == timezone.localdate() and r.created_by == users["cs_agent"]
    day = dt.date(2026, 3, 1)
    many = records_add(
        {"customer": c.pk, "actor": None, "kind": RecordKind.NOTE, "title": f"第{i}条", "occurred_on": day}
        for i in range(3)
    )
    assert [m.title for m in many] == ["第0条", "第1条", "第2条"] and all(m.pk for m in many)
    assert c.records.filter(occurred_on=day).count() == 3


@pytest.mark.django_db(transaction=True)
def test_output_logged_writes_both_logs_or_neither(users: dict[str, User]) -> None:
    gm = users[Role.GENERAL_MANAGER]
    entry = output_logged(
        actor=gm, what="customers", file_format="xlsx", rows=12, filters={"q": "13812345678", "tier": ""}
    )
    assert entry.filters == {"q": "138****5678"}  # a typed phone never lies in clear, and blanks are dropped
    log = AccessLog.objects.get()
    assert (log.action, log.what, log.rows) == (AccessAction.EXPORT, "customers (xlsx)", 12)
    with pytest.raises(RuntimeError), transaction.atomic():
        output_logged(actor=gm, what="letters", file_format="pdf", rows=1)
        raise RuntimeError("the output failed after logging")
    assert ExportLog.objects.count() == 1 and AccessLog.objects.count() == 1


def pdf_text(content: bytes) -> str:
    import io

    from pypdf import PdfReader

    return "".join(p.extract_text() for p in PdfReader(io.BytesIO(content)).pages)


@pytest.mark.django_db
def test_letters_and_registers_are_logged(
    login: Callable[[str], Client], users: dict[str, User], make_customer: Callable[..., Any]
) -> None:
    """Regression: the letters PDF and the registers (PDF, Excel) left no access-log row."""
    from kedang.care.models import Message, MessageTemplate
    from kedang.care.sending import send_batch
    from kedang.care.services import messages_queue

    c = make_customer(name="钱一", address="北京市朝阳区幸福路1号")
    tpl = MessageTemplate.objects.get(name="生日贺信")
    batch, _ = messages_queue(users[Role.ACCOUNT_MANAGER], template_id=tpl.pk, customer_ids=[c.pk])
    send_batch(batch)
    assert Message.objects.filter(batch=batch).count() == 1
    client = login(Role.ACCOUNT_MANAGER)
    before = AccessLog.objects.count()
    letters = client.get(f"/care/outbox/?format=letters&batch={batch}")
    assert letters.status_code == 200 and "钱一" in pdf_text(letters.content)
    today = timezone.localdate()
    q = f"/care/registers/?kind=letters&start={today:%Y-%m-%d}&end={today:%Y-%m-%d}"
    assert client.get(q + "&format=pdf").status_code == 200
    assert client.get(q + "&format=xlsx").status_code == 200
    rows = list(AccessLog.objects.filter(pk__gt=before).order_by("pk").values_list("action", "what", "rows"))
    assert rows[-3:] == [
        (AccessAction.PRINT, "letters (pdf)", 1),
        (AccessAction.PRINT, "letters_register (pdf)", 1),
        (AccessAction.EXPORT, "letters_register (xlsx)", 1),
    ]


mobiles = st.from_regex(r"1[3-9][0-9]{9}", fullmatch=True)
ids = st.from_regex(r"[1-6][0-9]{16}[0-9X]", fullmatch=True)
noise = st.text(alphabet="客户列表 q=&张三,，", max_size=8)


@given(before=noise, phone=mobiles, idn=ids, after=noise)
def test_mask_text_leaves_no_phone_or_id_in_clear(before: str, phone: str, idn: str, after: str) -> None:
    text = mask_text(f"{before}{phone}{after} {idn}{before}")
    assert phone not in text and idn not in text
    assert phone[:3] + "****" + phone[-4:] in text and idn[:6] in text and idn[-4:] in text
