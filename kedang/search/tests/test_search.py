"""Search (R-S1, R-S2, R-G2): every key kind finds its customer first among similar decoys,
spellings normalise, visibility holds, the index follows every write. Runs on SQLite and PostgreSQL."""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kedang.accounts.models import User
from kedang.customers import demo, services
from kedang.customers.models import Customer, Vehicle
from kedang.search.index import rebuild
from kedang.search.selectors import find, search_customers

SEPARATORS = ["", " ", "·", "-", " · ", "•"]


def _decoys(users: dict[str, User], n: int = 1000) -> None:
    """n customers that look like the target: same surnames, same provinces, same VIN makers."""
    rng = random.Random(7)
    owners = [users["account_manager"], users["am2"]]
    given_names = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英"
    customers = [
        Customer(
            archive_no=f"KDP-2020-{i:06d}",
            name=rng.choice("张王李赵曾单")
            + "".join(rng.choice(given_names) for _ in range(rng.choice((1, 2)))),
            phone_norm=f"13{rng.randint(0, 9)}{rng.randint(0, 99999999):08d}",
            id_number=demo.valid_id_number(rng),
            address=f"北京市朝阳区建国路{rng.randint(1, 300)}号",
            owner=owners[i % 2],
        )
        for i in range(n)
    ]
    for c in customers:
        c.phone = c.phone_norm
    Customer.objects.bulk_create(customers, batch_size=500)
    saved = list(Customer.objects.filter(archive_no__startswith="KDP-2020-"))
    Vehicle.objects.bulk_create(
        [Vehicle(customer=c, vin=demo.valid_vin(rng, wmi="LSV"), plate=demo.plate(rng, "京")) for c in saved],
        batch_size=500,
    )
    rebuild()


@pytest.fixture
def world(users: dict[str, User]) -> dict[str, Any]:
    _decoys(users)
    am = users["account_manager"]
    target = services.customer_create(
        actor=am,
        name="张三",
        phone="13812345678",
        phone2="010-87654321",
        id_number="11010519491231002X",
        address="北京市海淀区中关村南大街27号",
    )
    vehicle = services.vehicle_create(
        actor=am, customer_id=target.pk, vin="1M8GDM9AXKP042788", plate="京A12345"
    )
    zeng = services.customer_create(actor=am, name="曾小贤", phone="13900001111")
    wang = services.customer_create(actor=am, name="王芳", phone="13900002222")
    company = services.customer_create(
        actor=am, kind="company", name="深圳市诺依曼软件有限公司", uscc="91110000600037341L"
    )
    return {"target": target, "vehicle": vehicle, "zeng": zeng, "wang": wang, "company": company}


KEY_QUERIES: list[tuple[str, str]] = [
    ("target", "张三"),
    ("target", "zhangsan"),
    ("target", "zhangs"),
    ("target", "13812345678"),
    ("target", "138 1234 5678"),
    ("target", "+86 138-1234-5678"),
    ("target", "12345678"),  # a fragment of the mobile
    ("target", "5678"),
    ("target", "010-87654321"),
    ("target", "87654321"),  # landline without area code
    ("target", "京A12345"),
    ("target", "京A·12345"),
    ("target", "京a 12345"),
    ("target", "1M8GDM9AXKP042788"),
    ("target", "P042788"),  # last 7 of the VIN
    ("target", "042788"),
    ("target", "11010519491231002X"),
    ("target", "002x"),  # last 4 of the ID number
    ("target", "中关村南大街"),  # address fragment
    ("zeng", "zengxiaoxian"),  # polyphonic surname, either reading
    ("zeng", "cengxiaoxian"),
    ("zeng", "zxx"),
    ("wang", "王芳"),  # a 2-character name
    ("company", "诺依曼"),  # company name fragment
    ("company", "91110000600037341L"),
]


def test_each_key_finds_its_customer_first_among_1000_decoys(
    world: dict[str, Any], users: dict[str, User]
) -> None:
    wrong = {}
    for who, query in KEY_QUERIES:  # as a role that sees ID numbers in clear (R-G7)
        hits = search_customers(users["cs_manager"], query, limit=5)
        if not hits or hits[0].customer.pk != world[who].pk:
            wrong[query] = [(h.customer.name, h.matched, h.tier) for h in hits]
    assert wrong == {}


def test_archive_number_in_any_case(world: dict[str, Any], users: dict[str, User]) -> None:
    archive_no = world["target"].archive_no
    for q in (archive_no, archive_no.lower(), archive_no.replace("-", "")):
        assert find(users["cs_agent"], q)[0].customer_id == world["target"].pk


def test_ranking_exact_before_prefix_before_fragment(world: dict[str, Any], users: dict[str, User]) -> None:
    am = users["account_manager"]
    longer = services.customer_create(actor=am, name="张三丰")
    fragment = services.customer_create(actor=am, name="小张三")
    hits = find(users["cs_agent"], "张三", limit=50)
    order = [h.customer_id for h in hits]
    assert order.index(world["target"].pk) < order.index(longer.pk) < order.index(fragment.pk)
    assert [h.tier for h in hits] == sorted(h.tier for h in hits)


def test_matched_field_is_reported(world: dict[str, Any], users: dict[str, User]) -> None:
    hit = search_customers(users["cs_agent"], "京A·12345")[0]
    assert (hit.matched, hit.matched_value) == ("车牌", "京A12345")
    hit = search_customers(users["cs_agent"], "042788")[0]
    assert (hit.matched, hit.matched_value) == ("车架号", "1M8GDM9AXKP042788")
    hit = search_customers(users["cs_agent"], "中关村南大街")[0]
    assert hit.matched == "地址"


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    sep=st.sampled_from(SEPARATORS),
    lower=st.booleans(),
    prefix=st.sampled_from(["", "+86", "+86 ", "0086"]),
    split=st.integers(1, 6),
)
def test_any_spelling_of_plate_and_phone_finds_the_same_row(
    plate_world: dict[str, Any], users: dict[str, User], sep: str, lower: bool, prefix: str, split: int
) -> None:
    plate = "京A" + sep + "12345"[:split] + sep + "12345"[split:]
    plate = plate.lower() if lower else plate
    phone = prefix + "138" + sep + "1234" + sep + "5678"
    for q in (plate, phone):
        assert find(users["cs_agent"], q)[0].customer_id == plate_world["target"].pk, q


@pytest.fixture
def plate_world(users: dict[str, User]) -> dict[str, Any]:
    am = users["account_manager"]
    services.customer_create(actor=am, name="李四", phone="13812340000")
    target = services.customer_create(actor=am, name="张三", phone="13812345678")
    services.vehicle_create(actor=am, customer_id=target.pk, vin="1M8GDM9AXKP042788", plate="京A12345")
    return {"target": target}


def test_account_manager_never_finds_anothers_customer(world: dict[str, Any], users: dict[str, User]) -> None:
    theirs = world["target"]  # owned by account_manager
    for q in (
        "张三",
        "13812345678",
        "5678",
        "京A12345",
        "042788",
        "002X",
        "zhangsan",
        theirs.archive_no,
        "中关村",
    ):
        assert theirs.pk not in [m.customer_id for m in find(users["am2"], q, limit=100)], q
    own = find(users["account_manager"], "13812345678")
    assert own[0].customer_id == theirs.pk
    # decoys of am2 are found by am2, never those of account_manager
    seen = {m.customer_id for m in find(users["am2"], "张", limit=100)}
    assert seen and Customer.objects.filter(pk__in=seen).exclude(owner=users["am2"]).count() == 0


def test_department_scope_finds_its_departments_customers_only(
    world: dict[str, Any], users: dict[str, User]
) -> None:
    """A department scope joins the owners in the index lookups (keys and fragments alike)."""
    from kedang.accounts.models import RoleSetting
    from kedang.accounts.roles import Scope

    RoleSetting.objects.filter(group__name="sales_manager").update(scope=Scope.DEPARTMENT)
    manager = User.objects.get(pk=users["sales_manager"].pk)  # 销售一部, as account_manager; am2 is not
    for q in ("张", "zhang", "北京市朝阳区", "5678", "002X", "京A"):
        ids = [m.customer_id for m in find(manager, q, limit=100)]
        owners = set(Customer.objects.filter(pk__in=ids).values_list("owner__username", flat=True))
        assert owners == {"account_manager"}, (q, owners)
    assert find(manager, "13812345678")[0].customer_id == world["target"].pk


def test_index_follows_create_edit_delete_and_rebuild(
    users: dict[str, User], make_customer: Callable[..., Any]
) -> None:
    cs = users["cs_agent"]
    c = make_customer(name="赵六", phone="13911112222")
    assert find(cs, "13911112222")[0].customer_id == c.pk
    services.customer_update(actor=cs, customer_id=c.pk, phone="13933334444", name="赵六六")
    assert find(cs, "13911112222") == []
    assert find(cs, "13933334444")[0].customer_id == c.pk
    assert find(cs, "zhaoliuliu")[0].customer_id == c.pk
    v = services.vehicle_create(actor=cs, customer_id=c.pk, vin="1M8GDM9AXKP042788", plate="沪B88888")
    assert find(cs, "沪B88888")[0].customer_id == c.pk
    services.vehicle_update(actor=cs, vehicle_id=v.pk, plate="沪B66666")
    assert find(cs, "沪B88888") == [] and find(cs, "沪B66666")[0].customer_id == c.pk
    services.contact_add(actor=cs, customer_id=c.pk, name="赵太太", phone="13755556666")
    assert find(cs, "13755556666")[0].customer_id == c.pk

    queries = ["赵六六", "13933334444", "沪B66666", "042788", "zll", "3755"]
    before = [find(cs, q) for q in queries]
    rebuild()
    assert [find(cs, q) for q in queries] == before

    services.customer_delete(actor=users["general_manager"], customer_id=c.pk, reason="测试")
    assert all(find(cs, q) == [] for q in queries)


def test_search_api_obeys_visibility(world: dict[str, Any], users: dict[str, User], client: Client) -> None:
    from conftest import PASSWORD
    from kedang.accounts.services import token_issue

    def get(who: str, q: str) -> Any:
        token = token_issue(username=who, password=PASSWORD)
        return client.get("/api/v1/search", {"q": q}, HTTP_AUTHORIZATION=f"Bearer {token}")

    response = get("cs_agent", "京A·12345")
    assert response.status_code == 200
    first = response.json()["items"][0]
    assert (first["id"], first["matched"], first["archive_no"]) == (
        world["target"].pk,
        "车牌",
        world["target"].archive_no,
    )
    assert get("am2", "京A12345").json()["items"] == []
    assert get("cs_agent", "").status_code == 422


def test_suggest_dropdown_marks_the_match(world: dict[str, Any], login: Callable[[str], Client]) -> None:
    body = login("cs_agent").get(reverse("search_suggest"), {"q": "12345"}).content.decode()
    assert "<mark>12345</mark>" in body and world["target"].name in body


def test_customer_list_text_filter_combines_with_structured_filters(
    world: dict[str, Any], users: dict[str, User], login: Callable[[str], Client]
) -> None:
    client = login("general_manager")
    rows = client.get(reverse("customer_list"), {"q": "京A12345"}).context["page"].object_list
    assert [c.pk for c in rows][:1] == [world["target"].pk]
    rows = client.get(reverse("customer_list"), {"q": "京A12345", "owner": "am2"}).context["page"].object_list
    assert world["target"].pk not in [c.pk for c in rows]


def test_masked_roles_search_only_the_part_of_an_id_number_they_see(
    world: dict[str, Any], users: dict[str, User]
) -> None:
    """cs_agent sees 110105**********002X: the last 4 find her, the masked part does not (R-S1, R-G7)."""
    target = world["target"].pk

    def first(role: str, query: str) -> int | None:
        hits = search_customers(users[role], query, limit=5)
        return hits[0].customer.pk if hits else None

    assert first("cs_agent", "002X") == target
    for query in ("11010519491231002X", "1231002X", "491231002X"):
        assert first("cs_agent", query) != target, query
        assert first("cs_manager", query) == target, query


def test_a_long_id_suffix_is_checked_beyond_the_indexed_tail(
    make_customer: Callable[..., Any], users: dict[str, User]
) -> None:
    """The index keeps 8 characters of the tail: two numbers with the same last 8 are told apart by a longer
    suffix after decryption."""
    a = make_customer(name="甲", id_number="11010519491231002X")
    b = make_customer(name="乙", id_number="11010519301231002X")  # same last 8, other year
    for query, expected in (("1231002X", {a.pk, b.pk}), ("91231002X", {a.pk}), ("301231002X", {b.pk})):
        found = {h.customer.pk for h in search_customers(users["cs_manager"], query, limit=10)}
        assert found == expected, query


def test_the_index_holds_no_id_number_in_clear(world: dict[str, Any]) -> None:
    from kedang.search.models import SearchDoc, SearchKey

    assert not SearchKey.objects.filter(key__contains="0519491231").exists()
    assert not SearchDoc.objects.filter(text__contains="0519491231").exists()
    assert SearchKey.objects.filter(kind="idr", key="X2001321").exists()  # the reversed last 8
