"""Money (R-R2): Decimal end to end, rounded half-up to the fen; shown and sent as strings "1280.50"."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

FEN = Decimal("0.01")
ZERO = Decimal("0.00")


def to_money(value: Any) -> Decimal:
    """A Decimal rounded half-up to the fen, from a Decimal, int or string ("1,280.5" → 1280.50); floats are
    refused (they already lost the fen). Raises ValueError for anything else."""
    if isinstance(value, bool) or isinstance(value, float):
        raise ValueError("金额必须是十进制数")
    if isinstance(value, str):
        value = value.strip().replace(",", "").replace("，", "")
    try:
        amount = Decimal(value)
    except (InvalidOperation, TypeError) as exc:
        raise ValueError("金额格式不正确") from exc
    if not amount.is_finite():
        raise ValueError("金额格式不正确")
    return amount.quantize(FEN, rounding=ROUND_HALF_UP)


def money_str(value: Decimal | None) -> str:
    """ "1280.50": two decimals, no grouping (the API's format)."""
    return str((value or ZERO).quantize(FEN, rounding=ROUND_HALF_UP))
