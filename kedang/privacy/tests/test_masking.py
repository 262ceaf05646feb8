"""Masking by role (R-G7) and unmasking one value with a reason."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from kedang.accounts.models import RoleSetting, User
from kedang.accounts.roles import DEFAULT_MASKING
from kedang.privacy.models import AccessLog

from .conftest import ID, PHONE

MASKED_ID = "110105********002X"
MASKED_PHONE = "138****5678"


@pytest.mark.parametrize("role", sorted(DEFAULT_MASKING))
def test_each_role_sees_what_its_setting_says_on_the_page_and_in_the_api(
    role: str, person: Any, login: Callable[[str], Client], api: Any
) -> None:
    sees_phone, sees_id, _unmask = DEFAULT_MASKING[role]
    html = login(role).get(reverse("customer_detail", args=[person.pk])).content.decode()
    body = api(role, "get", f"/customers/{person.pk}")
    if body.status_code == 404:  # the role does not see this customer at all
        return
    data = body.json()
    assert (PHONE in html) == sees_phone and (MASKED_PHONE in html) != sees_phone
    assert (ID in html) == sees_id and (MASKED_ID in html) != sees_id
    assert data["phone"] == (PHONE if sees_phone else MASKED_PHONE)
    assert data["id_number"] == (ID if sees_id else MASKED_ID)


def test_the_setting_is_per_role_and_configurable(person: Any, login: Callable[[str], Client]) -> None:
    RoleSetting.objects.filter(group__name="cs_agent").update(sees_id_number=True)
    html = login("cs_agent").get(reverse("customer_detail", args=[person.pk])).content.decode()
    assert ID in html


def test_unmasking_needs_a_reason_and_is_logged(person: Any, login: Callable[[str], Client]) -> None:
    client = login("cs_agent")
    url = reverse("unmask", args=[person.pk])
    html = client.get(reverse("customer_detail", args=[person.pk])).content.decode()
    assert url in html  # the "show" button is there
    refused = client.post(url, {"field": "id_number", "reason": " "})
    assert ID not in refused.content.decode() and "请填写事由" in refused.content.decode()
    shown = client.post(url, {"field": "id_number", "reason": "客户来电核对身份"})
    assert ID in shown.content.decode()
    row = AccessLog.objects.get(action="unmask")
    assert row.username == "cs_agent" and row.what == "身份证号：客户来电核对身份"


def test_roles_without_the_permission_cannot_unmask(
    person: Any, login: Callable[[str], Client], api: Any
) -> None:
    client = login("finance")
    assert (
        reverse("unmask", args=[person.pk])
        not in client.get(reverse("customer_detail", args=[person.pk])).content.decode()
    )
    assert (
        client.post(reverse("unmask", args=[person.pk]), {"field": "id_number", "reason": "x"}).status_code
        == 403
    )
    assert (
        api(
            "finance", "post", f"/customers/{person.pk}/unmask", {"field": "id_number", "reason": "x"}
        ).status_code
        == 403
    )
    assert not AccessLog.objects.filter(action="unmask").exists()


def test_unmasking_a_customer_the_user_may_not_see_is_404(
    make_customer: Any, users: dict[str, User], api: Any
) -> None:
    other = make_customer(owner=users["am2"], id_number=ID)
    response = api(
        "account_manager", "post", f"/customers/{other.pk}/unmask", {"field": "id_number", "reason": "x"}
    )
    assert response.status_code == 404


def test_the_api_unmasks_with_a_reason(person: Any, api: Any) -> None:
    bad = api("cs_agent", "post", f"/customers/{person.pk}/unmask", {"field": "id_number", "reason": ""})
    assert bad.status_code == 422 and bad.json()["errors"]["reason"][0]["code"] == "required"
    ok = api("cs_agent", "post", f"/customers/{person.pk}/unmask", {"field": "id_number", "reason": "核对"})
    assert ok.json() == {"field": "id_number", "value": ID}


def test_a_masked_value_sent_back_unchanged_keeps_the_stored_one(
    person: Any, login: Callable[[str], Client], api: Any
) -> None:
    client = login("cs_agent")
    edit = client.get(reverse("customer_edit", args=[person.pk])).content.decode()
    assert MASKED_ID in edit and ID not in edit
    response = api(
        "cs_agent", "patch", f"/customers/{person.pk}", {"id_number": MASKED_ID, "address": "新地址"}
    )
    assert response.status_code == 200
    person.refresh_from_db()
    assert person.id_number == ID and person.address == "新地址"


def test_an_unknown_field_is_refused_on_the_page(person: Any, login: Callable[[str], Client]) -> None:
    response = login("cs_agent").post(
        reverse("unmask", args=[person.pk]), {"field": "address", "reason": "x"}
    )
    assert response.status_code == 422 and not AccessLog.objects.filter(action="unmask").exists()
