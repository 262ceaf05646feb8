from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from kedang.accounts.models import User

ID = "11010519491231002X"
PHONE = "13812345678"

Call = Callable[..., Any]


@pytest.fixture
def person(make_customer: Callable[..., Any], users: dict[str, User]) -> Any:
    """A customer of the account manager with a phone and an ID number."""
    return make_customer(name="王建国", phone=PHONE, id_number=ID, address="北京市朝阳区建国路88号")
