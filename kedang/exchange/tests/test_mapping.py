"""Column guessing from Chinese or English headers, and cells read the way Chinese spreadsheets write them."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from kedang.exchange.mapping import FIELDS_BY_CODE, guess_mapping, parse_cell, parse_date

from .conftest import IDS


def test_chinese_headers_map_to_fields() -> None:
    headers = [
        "序号",
        "客户姓名",
        "联系电话",
        "身份证号码",
        "车牌号码",
        "VIN码",
        "提车日期",
        "保养周期（月）",
        "备注",
        "错误原因",
    ]
    assert guess_mapping(headers) == {
        1: "customer.name",
        2: "customer.phone",
        3: "customer.id_number",
        4: "vehicle.plate",
        5: "vehicle.vin",
        6: "vehicle.delivery_date",
        7: "vehicle.maintenance_cycle_months",
        8: "customer.notes",
    }


def test_english_headers_and_noise() -> None:
    headers = ["Name", " Mobile ", "ID Number", "License Plate", "VIN", "Delivery Date", "*Tier", "Owner"]
    got = guess_mapping(headers)
    assert [got.get(i) for i in range(len(headers))] == [
        "customer.name",
        "customer.phone",
        "customer.id_number",
        "vehicle.plate",
        "vehicle.vin",
        "vehicle.delivery_date",
        "customer.tier",
        "customer.owner",
    ]


def test_each_field_is_used_once_and_contained_names_match() -> None:
    assert guess_mapping(["手机", "电话", "客户名称"]) == {0: "customer.phone", 2: "customer.name"}
    assert guess_mapping(["车主联系电话（手机）", "客户名称（必填）"]) == {
        0: "customer.phone",
        1: "customer.name",
    }


@pytest.mark.parametrize(
    "cell",
    [
        "2026-03-01",
        "2026-3-1",
        "2026/3/1",
        "2026/03/01",
        "2026.3.1",
        "2026年3月1日",
        "２０２６年３月１日",
        "20260301",
        "2026-03-01 00:00:00",
        "2026/3/1 8:30",
        46082,
        46082.0,
        "46082",
        dt.datetime(2026, 3, 1, 0, 0),
        dt.date(2026, 3, 1),
    ],
)
def test_dates_in_chinese_spellings_and_excel_serials(cell: object) -> None:
    assert parse_date(cell) == dt.date(2026, 3, 1)


@pytest.mark.parametrize("cell", ["2026-02-30", "下周一", "3/1/2026", "1800-01-01", 0, True])
def test_not_dates(cell: object) -> None:
    with pytest.raises(ValidationError) as exc:
        parse_date(cell)
    assert exc.value.code == "invalid_date"


def test_excel_serials_before_the_fake_leap_day() -> None:
    assert parse_date(1) == dt.date(1900, 1, 1)
    assert parse_date(61) == dt.date(1900, 3, 1)


def test_identifiers_typed_as_numbers() -> None:
    phone = FIELDS_BY_CODE["customer.phone"]
    assert parse_cell(phone, 13812345678) == "13812345678"
    assert parse_cell(phone, 13812345678.0) == "13812345678"
    idn = FIELDS_BY_CODE["customer.id_number"]
    with pytest.raises(ValidationError) as exc:
        parse_cell(idn, float(IDS[0]))
    assert exc.value.code == "number_cell"
    assert parse_cell(idn, IDS[0].lower()) == IDS[0].upper()


def test_choices_and_amounts() -> None:
    assert parse_cell(FIELDS_BY_CODE["customer.kind"], "单位") == "company"
    assert parse_cell(FIELDS_BY_CODE["customer.gender"], "女") == "F"
    assert parse_cell(FIELDS_BY_CODE["customer.tier"], "a类") == "A"
    assert parse_cell(FIELDS_BY_CODE["vehicle.via_secondary_dealer"], "是") is True
    assert parse_cell(FIELDS_BY_CODE["event.kind"], "保养") == "maintenance"
    assert parse_cell(FIELDS_BY_CODE["event.amount"], "¥1,280.5") == Decimal("1280.50")
    assert parse_cell(FIELDS_BY_CODE["vehicle.maintenance_cycle_months"], "6个月") == 6
    with pytest.raises(ValidationError):
        parse_cell(FIELDS_BY_CODE["customer.gender"], "未说")
