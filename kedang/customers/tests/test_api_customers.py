"""The customer endpoints of the REST API (SPEC §14): round trip, bad input, visibility, query count."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.db.models import Sum
from django.test import Client
from django.test.utils import CaptureQueriesContext

from conftest import PASSWORD
from kedang.accounts.models import User
from kedang.accounts.services import token_issue
from kedang.customers import validators as v
from kedang.customers.models import ArchiveSequence, Customer, Record, Tag, Vehicle
from kedang.customers.services import vehicle_create

pytestmark = pytest.mark.django_db

ID_NUMBER = "11010519491231002X"  # born 1949-12-31, female
VIN = "1M8GDM9AXKP042788"
USCC = "91110108MA01C2D4X0"
Call = Callable[..., Any]


def make_vin(n: int) -> str:
    body = f"LSVAM418{0}C2{n:06d}"
    return body[:8] + v.vin_check_digit(body) + body[9:]


def snapshot() -> dict[str, Any]:
    """Everything a customer write touches; equal before and after a refused request."""
    return {
        "customers": Customer.objects.count(),
        "customer_history": Customer.history.count(),
        "vehicles": Vehicle.objects.count(),
        "records": Record.objects.count(),
        "tags": Tag.objects.count(),
        "archive_seq": ArchiveSequence.objects.aggregate(s=Sum("last"))["s"],
        "rows": list(Customer.objects.order_by("id").values()),
    }


# ---------------------------------------------------------------- round trip


def test_create_read_patch_delete_round_trip(api: Call, users: dict[str, User]) -> None:
    body = {
        "name": "  张三  ",
        "phone": "138 1234 5678",
        "id_number": ID_NUMBER.lower(),
        "address": "北京市朝阳区",
        "tier": "A",
        "tags": ["老客户", "车队", "老客户"],
        "birthday_is_lunar": True,
        "notes": "喜欢钓鱼",
    }
    resp = api("account_manager", "post", "/customers", body)
    assert resp.status_code == 201, resp.json()
    created = resp.json()
    cid = created["id"]
    assert created["name"] == "张三"
    assert created["phone"] == "13812345678"
    assert created["id_number"] == ID_NUMBER
    assert created["birthday"] == "1949-12-31"  # derived from the ID number
    assert created["gender"] == "F"
    assert created["birthday_is_lunar"] is True
    assert created["kind"] == "person"
    assert created["owner"] == "account_manager"
    assert created["tier"] == "A"
    assert sorted(created["tags"]) == ["老客户", "车队"]
    assert created["archive_no"].startswith("KDP-")
    assert created["uscc"] == ""
    assert created["vehicles"] == []
    assert Record.objects.filter(customer_id=cid).count() == 1

    resp = api("account_manager", "get", f"/customers/{cid}")
    assert resp.status_code == 200
    assert resp.json() == created

    resp = api(
        "account_manager", "patch", f"/customers/{cid}", {"phone": "010-12345678", "reason": "客户换号"}
    )
    assert resp.status_code == 200, resp.json()
    patched = resp.json()
    assert patched["phone"] == "01012345678"
    unchanged = {k: val for k, val in created.items() if k not in ("phone", "updated_at", "version")}
    assert {k: val for k, val in patched.items() if k in unchanged} == unchanged
    rec = Record.objects.filter(customer_id=cid).order_by("-id").first()
    assert rec is not None and rec.body == "客户换号"
    latest = Customer.history.filter(id=cid).order_by("-history_id").first()
    assert latest is not None and latest.history_change_reason == "客户换号"

    resp = api(
        "account_manager", "patch", f"/customers/{cid}", {"tags": ["车队"], "birthday_is_lunar": False}
    )
    assert resp.status_code == 200
    assert resp.json()["tags"] == ["车队"] and resp.json()["birthday_is_lunar"] is False

    resp = api("general_manager", "delete", f"/customers/{cid}", {"reason": "重复建档"})
    assert resp.status_code == 204
    assert resp.content == b""
    assert api("general_manager", "get", f"/customers/{cid}").status_code == 404
    assert api("account_manager", "get", "/customers").json()["count"] == 0
    assert Customer.objects.get(pk=cid).deleted_at is not None  # soft delete


def test_create_company(api: Call) -> None:
    resp = api(
        "cs_agent", "post", "/customers", {"kind": "company", "name": "某运输公司", "uscc": USCC.lower()}
    )
    assert resp.status_code == 201, resp.json()
    data = resp.json()
    assert data["kind"] == "company" and data["uscc"] == USCC and data["id_number"] == ""
    assert data["archive_no"].startswith("KDC-")
    assert data["owner"] == "cs_agent"  # defaults to the caller


def test_create_with_owner_by_username(api: Call) -> None:
    resp = api("cs_agent", "post", "/customers", {"name": "李四", "owner": "account_manager"})
    assert resp.status_code == 201, resp.json()
    assert resp.json()["owner"] == "account_manager"
    # visible to her account manager
    assert api("account_manager", "get", f"/customers/{resp.json()['id']}").status_code == 200


def test_archive_numbers_are_distinct_and_read_only(api: Call) -> None:
    a = api("account_manager", "post", "/customers", {"name": "甲"}).json()
    b = api("account_manager", "post", "/customers", {"name": "乙"}).json()
    assert a["archive_no"] and b["archive_no"] and a["archive_no"] != b["archive_no"]

    before = snapshot()
    resp = api("account_manager", "post", "/customers", {"name": "丙", "archive_no": "KDP-2020-000001"})
    assert resp.status_code == 422
    assert set(resp.json()["errors"]) == {"archive_no"}
    assert snapshot() == before

    resp = api("account_manager", "patch", f"/customers/{a['id']}", {"archive_no": "KDP-2020-000001"})
    assert resp.status_code == 422
    assert set(resp.json()["errors"]) == {"archive_no"}
    assert snapshot() == before
    assert api("account_manager", "get", f"/customers/{a['id']}").json()["archive_no"] == a["archive_no"]


def test_patch_changes_only_sent_fields(api: Call, make_customer: Callable[..., Customer]) -> None:
    c = make_customer(tier="B", address="上海", tags=["甲"])
    original = api("account_manager", "get", f"/customers/{c.pk}").json()
    resp = api("account_manager", "patch", f"/customers/{c.pk}", {"tier": "VIP"})
    assert resp.status_code == 200
    changed = resp.json()
    assert changed["tier"] == "VIP"
    for key in ("name", "phone", "address", "tags", "owner", "archive_no", "birthday"):
        assert changed[key] == original[key], key


def test_patch_nothing_changed_writes_nothing(api: Call, make_customer: Callable[..., Customer]) -> None:
    c = make_customer()
    before = snapshot()
    resp = api("account_manager", "patch", f"/customers/{c.pk}", {"name": c.name})
    assert resp.status_code == 200
    assert snapshot() == before


def test_patch_null_clears_a_text_field(api: Call, make_customer: Callable[..., Customer]) -> None:
    c = make_customer(address="北京")
    resp = api("account_manager", "patch", f"/customers/{c.pk}", {"address": None, "birthday": None})
    assert resp.status_code == 200, resp.json()
    assert resp.json()["address"] == "" and resp.json()["birthday"] is None


# ---------------------------------------------------------------- bad input

BAD_CUSTOMER_FIELDS = [
    pytest.param({"name": ""}, "name", id="name-empty"),
    pytest.param({"name": "   "}, "name", id="name-blank"),
    pytest.param({"name": "名" * 101}, "name", id="name-too-long"),
    pytest.param({"phone": "12345"}, "phone", id="phone"),
    pytest.param({"phone": "010-12345678转123"}, "phone", id="phone-extension"),
    pytest.param({"phone2": "abc"}, "phone2", id="phone2"),
    pytest.param({"id_number": "110105194912310021"}, "id_number", id="id-checksum"),
    pytest.param({"id_number": "110105194902300023"}, "id_number", id="id-impossible-date"),
    pytest.param({"id_number": "11010519491231"}, "id_number", id="id-length"),
    pytest.param({"kind": "company", "uscc": USCC[:-1] + "1"}, "uscc", id="uscc-checksum"),
    pytest.param({"kind": "company", "uscc": "91110108MA01C2D4"}, "uscc", id="uscc-length"),
    pytest.param({"uscc": USCC}, "uscc", id="uscc-on-person"),
    pytest.param({"kind": "company", "id_number": ID_NUMBER}, "id_number", id="id-on-company"),
    pytest.param({"birthday": "not-a-date"}, "birthday", id="birthday-not-a-date"),
    pytest.param({"birthday": "2026-13-01"}, "birthday", id="birthday-month-13"),
    pytest.param({"birthday": "1990-02-30"}, "birthday", id="birthday-feb-30"),
    pytest.param({"birthday": "1990/01/01"}, "birthday", id="birthday-slashes"),
    pytest.param({"birthday": 0}, "birthday", id="birthday-timestamp"),
    pytest.param({"birthday": "2999-01-01"}, "birthday", id="birthday-future"),
    pytest.param({"id_number": ID_NUMBER, "birthday": "1950-01-01"}, "birthday", id="birthday-vs-id"),
    pytest.param({"since": "2026-13-01"}, "since", id="since-month-13"),
    pytest.param({"kind": "robot"}, "kind", id="kind"),
    pytest.param({"kind": None}, "kind", id="kind-null"),
    pytest.param({"tier": "Z"}, "tier", id="tier"),
    pytest.param({"owner": "nobody"}, "owner", id="owner-unknown"),
    pytest.param({"gender": "X"}, "gender", id="gender"),
    pytest.param({"email": "not-an-email"}, "email", id="email"),
    pytest.param({"tags": "老客户"}, "tags", id="tags-not-a-list"),
    pytest.param({"tags": ["标" * 31]}, "tags", id="tags-too-long"),
    pytest.param({"birthday_is_lunar": "maybe"}, "birthday_is_lunar", id="lunar-not-bool"),
    pytest.param({"phone": 13812345678}, "phone", id="phone-not-a-string"),
    pytest.param({"archive_no": "KDP-2020-000001"}, "archive_no", id="archive_no-read-only"),
    pytest.param({"created_at": "2020-01-01"}, "created_at", id="unknown-field"),
]


@pytest.mark.parametrize(("fields", "bad"), BAD_CUSTOMER_FIELDS)
def test_create_bad_field_422_and_nothing_written(
    api: Call, users: dict[str, User], fields: dict[str, Any], bad: str
) -> None:
    before = snapshot()
    resp = api("account_manager", "post", "/customers", {"name": "王五", "phone": "13812345678", **fields})
    assert resp.status_code == 422, resp.json()
    body = resp.json()
    assert set(body["errors"]) == {bad}, body
    for err in body["errors"][bad]:
        assert err["code"] and err["message"]
    assert body["detail"]
    assert snapshot() == before


@pytest.mark.parametrize(("fields", "bad"), BAD_CUSTOMER_FIELDS)
def test_patch_bad_field_422_and_nothing_written(
    api: Call, make_customer: Callable[..., Customer], fields: dict[str, Any], bad: str
) -> None:
    c = make_customer()
    before = snapshot()
    resp = api("account_manager", "patch", f"/customers/{c.pk}", {"address": "新地址", **fields})
    assert resp.status_code == 422, resp.json()
    assert set(resp.json()["errors"]) == {bad}, resp.json()
    assert snapshot() == before


def test_several_bad_fields_named_together(api: Call) -> None:
    before = snapshot()
    resp = api(
        "account_manager", "post", "/customers", {"name": "", "phone": "1", "tier": "Z", "gender": "Q"}
    )
    assert resp.status_code == 422
    assert set(resp.json()["errors"]) == {"name", "phone", "tier", "gender"}
    assert snapshot() == before


def test_error_body_is_machine_readable(api: Call) -> None:
    resp = api("account_manager", "post", "/customers", {"name": "赵六", "id_number": "110105194912310021"})
    assert resp.json()["errors"]["id_number"] == [
        {"code": "id_number_checksum", "message": "身份证号校验码错误，应为 X"}
    ]


def test_malformed_json_is_refused(api: Call, client: Client) -> None:
    before = snapshot()
    token = token_issue(username="account_manager", password=PASSWORD)
    resp = client.post(
        "/api/v1/customers",
        "{not json",
        content_type="application/json",
        headers={"Authorization": f"Bearer {token}"},
    )
    assert resp.status_code in (400, 422)
    assert snapshot() == before


# ---------------------------------------------------------------- delete


def test_delete_reason_in_query(api: Call, make_customer: Callable[..., Customer]) -> None:
    c = make_customer()
    assert api("sales_manager", "delete", f"/customers/{c.pk}?reason=测试数据").status_code == 204
    assert Customer.objects.get(pk=c.pk).deleted_at is not None


def test_delete_without_reason_422(api: Call, make_customer: Callable[..., Customer]) -> None:
    c = make_customer()
    before = snapshot()
    resp = api("general_manager", "delete", f"/customers/{c.pk}")
    assert resp.status_code == 422
    assert set(resp.json()["errors"]) == {"reason"}
    resp = api("general_manager", "delete", f"/customers/{c.pk}", {"reason": "  "})
    assert resp.status_code == 422
    assert snapshot() == before


def test_delete_needs_a_manager(api: Call, make_customer: Callable[..., Customer]) -> None:
    c = make_customer()
    before = snapshot()
    for who in ("account_manager", "cs_agent", "auditor"):
        resp = api(who, "delete", f"/customers/{c.pk}", {"reason": "不要了"})
        assert resp.status_code == 403, who
    assert snapshot() == before


# ---------------------------------------------------------------- list


def test_list_pagination_and_count(api: Call, make_customer: Callable[..., Customer]) -> None:
    made = [make_customer() for _ in range(7)]
    resp = api("account_manager", "get", "/customers?page_size=3")
    assert resp.status_code == 200
    data = resp.json()
    assert data["count"] == 7 and len(data["items"]) == 3
    ids = [item["id"] for item in data["items"]]
    ids += [
        item["id"] for item in api("account_manager", "get", "/customers?page_size=3&page=2").json()["items"]
    ]
    ids += [
        item["id"] for item in api("account_manager", "get", "/customers?page_size=3&page=3").json()["items"]
    ]
    assert ids == [c.pk for c in reversed(made)]  # newest first, no gaps or repeats
    assert api("account_manager", "get", "/customers?page=9").json() == {
        "items": [],
        "count": 7,
        "count_exact": True,
        "next": None,
        "prev": None,
    }


def test_list_default_page_size_50(api: Call, make_customer: Callable[..., Customer]) -> None:
    for _ in range(51):
        make_customer()
    data = api("account_manager", "get", "/customers").json()
    assert data["count"] == 51 and len(data["items"]) == 50
    assert len(api("account_manager", "get", "/customers?page_size=200").json()["items"]) == 51


@pytest.mark.parametrize("query", ["page=0", "page=-1", "page=x", "page_size=0", "page_size=201"])
def test_list_bad_paging_422(api: Call, query: str) -> None:
    resp = api("account_manager", "get", f"/customers?{query}")
    assert resp.status_code == 422
    assert set(resp.json()["errors"]) == {query.split("=")[0]}


def test_list_filters(api: Call, users: dict[str, User], make_customer: Callable[..., Customer]) -> None:
    a = make_customer(name="北京甲公司", kind="company", tier="VIP", tags=["车队"])
    b = make_customer(name="张三", tier="A", owner=users["am2"])
    c = make_customer(name="李四", phone="13900001111", tags=["车队", "老客户"])

    def ids(query: str) -> set[int]:
        resp = api("cs_agent", "get", f"/customers?{query}")
        assert resp.status_code == 200
        assert resp.json()["count"] == len(resp.json()["items"])
        return {item["id"] for item in resp.json()["items"]}

    assert ids("") == {a.pk, b.pk, c.pk}
    assert ids("owner=am2") == {b.pk}
    assert ids("owner=account_manager") == {a.pk, c.pk}
    assert ids("tier=VIP") == {a.pk}
    assert ids("tag=车队") == {a.pk, c.pk}
    assert ids("kind=company") == {a.pk}
    assert ids("kind=person") == {b.pk, c.pk}
    assert ids("q=张三") == {b.pk}
    assert ids("q=00001111") == {c.pk}
    assert ids(f"q={a.archive_no}") == {a.pk}
    assert ids("q=车队&tier=A") == set()


def test_list_item_fields(api: Call, make_customer: Callable[..., Customer]) -> None:
    c = make_customer(tags=["车队"], tier="B", id_number=ID_NUMBER)
    first = vehicle_create(
        actor=c.owner, customer_id=c.pk, vin=VIN, plate="京A12345", delivery_date=dt.date(2020, 1, 1)
    )
    second = vehicle_create(
        actor=c.owner, customer_id=c.pk, vin=make_vin(1), delivery_date=dt.date(2024, 1, 1)
    )
    item = api("account_manager", "get", "/customers").json()["items"][0]
    detail = api("account_manager", "get", f"/customers/{c.pk}").json()
    assert item == detail
    assert item["vehicles"] == [first.pk, second.pk]
    assert item["tags"] == ["车队"]
    assert item["owner"] == "account_manager"
    spec_fields = "id kind name phone id_number uscc gender birthday birthday_is_lunar address owner tier tags archive_no"
    assert set(spec_fields.split()) <= set(item)


# ---------------------------------------------------------------- visibility and permissions


def _not_found_body(api: Call, who: str, method: str, path: str, body: Any = None) -> tuple[int, Any]:
    resp = api(who, method, path, body)
    return resp.status_code, resp.json()


@pytest.mark.parametrize(
    ("method", "body"),
    [("get", None), ("patch", {"name": "改名"}), ("patch", {}), ("delete", {"reason": "不要了"})],
)
def test_other_managers_customer_is_404_like_missing(
    api: Call, users: dict[str, User], make_customer: Callable[..., Customer], method: str, body: Any
) -> None:
    c = make_customer(owner=users["account_manager"])
    before = snapshot()
    hidden = _not_found_body(api, "am2", method, f"/customers/{c.pk}", body)
    missing = _not_found_body(api, "am2", method, "/customers/999999", body)
    assert hidden[0] == 404
    assert hidden == missing
    assert snapshot() == before


def test_delete_by_manager_outside_scope_is_404(
    api: Call, users: dict[str, User], make_customer: Callable[..., Customer]
) -> None:
    """am2 is not a manager, but visibility is checked first: 404, not 403, for what she cannot see."""
    c = make_customer()
    assert api("am2", "delete", f"/customers/{c.pk}", {"reason": "x"}).status_code == 404


def test_deleted_customer_is_404(api: Call, make_customer: Callable[..., Customer]) -> None:
    c = make_customer()
    api("general_manager", "delete", f"/customers/{c.pk}", {"reason": "重复"})
    gone = _not_found_body(api, "general_manager", "get", f"/customers/{c.pk}")
    assert gone == _not_found_body(api, "general_manager", "get", "/customers/999999")
    assert api("general_manager", "patch", f"/customers/{c.pk}", {"name": "复活"}).status_code == 404


def test_account_manager_list_has_only_her_rows(
    api: Call, users: dict[str, User], make_customer: Callable[..., Customer]
) -> None:
    mine = {make_customer(owner=users["account_manager"]).pk for _ in range(3)}
    theirs = {make_customer(owner=users["am2"]).pk for _ in range(2)}
    other = {make_customer(owner=users["cs_agent"]).pk}

    def ids(who: str, query: str = "") -> set[int]:
        data = api(who, "get", f"/customers?page_size=200{query}").json()
        assert data["count"] == len(data["items"])
        return {item["id"] for item in data["items"]}

    assert ids("account_manager") == mine
    assert ids("am2") == theirs
    assert ids("account_manager", "&owner=am2") == set()
    assert ids("am2", "&q=测试客户") == theirs
    for who in ("cs_agent", "general_manager", "auditor"):
        assert ids(who) == mine | theirs | other, who


def test_auditor_reads_but_cannot_write(api: Call, make_customer: Callable[..., Customer]) -> None:
    c = make_customer()
    assert api("auditor", "get", f"/customers/{c.pk}").status_code == 200
    before = snapshot()
    resp = api("auditor", "patch", f"/customers/{c.pk}", {"name": "审计改名"})
    assert resp.status_code == 403
    assert resp.json()["detail"]
    assert api("auditor", "post", "/customers", {"name": "审计建档"}).status_code == 403
    assert snapshot() == before


def test_account_manager_cannot_give_customers_away(
    api: Call, users: dict[str, User], make_customer: Callable[..., Customer]
) -> None:
    c = make_customer(owner=users["account_manager"])
    before = snapshot()
    resp = api("account_manager", "patch", f"/customers/{c.pk}", {"owner": "am2"})
    assert resp.status_code == 422
    assert set(resp.json()["errors"]) == {"owner"}
    resp = api("account_manager", "post", "/customers", {"name": "给别人建", "owner": "am2"})
    assert resp.status_code == 422
    assert set(resp.json()["errors"]) == {"owner"}
    assert snapshot() == before


def test_manager_reassigns_owner(
    api: Call, users: dict[str, User], make_customer: Callable[..., Customer]
) -> None:
    c = make_customer(owner=users["account_manager"])
    resp = api("general_manager", "patch", f"/customers/{c.pk}", {"owner": "am2", "reason": "离职交接"})
    assert resp.status_code == 200, resp.json()
    assert resp.json()["owner"] == "am2"
    assert api("account_manager", "get", f"/customers/{c.pk}").status_code == 404
    assert api("am2", "get", f"/customers/{c.pk}").status_code == 200


# ---------------------------------------------------------------- query count


def _seed(make_customer: Callable[..., Customer], users: dict[str, User], start: int, n: int) -> None:
    for i in range(start, start + n):
        c = make_customer(tags=[f"标签{i % 3}", "通用"], tier="A", birthday=dt.date(1980, 1, 1))
        vehicle_create(
            actor=users["account_manager"], customer_id=c.pk, vin=make_vin(2 * i), plate="京A12345"
        )
        vehicle_create(actor=users["account_manager"], customer_id=c.pk, vin=make_vin(2 * i + 1))


@pytest.mark.parametrize("who", ["account_manager", "general_manager"])
def test_list_query_count_does_not_grow(
    api: Call,
    users: dict[str, User],
    make_customer: Callable[..., Customer],
    django_assert_max_num_queries: Any,
    who: str,
) -> None:
    _seed(make_customer, users, 0, 5)
    api(who, "get", "/customers")  # warm up: the token's first use records last_used_at

    with CaptureQueriesContext(connection) as five:
        resp = api(who, "get", "/customers")
    assert resp.json()["count"] == 5

    _seed(make_customer, users, 5, 15)
    # + the access-log row of the bulk read: head, insert, head (R-G6, #13)
    with django_assert_max_num_queries(10 + 3), CaptureQueriesContext(connection) as twenty:
        resp = api(who, "get", "/customers")
    data = resp.json()
    assert data["count"] == 20 and len(data["items"]) == 20
    assert all(len(item["vehicles"]) == 2 and len(item["tags"]) == 2 for item in data["items"])
    assert len(twenty.captured_queries) == len(five.captured_queries)

    with CaptureQueriesContext(connection) as filtered:
        resp = api(who, "get", "/customers?tag=通用&tier=A&q=测试&kind=person&owner=account_manager")
    assert resp.json()["count"] == 20
    # the text filter adds a fixed number of search-index lookups, never one per row
    assert len(filtered.captured_queries) <= len(five.captured_queries) + 6


def test_detail_query_count_is_small(
    api: Call,
    users: dict[str, User],
    make_customer: Callable[..., Customer],
    django_assert_max_num_queries: Any,
) -> None:
    _seed(make_customer, users, 0, 1)
    cid = Customer.objects.get().pk
    api("account_manager", "get", f"/customers/{cid}")
    with django_assert_max_num_queries(8 + 3):  # + the access-log row: head, insert, head (R-G6)
        assert api("account_manager", "get", f"/customers/{cid}").status_code == 200
