"""`next=` (and the care pages' `back=`) never sends the user off-site (#13: filing approval redirected to
any URL). kedang.web.redirects.safe_next is the one place that decides."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.test import Client, RequestFactory
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from kedang.accounts.models import User
from kedang.governance import filing
from kedang.web.redirects import safe_next

PNG = "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAQAAAAECAIAAAAmkwkpAAAAFElEQVR4nGP8//8/AwwwMSAB3BwAlm4DBfIlvvkAAAAASUVORK5CYII="

OFF_SITE = [
    "https://evil.example/",
    "//evil.example/x",
    "http://evil.example",
    "javascript:alert(1)",
    "/\\evil.example",
    "\\\\evil.example",
    "https:evil.example",
    " //evil.example",
    "http://testserver@evil.example/",
]


@pytest.mark.django_db
@pytest.mark.parametrize("target", OFF_SITE)
def test_filing_approval_does_not_redirect_off_site(
    target: str, users: dict[str, User], make_customer: Callable[..., Any], client: Client
) -> None:
    c = make_customer(owner=users["account_manager"])
    filing.filing_submit(actor=users["account_manager"], customer_id=c.pk, drawn=PNG)
    client.force_login(users["sales_manager"])
    r = client.post(reverse("filing_approve", args=[c.pk]), {"next": target})
    assert r.status_code == 302 and r["Location"] == reverse("governance")


@pytest.mark.django_db
def test_filing_approval_follows_a_local_next(
    users: dict[str, User], make_customer: Callable[..., Any], client: Client
) -> None:
    c = make_customer(owner=users["account_manager"])
    filing.filing_submit(actor=users["account_manager"], customer_id=c.pk, drawn=PNG)
    client.force_login(users["sales_manager"])
    back = reverse("customer_detail", args=[c.pk]) + "?tab=files"
    r = client.post(reverse("filing_approve", args=[c.pk]), {"next": back})
    assert r["Location"] == back


@pytest.mark.django_db
def test_care_preview_back_link_stays_on_site(login: Callable[[str], Client]) -> None:
    r = login("account_manager").post("/care/preview/", {"back": "https://evil.example/"})
    assert r.status_code == 302 and r["Location"] == reverse("care_tasks")


@given(st.text(max_size=40))
def test_safe_next_answers_a_path_of_this_site_or_the_default(url: str) -> None:
    request = RequestFactory().post("/", {"next": url})
    out = safe_next(request, "/home/")
    assert out == "/home/" or out == url
    if out == url != "/home/":
        parts = urlsplit(url.strip().replace("\\", "/"))
        assert parts.scheme in ("", "http") and parts.netloc in ("", "testserver")
