"""Withdrawing a consent answers the same 404 for an id that does not exist and for a consent of a customer
the caller cannot see (#13: 500 on the page / 422 in the API for the first, 404 for the second — an oracle
of which ids exist). Page and API."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from kedang.accounts.models import User
from kedang.privacy import services
from kedang.privacy.models import Consent

pytestmark = pytest.mark.django_db


def _ids(users: dict[str, User], make_customer: Callable[..., Any]) -> tuple[int, int]:
    theirs = make_customer(owner=users["am2"])
    consent = services.consent_grant(
        actor=users["am2"], customer_id=theirs.pk, purpose="marketing", channel="sms", notice_version="v1"
    )
    return consent.pk, consent.pk + 1000


def test_page_answers_the_same_404(
    users: dict[str, User], make_customer: Callable[..., Any], login: Callable[[str], Client]
) -> None:
    others, missing = _ids(users, make_customer)
    client = login("account_manager")
    a = client.post(reverse("consent_withdraw", args=[others]))
    b = client.post(reverse("consent_withdraw", args=[missing]))
    assert a.status_code == b.status_code == 404
    assert a.content == b.content
    assert Consent.objects.get(pk=others).withdrawn_at is None


def test_api_answers_the_same_404(
    users: dict[str, User], make_customer: Callable[..., Any], api: Callable[..., Any]
) -> None:
    others, missing = _ids(users, make_customer)
    a = api("account_manager", "post", f"/consents/{others}/withdraw")
    b = api("account_manager", "post", f"/consents/{missing}/withdraw")
    assert a.status_code == b.status_code == 404
    assert a.json() == b.json()
    assert Consent.objects.get(pk=others).withdrawn_at is None
