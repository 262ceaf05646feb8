"""How a masked value looks (pure functions: the log filter uses them before the apps are loaded)."""

from __future__ import annotations


def mask_phone(value: str) -> str:
    """13812345678 → 138****5678; landlines keep the area code and the last 4."""
    if not value:
        return ""
    if len(value) <= 6:
        return value
    return f"{value[:3]}{'*' * (len(value) - 7)}{value[-4:]}"


def mask_id(value: str) -> str:
    """110105194912310021 → 110105********0021."""
    if not value or len(value) < 10:
        return value or ""
    return f"{value[:6]}{'*' * (len(value) - 10)}{value[-4:]}"
