"""`manage.py seed_demo` (SPEC §14) and the demo-data generators of kedang.customers.demo."""

from __future__ import annotations

import datetime as dt
import random
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command

from kedang.accounts.models import Department, User
from kedang.accounts.roles import Role
from kedang.customers import demo
from kedang.customers import validators as v
from kedang.customers.models import Customer, CustomerKind, Record, RecordKind, Vehicle

TODAY = dt.date(2026, 3, 15)


# ---------------------------------------------------------------- pure generators


@pytest.fixture(autouse=True)
def fast_hashing(settings: Any) -> None:
    """Argon2 costs ~0.2 s per demo login; the tests only need check_password to work."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.mark.parametrize("seed", range(0, 600, 60))
def test_generated_identifiers_pass_the_validators(seed: int) -> None:
    for n in range(seed, seed + 60):
        _check_generated_identifiers(n)


def _check_generated_identifiers(seed: int) -> None:
    rng = random.Random(seed)
    region = rng.choice(demo.REGIONS)

    id_number = demo.valid_id_number(rng, region=region.code, male=seed % 2 == 0)
    assert v.validate_id_number(id_number) == id_number
    assert id_number.startswith(region.code)
    assert v.id_number_gender(id_number) == ("M" if seed % 2 == 0 else "F")
    assert dt.date(1950, 1, 1) <= v.id_number_birth_date(id_number) <= dt.date(2004, 12, 31)

    uscc = demo.valid_uscc(rng, region=region.code)
    assert v.validate_uscc(uscc) == uscc
    assert uscc.startswith("91" + region.code)

    vin = demo.valid_vin(rng, year=2024)
    assert v.validate_vin(vin) == vin
    assert vin[:3] in demo.WMIS and vin[9] == "R"  # model-year code of 2024

    ordinary = demo.plate(rng, region.province)
    green = demo.plate(rng, region.province, new_energy=True)
    assert v.validate_plate(ordinary) == ordinary and ordinary[0] == region.province
    assert v.validate_plate(green) == green and green[2] in "DF" and len(green) == 8

    assert v.is_mobile(v.validate_phone(demo.mobile(rng)))
    assert v.validate_phone(demo.landline(rng, region.area_code)).startswith(region.area_code)


def test_org_code_check_char_matches_a_published_example() -> None:
    # GB 11714 worked example: D2143569 → X
    assert demo.org_code_check_char("D2143569") == "X"


def test_add_months_clamps_to_month_end() -> None:
    assert demo.add_months(dt.date(2024, 1, 31), 1) == dt.date(2024, 2, 29)
    assert demo.add_months(dt.date(2024, 2, 29), 12) == dt.date(2025, 2, 28)
    assert demo.add_months(dt.date(2024, 11, 30), 3) == dt.date(2025, 2, 28)


def test_demo_customers_are_reproducible_and_plausible() -> None:
    first = list(demo.demo_customers(60, seed=7, today=TODAY))
    again = list(demo.demo_customers(60, seed=7, today=TODAY))
    other = list(demo.demo_customers(60, seed=8, today=TODAY))
    assert [c.fields for c in first] == [c.fields for c in again]
    assert [c.fields["name"] for c in first] != [c.fields["name"] for c in other]

    companies = [c for c in first if c.fields["kind"] == CustomerKind.COMPANY]
    assert 0 < len(companies) < len(first) / 2
    for c in first:
        assert c.owner in ("am1", "am2", "am3")
        for dv in c.vehicles:
            f = dv.fields
            assert TODAY - dt.timedelta(days=3 * 365) <= f["delivery_date"] <= TODAY
            assert f["delivery_date"] - dt.timedelta(days=7) <= f["invoice_date"] <= f["delivery_date"]
            assert f["insurance_expiry"] > f["delivery_date"]
            assert f["maintenance_due"] > f["delivery_date"]
            if f["plate"]:
                region = next(r for r in demo.REGIONS if c.fields["address"].startswith(r.city + r.district))
                assert f["plate"][0] == region.province


# ---------------------------------------------------------------- the command


@pytest.mark.django_db
def test_seed_demo_creates_every_role_customers_and_valid_identifiers() -> None:
    out = StringIO()
    call_command("seed_demo", customers=30, stdout=out)

    # a demo login for every role, all with the demo password
    roles = {u.role for u in User.objects.all()}
    assert roles >= set(Role.values)
    gm = User.objects.get(username="gm")
    assert gm.check_password(demo.DEMO_PASSWORD)
    assert Department.objects.get(name="销售一部").parent == Department.objects.get(name="销售部")
    assert Department.objects.get(name="销售二部").parent == Department.objects.get(name="销售部")
    for name in ("总经理室", "客服部", "售后服务部", "财务部", "档案室"):
        assert Department.objects.filter(name=name).exists()

    customers = list(Customer.objects.all())
    assert len(customers) == 30
    archive_nos = [c.archive_no for c in customers]
    assert all(archive_nos) and len(set(archive_nos)) == 30
    assert {c.owner.username for c in customers} <= {"am1", "am2", "am3"}
    for c in customers:
        if c.kind == CustomerKind.PERSON:
            assert v.validate_id_number(c.id_number) == c.id_number and not c.uscc
            assert c.birthday == v.id_number_birth_date(c.id_number)
        else:
            assert v.validate_uscc(c.uscc) == c.uscc and not c.id_number
        v.validate_phone(c.phone)

    vehicles = list(Vehicle.objects.all())
    assert len(vehicles) >= 30
    for vehicle in vehicles:
        assert v.validate_vin(vehicle.vin) == vehicle.vin
        if vehicle.plate:
            assert v.validate_plate(vehicle.plate) == vehicle.plate
    assert len({vh.vin for vh in vehicles}) == len(vehicles)
    # created through the services: timeline records, history, and some filed sales documents
    assert Record.objects.filter(kind=RecordKind.CHANGE, title="建立档案").count() == 30
    assert Customer.history.count() == 30
    assert Record.objects.filter(kind=RecordKind.DOCUMENT, file__file_type__code="SALES").exists()

    text = out.getvalue()
    for du in demo.DEMO_USERS:
        assert du.username in text
    assert demo.DEMO_PASSWORD in text and "客户经理" in text


@pytest.mark.django_db
def test_seed_demo_if_empty_adds_nothing_the_second_time() -> None:
    call_command("seed_demo", customers=10, stdout=StringIO())
    counts = (Customer.objects.count(), Vehicle.objects.count(), Record.objects.count(), User.objects.count())

    out = StringIO()
    call_command("seed_demo", "--if-empty", "--customers", "10", stdout=out)

    assert (
        Customer.objects.count(),
        Vehicle.objects.count(),
        Record.objects.count(),
        User.objects.count(),
    ) == counts
    assert "跳过" in out.getvalue()


@pytest.mark.django_db
def test_seed_demo_run_twice_without_if_empty_adds_fresh_customers() -> None:
    call_command("seed_demo", customers=5, stdout=StringIO())
    call_command("seed_demo", customers=5, stdout=StringIO())
    assert Customer.objects.count() == 10
    assert User.objects.filter(username="am1").count() == 1
    ids = [c.id_number or c.uscc for c in Customer.objects.all()]
    assert len(set(ids)) == 10
