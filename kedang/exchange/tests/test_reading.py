"""The two workbook readers agree: calamine (fast, the whole sheet at once) and openpyxl (streamed, for
sheets whose grid is too large to hold) give the same rows, numbered as the user sees them."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from openpyxl import Workbook

from kedang.exchange import reading


def test_calamine_and_openpyxl_read_alike(tmp_path: Path) -> None:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws["C2"] = "客户档案"  # a title row, the table starting in column B
    ws.append([])
    ws.append([None, "姓名", "手机", "身份证号", "提车日期", "金额", "是否", "时间"])
    ws.append([None, "张三", 13800000001, float("110101199003071234"), dt.date(2025, 3, 1), -1.5, True])
    ws.append([None, "李四", "13800000002", "", dt.datetime(2025, 3, 2, 9, 30), 3.0, None, dt.time(8, 30)])
    ws.append([])
    ws.append([None, None, None, None, None, None, None, None, None, "尾"])
    path = tmp_path / "t.xlsx"
    wb.save(path)
    assert reading._xlsx_prescan(path) == (8, 26)  # columns up to Z are not told apart
    fast = list(reading._calamine_rows(path))
    slow = list(reading._openpyxl_rows(path))
    assert fast == slow
    number, cells = fast[4]
    assert number == 5 and cells[:3] == [None, "张三", 13800000001]
    assert isinstance(cells[3], float) and cells[3] > 1e17  # an ID number typed as a number stays a float
    assert cells[4:] == [dt.datetime(2025, 3, 1), -1.5, True]
    assert fast[6] == (7, [])


def test_a_wide_sparse_sheet_is_streamed(tmp_path: Path) -> None:
    """A cell in column XFD would make calamine's grid 16,384 cells wide for every row."""
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    for i in range(1, 600):
        ws.cell(row=i, column=1, value=f"r{i}")
    ws.cell(row=600, column=16384, value="x")
    path = tmp_path / "wide.xlsx"
    wb.save(path)
    rows, columns = reading._xlsx_prescan(path)
    assert (rows, columns) == (600, 16384) and rows * columns > reading.CALAMINE_MAX_CELLS
    got: list[tuple[int, list[object]]] = []
    with pytest.raises(ValidationError) as exc:
        got.extend(reading.iter_rows(path, reading.sniff(path)))
    assert exc.value.error_dict["file"][0].code == "too_many_columns"
    assert got[0] == (1, ["r1"]) and len(got) == 599
