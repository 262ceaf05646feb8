"""Shared pieces of the archive services: field lists, archive numbers, validation helpers, access."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Model
from django.utils import timezone, translation

from ..models import (
    ArchiveSequence,
    CustomerKind,
)

CUSTOMER_FIELDS = (
    "kind name phone phone2 id_number uscc gender birthday birthday_is_lunar address email legal_representative "
    "owner tier tags source since notes market_area business_scope capacity credit_rating"
).split()


VEHICLE_FIELDS = (
    "vin plate model color delivery_date invoice_date via_secondary_dealer insurance_expiry inspection_due "
    "maintenance_cycle_months maintenance_due vehicle_tax_due"
).split()


def archive_no_next(*, kind: str, today: dt.date | None = None) -> str:
    """The next archive number under the configured pattern. Must run inside the caller's transaction:
    the sequence row stays locked until it commits, so concurrent creators queue and never share a number."""
    today = today or timezone.localdate()
    pattern: str = settings.KEDANG_ARCHIVE_NO_PATTERN
    fields = {"year": today.year, "kind": "C" if kind == CustomerKind.COMPANY else "P"}
    key = pattern.split("{seq")[0].format(**fields)
    for _ in range(3):
        if ArchiveSequence.objects.filter(key=key).update(last=F("last") + 1):
            last = ArchiveSequence.objects.values_list("last", flat=True).get(key=key)
            return pattern.format(seq=last, **fields)
        try:
            with transaction.atomic():
                ArchiveSequence.objects.create(key=key, last=0)
        except IntegrityError:
            pass  # another transaction created it first: increment that one
    raise RuntimeError(f"could not allocate an archive number for {key}")


def _errors_add(errors: dict[str, list[ValidationError]], name: str, exc: ValidationError) -> None:
    errors.setdefault(name, []).extend(exc.error_list)


def _clean(
    errors: dict[str, list[ValidationError]], data: dict[str, Any], name: str, fn: Callable[[str], str]
) -> None:
    value = data.get(name)
    if value in (None, ""):
        data[name] = ""
        return
    try:
        data[name] = fn(str(value))
    except ValidationError as exc:
        _errors_add(errors, name, exc)


def _labels(model: type[Model], names: Iterable[str]) -> str:
    """Field labels for a timeline title: stored data, so always in the archive's language."""
    with translation.override(settings.LANGUAGE_CODE):
        return "、".join(str(getattr(model._meta.get_field(n), "verbose_name", n)) for n in names)
