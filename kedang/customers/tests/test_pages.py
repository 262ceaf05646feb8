"""The customer pages: visibility (R-G2), forms with inline errors, the archive page, query counts."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from kedang.accounts.models import User
from kedang.customers import services
from kedang.customers.models import ChecklistItem, Customer, Vehicle

VIN = "1M8GDM9AXKP042788"
PDF = b"%PDF-1.4\n%%EOF\n"


@pytest.fixture
def others_customer(users: dict[str, User], make_customer: Callable[..., Any]) -> Customer:
    c = make_customer(owner=users["account_manager"], name="别人的客户")
    services.vehicle_create(actor=users["account_manager"], customer_id=c.pk, vin=VIN, plate="京A12345")
    services.document_add(
        actor=users["account_manager"],
        customer_id=c.pk,
        file_type_code="C1",
        title="登记表",
        upload=SimpleUploadedFile("a.pdf", PDF),
    )
    return c


def _urls(c: Customer) -> list[tuple[str, str]]:
    v = c.vehicles.get()
    att = c.records.filter(attachments__isnull=False).first().attachments.get()  # type: ignore[union-attr]
    return [
        ("get", reverse("customer_detail", args=[c.pk])),
        ("get", reverse("customer_detail", args=[c.pk]) + "?tab=files"),
        ("get", reverse("customer_detail", args=[c.pk]) + "?tab=timeline"),
        ("get", reverse("customer_edit", args=[c.pk])),
        ("post", reverse("customer_edit", args=[c.pk])),
        ("get", reverse("vehicle_create", args=[c.pk])),
        ("post", reverse("vehicle_create", args=[c.pk])),
        ("get", reverse("vehicle_edit", args=[v.pk])),
        ("post", reverse("vehicle_edit", args=[v.pk])),
        ("post", reverse("document_upload", args=[c.pk])),
        ("post", reverse("file_location", args=[c.pk])),
        ("post", reverse("note_add", args=[c.pk])),
        ("get", reverse("attachment_download", args=[att.pk])),
    ]


def test_account_manager_gets_404_on_every_page_of_anothers_customer(
    login: Callable[[str], Client], others_customer: Customer
) -> None:
    client = login("am2")
    for method, url in _urls(others_customer):
        response = getattr(client, method)(url, {"title": "x", "name": "x", "vin": VIN, "file_type": "C1"})
        assert response.status_code == 404, (method, url)
    others_customer.refresh_from_db()
    assert others_customer.name == "别人的客户"


def test_owner_and_service_roles_open_every_page(
    login: Callable[[str], Client], others_customer: Customer
) -> None:
    for who in ("account_manager", "cs_agent", "general_manager"):
        client = login(who)
        for method, url in _urls(others_customer):
            if method == "get":
                assert client.get(url).status_code == 200, (who, url)


def test_list_shows_only_own_customers_to_account_manager(
    login: Callable[[str], Client], users: dict[str, User], make_customer: Callable[..., Any]
) -> None:
    make_customer(owner=users["account_manager"], name="甲客户")
    make_customer(owner=users["am2"], name="乙客户")
    body = login("am2").get(reverse("customer_list")).content.decode()
    assert "乙客户" in body and "甲客户" not in body
    body = login("cs_agent").get(reverse("customer_list")).content.decode()
    assert "乙客户" in body and "甲客户" in body


def test_list_filters_by_text_tier_tag_and_owner(
    login: Callable[[str], Client], users: dict[str, User], make_customer: Callable[..., Any]
) -> None:
    make_customer(name="王芳", phone="13900001111", tier="A", tags=["车友会"])
    make_customer(owner=users["am2"], name="李雷", phone="13900002222", tier="B")
    client = login("general_manager")
    url = reverse("customer_list")

    def names(**params: str) -> set[str]:
        rows = client.get(url, params).context["page"].object_list
        return {c.name for c in rows}

    assert names(q="王芳") == {"王芳"}
    assert names(q="2222") == {"李雷"}
    assert names(tier="A") == {"王芳"}
    assert names(tag="车友会") == {"王芳"}
    assert names(owner="am2") == {"李雷"}


def test_create_form_shows_inline_errors_and_writes_nothing(login: Callable[[str], Client]) -> None:
    client = login("cs_agent")
    response = client.post(
        reverse("customer_create"),
        {
            "kind": "person",
            "name": "张三",
            "phone": "12345",
            "id_number": "110105194912310021",
            "owner": "cs_agent",
        },
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert set(form.errors) == {"phone", "id_number"}
    assert "校验码" in str(form.errors["id_number"])
    assert Customer.objects.count() == 0


def test_create_and_add_vehicle_through_the_pages(login: Callable[[str], Client]) -> None:
    client = login("cs_agent")
    response = client.post(
        reverse("customer_create"),
        {
            "kind": "person",
            "name": "张三",
            "phone": "138-1234-5678",
            "id_number": "11010519491231002X",
            "birthday": "1949年12月31日",
            "owner": "account_manager",
            "tags": "老客户，车友会",
        },
    )
    c = Customer.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("customer_detail", args=[c.pk])
    assert c.owner.username == "account_manager"
    assert sorted(c.tags.values_list("name", flat=True)) == ["老客户", "车友会"]
    response = client.post(
        reverse("vehicle_create", args=[c.pk]),
        {
            "vin": VIN,
            "plate": "京A 12345",
            "model": "帕萨特",
            "delivery_date": "2026/3/1",
            "invoice_date": "2026-02-28",
        },
    )
    assert response.status_code == 302
    v = Vehicle.objects.get()
    assert (v.plate, str(v.delivery_date)) == ("京A12345", "2026-03-01")
    page = client.get(reverse("customer_detail", args=[c.pk]) + "?tab=files").content.decode()
    assert c.archive_no in page and "购车合同" in page


def test_upload_through_the_page_marks_the_item_received(
    login: Callable[[str], Client], users: dict[str, User], make_customer: Callable[..., Any]
) -> None:
    c = make_customer()
    v = services.vehicle_create(actor=users["account_manager"], customer_id=c.pk, vin=VIN)
    item = ChecklistItem.objects.get(file_type__code="SALES", name="保险单")
    client = login("account_manager")
    response = client.post(
        reverse("document_upload", args=[c.pk]),
        {
            "file_type": "SALES",
            "vehicle": v.pk,
            "checklist_item": item.pk,
            "file": SimpleUploadedFile("保险单.pdf", PDF),
        },
    )
    assert response.status_code == 302
    page = client.get(reverse("customer_detail", args=[c.pk]) + "?tab=files")
    sales = next(f for f in page.context["files"] if f.file_type.code == "SALES")
    assert item not in sales.missing
    download = client.get(
        reverse("attachment_download", args=[c.records.get(checklist_item=item).attachments.get().pk])
    )
    assert download.status_code == 200
    assert download["Content-Disposition"].startswith("attachment")
    assert b"".join(download.streaming_content) == PDF  # type: ignore[attr-defined]


def test_auditor_can_read_but_not_edit(login: Callable[[str], Client], others_customer: Customer) -> None:
    client = login("auditor")
    assert client.get(reverse("customer_detail", args=[others_customer.pk])).status_code == 200
    assert client.get(reverse("customer_edit", args=[others_customer.pk])).status_code == 403
    assert client.get(reverse("customer_create")).status_code == 403


def test_pages_need_login(client: Client) -> None:
    for url in (reverse("home"), reverse("customer_list"), reverse("customer_create")):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("n", [3, 15])
def test_list_and_archive_page_queries_do_not_grow_with_rows(
    n: int,
    login: Callable[[str], Client],
    users: dict[str, User],
    make_customer: Callable[..., Any],
    django_assert_max_num_queries: Any,
) -> None:
    first = None
    for i in range(n):
        c = make_customer(tags=["车友会", "老客户"])
        services.vehicle_create(
            actor=users["account_manager"], customer_id=c.pk, vin=_vin(i), plate=f"京A1{i:04d}"
        )
        first = first or c
    client = login("cs_agent")
    log = 3  # the access-log row of the page: head, insert, head (R-G6)
    with django_assert_max_num_queries(14 + log):
        assert client.get(reverse("customer_list")).status_code == 200
    with django_assert_max_num_queries(20 + log):
        assert client.get(reverse("customer_detail", args=[first.pk]) + "?tab=files").status_code == 200  # type: ignore[union-attr]


def _vin(i: int) -> str:
    from kedang.customers.validators import vin_check_digit

    body = f"LSVAU2180N{i:07d}"
    return body[:8] + vin_check_digit(body[:8] + "0" + body[9:]) + body[9:]


def test_home_page_shows_recent_customers(
    login: Callable[[str], Client], make_customer: Callable[..., Any]
) -> None:
    make_customer(name="最近客户")
    body = login("account_manager").get(reverse("home")).content.decode()
    assert "最近客户" in body and "工作台" in body


@pytest.mark.parametrize(
    ("field", "value", "error"),
    [
        ("id_number", "110105194912310021", "校验码"),
        ("phone", "12345", ""),
        ("vin", "1M8GDM9AIKP042788", ""),
        ("plate", "京12345", ""),
    ],
)
def test_field_check_reports_the_error_as_the_user_leaves_the_field(
    login: Callable[[str], Client], field: str, value: str, error: str
) -> None:
    client = login("cs_agent")
    response = client.post(reverse("field_check", args=[field]), {field: value})
    assert response.status_code == 200
    body = response.content.decode()
    assert "errorlist" in body and error in body
    ok = {"id_number": "11010519491231002X", "phone": "13812345678", "vin": VIN, "plate": "京A12345"}[field]
    assert "errorlist" not in client.post(reverse("field_check", args=[field]), {field: ok}).content.decode()


def test_field_check_knows_only_its_fields(login: Callable[[str], Client]) -> None:
    assert login("cs_agent").post(reverse("field_check", args=["name"]), {"name": "x"}).status_code == 404
