"""The import refuses names with control characters, bidi overrides or zero-width characters only, row by
row with the reason (#13; the check is the customer service's clean step, validate_name)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from kedang.customers.models import Customer

from .conftest import Importer, reasons

pytestmark = pytest.mark.django_db


def test_bad_names_are_rejected_rows(write_xlsx: Callable[..., Path], run_import: Importer) -> None:
    path = write_xlsx(
        ["客户名称", "手机", "客户经理"],
        [
            ["好名字", "13800000011", "account_manager"],
            ["客户\u202eabc", "13800000012", "account_manager"],
            ["\u200b\u200c", "13800000013", "account_manager"],
            ["张\u2066三", "13800000014", "account_manager"],
        ],
    )
    job = run_import(path)
    got = reasons(job)
    assert sorted(got) == [3, 4, 5]
    assert {codes[0][2] for codes in got.values()} == {"name_bidi", "name_invisible"}
    assert list(Customer.objects.values_list("name", flat=True)) == ["好名字"]
