"""The complaint list, the home page's to-do, the API list and the detail page do not query per row."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from conftest import PASSWORD
from kedang.accounts.models import User
from kedang.accounts.services import token_issue
from kedang.complaints.models import State

from .factories import add_handler, complaint_in

pytestmark = pytest.mark.django_db


def count(client: Client, url: str, **headers: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url, headers=headers).status_code == 200
    return len(ctx.captured_queries)


def test_query_counts_do_not_grow_with_rows(
    login: Callable[[str], Client],
    users: dict[str, User],
    make_customer: Callable[..., Any],
    make_vehicle: Callable[..., Any],
) -> None:
    add_handler(users)

    def add(n: int) -> None:
        for _ in range(n):
            customer = make_customer()
            complaint_in(State.ASSIGNED, users, customer, vehicle_id=make_vehicle(customer).pk)

    add(2)
    client = login("cs_manager")
    token = token_issue(username="cs_manager", password=PASSWORD)
    urls = [reverse("complaint_list"), reverse("home"), "/api/v1/complaints"]
    auth = {"Authorization": f"Bearer {token}"}
    bearer_only = Client()  # an API client has no session cookie

    def counts() -> list[int]:
        return [count(client, u) for u in urls[:2]] + [count(bearer_only, urls[2], **auth)]

    counts()  # warm up: the token's first use is recorded once
    before = counts()
    add(8)
    after = counts()
    assert after == before
    # the API list: + its access-log row (head, insert, head; R-G6, #13)
    assert before[0] <= 12 and before[2] <= 6 + 3
