"""What leaves the server (R-G6, R-G7, R-I2): every list export, printed form, letter run, register,
feed and personal-data zip is logged here — an ExportLog row and an access-log row, in one
transaction with nothing else. Values are masked by the writer through `kedang.archive.masking`;
the filters kept in the logs are masked for everyone (a typed phone or ID number never lies in clear)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from django.db import transaction

from .masking import mask_text

if TYPE_CHECKING:
    from kedang.accounts.models import User
    from kedang.customers.models import Customer
    from kedang.exchange.models import ExportLog


def _clean_filters(filters: Mapping[str, Any] | None) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in (filters or {}).items():
        if v in ("", None, False):
            continue
        out[k] = mask_text(v) if isinstance(v, str) else v
    return out


def output_logged(
    *,
    actor: User,
    what: str,
    file_format: str,
    rows: int,
    filters: Mapping[str, Any] | None = None,
    customer: Customer | None = None,
    action: str | None = None,
) -> ExportLog:
    """Log one output: `what` is a stable code (customers, tasks, letters …), `file_format` xlsx, csv,
    pdf, ics or zip, `rows` how many records it holds; `customer` when it is about one; `action` the
    access-log action when it is not the plain print (pdf) or export (e.g. a data-subject export)."""
    from kedang.exchange.models import ExportLog
    from kedang.privacy.access_log import log_access
    from kedang.privacy.models import AccessAction

    with transaction.atomic():
        entry = ExportLog.objects.create(
            user=actor,
            what=what,
            file_format=file_format,
            filters=_clean_filters(filters),
            rows=rows,
            customer=customer,
        )
        action = action or (AccessAction.PRINT if file_format == "pdf" else AccessAction.EXPORT)
        log_access(actor, action, customer=customer, what=f"{what} ({file_format})", rows=rows)
    return entry
