"""R-G2 access requests: ask, approve, see like an owner everywhere, lose it at expiry."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from kedang.accounts.models import User
from kedang.archive.visibility import customers_visible_to
from kedang.customers.selectors import customer_list
from kedang.errors import Conflict
from kedang.governance import services
from kedang.governance.models import AccessRequest
from kedang.search.selectors import find


@pytest.fixture
def theirs(users: dict[str, User], make_customer: Callable[..., Any]) -> Any:
    return make_customer(owner=users["account_manager"], name="别人的客户", phone="13712345678")


def test_approved_request_opens_the_customer_everywhere_until_expiry(
    users: dict[str, User], theirs: Any, client: Client
) -> None:
    am2 = users["am2"]
    req = services.access_request_create(actor=am2, customer_id=theirs.pk, reason="客户来电续保", days=3)
    assert not customers_visible_to(am2).filter(pk=theirs.pk).exists(), "pending is not yet access"
    services.access_request_decide(actor=users["sales_manager"], request_id=req.pk, approve=True)

    assert customers_visible_to(am2).filter(pk=theirs.pk).exists()
    assert theirs.pk in [c.pk for c in customer_list(am2)]
    assert find(am2, "13712345678")[0].customer_id == theirs.pk
    assert find(am2, "5678")[0].customer_id == theirs.pk  # the fragment path too
    client.force_login(am2)
    assert client.get(reverse("customer_detail", args=[theirs.pk])).status_code == 200

    AccessRequest.objects.filter(pk=req.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert not customers_visible_to(am2).filter(pk=theirs.pk).exists()
    assert find(am2, "13712345678") == []
    assert client.get(reverse("customer_detail", args=[theirs.pk])).status_code == 404


def test_refused_request_gives_nothing(users: dict[str, User], theirs: Any) -> None:
    req = services.access_request_create(actor=users["am2"], customer_id=theirs.pk, reason="x", days=3)
    services.access_request_decide(
        actor=users["general_manager"], request_id=req.pk, approve=False, note="无必要"
    )
    assert not customers_visible_to(users["am2"]).filter(pk=theirs.pk).exists()
    with pytest.raises(Conflict):
        services.access_request_decide(actor=users["general_manager"], request_id=req.pk, approve=True)


def test_only_sales_or_general_manager_approves(users: dict[str, User], theirs: Any) -> None:
    req = services.access_request_create(actor=users["am2"], customer_id=theirs.pk, reason="x", days=3)
    for who in ("cs_manager", "account_manager", "am2", "auditor"):
        with pytest.raises(PermissionDenied):
            services.access_request_decide(actor=users[who], request_id=req.pk, approve=True)


def test_request_input_is_validated(users: dict[str, User], theirs: Any) -> None:
    with pytest.raises(ValidationError) as exc:
        services.access_request_create(actor=users["am2"], customer_id=theirs.pk, reason=" ", days=0)
    assert set(exc.value.message_dict) == {"reason", "days"}
    with pytest.raises(ValidationError) as exc:
        services.access_request_create(
            actor=users["account_manager"], customer_id=theirs.pk, reason="x", days=1
        )
    assert "customer_id" in exc.value.message_dict  # she sees it already
    services.access_request_create(actor=users["am2"], customer_id=theirs.pk, reason="x", days=1)
    with pytest.raises(ValidationError):  # one pending request at a time
        services.access_request_create(actor=users["am2"], customer_id=theirs.pk, reason="y", days=1)


def test_api_request_and_approve(users: dict[str, User], theirs: Any, client: Client) -> None:
    from conftest import PASSWORD
    from kedang.accounts.services import token_issue

    def call(who: str, method: str, url: str, body: dict[str, Any] | None = None) -> Any:
        token = token_issue(username=who, password=PASSWORD)
        return getattr(client, method)(
            "/api/v1" + url, body or {}, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {token}"
        )

    assert call("am2", "get", f"/customers/{theirs.pk}").status_code == 404
    r = call("am2", "post", "/access-requests", {"customer_id": theirs.pk, "reason": "续保", "days": 2})
    assert r.status_code == 201 and r.json()["status"] == "pending"
    assert call("am2", "post", f"/access-requests/{r.json()['id']}/approve").status_code == 403
    pending = call("sales_manager", "get", "/access-requests?pending=true").json()
    assert [i["id"] for i in pending["items"]] == [r.json()["id"]]
    ok = call("sales_manager", "post", f"/access-requests/{r.json()['id']}/approve")
    assert ok.status_code == 200 and ok.json()["expires_at"]
    assert call("am2", "get", f"/customers/{theirs.pk}").status_code == 200
    again = call("sales_manager", "post", f"/access-requests/{r.json()['id']}/approve")
    assert again.status_code == 409


def test_the_approver_sees_the_request_on_her_home_page(
    users: dict[str, User], theirs: Any, login: Callable[[str], Client]
) -> None:
    services.access_request_create(actor=users["am2"], customer_id=theirs.pk, reason="续保", days=3)
    page = login("sales_manager").get(reverse("home"))
    assert page.context["awaiting"]["access"] == 1 and page.context["awaiting"]["total"] == 1
    assert 'id="count-awaiting">1<' in page.content.decode()
    assert login("cs_agent").get(reverse("home")).context["awaiting"]["total"] == 0
