"""Rows of an import file: the cells of a row parsed into customer, vehicle and event fields."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError

from .. import reading
from ..mapping import FIELDS_BY_CODE, parse_cell
from ..models import ImportJob

BATCH_SIZE = 1000  # rows per transaction: fewer, larger commits write fewer index pages per row
CUSTOMER_KEYS = ("id_number", "uscc")


@dataclass
class RowError:
    field: str  # field code (customer.phone) or "" for the whole row
    column: str  # the header of the column, as the user wrote it
    code: str
    message: str

    def as_dict(self) -> dict[str, str]:
        return {"field": self.field, "column": self.column, "code": self.code, "message": self.message}


@dataclass
class Row:
    number: int
    values: list[Any]
    customer: dict[str, Any] = field(default_factory=dict)
    vehicle: dict[str, Any] = field(default_factory=dict)
    event: dict[str, Any] = field(default_factory=dict)
    errors: list[RowError] = field(default_factory=list)

    def keys(self) -> list[tuple[str, str]]:
        """The natural keys of the row, strongest first."""
        out = [(k, self.customer[k]) for k in CUSTOMER_KEYS if self.customer.get(k)]
        if self.vehicle.get("vin"):
            out.append(("vin", self.vehicle["vin"]))
        if self.vehicle.get("plate"):
            out.append(("plate", self.vehicle["plate"]))
        if self.customer.get("phone"):
            out.append(("phone", self.customer["phone"]))
        return out


class Columns:
    """The job's mapping, both ways, with the header text of each column for messages."""

    def __init__(self, job: ImportJob) -> None:
        self.by_index = {int(i): code for i, code in job.mapping.items()}
        self.by_code = {code: i for i, code in self.by_index.items()}
        self.headers: list[str] = list(job.headers)

    def header(self, code: str) -> str:
        i = self.by_code.get(code)
        if i is None:
            return ""
        return self.headers[i] if i < len(self.headers) and self.headers[i] else _column_letter(i)


def _column_letter(i: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(i + 1)


def parse_row(number: int, values: list[Any], columns: Columns) -> Row:
    """Cells → field values of the customer, vehicle and event parts; bad cells become row errors."""
    row = Row(number, values)
    for i, code in columns.by_index.items():
        value = values[i] if i < len(values) else None
        if reading.is_blank(value):
            continue
        spec = FIELDS_BY_CODE[code]
        try:
            parsed = parse_cell(spec, value)
        except ValidationError as exc:
            for e in exc.error_list:
                row.errors.append(RowError(code, columns.header(code), e.code or "invalid", str(e.message)))
            continue
        getattr(row, spec.target)[spec.name] = parsed
    return row
