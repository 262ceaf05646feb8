"""The `admin` role configures the system, it does not read personal data in clear: the Django admin masks
customers' phones, ID numbers and free text for it and logs every look at a record; the personal-data zip
is not for roles that see numbers masked; bulk reads of the API leave an access-log row (#13, R-G6, R-G7)."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from kedang.accounts.models import User
from kedang.care.models import Message
from kedang.complaints.services import complaint_create
from kedang.customers.services import customer_update
from kedang.exchange.models import ExportLog
from kedang.privacy.models import AccessLog

from .conftest import ID, PHONE

CLEAR = re.compile(r"13812345678|13912345678|1234567|0519491231|91231002X")
NEW_PHONE = "13912345678"


@pytest.fixture
def message(person: Any, users: dict[str, User]) -> Message:
    return Message.objects.create(
        customer=person, channel="sms", recipient=PHONE, body=f"王先生您好，有事请回电 {PHONE}"
    )


@pytest.fixture
def complaint(person: Any, users: dict[str, User]) -> Any:
    return complaint_create(
        actor=users["cs_agent"], customer_id=person.pk, channel="phone", summary=f"来电 {PHONE} 投诉噪音"
    )


def _pages(person: Any, message: Message, complaint: Any) -> list[str]:
    return [
        "/admin/customers/customer/",
        f"/admin/customers/customer/{person.pk}/change/",
        f"/admin/customers/customer/{person.pk}/history/",
        "/admin/care/message/",
        f"/admin/care/message/{message.pk}/change/",
        f"/admin/complaints/complaint/{complaint.pk}/change/",
        f"/admin/care/message/{message.pk}/delete/",
    ]


def test_the_admin_role_reads_no_number_in_clear_in_the_django_admin(
    person: Any, message: Message, complaint: Any, users: dict[str, User], login: Callable[[str], Client]
) -> None:
    customer_update(
        actor=users["general_manager"],
        customer_id=person.pk,
        phone=NEW_PHONE,
        notes=f"旧号 {PHONE}",
        reason="换号",
        expected_version=person.version,
    )
    history = person.history.order_by("history_id").first()
    client = login("admin")
    pages = [
        *_pages(person, message, complaint),
        f"/admin/customers/customer/{person.pk}/history/{history.pk}/",
    ]
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        body = response.content.decode()
        assert not CLEAR.search(body), (url, CLEAR.search(body))
    change = client.get(f"/admin/customers/customer/{person.pk}/change/").content.decode()
    assert "139****5678" in change and "110105********002X" in change and person.name in change
    assert "138****5678" in client.get("/admin/care/message/").content.decode()
    assert "138****5678" in str(message) and PHONE not in str(message)


def test_every_change_view_in_the_admin_is_logged(
    person: Any, message: Message, complaint: Any, login: Callable[[str], Client]
) -> None:
    client = login("admin")
    client.get(f"/admin/customers/customer/{person.pk}/change/")
    client.get(f"/admin/care/message/{message.pk}/change/")
    client.get(f"/admin/complaints/complaint/{complaint.pk}/change/")
    client.get(f"/admin/customers/customer/{person.pk}/history/")
    rows = list(
        AccessLog.objects.filter(username="admin").order_by("id").values_list("action", "customer_id")
    )
    assert rows == [("view", person.pk)] * 4


def test_a_role_that_sees_numbers_sees_them_in_the_admin_too(
    person: Any, users: dict[str, User], login: Callable[[str], Client]
) -> None:
    manager = users["general_manager"]
    manager.is_staff = manager.is_superuser = True  # the site's permissions aside: masking is by role
    manager.save()
    body = login("general_manager").get(f"/admin/customers/customer/{person.pk}/change/").content.decode()
    assert PHONE in body and ID in body


def test_the_personal_data_zip_is_refused_to_masked_roles_and_logged(
    person: Any, api: Any, login: Callable[[str], Client]
) -> None:
    assert api("admin", "get", f"/customers/{person.pk}/personal-data").status_code == 403
    assert login("admin").post(f"/privacy/customers/{person.pk}/personal-data/").status_code in (403, 404)
    assert not AccessLog.objects.filter(action="subject_export").exists()
    assert api("cs_manager", "get", f"/customers/{person.pk}/personal-data").status_code == 200
    assert AccessLog.objects.filter(action="subject_export", customer_id=person.pk).count() == 1
    assert ExportLog.objects.filter(what="personal_data", file_format="zip", customer=person).count() == 1


@pytest.mark.parametrize("page_size", [1, 200])
def test_bulk_reads_of_the_api_are_logged(
    person: Any, message: Message, complaint: Any, api: Any, page_size: int
) -> None:
    assert api("cs_manager", "get", f"/customers?page_size={page_size}").status_code == 200
    assert api("cs_manager", "get", "/messages").status_code == 200
    assert api("cs_manager", "get", "/complaints").status_code == 200
    rows = list(AccessLog.objects.filter(action="list").order_by("id").values_list("what", "rows"))
    assert [w.split(" ")[:2] for w, _ in rows] == [
        ["API", "客户列表"],
        ["API", "发件箱"],
        ["API", "投诉列表"],
    ]
    assert [n for _, n in rows] == [1, 1, 1]
