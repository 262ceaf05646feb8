"""The vehicle endpoints of the REST API (SPEC §14): create, read, patch, bad input, visibility."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.db.models import Sum
from django.test import Client

from kedang.customers import validators as v
from kedang.customers.models import ArchiveFile, ArchiveSequence, Customer, Record, Vehicle
from kedang.customers.services import vehicle_create

pytestmark = pytest.mark.django_db

VIN = "1M8GDM9AXKP042788"
PLATE = "京A12345"
Call = Callable[..., Any]

VEHICLE_FIELDS = (
    "id customer_id vin plate model color delivery_date invoice_date via_secondary_dealer insurance_expiry "
    "inspection_due maintenance_cycle_months maintenance_due"
).split()


@pytest.fixture
def customer(make_customer: Callable[..., Customer]) -> Customer:
    return make_customer()  # owned by account_manager


def make_vin(n: int) -> str:
    body = f"LFV2A21K{0}D4{n:06d}"
    return body[:8] + v.vin_check_digit(body) + body[9:]


def snapshot() -> dict[str, Any]:
    return {
        "customers": list(Customer.objects.order_by("id").values()),
        "vehicles": list(Vehicle.objects.order_by("id").values()),
        "vehicle_history": Vehicle.history.count(),
        "records": Record.objects.count(),
        "files": ArchiveFile.objects.count(),
        "archive_seq": ArchiveSequence.objects.aggregate(s=Sum("last"))["s"],
    }


def test_make_vin_is_valid() -> None:
    assert v.validate_vin(VIN) == VIN
    for n in range(20):
        assert v.validate_vin(make_vin(n)) == make_vin(n)


# ---------------------------------------------------------------- round trip


def test_create_read_patch_vehicle(api: Call, customer: Customer) -> None:
    body = {
        "vin": VIN.lower(),
        "plate": "京a·12345",
        "model": " 解放J6 ",
        "color": "白",
        "delivery_date": "2024-03-01",
        "invoice_date": "2024-02-28",
        "via_secondary_dealer": True,
        "insurance_expiry": "2025-02-27",
        "inspection_due": "2025-03-01",
        "maintenance_cycle_months": 6,
        "maintenance_due": "2024-09-01",
    }
    resp = api("account_manager", "post", f"/customers/{customer.pk}/vehicles", body)
    assert resp.status_code == 201, resp.json()
    created = resp.json()
    assert set(VEHICLE_FIELDS) <= set(created)
    assert created["customer_id"] == customer.pk
    assert created["vin"] == VIN
    assert created["plate"] == PLATE
    assert created["model"] == "解放J6"
    assert created["delivery_date"] == "2024-03-01"
    assert created["via_secondary_dealer"] is True
    assert created["maintenance_cycle_months"] == 6
    vid = created["id"]
    # the vehicle's sales and repair files exist, and the timeline says so
    assert (
        ArchiveFile.objects.filter(vehicle_id=vid).count()
        == ArchiveFile.objects.filter(vehicle_id=vid, file_type__per_vehicle=True).count()
    )
    assert Record.objects.filter(vehicle_id=vid).exists()

    resp = api("account_manager", "get", f"/vehicles/{vid}")
    assert resp.status_code == 200
    assert resp.json() == created

    listed = api("account_manager", "get", f"/customers/{customer.pk}/vehicles").json()
    assert listed == {"items": [created], "count": 1}
    assert api("account_manager", "get", f"/customers/{customer.pk}").json()["vehicles"] == [vid]

    resp = api("account_manager", "patch", f"/vehicles/{vid}", {"plate": "粤B12345D", "reason": "换牌"})
    assert resp.status_code == 200, resp.json()
    patched = resp.json()
    assert patched["plate"] == "粤B12345D"
    assert {k: val for k, val in patched.items() if k != "plate"} == {
        k: val for k, val in created.items() if k != "plate"
    }
    latest = Vehicle.history.filter(id=vid).order_by("-history_id").first()
    assert latest is not None and latest.history_change_reason == "换牌"
    assert Record.objects.filter(vehicle_id=vid, body="换牌").exists()


def test_create_minimal_vehicle(api: Call, customer: Customer) -> None:
    resp = api("cs_agent", "post", f"/customers/{customer.pk}/vehicles", {"vin": VIN})
    assert resp.status_code == 201, resp.json()
    data = resp.json()
    assert data["plate"] == "" and data["delivery_date"] is None and data["via_secondary_dealer"] is False
    assert data["maintenance_cycle_months"] is None


def test_patch_clears_a_date(api: Call, customer: Customer) -> None:
    vehicle = vehicle_create(
        actor=customer.owner, customer_id=customer.pk, vin=VIN, insurance_expiry=dt.date(2025, 1, 1)
    )
    resp = api("account_manager", "patch", f"/vehicles/{vehicle.pk}", {"insurance_expiry": None})
    assert resp.status_code == 200, resp.json()
    assert resp.json()["insurance_expiry"] is None
    vehicle.refresh_from_db()
    assert vehicle.insurance_expiry is None


def test_customer_vehicle_list(api: Call, customer: Customer, make_customer: Callable[..., Customer]) -> None:
    ids = [
        vehicle_create(actor=customer.owner, customer_id=customer.pk, vin=make_vin(n)).pk for n in range(3)
    ]
    other = make_customer()
    vehicle_create(actor=other.owner, customer_id=other.pk, vin=make_vin(9))
    data = api("account_manager", "get", f"/customers/{customer.pk}/vehicles").json()
    assert data["count"] == 3
    assert sorted(item["id"] for item in data["items"]) == sorted(ids)
    assert {item["customer_id"] for item in data["items"]} == {customer.pk}


# ---------------------------------------------------------------- bad input

BAD_VEHICLE_FIELDS = [
    pytest.param({"vin": VIN[:8] + "1" + VIN[9:]}, "vin", id="vin-checksum"),
    pytest.param({"vin": "1M8GDM9AXKPO42788"}, "vin", id="vin-letter-O"),
    pytest.param({"vin": "1M8GDM9AXKPI42788"}, "vin", id="vin-letter-I"),
    pytest.param({"vin": "1M8GDM9AXKPQ42788"}, "vin", id="vin-letter-Q"),
    pytest.param({"vin": VIN[:-1]}, "vin", id="vin-16-chars"),
    pytest.param({"vin": ""}, "vin", id="vin-empty"),
    pytest.param({"vin": None}, "vin", id="vin-null"),
    pytest.param({"plate": "ABC123"}, "plate", id="plate-no-province"),
    pytest.param({"plate": "京I12345"}, "plate", id="plate-letter-I"),
    pytest.param({"plate": "京A1234"}, "plate", id="plate-short"),
    pytest.param({"delivery_date": "2026-13-01"}, "delivery_date", id="delivery-month-13"),
    pytest.param({"delivery_date": "not-a-date"}, "delivery_date", id="delivery-not-a-date"),
    pytest.param({"delivery_date": "2999-01-01"}, "delivery_date", id="delivery-far-future"),
    pytest.param({"invoice_date": "2024-02-30"}, "invoice_date", id="invoice-feb-30"),
    pytest.param(
        {"delivery_date": "2020-01-01", "invoice_date": "2022-01-01"},
        "invoice_date",
        id="invoice-after-delivery",
    ),
    pytest.param({"insurance_expiry": "2025/01/01"}, "insurance_expiry", id="insurance-slashes"),
    pytest.param({"inspection_due": 20250101}, "inspection_due", id="inspection-number"),
    pytest.param({"maintenance_due": "2025-01-01T00:00:00"}, "maintenance_due", id="maintenance-datetime"),
    pytest.param({"maintenance_cycle_months": 0}, "maintenance_cycle_months", id="cycle-zero"),
    pytest.param({"maintenance_cycle_months": 61}, "maintenance_cycle_months", id="cycle-too-long"),
    pytest.param({"maintenance_cycle_months": "six"}, "maintenance_cycle_months", id="cycle-not-int"),
    pytest.param({"via_secondary_dealer": "maybe"}, "via_secondary_dealer", id="dealer-not-bool"),
    pytest.param({"customer_id": 1}, "customer_id", id="customer_id-not-writable"),
    pytest.param({"owner": "am2"}, "owner", id="unknown-field"),
]


@pytest.mark.parametrize(("fields", "bad"), BAD_VEHICLE_FIELDS)
def test_create_bad_field_422_and_nothing_written(
    api: Call, customer: Customer, fields: dict[str, Any], bad: str
) -> None:
    before = snapshot()
    resp = api("account_manager", "post", f"/customers/{customer.pk}/vehicles", {"vin": VIN, **fields})
    assert resp.status_code == 422, resp.json()
    body = resp.json()
    assert set(body["errors"]) == {bad}, body
    assert all(err["code"] and err["message"] for err in body["errors"][bad])
    assert snapshot() == before


@pytest.mark.parametrize(("fields", "bad"), BAD_VEHICLE_FIELDS)
def test_patch_bad_field_422_and_nothing_written(
    api: Call, customer: Customer, fields: dict[str, Any], bad: str
) -> None:
    vehicle = vehicle_create(actor=customer.owner, customer_id=customer.pk, vin=make_vin(1), plate=PLATE)
    before = snapshot()
    resp = api("account_manager", "patch", f"/vehicles/{vehicle.pk}", {"model": "新车型", **fields})
    assert resp.status_code == 422, resp.json()
    assert set(resp.json()["errors"]) == {bad}, resp.json()
    assert snapshot() == before


def test_duplicate_vin_422(api: Call, customer: Customer, make_customer: Callable[..., Customer]) -> None:
    vehicle_create(actor=customer.owner, customer_id=customer.pk, vin=VIN)
    other = make_customer()
    before = snapshot()
    resp = api("account_manager", "post", f"/customers/{other.pk}/vehicles", {"vin": VIN.lower()})
    assert resp.status_code == 422
    assert resp.json()["errors"]["vin"][0]["code"] == "duplicate"
    assert set(resp.json()["errors"]) == {"vin"}
    second = vehicle_create(actor=customer.owner, customer_id=customer.pk, vin=make_vin(2))
    before = snapshot()
    resp = api("account_manager", "patch", f"/vehicles/{second.pk}", {"vin": VIN})
    assert resp.status_code == 422 and set(resp.json()["errors"]) == {"vin"}
    assert snapshot() == before


def test_vin_error_codes(api: Call, customer: Customer) -> None:
    path = f"/customers/{customer.pk}/vehicles"
    resp = api("account_manager", "post", path, {"vin": VIN[:8] + "1" + VIN[9:]})
    assert resp.json()["errors"]["vin"] == [
        {"code": "vin_checksum", "message": "车架号校验位（第9位）错误，应为 X"}
    ]
    resp = api("account_manager", "post", path, {"vin": "1M8GDM9AXKPO42788"})
    assert resp.json()["errors"]["vin"][0]["code"] == "vin_chars"


# ---------------------------------------------------------------- visibility and permissions


def _status_body(api: Call, who: str, method: str, path: str, body: Any = None) -> tuple[int, Any]:
    resp = api(who, method, path, body)
    return resp.status_code, resp.json()


@pytest.mark.parametrize(
    ("method", "template", "body"),
    [
        ("get", "/vehicles/{vehicle}", None),
        ("patch", "/vehicles/{vehicle}", {"plate": "沪A54321"}),
        ("patch", "/vehicles/{vehicle}", {}),
        ("get", "/customers/{customer}/vehicles", None),
        ("post", "/customers/{customer}/vehicles", {"vin": make_vin(7)}),
    ],
)
def test_other_managers_vehicles_are_404_like_missing(
    api: Call, customer: Customer, method: str, template: str, body: Any
) -> None:
    vehicle = vehicle_create(actor=customer.owner, customer_id=customer.pk, vin=VIN, plate=PLATE)
    before = snapshot()
    hidden = _status_body(api, "am2", method, template.format(vehicle=vehicle.pk, customer=customer.pk), body)
    missing = _status_body(api, "am2", method, template.format(vehicle=999999, customer=999999), body)
    assert hidden[0] == 404
    assert hidden == missing
    assert snapshot() == before
    # while her own account manager sees it
    assert api("account_manager", "get", f"/vehicles/{vehicle.pk}").status_code == 200


def test_vehicle_of_deleted_customer_is_404(api: Call, customer: Customer) -> None:
    vehicle = vehicle_create(actor=customer.owner, customer_id=customer.pk, vin=VIN)
    assert (
        api("general_manager", "delete", f"/customers/{customer.pk}", {"reason": "重复"}).status_code == 204
    )
    assert api("general_manager", "get", f"/vehicles/{vehicle.pk}").status_code == 404
    assert api("general_manager", "get", f"/customers/{customer.pk}/vehicles").status_code == 404


@pytest.mark.parametrize("who", ["cs_agent", "general_manager", "auditor"])
def test_all_scope_roles_read_vehicles(api: Call, customer: Customer, who: str) -> None:
    vehicle = vehicle_create(actor=customer.owner, customer_id=customer.pk, vin=VIN)
    assert api(who, "get", f"/vehicles/{vehicle.pk}").status_code == 200
    assert api(who, "get", f"/customers/{customer.pk}/vehicles").json()["count"] == 1


def test_auditor_cannot_write_vehicles(api: Call, customer: Customer) -> None:
    vehicle = vehicle_create(actor=customer.owner, customer_id=customer.pk, vin=VIN)
    before = snapshot()
    assert api("auditor", "patch", f"/vehicles/{vehicle.pk}", {"plate": PLATE}).status_code == 403
    assert (
        api("auditor", "post", f"/customers/{customer.pk}/vehicles", {"vin": make_vin(3)}).status_code == 403
    )
    assert snapshot() == before


def test_vehicle_endpoints_need_a_token(client: Client, customer: Customer) -> None:
    vehicle = vehicle_create(actor=customer.owner, customer_id=customer.pk, vin=VIN)
    assert client.get(f"/api/v1/vehicles/{vehicle.pk}").status_code == 401
    assert client.get(f"/api/v1/customers/{customer.pk}/vehicles").status_code == 401
    resp = client.post(
        f"/api/v1/customers/{customer.pk}/vehicles", {"vin": make_vin(4)}, content_type="application/json"
    )
    assert resp.status_code == 401
    assert Vehicle.objects.count() == 1
