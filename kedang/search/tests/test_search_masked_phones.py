"""A role that sees phones masked (138****5678) searches them by the full number or by the digits she
sees — the first 3, the last 4 — and no fragment covering hidden digits finds anyone; every search is
logged with its terms masked (#13, R-S1, R-G6, R-G7)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from kedang.accounts.models import User
from kedang.privacy.models import AccessLog
from kedang.search.selectors import search_customers

PHONE = "13812345678"
LANDLINE = "01087654321"
MASKED = "finance"  # sees every customer, phones and ID numbers masked
SEES = "cs_manager"


@pytest.fixture
def target(make_customer: Callable[..., Any]) -> Any:
    for phone in ("13812340000", "13899995678", "13900001111", "13512345678"):
        make_customer(phone=phone, address="上海市徐汇区漕溪北路1号")
    return make_customer(
        name="张三", phone=PHONE, phone2=LANDLINE, id_number="11010519491231002X", address="北京市海淀区27号"
    )


def _finds(user: User, query: str, target: Any) -> bool:
    return target.pk in {h.customer.pk for h in search_customers(user, query, limit=100)}


def _rebuild(finds: Callable[[str], bool]) -> str | None:
    """The obvious attack: the searcher sees 138****5678 and learns one hidden digit per 10 queries,
    growing the visible head (13812…), the visible tail (…45678) or a fragment after the separator
    before the phones in the index text ("| 1381")."""
    head, tail = PHONE[:3], PHONE[-4:]
    for pattern in ("{head}{d}", "{d}{tail}", "| {head}{d}"):
        known = head if "head" in pattern else tail
        for _ in range(4):
            for d in "0123456789":
                guess = pattern.format(head=known, tail=known, d=d)
                if finds(guess):
                    known = known + d if "head" in pattern else d + known
                    break
            else:
                break
        if len(known) == 7:
            return known
    return None


def test_a_masked_role_cannot_rebuild_a_phone_from_fragments(
    target: Any, users: dict[str, User], api: Any
) -> None:
    def by_api(who: str) -> Callable[[str], bool]:
        def finds(q: str) -> bool:
            items = api(who, "get", f"/search?limit=100&q={q.replace(' ', '%20')}").json()["items"]
            return target.pk in {i["id"] for i in items}

        return finds

    assert _rebuild(by_api(SEES)) is not None  # the attack works where nothing is hidden
    assert _rebuild(by_api(MASKED)) is None
    # each guess is in the access log, for the auditor to see the attempt
    assert (
        AccessLog.objects.filter(action="search", username=MASKED, what__startswith="API 搜索 138").count()
        >= 10
    )


@pytest.mark.parametrize(
    "query, found",
    [
        (PHONE, True),  # the full number
        ("138", True),  # the first 3
        ("5678", True),  # the last 4
        ("678", True),  # within the last 4
        ("1381", False),  # 4+ leading digits
        ("13812", False),
        ("1381234", False),
        ("45678", False),  # 5+ trailing digits
        ("2345678", False),
        ("1234", False),  # the middle
        ("8123", False),
        ("| 1381", False),
        (LANDLINE, True),
        ("010", True),
        ("4321", True),
        ("0108", False),
        ("8765", False),
        ("7654321", False),
        ("54321", False),
    ],
)
def test_masked_roles_find_phones_by_what_they_see(
    target: Any, users: dict[str, User], query: str, found: bool
) -> None:
    assert _finds(users[MASKED], query, target) is found, query
    if found:
        assert _finds(users[SEES], query, target), query


def test_the_reversed_id_tail_is_no_exact_or_prefix_key(target: Any, users: dict[str, User]) -> None:
    """The index keeps the ID number's last 8 reversed (X2001321): a role that sees …002X does not learn
    the hidden characters by typing that reversed tail longer and longer."""
    assert _finds(users[MASKED], "002X", target)
    for query in ("X2001", "X20013", "X200132", "X2001321"):
        assert not _finds(users[MASKED], query, target), query
        assert not _finds(users[SEES], query, target), query
    assert _finds(users[SEES], "1231002X", target)  # a role that sees IDs: the real suffix


def test_every_search_is_logged_with_its_terms_masked(
    target: Any, login: Callable[[str], Client], api: Any
) -> None:
    client = login(SEES)
    assert client.get(reverse("search"), {"q": PHONE}).status_code == 200
    assert client.get(reverse("search_suggest"), {"q": "138 1234 5678"}).status_code == 200
    assert client.get(reverse("customer_list"), {"q": "11010519491231002X"}).status_code == 200
    assert api(SEES, "get", f"/search?q={PHONE}").status_code == 200
    assert api(SEES, "get", f"/customers?q={PHONE}&page_size=200").status_code == 200
    rows = list(AccessLog.objects.order_by("id").values_list("action", "what", "rows"))
    assert [(a, w) for a, w, _ in rows] == [
        ("search", "搜索 138****5678"),
        ("search", "搜索框 138****5678"),
        ("list", "客户列表 q=110105********002X"),
        ("search", "API 搜索 138****5678"),
        ("list", "API 客户列表 q=138****5678 page_size=200"),
    ]
    assert rows[0][2] == 1 and rows[2][2] == 1
