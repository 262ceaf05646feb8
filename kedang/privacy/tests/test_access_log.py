"""The access log (R-G6): every view, export, print, download and unmasking; append-only, hash-chained."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test import Client
from django.urls import reverse

from kedang.accounts.models import User
from kedang.privacy.access_log import log_access, verify_chain
from kedang.privacy.models import AccessLog


def test_viewing_an_archive_is_logged_with_user_ip_and_customer(
    person: Any, login: Callable[[str], Client]
) -> None:
    client = login("cs_agent")
    response = client.get(reverse("customer_detail", args=[person.pk]), REMOTE_ADDR="10.1.2.3")
    assert response.status_code == 200
    row = AccessLog.objects.get(action="view")
    assert (row.username, row.ip, row.customer_id, row.archive_no) == (
        "cs_agent",
        "10.1.2.3",
        person.pk,
        person.archive_no,
    )


def test_x_forwarded_for_is_not_trusted_unless_configured(
    person: Any, login: Callable[[str], Client], settings: Any
) -> None:
    client = login("cs_agent")
    url = reverse("customer_detail", args=[person.pk])
    client.get(url, REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="6.6.6.6")
    settings.KEDANG_TRUSTED_PROXIES = 1
    client.get(url, REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="7.7.7.7")
    assert list(AccessLog.objects.filter(action="view").order_by("id").values_list("ip", flat=True)) == [
        "10.0.0.1",
        "7.7.7.7",
    ]


def test_exports_prints_and_lists_are_logged_with_row_counts(
    person: Any, make_customer: Any, login: Callable[[str], Client]
) -> None:
    make_customer(name="第二位")
    client = login("cs_manager")
    assert client.get(reverse("customer_list")).status_code == 200
    listed = AccessLog.objects.get(action="list")
    assert listed.rows == 2
    assert client.get(reverse("customers_export") + "?format=csv").status_code == 200
    exported = AccessLog.objects.get(action="export")
    assert exported.rows == 2 and exported.username == "cs_manager"
    assert client.get(reverse("customer_form_pdf", args=[person.pk])).status_code == 200
    printed = AccessLog.objects.get(action="print")
    assert printed.customer_id == person.pk


def test_the_log_is_append_only(person: Any, users: dict[str, User]) -> None:
    row = log_access(users["cs_agent"], "view", customer=person)
    with pytest.raises(PermissionError):
        row.save()
    with pytest.raises(PermissionError):
        row.delete()
    with pytest.raises(PermissionError):
        AccessLog.objects.filter(pk=row.pk).update(what="x")
    with pytest.raises(PermissionError):
        AccessLog.objects.all().delete()


def _tamper(sql: str, params: list[Any]) -> None:
    with connection.cursor() as cur:
        cur.execute(sql.replace(" T ", f" {AccessLog._meta.db_table} ", 1), params)


@pytest.mark.parametrize(
    "how, reason",
    [
        ("UPDATE T SET what = %s WHERE id = 3", "content altered"),
        ("UPDATE T SET username = %s WHERE id = 3", "content altered"),
        ("DELETE FROM T WHERE id = 3 AND what <> %s", "missing row"),
    ],
)
def test_tampering_is_found_and_named(person: Any, users: dict[str, User], how: str, reason: str) -> None:
    for n in range(5):
        log_access(users["cs_agent"], "view", customer=person, what=f"第{n}次")
    assert verify_chain() == (5, None)
    call_command("verify_access_log")
    _tamper(how, ["篡改"])
    count, broken = verify_chain()
    assert broken is not None and broken.row_id == 3 and reason in broken.reason and count == 2
    with pytest.raises(CommandError, match="第 3 条"):
        call_command("verify_access_log")


def test_a_recomputed_plain_hash_does_not_pass(person: Any, users: dict[str, User]) -> None:
    """The chain is keyed: editing a row and its hash with a plain SHA-256 is still found."""
    import hashlib

    for _ in range(3):
        log_access(users["cs_agent"], "view", customer=person)
    forged = hashlib.sha256(b"forged").hexdigest()
    _tamper("UPDATE T SET what = %s, hash = %s WHERE id = 3", ["x", forged])
    assert verify_chain()[1] is not None


def test_removing_the_last_rows_is_found(person: Any, users: dict[str, User]) -> None:
    for _ in range(4):
        log_access(users["cs_agent"], "view", customer=person)
    _tamper("DELETE FROM T WHERE id >= %s", [3])
    broken = verify_chain()[1]
    assert broken is not None and broken.row_id == 3


def test_the_auditor_searches_the_log(
    person: Any, users: dict[str, User], login: Callable[[str], Client]
) -> None:
    log_access(users["cs_agent"], "view", customer=person, what="甲")
    log_access(users["finance"], "export", what="乙", rows=30)
    assert login("cs_manager").get(reverse("access_log")).status_code == 403
    client = login("auditor")
    html = client.get(reverse("access_log") + "?user=finance").content.decode()
    assert "乙" in html and "甲" not in html
    html = client.get(reverse("access_log") + f"?customer={person.archive_no}").content.decode()
    assert "甲" in html and "乙" not in html


def test_the_access_log_api_is_for_auditors(person: Any, users: dict[str, User], api: Any) -> None:
    log_access(users["cs_agent"], "view", customer=person)
    assert api("cs_manager", "get", "/access-log").status_code == 403
    body = api("auditor", "get", f"/access-log?customer={person.archive_no}").json()
    assert body["count"] == 1 and body["items"][0]["username"] == "cs_agent"


def test_the_admin_shows_the_log_read_only(
    person: Any, users: dict[str, User], login: Callable[[str], Client]
) -> None:
    row = log_access(users["cs_agent"], "view", customer=person)
    client = login("admin")
    assert users["admin"].is_superuser
    listing = client.get("/admin/privacy/accesslog/")
    assert listing.status_code == 200 and person.archive_no in listing.content.decode()
    assert client.post(f"/admin/privacy/accesslog/{row.pk}/delete/", {"post": "yes"}).status_code == 403
    assert AccessLog.objects.filter(pk=row.pk).exists()
