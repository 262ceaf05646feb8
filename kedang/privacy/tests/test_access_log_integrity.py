"""The access log keeps no typed number in clear, survives deleting a user and finds a cut-off tail
(#13, R-G6, R-G7)."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.db.models import ProtectedError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from kedang.accounts.models import User
from kedang.accounts.roles import Role
from kedang.accounts.services import user_delete, user_upsert
from kedang.privacy import access_log
from kedang.privacy.access_log import head_mac, log_access, row_hash, verify_chain
from kedang.privacy.models import AccessLog, AccessLogHead

from .conftest import ID, PHONE

CLEAR = re.compile(r"13812345678|1234567|11010519491231|91231002X|1949123")

TYPED = [PHONE, "138 1234 5678", "138-1234-5678", "1 3 8 1 2 3 4 5 6 7 8", ID, "110105 19491231 002X"]


def _table(sql: str, params: list[Any]) -> None:
    with connection.cursor() as cur:
        cur.execute(
            sql.replace(" T ", f" {AccessLog._meta.db_table} ", 1).replace(
                " H ", f" {AccessLogHead._meta.db_table} ", 1
            ),
            params,
        )


def _auditor_reads(login: Callable[[str], Client], api: Any) -> str:
    page = login("auditor").get(reverse("access_log")).content.decode()
    body = api("auditor", "get", "/access-log?page_size=500").content.decode()
    return page + body


def test_typed_phones_and_id_numbers_are_stored_masked(
    person: Any, login: Callable[[str], Client], api: Any, users: dict[str, User]
) -> None:
    client = login("cs_manager")
    for q in TYPED:
        assert client.get(reverse("customer_list"), {"q": q}).status_code == 200
    log_access(users["cs_manager"], "unmask", customer=person, what=f"电话：客户来电 {PHONE} 核对")
    stored = list(AccessLog.objects.values_list("what", flat=True))
    assert len(stored) == len(TYPED) + 1
    for what in stored:
        assert not CLEAR.search(what), what
    assert "138****5678" in stored[0]  # newest first: the unmask reason
    assert not CLEAR.search(_auditor_reads(login, api))
    assert verify_chain() == (len(stored), None)


def test_rows_written_before_masking_are_masked_when_read(
    person: Any, login: Callable[[str], Client], api: Any, users: dict[str, User], monkeypatch: Any
) -> None:
    """Rows of older versions hold what was typed: the auditor (who sees numbers masked) reads none."""
    monkeypatch.setattr(access_log, "mask_text", lambda text: text, raising=False)
    log_access(users["cs_agent"], "list", what=f"客户列表 q={PHONE}")
    log_access(users["cs_agent"], "list", what=f"客户列表 q={ID}")
    log_access(users["cs_agent"], "list", what="客户列表 q=138+1234+5678")
    monkeypatch.undo()
    assert AccessLog.objects.filter(what__contains=PHONE).exists()  # as an older version wrote it
    assert verify_chain() == (3, None)
    shown = _auditor_reads(login, api)
    assert "138****5678" in shown and "110105********002X" in shown
    assert not CLEAR.search(shown)
    admin_page = login("admin").get("/admin/privacy/accesslog/").content.decode()
    assert "138****5678" in admin_page and not CLEAR.search(admin_page)


def test_a_user_with_log_rows_is_not_deleted_and_the_chain_holds(person: Any, users: dict[str, User]) -> None:
    leaver, _ = user_upsert(username="leaver", role=Role.CS_AGENT, password="x", check_password=False)
    for n in range(3):
        log_access(leaver, "view", customer=person, what=f"第{n}次")
    with pytest.raises(ProtectedError):
        leaver.delete()
    with pytest.raises(ValidationError, match="停用"):
        user_delete(username="leaver")
    assert User.objects.filter(username="leaver").exists()
    # what SET_NULL did to the rows before: the hash no longer covers user_id, so the chain holds
    _table("UPDATE T SET user_id = NULL WHERE username = %s", ["leaver"])
    assert verify_chain() == (3, None)
    assert set(AccessLog.objects.values_list("username", flat=True)) == {"leaver"}
    # a user without log rows is deleted
    user_upsert(username="never", role=Role.CS_AGENT, password="x", check_password=False)
    user_delete(username="never")
    assert not User.objects.filter(username="never").exists()


def test_the_admin_refuses_to_delete_a_user_with_log_rows(
    person: Any, users: dict[str, User], login: Callable[[str], Client]
) -> None:
    log_access(users["finance"], "view", customer=person)
    client = login("admin")
    url = f"/admin/accounts/user/{users['finance'].pk}/delete/"
    page = client.get(url)
    assert page.status_code == 200 and "不能删除" in page.content.decode() and "停用" in page.content.decode()
    client.post(url, {"post": "yes"})
    assert User.objects.filter(pk=users["finance"].pk).exists()


def test_rows_of_hash_version_1_still_verify(person: Any, users: dict[str, User]) -> None:
    """Rows written before the username replaced user_id in the hash keep verifying, in one chain."""
    user = users["cs_agent"]
    row = AccessLog(
        id=1,
        at=timezone.now(),
        user=user,
        username=user.username,
        action="view",
        customer_id=person.pk,
        archive_no=person.archive_no,
        what="旧版",
        prev_hash=access_log.GENESIS,
        hash_version=1,
    )
    row.hash = row_hash(row)
    row.save(force_insert=True)
    AccessLogHead.objects.create(pk=1, last_id=1, last_hash=row.hash, mac=head_mac(1, row.hash))
    log_access(user, "view", customer=person, what="新版")
    assert list(AccessLog.objects.order_by("id").values_list("hash_version", flat=True)) == [1, 2]
    assert verify_chain() == (2, None)
    _table("UPDATE T SET user_id = %s WHERE id = 1", [users["finance"].pk])  # version 1 covers user_id
    assert verify_chain()[1] is not None


def test_a_cut_off_tail_with_a_rewritten_head_is_found(person: Any, users: dict[str, User]) -> None:
    for n in range(5):
        log_access(users["cs_agent"], "view", customer=person, what=f"第{n}次")
    call_command("verify_access_log")
    third = AccessLog.objects.get(pk=3)
    # what someone who can edit the database (but has no key) does: cut rows 4–5, point the head at 3
    _table("DELETE FROM T WHERE id > %s", [3])
    _table("UPDATE H SET last_id = %s, last_hash = %s WHERE id = 1", [3, third.hash])
    count, broken = verify_chain()
    assert count == 3 and broken is not None and "head" in broken.reason
    with pytest.raises(CommandError, match="head") as exc:
        call_command("verify_access_log")
    assert exc.value.returncode == 1
    # a deleted head is found too
    _table("DELETE FROM H WHERE id = %s", [1])
    assert verify_chain()[1] is not None


def test_a_cut_off_tail_names_the_missing_rows(person: Any, users: dict[str, User]) -> None:
    for _ in range(5):
        log_access(users["cs_agent"], "view", customer=person)
    _table("DELETE FROM T WHERE id > %s", [3])
    with pytest.raises(CommandError, match="4–5"):
        call_command("verify_access_log")
